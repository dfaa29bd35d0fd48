"""The claim deadline as a contest setting through the API (rule in app.contests.rules)."""

from __future__ import annotations

from app.contests import rules
from app.db import contests
from tests.api.conftest import ORGANIZER, Api

CREATE = "/api/organizer/contests"


async def test_claim_hours_are_created_edited_cleared_and_bounded(api: Api) -> None:
    card = await api.create_contest(claimHours=48)
    assert card["claimHours"] == 48
    assert (await contests.get(card["id"])).claim_hours == 48
    url = f"{CREATE}/{card['id']}"
    headers = api.as_user(ORGANIZER)
    assert (await api.client.get(url, headers=headers)).json()["claimHours"] == 48

    for wrong in (0, rules.CLAIM_HOURS_MAX + 1, 1.5):
        refused = await api.client.patch(url, json={"claimHours": wrong}, headers=headers)
        assert refused.status_code == 400, refused.text
        assert "claimHours" in refused.json()["detail"]
    assert (await contests.get(card["id"])).claim_hours == 48

    edited = await api.client.patch(url, json={"claimHours": 2}, headers=headers)
    assert edited.json()["claimHours"] == 2
    unchanged = await api.client.patch(url, json={"title": "Renamed"}, headers=headers)
    assert unchanged.json()["claimHours"] == 2
    cleared = await api.client.patch(url, json={"claimHours": None}, headers=headers)
    assert cleared.json()["claimHours"] is None
    assert (await contests.get(card["id"])).claim_hours is None
