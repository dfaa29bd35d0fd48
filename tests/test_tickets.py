"""Extra tickets: referrals recorded with the invitee's entry, boosts on record, and the
settings stored per contest (on each engine)."""

from __future__ import annotations

import asyncio

import pytest

from app.contests import draw, proof
from app.contests.conditions import ChannelSubscription
from app.db import contests, draws, exclusions, participants, tickets
from app.db.tables import Referral
from app.errors import FinalCheckUndecided
from tests.test_storage import OWNER, Channels, active_contest, fields


async def test_a_referral_counts_once_per_invitee_and_only_for_a_participant(db: str) -> None:
    contest_id = await active_contest(ticket_mode="referrals", referral_cap=2)
    await participants.join(contest_id, 1, [])
    stranger = 99  # not a participant: their link brings nobody in
    assert (await participants.join(contest_id, 2, [], referrer=stranger)).status == "joined"
    assert (await participants.join(contest_id, 3, [], referrer=1)).status == "joined"
    # Joining again through another link, or through one's own, changes nothing.
    assert (await participants.join(contest_id, 3, [], referrer=2)).status == "already_joined"
    assert (await participants.join(contest_id, 4, [], referrer=4)).status == "joined"
    await participants.join(contest_id, 5, [], referrer=1)
    await participants.join(contest_id, 6, [], referrer=1)
    assert await tickets.invitees(contest_id) == {1: [3, 5, 6]}
    contest = await contests.get(contest_id)
    assert await tickets.of(contest, 1) == tickets.Tickets(referrals=3, boosts=0, total=1 + 2)
    assert await tickets.of(contest, 3) == tickets.Tickets(referrals=0, boosts=0, total=1)


async def test_simultaneous_joins_through_two_links_record_one_referral(db: str) -> None:
    contest_id = await active_contest(ticket_mode="referrals")
    for referrer in (1, 2):
        await participants.join(contest_id, referrer, [])
    for _ in range(3):
        invitee = 1000 + _
        results = await asyncio.gather(
            participants.join(contest_id, invitee, [], referrer=1),
            participants.join(contest_id, invitee, [], referrer=2),
        )
        assert sorted(result.status for result in results) == ["already_joined", "joined"]
        rows = await Referral.select().where(Referral.invitee_id == invitee)
        assert len(rows) == 1


async def test_a_refused_join_records_no_referral(db: str) -> None:
    contest_id = await active_contest(ticket_mode="both")
    await participants.join(contest_id, 1, [])
    await contests.close(contest_id)
    assert (await participants.join(contest_id, 2, [], referrer=1)).status == "not_open"
    assert await tickets.invitees(contest_id) == {}


async def test_boosts_on_record_are_replaced_and_forgotten(db: str) -> None:
    contest_id = await active_contest(ticket_mode="boosts", boost_cap=3)
    await participants.join(contest_id, 1, [])
    await tickets.record_boosts(contest_id, 1, 2)
    await tickets.record_boosts(contest_id, 1, 5)
    assert await tickets.boosters(contest_id) == {1: 5}
    assert (await tickets.of(await contests.get(contest_id), 1)).total == 1 + 3
    await tickets.record_boosts(contest_id, 1, 0)
    assert await tickets.boosters(contest_id) == {}


async def test_ticket_settings_are_stored_and_edited(db: str) -> None:
    contest = await contests.create(OWNER, fields(ticket_mode="both", boost_cap=4))
    assert (contest.ticket_mode, contest.referral_cap, contest.boost_cap) == ("both", 10, 4)
    changed = await contests.update(
        contest.id, OWNER, fields(ticket_mode="referrals", referral_cap=7)
    )
    stored = contests.fields_of(await contests.get(changed.id))
    assert (stored.ticket_mode, stored.referral_cap, stored.boost_cap) == ("referrals", 7, 10)


async def test_the_freeze_decides_tickets_and_the_proof_carries_them(db: str) -> None:
    """Referrals count once the invitee is listed, not excluded and still subscribed;
    boosts are asked again; the weighted draw's proof verifies."""
    contest_id = await active_contest(ticket_mode="both", referral_cap=2, boost_cap=3)
    for uid in (1, 2, 3):
        await participants.join(contest_id, uid, [])
    for invitee in (10, 11, 12):  # 1 invited three; the cap is two
        await participants.join(contest_id, invitee, [], referrer=1)
    for invitee in (20, 21, 22):  # 2's invitees: 20 left the channel, 21 was excluded
        await participants.join(contest_id, invitee, [], referrer=2)
    await exclusions.exclude(contest_id, [21], "same device as 2", OWNER)
    await tickets.record_boosts(contest_id, 3, 5)  # asked again at the freeze: 4 now
    await tickets.record_boosts(contest_id, 22, 2)  # took the boosts back: none now
    subscribed = Channels({-1: {1, 2, 3, 10, 11, 12, 21, 22}})
    condition = ChannelSubscription(-1, "News", subscribed)
    asked: list[int] = []

    async def recheck(user_id: int) -> list:
        asked.append(user_id)
        return [await condition.check(user_id)]

    async def active_boosts(user_id: int) -> int:
        return {3: 4, 22: 0}[user_id]

    row, created = await draws.freeze(contest_id, recheck=recheck, active_boosts=active_boosts)
    assert created and row.tickets
    assert asked == [10, 11, 20, 22]  # 12 not needed (cap), 21 excluded
    listed = await draws.frozen_list(contest_id)
    held = dict(zip(listed.ids, listed.tickets or [], strict=True))
    assert held == {1: 3, 2: 2, 3: 4, 10: 1, 11: 1, 12: 1, 20: 1, 21: 1, 22: 1}
    await draws.complete(contest_id)
    document = await draws.proof(contest_id)
    assert document.format == proof.FORMAT_TICKETS
    assert document.tickets == proof.TicketRules("both", 2, 3)
    assert proof.verify(document, listed) == []
    assert document.list_hash == draw.list_hash(list(listed.ids), list(held.values()))


async def test_an_unanswered_invitee_check_makes_the_freeze_wait(db: str) -> None:
    contest_id = await active_contest(ticket_mode="referrals")
    await participants.join(contest_id, 1, [])
    await participants.join(contest_id, 2, [], referrer=1)
    condition = ChannelSubscription(-1, "News", Channels({-1: None}))

    async def recheck(user_id: int) -> list:
        return [await condition.check(user_id)]

    with pytest.raises(FinalCheckUndecided):
        await draws.freeze(contest_id, recheck=recheck)
    assert await draws.frozen(contest_id) is None  # nothing written: the task retries
    await draws.skip_final_check(contest_id, OWNER)  # the organizer's choice: as recorded
    row, _ = await draws.freeze(contest_id, recheck=recheck)
    listed = await draws.frozen_list(contest_id)
    assert row.tickets and list(listed.tickets or []) == [2, 1]


async def test_a_contest_without_tickets_keeps_the_ids_only_file(db: str) -> None:
    contest_id = await active_contest()
    await participants.join(contest_id, 1, [])
    await participants.join(contest_id, 2, [], referrer=1)
    outcome = await draws.run(contest_id)
    document = await draws.proof(contest_id)
    assert document.format == proof.FORMAT and document.tickets is None
    assert await draws.participants_file(contest_id)
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
    assert outcome.winners
