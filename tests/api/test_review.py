"""The organizer's review of suspicious entries through the API, on both databases: a
farm of fresh bare accounts joins through the Mini App, the background pass flags it,
the organizer excludes it with a reason (and undoes one), and the proof lists them."""

from __future__ import annotations

from typing import Any

from app.api import init_data
from app.contests import proof
from app.db import draws
from app.telegram import suspicion as passes
from tests.api.conftest import ORGANIZER, OUTSIDER, PARTICIPANT, Api
from tests.conftest import TEST_TOKEN

FRESH = 9_900_000_000
REVIEW = "/api/organizer/contests/{}/review/"
EXCLUDE = "/api/organizer/contests/{}/review/exclusions"


def bare(user_id: int) -> dict[str, str]:
    """initData of an account without a username, as Telegram signs it."""
    user = {"id": user_id, "first_name": "A", "language_code": "en"}
    return {"Authorization": f"tma {init_data.sign(TEST_TOKEN, user)}"}


async def _farm(api: Api, contest_id: int, count: int) -> list[int]:
    farm = list(range(FRESH, FRESH + count))
    for uid in farm:
        api.emulator.create_user(uid, "A")
        api.emulator.add_member("@news", uid)
        joined = await api.client.post(f"/api/contests/{contest_id}/join", headers=bare(uid))
        assert joined.json()["status"] == "joined", joined.text
    for uid in (PARTICIPANT, OUTSIDER):
        api.emulator.set_profile_photos(uid, 1)
        api.emulator.add_member("@news", uid)
        await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(uid))
    return farm


async def _review(api: Api, contest_id: int, **params: Any) -> dict[str, Any]:
    response = await api.client.get(
        REVIEW.format(contest_id), params=params, headers=api.as_user(ORGANIZER)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_flagged_entries_are_reviewed_excluded_and_in_the_proof(api: Api) -> None:
    contest_id = await api.published_contest(winnersCount=1, reserveCount=1)
    farm = await _farm(api, contest_id, 6)
    await passes.assess_contest(api.bot, contest_id)

    review = await _review(api, contest_id)
    assert (review["assessed"], review["flagged"], review["excluded"]) == (8, 6, 0)
    assert review["flagScore"] == 3 and review["canExclude"] is True
    assert review["bySignal"] == {"new_account": 6, "no_photo": 6, "no_username": 6}
    first = review["entries"][0]
    assert first["person"] == {"id": farm[0], "firstName": "A", "username": None}
    assert first["score"] == 4 and first["exclusion"] is None
    assert first["signals"] == ["new_account", "no_photo", "no_username"]
    paged = await _review(api, contest_id, limit=2, offset=4)
    assert [e["person"]["id"] for e in paged["entries"]] == farm[4:6]

    reason = "fresh accounts without username or photo, joined together"
    excluded = await api.client.post(
        EXCLUDE.format(contest_id),
        json={"userIds": farm, "reason": reason},
        headers=api.as_user(ORGANIZER),
    )
    assert excluded.status_code == 200, excluded.text
    body = excluded.json()
    assert body["excluded"] == 6 and len(body["exclusions"]) == 6
    assert body["exclusions"][0]["exclusion"]["reason"] == reason
    assert body["exclusions"][0]["signals"] == first["signals"]
    undone = await api.client.delete(
        f"{EXCLUDE.format(contest_id)}/{farm[0]}", headers=api.as_user(ORGANIZER)
    )
    assert undone.status_code == 200 and undone.json()["excluded"] == 5

    await draws.run(contest_id)
    document = await draws.proof(contest_id)
    assert {e.user_id for e in document.excluded} == set(farm[1:])
    assert {(e.code, e.reason) for e in document.excluded} == {(proof.ORGANIZER, reason)}
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
    assert not set(farm[1:]) & set(document.winners + document.reserves)
    late = await api.client.post(
        EXCLUDE.format(contest_id),
        json={"userIds": [farm[0]], "reason": "late"},
        headers=api.as_user(ORGANIZER),
    )
    assert late.status_code == 409, late.text
    assert (await _review(api, contest_id))["canExclude"] is False


async def test_bad_review_requests_are_refused(api: Api) -> None:
    contest_id = await api.published_contest()
    api.emulator.add_member("@news", PARTICIPANT)
    await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(PARTICIPANT))
    url = EXCLUDE.format(contest_id)
    cases = [
        ({"userIds": [PARTICIPANT], "reason": ""}, 400),
        ({"userIds": [], "reason": "farm"}, 400),
        ({"userIds": [PARTICIPANT], "reason": "x" * 501}, 400),
        ({"userIds": [PARTICIPANT], "reason": "farm", "extra": 1}, 400),
        ({"userIds": list(range(1, 1002)), "reason": "farm"}, 400),
        ({"userIds": [OUTSIDER], "reason": "farm"}, 422),  # not an entry
    ]
    for body, status in cases:
        response = await api.client.post(url, json=body, headers=api.as_user(ORGANIZER))
        assert response.status_code == status, (body, response.text)
    stranger = await api.client.post(
        url, json={"userIds": [PARTICIPANT], "reason": "farm"}, headers=api.as_user(OUTSIDER)
    )
    assert stranger.status_code == 403
    looking = await api.client.get(REVIEW.format(contest_id), headers=api.as_user(OUTSIDER))
    assert looking.status_code == 403
    assert (await _review(api, contest_id))["excluded"] == 0
