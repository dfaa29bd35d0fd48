"""Organizers' exclusions before the draw (app.db.exclusions), on both engines: in the
proof's disqualification list, fixed at the freeze, and verified."""

from __future__ import annotations

import asyncio

import pytest

from app.contests import draw, proof
from app.db import audit, contests, draws, exclusions, participants, suspicion, users
from app.db.tables import Participant
from app.errors import TransitionError, ValidationError
from tests.test_storage import OWNER, active_contest


async def test_excluded_entries_are_skipped_by_the_draw_and_listed_in_the_proof(db: str) -> None:
    contest_id = await active_contest()
    for uid in range(1, 31):
        await participants.join(contest_id, uid, [])
    contest = await contests.get(contest_id)
    ranked = draw.ranking(contest.seed, contest_id, list(range(1, 31)), 4)
    farmed = ranked[:2]  # the two would-be winners look farmed
    assert await exclusions.exclude(contest_id, farmed, "farm: same-second burst", OWNER) == 2
    assert await exclusions.exclude(contest_id, farmed[:1], "again", OWNER) == 0
    assert await exclusions.undo(contest_id, ranked[3], OWNER) is False

    outcome = await draws.run(contest_id)
    assert outcome.winners == ranked[2:4]
    assert not set(farmed) & set(outcome.winners + outcome.reserves)
    document = await draws.proof(contest_id)
    assert [(e.user_id, e.code, e.reason) for e in document.excluded] == [
        (uid, proof.ORGANIZER, "farm: same-second burst") for uid in sorted(farmed)
    ]
    assert all(e.at for e in document.excluded)
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
    assert "excluded by the organizer before the draw: farm" in document.excluded[0].describe()

    with pytest.raises(TransitionError, match="before the draw"):
        await exclusions.exclude(contest_id, [ranked[2]], "too late", OWNER)
    with pytest.raises(TransitionError):
        await exclusions.undo(contest_id, farmed[0], OWNER)
    actions = [e["action"] for e in await audit.entries(contest_id)]
    assert actions.count(exclusions.EXCLUDE) == 1


async def test_undo_takes_the_exclusion_back(db: str) -> None:
    contest_id = await active_contest()
    for uid in range(1, 6):
        await participants.join(contest_id, uid, [])
    await exclusions.exclude(contest_id, [1, 2], "no photo, no username", OWNER)
    assert await exclusions.undo(contest_id, 1, OWNER) is True
    assert set(await exclusions.of_contest(contest_id)) == {2}
    outcome = await draws.run(contest_id)
    assert [e.user_id for e in outcome.excluded] == [2]


async def test_bad_exclusions_are_refused_and_change_nothing(db: str) -> None:
    contest_id = await active_contest()
    await participants.join(contest_id, 1, [])
    with pytest.raises(ValidationError, match="needs a reason"):
        await exclusions.exclude(contest_id, [1], "  ", OWNER)
    with pytest.raises(ValidationError, match="not entries"):
        await exclusions.exclude(contest_id, [1, 99], "farm", OWNER)
    with pytest.raises(ValidationError, match="entries to exclude"):
        await exclusions.exclude(contest_id, [], "farm", OWNER)
    assert await exclusions.of_contest(contest_id) == {}


async def test_an_exclusion_racing_the_freeze_is_in_the_draw_or_refused(db: str) -> None:
    """Organizers keep excluding while the draw freezes the list: each exclusion either
    made it into the frozen draw or was told the draw began, none is lost in between."""
    contest_id = await active_contest(winners_count=1, reserve_count=0)
    pool = list(range(1, 401))
    await Participant.insert(*(Participant(contest=contest_id, user_id=u) for u in pool))
    await participants.recount(contest_id)
    accepted: set[int] = set()
    refused: set[int] = set()
    started = asyncio.Event()

    async def organizer(uids: list[int]) -> None:
        for uid in uids:
            try:
                await exclusions.exclude(contest_id, [uid], "farm", OWNER)
            except TransitionError:
                refused.add(uid)
                return
            accepted.add(uid)
            if len(accepted) >= 3:
                started.set()

    async def draw_soon() -> None:
        await started.wait()
        await draws.run(contest_id)

    await asyncio.gather(draw_soon(), *(organizer(pool[i::3]) for i in range(3)))
    document = await draws.proof(contest_id)
    print(f"exclusions accepted before the freeze: {len(accepted)}, refused: {len(refused)}")
    assert len(accepted) >= 3 and refused  # the race happened
    assert {e.user_id for e in document.excluded if e.code == proof.ORGANIZER} == accepted
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []


async def test_a_participant_who_deletes_their_data_leaves_no_exclusion_behind(db: str) -> None:
    """The entry, its signals and its exclusion go; the draw and its proof stay valid."""
    contest_id = await active_contest()
    for uid in range(1, 6):
        await participants.join(contest_id, uid, [])
    await suspicion.assess(contest_id)
    await exclusions.exclude(contest_id, [2, 3], "farm", OWNER)
    assert await users.forget(2) == 1
    assert set(await exclusions.of_contest(contest_id)) == {3}
    assert await suspicion.needs_assessment(contest_id) is False
    await draws.run(contest_id)
    document = await draws.proof(contest_id)
    assert [e.user_id for e in document.excluded] == [3]
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
