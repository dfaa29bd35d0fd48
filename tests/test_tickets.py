"""Extra tickets: referrals recorded with the invitee's entry, boosts on record, and the
settings stored per contest (on each engine)."""

from __future__ import annotations

import asyncio

from app.db import contests, participants, tickets
from app.db.tables import Referral
from tests.test_storage import OWNER, active_contest, fields


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
