"""The card's shared part is cached per API process for a moment; nothing personal is."""

from __future__ import annotations

import pytest

from app.api import card_cache
from app.db import participants
from app.db.tables import Participant
from tests.api.conftest import ORGANIZER, OUTSIDER, PARTICIPANT, Api


async def test_shared_part_cached_personal_part_fresh(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    contest_id = await api.published_contest()
    now = [100.0]
    api.app.state.card_cache = card_cache.CardCache(5, clock=lambda: now[0])
    reads: list[int] = []
    load = card_cache.load

    async def counted(contest):  # type: ignore[no-untyped-def]
        reads.append(contest.id)
        return await load(contest)

    monkeypatch.setattr(card_cache, "load", counted)

    async def card(user_id: int) -> dict:
        response = await api.client.get(f"/api/contests/{contest_id}", headers=api.as_user(user_id))
        assert response.status_code == 200, response.text
        return response.json()

    first = await card(PARTICIPANT)
    assert (first["participantCount"], first["joined"], first["canManage"]) == (0, False, False)

    await Participant.insert(Participant(contest=contest_id, user_id=PARTICIPANT))
    await participants.recount(contest_id)
    mine = await card(PARTICIPANT)
    assert mine["joined"] is True  # the viewer's own state is never cached
    assert mine["participantCount"] == 0  # the shared count is, for the TTL
    other = await card(OUTSIDER)
    assert other["joined"] is False and other["canManage"] is False  # not the last viewer's
    assert (await card(ORGANIZER))["canManage"] is True
    assert reads == [contest_id]  # four views, one read of the shared part

    now[0] += 5.1
    later = await card(OUTSIDER)
    assert later["participantCount"] == 1 and later["joined"] is False
    assert reads == [contest_id, contest_id]


async def test_hidden_contest_stays_hidden_when_cached(api: Api) -> None:
    contest_id = (await api.create_contest())["id"]  # a draft
    api.app.state.card_cache = card_cache.CardCache(60)
    path = f"/api/contests/{contest_id}"
    assert (await api.client.get(path, headers=api.as_user(ORGANIZER))).status_code == 200
    hidden = await api.client.get(path, headers=api.as_user(PARTICIPANT))
    assert hidden.status_code == 404  # the organizer's cached view opens nothing to others


async def test_public_card_has_nothing_personal_and_status_is_each_viewers(api: Api) -> None:
    """The public card (nginx caches it) is the card without the viewer's part; the
    status endpoint gives that part, for the viewer asking only."""
    contest_id = await api.published_contest()
    await Participant.insert(Participant(contest=contest_id, user_id=PARTICIPANT))
    await participants.recount(contest_id)
    public = await api.client.get(f"/api/public/contests/{contest_id}/card")
    assert public.status_code == 200, public.text
    card = (
        await api.client.get(f"/api/contests/{contest_id}", headers=api.as_user(PARTICIPANT))
    ).json()
    personal = {"joined", "canManage", "serverTime", "tickets"}
    assert public.json() == {key: value for key, value in card.items() if key not in personal}
    same = await api.client.get(
        f"/api/public/contests/{contest_id}/card", headers=api.as_user(PARTICIPANT)
    )
    assert same.json() == public.json()  # who asks changes nothing

    async def status(user_id: int) -> dict:
        path = f"/api/contests/{contest_id}/status"
        response = await api.client.get(path, headers=api.as_user(user_id))
        assert response.status_code == 200, response.text
        return response.json()

    assert {k: v for k, v in (await status(PARTICIPANT)).items() if k != "serverTime"} == {
        "joined": True,
        "canManage": False,
        "tickets": None,  # a contest without extra tickets
    }
    assert (await status(OUTSIDER))["joined"] is False
    assert (await status(ORGANIZER))["canManage"] is True
    unsigned = await api.client.get(f"/api/contests/{contest_id}/status")
    assert unsigned.status_code == 401


async def test_public_card_of_a_draft_is_404_even_after_its_organizer_looked(api: Api) -> None:
    contest_id = (await api.create_contest())["id"]
    path = f"/api/contests/{contest_id}"
    assert (await api.client.get(path, headers=api.as_user(ORGANIZER))).status_code == 200
    assert (
        await api.client.get(f"{path}/status", headers=api.as_user(ORGANIZER))
    ).status_code == 200
    assert (await api.client.get(f"/api/public/contests/{contest_id}/card")).status_code == 404
    assert (
        await api.client.get(f"{path}/status", headers=api.as_user(OUTSIDER))
    ).status_code == 404
    assert (await api.client.get("/api/public/contests/999999/card")).status_code == 404
