"""Storage and contest rules on both engines (SQLite file, real PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.contests import draw, proof
from app.contests.channels import ChannelRef
from app.contests.conditions import (
    ChannelSubscription,
    Membership,
    MembershipUnknown,
)
from app.contests.lifecycle import Status
from app.contests.rules import ContestFields
from app.db import audit, contests, draws, engine, participants, users
from app.db.migrate import pending
from app.errors import NotFoundError, PermissionDenied, TransitionError, ValidationError

OWNER = 1000


def fields(**overrides: object) -> ContestFields:
    base = {
        "title": "Win a mug",
        "description": "Two mugs",
        "winners_count": 2,
        "reserve_count": 2,
        "ends_at": datetime.now(UTC) + timedelta(days=1),
    }
    return ContestFields(**{**base, **overrides})  # type: ignore[arg-type]


class Channels:
    """A membership checker backed by a dict: chat -> set of members; None = cannot check."""

    def __init__(self, members: dict[int, set[int] | None]) -> None:
        self.members = members
        self.calls = 0

    async def membership(self, chat_id: int, user_id: int) -> Membership:
        self.calls += 1
        members = self.members[chat_id]
        if members is None:
            raise MembershipUnknown("the bot is not an admin of the channel")
        return Membership.member if user_id in members else Membership.not_member


async def active_contest(**overrides: object) -> int:
    contest = await contests.create(OWNER, fields(**overrides))
    await contests.publish(contest.id, OWNER)
    return contest.id


async def test_schema_is_migrated(db: str) -> None:
    assert not await pending()


async def test_lifecycle_and_transition_errors(db: str) -> None:
    contest = await contests.create(
        OWNER, fields(), required=[ChannelRef(-100, "News", "news")], targets=[-100, -200]
    )
    assert contest.status == Status.draft
    assert [ref.username for ref in await contests.required_channels(contest.id)] == ["news"]
    assert len(await contests.publications(contest.id)) == 2
    published = await contests.publish(contest.id, OWNER)
    assert published.status == Status.active
    assert published.seed_commitment == draw.commitment(published.seed)
    with pytest.raises(TransitionError, match=r"cannot publish contest \d+: it is active"):
        await contests.publish(contest.id, OWNER)
    with pytest.raises(TransitionError, match="cannot edit"):
        await contests.update(contest.id, OWNER, fields(title="New"))
    cancelled = await contests.cancel(contest.id, OWNER, "typo in prize")
    assert cancelled.status == Status.cancelled
    with pytest.raises(TransitionError, match="cancel is only possible when"):
        await contests.cancel(contest.id, OWNER)
    actions = [entry["action"] for entry in await audit.entries(contest.id)]
    assert actions == ["create", "publish", "cancel", "cancel_reason"]


async def test_invalid_fields_are_refused(db: str) -> None:
    with pytest.raises(ValidationError) as error:
        await contests.create(
            OWNER, fields(title=" ", winners_count=0, ends_at=None, max_participants=None)
        )
    message = str(error.value)
    assert "title must not be empty" in message
    assert "winners must be between" in message
    assert "end condition" in message
    with pytest.raises(NotFoundError):
        await contests.get(987654)


async def test_schedule_and_due_lists(db: str) -> None:
    contest = await contests.create(OWNER, fields())
    at = datetime.now(UTC) + timedelta(hours=1)
    scheduled = await contests.schedule(contest.id, at, OWNER)
    assert scheduled.status == Status.scheduled
    assert await contests.due_to_publish(datetime.now(UTC)) == []
    assert await contests.due_to_publish(at + timedelta(seconds=1)) == [contest.id]


async def test_management_rights(db: str) -> None:
    contest = await contests.create(OWNER, fields())
    assert await contests.may_manage(contest, OWNER)
    assert not await contests.may_manage(contest, 5)
    assert await contests.may_manage(contest, 5, admin_ids=[5])
    await contests.add_owner(contest.id, 6, OWNER)
    assert await contests.may_manage(contest, 6)
    assert [c.id for c in await contests.managed_by(6)] == [contest.id]
    with pytest.raises(PermissionDenied):
        await contests.get_managed(contest.id, 7)


async def test_join_checks_conditions_and_fails_closed(db: str) -> None:
    contest_id = await active_contest()
    channels = Channels({-1: {10}, -2: None})
    news = ChannelSubscription(-1, "News", channels)
    broken = ChannelSubscription(-2, "Broken", channels)

    missing = await participants.join(contest_id, 11, [news])
    assert missing.status == participants.JoinStatus.conditions_missing
    assert [r.condition for r in missing.missing] == ["channel:-1"]

    undecided = await participants.join(contest_id, 10, [news, broken])
    assert undecided.status == participants.JoinStatus.undecided
    assert undecided.undecided[0].reason == "the bot is not an admin of the channel"
    assert await participants.count(contest_id) == 0

    joined = await participants.join(contest_id, 10, [news])
    assert (joined.status, joined.count) == (participants.JoinStatus.joined, 1)
    again = await participants.join(contest_id, 10, [news])
    assert (again.status, again.count) == (participants.JoinStatus.already_joined, 1)
    # Someone already in stays in, whatever the checks say now (the bot's membership
    # cache spares the repeat check its getChatMember).
    channels.members[-1] = set()
    assert (await participants.join(contest_id, 10, [news])).status == (
        participants.JoinStatus.already_joined
    )
    channels.members[-1] = None
    assert (await participants.join(contest_id, 10, [news])).status == (
        participants.JoinStatus.already_joined
    )


async def test_concurrent_joins_of_one_user_make_one_participant(db: str) -> None:
    contest_id = await active_contest()
    results = await asyncio.gather(*(participants.join(contest_id, 42, []) for _ in range(50)))
    statuses = [result.status for result in results]
    assert statuses.count(participants.JoinStatus.joined) == 1
    assert statuses.count(participants.JoinStatus.already_joined) == 49
    assert await participants.count(contest_id) == 1


async def test_participant_limit_closes_the_contest_exactly(db: str) -> None:
    contest_id = await active_contest(ends_at=None, max_participants=5, winners_count=1)
    results = await asyncio.gather(*(participants.join(contest_id, uid, []) for uid in range(20)))
    joined = [r for r in results if r.status is participants.JoinStatus.joined]
    assert len(joined) == 5
    assert sum(r.closed_contest for r in results) == 1
    assert await participants.count(contest_id) == 5
    assert (await contests.get(contest_id)).status == Status.drawing


async def test_joining_a_closed_contest_is_refused(db: str) -> None:
    contest = await contests.create(OWNER, fields())
    result = await participants.join(contest.id, 1, [])
    assert result.status is participants.JoinStatus.not_open


async def test_draw_recheck_redraw_and_proof(db: str) -> None:
    contest_id = await active_contest()
    for uid in range(1, 31):
        await participants.join(contest_id, uid, [])
    left = set(range(1, 31))
    channels = Channels({-1: left})
    recheck_condition = ChannelSubscription(-1, "News", channels)

    async def recheck(user_id: int) -> list:
        return [await recheck_condition.check(user_id)]

    contest = await contests.get(contest_id)
    first_pick = draw.ranking(contest.seed, contest_id, list(range(1, 31)), 1)[0]
    left.discard(first_pick)  # the first-ranked user left the channel before the draw

    outcome = await draws.run(contest_id, recheck)
    assert outcome.created and len(outcome.winners) == 2 and len(outcome.reserves) == 2
    assert first_pick not in outcome.winners
    assert [e.user_id for e in outcome.excluded] == [first_pick]
    assert "re-check failed" in outcome.excluded[0].reason
    assert (await contests.get(contest_id)).status == Status.finished

    again = await draws.run(contest_id, recheck)
    assert not again.created and again.winners == outcome.winners

    document = await draws.proof(contest_id)
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []

    loser = outcome.winners[0]
    replaced = await draws.replace_winner(contest_id, loser, "did not answer in 48 h", OWNER)
    assert loser not in replaced.winners
    assert replaced.winners[0] == outcome.winners[1]
    assert replaced.winners[1] == outcome.reserves[0]
    document = await draws.proof(contest_id)
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
    redraws = [e for e in await audit.entries(contest_id) if e["action"] == "redraw"]
    assert redraws[0]["details"]["reason"] == "did not answer in 48 h"
    with pytest.raises(ValidationError, match="needs a reason"):
        await draws.replace_winner(contest_id, replaced.winners[0], " ", OWNER)


async def test_concurrent_draws_happen_once(db: str) -> None:
    contest_id = await active_contest()
    for uid in range(1, 11):
        await participants.join(contest_id, uid, [])
    results = await asyncio.gather(
        *(draws.run(contest_id) for _ in range(5)), return_exceptions=True
    )
    outcomes = [r for r in results if not isinstance(r, BaseException)]
    assert outcomes, results
    assert sum(o.created for o in outcomes) == 1
    assert len({tuple(o.winners) for o in outcomes}) == 1


async def test_users_language_blocking_and_forgetting(db: str) -> None:
    user = await users.remember(77, "Ann", "ann", "ru-RU")
    assert user.language == "ru"
    await users.set_language(77, "en")
    assert (await users.remember(77, "Ann", "ann2", "ru")).language == "en"
    await users.mark_blocked(77)
    assert await users.is_blocked(77)
    contest_id = await active_contest()
    await participants.join(contest_id, 77, [])
    assert await users.forget(77) == 1
    assert await users.get(77) is None
    assert await participants.count(contest_id) == 0


async def test_a_join_remembers_the_user_in_every_outcome(db: str) -> None:
    """The presser is stored with the join (on PostgreSQL inside the entry's statement) as
    `users.remember` would: new users get Telegram's language, a stored choice is kept,
    names are refreshed, a blocked user is unblocked; refused joins remember too."""
    contest_id = await active_contest()

    def ann(name: str = "Ann", code: str = "ru-RU") -> users.Profile:
        return users.profile(88, name, "ann", code)

    joined = await participants.join(contest_id, 88, [], person=ann())
    assert joined.status is participants.JoinStatus.joined
    assert joined.person is not None and joined.person.language == "ru"
    assert (await users.get(88)).first_name == "Ann"  # type: ignore[union-attr]

    await users.set_language(88, "en")
    await users.mark_blocked(88)
    again = await participants.join(contest_id, 88, [], person=ann("Anna", "ru"))
    assert again.status is participants.JoinStatus.already_joined
    assert again.person is not None and again.person.language == "en"
    stored = await users.get(88)
    assert stored is not None and (stored.first_name, stored.blocked_bot) == ("Anna", False)
    # Unchanged: read back, not written; what the next update in this process sees.
    same = await participants.join(contest_id, 88, [], person=ann("Anna", "ru"))
    assert same.person is not None and same.person.language == "en"
    assert users.recalled(ann("Anna")) is not None

    refused = await participants.join(
        contest_id,
        89,
        [ChannelSubscription(-1, "News", Channels({-1: set()}))],
        person=users.profile(89, "Bob", None, "en"),
    )
    assert refused.status is participants.JoinStatus.conditions_missing
    assert refused.person is not None and (await users.get(89)) is not None
    closed = await contests.create(OWNER, fields())
    late = await participants.join(closed.id, 90, [], person=users.profile(90, "Cy"))
    assert late.status is participants.JoinStatus.not_open and late.person is not None


async def test_concurrent_joins_remember_a_new_user_once(db: str) -> None:
    contest_id = await active_contest()
    person = users.profile(91, "Dee", "dee", "ru")
    results = await asyncio.gather(
        *(participants.join(contest_id, 91, [], person=person) for _ in range(20))
    )
    assert all(r.person is not None and r.person.language == "ru" for r in results)
    assert [r.status for r in results].count(participants.JoinStatus.joined) == 1
    assert (await users.names([91])) == {91: ("Dee", "dee")}


async def test_export_streams_every_participant(db: str) -> None:
    contest_id = await active_contest()
    await users.remember(5, "Eve", "eve")
    for uid in (5, 6, 7):
        await participants.join(contest_id, uid, [], source="miniapp")
    rows = [row async for row in participants.export(contest_id)]
    assert [row["user_id"] for row in rows] == [5, 6, 7]
    assert rows[0]["username"] == "eve" and rows[0]["source"] == "miniapp"


async def test_sqlite_runs_in_wal_mode(state_dir) -> None:  # type: ignore[no-untyped-def]
    from app.config import load_settings
    from app.db import engine

    sqlite = engine.make_engine(load_settings(state_dir=state_dir))
    await engine.start(sqlite)
    rows = await sqlite.run_ddl("PRAGMA journal_mode")
    assert rows[0]["journal_mode"] == "wal"
    rows = await sqlite.run_ddl("PRAGMA synchronous")
    assert rows[0]["synchronous"] == 1  # NORMAL


async def test_remembered_users_are_read_once_and_changes_show(db: str) -> None:
    first = await users.remember(501, "Bo", "bo", "en")
    assert await users.remember(501, "Bo", "bo", "en") is first  # no second read
    renamed = await users.remember(501, "Bob", "bob", "en")
    assert (renamed.first_name, renamed.username) == ("Bob", "bob")
    assert (await users.get(501)).username == "bob"
    await users.set_language(501, "ru")
    assert (await users.remember(501, "Bob", "bob", "en")).language == "ru"
    await users.forget(501)
    again = await users.remember(501, "Bob", "bob", "en")
    assert await users.get(501) is not None
    assert again.language == "en"


async def test_required_channels_cache_follows_edits(db: str) -> None:
    contest = await contests.create(OWNER, fields(), required=[ChannelRef(-1, "One")])
    row = await contests.get(contest.id)
    assert [r.chat_id for r in await contests.channels_for_joining(row)] == [-1]
    await contests.update(contest.id, OWNER, fields(), required=[ChannelRef(-2, "Two")])
    row = await contests.get(contest.id)
    assert [r.chat_id for r in await contests.channels_for_joining(row)] == [-2]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_stop_cuts_a_connection_still_in_use(db: str) -> None:
    """A stuck query must not hold a stopping process (asyncpg's close waits for it)."""
    current = engine.current()
    held = asyncio.Event()

    async def stuck() -> None:
        async with current.pool.acquire() as connection:
            held.set()
            await connection.execute("SELECT pg_sleep(60)")

    task = asyncio.create_task(stuck())
    await held.wait()
    started = time.monotonic()
    await engine.stop(current, grace=0.5)
    stopped_after = time.monotonic() - started
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert current.pool is None
    assert stopped_after < 10, stopped_after
