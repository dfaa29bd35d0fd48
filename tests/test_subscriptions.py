"""The subscription history rules (app.contests.subscriptions) and their records
(app.db.memberships) on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.contests import proof
from app.contests.channels import ChannelRef
from app.contests.conditions import Outcome
from app.contests.rules import ContestFields
from app.contests.subscriptions import (
    SUBSCRIBED_BEFORE,
    UNKNOWN,
    Change,
    NewSubscription,
    is_new_subscriber,
    leave_after,
)
from app.db import contests, draws, memberships, participants, users
from app.db.tables import MembershipEvent

START = datetime(2026, 12, 1, 10, 0, 0, 400_000, tzinfo=UTC)
CHAT, OTHER = -1001, -1002


def at(seconds: int) -> datetime:
    """A Telegram update time: whole seconds from the start's second."""
    return START.replace(microsecond=0) + timedelta(seconds=seconds)


def test_new_subscriber_needs_a_subscribe_after_the_start_and_nothing_before() -> None:
    assert is_new_subscriber([Change(True, at(5))], START) is True
    assert is_new_subscriber([Change(True, at(0))], START) is True  # the start's second
    assert is_new_subscriber([Change(True, at(-60))], START) is False
    returning = [Change(False, at(-60)), Change(True, at(30))]
    assert is_new_subscriber(returning, START) is False  # was subscribed before the start
    assert is_new_subscriber([], START) is None
    assert is_new_subscriber([Change(False, at(10))], START) is None  # left, no subscribe seen


def test_a_leave_between_entry_and_freeze_counts_and_re_joining_is_named() -> None:
    entered, frozen = START, at(3600)
    history = [Change(True, at(-5)), Change(False, at(60)), Change(True, at(120))]
    leave = leave_after(CHAT, history, entered, frozen)
    assert leave is not None and (leave.at, leave.rejoined_at) == (at(60), at(120))
    assert leave_after(CHAT, [Change(False, at(-1))], entered, frozen) is None  # before entry
    assert leave_after(CHAT, [Change(False, at(3601))], entered, frozen) is None  # after freeze
    assert leave_after(CHAT, [Change(False, at(0))], entered, frozen) is not None  # same second
    assert leave_after(CHAT, [Change(True, at(9))], entered, frozen) is None


class History:
    def __init__(self, changes: list[Change]) -> None:
        self.list = changes

    async def changes(self, chat_id: int, user_id: int) -> list[Change]:
        return self.list


async def test_new_subscription_condition_says_why_and_follows_the_unknown_choice() -> None:
    def check(changes: list[Change], allow_unknown: bool) -> NewSubscription:
        return NewSubscription(CHAT, START, History(changes), allow_unknown)

    passed = await check([Change(True, at(1))], False).check(7)
    assert (passed.outcome, passed.condition) == (Outcome.passed, f"new_subscriber:{CHAT}")
    earlier = await check([Change(True, at(-1))], True).check(7)
    assert (earlier.outcome, earlier.reason) == (Outcome.missing, SUBSCRIBED_BEFORE)
    unknown = await check([], False).check(7)
    assert (unknown.outcome, unknown.reason) == (Outcome.missing, UNKNOWN)
    assert (await check([], True).check(7)).outcome is Outcome.passed


async def _contest(**rules: object) -> int:
    contest = await contests.create(
        1000,
        ContestFields(
            title="Rules",
            winners_count=1,
            reserve_count=1,
            ends_at=datetime.now(UTC) + timedelta(days=1),
            **rules,  # type: ignore[arg-type]
        ),
        required=[ChannelRef(CHAT, "Alpha", "alpha")],
    )
    return contest.id


async def test_records_only_required_channels_once_each(db: str) -> None:
    now = datetime.now(UTC)
    assert not await memberships.record(CHAT, 5, True, now)  # no contest requires it yet
    contest_id = await _contest()
    assert await memberships.record(CHAT, 5, True, now)
    assert await memberships.record(CHAT, 5, True, now)  # Telegram sent the update again
    assert await memberships.record(CHAT, 5, False, now)  # left in the same second
    assert not await memberships.record(OTHER, 5, True, now)
    assert await memberships.record(CHAT, 8, True, now, update_id=70)
    assert await memberships.record(CHAT, 8, False, now, update_id=71)
    assert await memberships.record(CHAT, 8, True, now, update_id=72)  # back in the same second
    assert await memberships.record(CHAT, 8, True, now, update_id=72)  # redelivered
    rejoined = (await memberships.changes_in([CHAT], 8))[CHAT]
    assert [change.joined for change in rejoined] == [True, False, True]
    history = await memberships.changes_in([CHAT, OTHER], 5)
    assert [change.joined for change in history[CHAT]] == [True, False]
    assert history[OTHER] == []
    await contests.cancel(contest_id, 1000)
    assert not await memberships.record(CHAT, 6, True, now)  # nothing left to watch
    await users.forget(5)
    assert await MembershipEvent.count().where(MembershipEvent.user_id == 5) == 0


async def test_leavers_are_excluded_at_the_draw_with_the_time_of_leaving(db: str) -> None:
    """Every entry but one left after joining; the draw walks the whole ranking and the
    proof lists each leaver with code left_channel, even without the final re-check."""
    contest_id = await _contest(exclude_leavers=True)
    await contests.publish(contest_id, 1000)
    ids = list(range(11, 21))
    for user_id in ids:
        await participants.join(contest_id, user_id, [])
    later = datetime.now(UTC)  # after the entries, before the freeze
    for user_id in ids[1:]:
        await memberships.record(CHAT, user_id, False, later)
    await memberships.record(CHAT, ids[1], True, later + timedelta(seconds=1))
    outcome = await draws.run(contest_id)  # no re-check: the leave rule still applies
    assert outcome.winners == [ids[0]] and outcome.reserves == []
    excluded = {item.user_id: item for item in outcome.excluded}
    assert set(excluded) == set(ids[1:])
    moment = later.replace(microsecond=0).isoformat()
    assert {(item.code, item.at) for item in excluded.values()} == {(proof.LEFT_CHANNEL, moment)}
    assert f"left Alpha at {moment}" in excluded[ids[2]].reason
    assert "re-joined at" in excluded[ids[1]].reason
    document = await draws.proof(contest_id)
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
    print(f"\n{len(excluded)} leavers excluded of {len(ids)} entries; winner {outcome.winners}")


async def test_without_the_rule_leaving_changes_nothing(db: str) -> None:
    contest_id = await _contest()
    await contests.publish(contest_id, 1000)
    for user_id in (11, 12):
        await participants.join(contest_id, user_id, [])
        await memberships.record(CHAT, user_id, False, datetime.now(UTC) + timedelta(seconds=1))
    outcome = await draws.run(contest_id)
    assert outcome.excluded == [] and len(outcome.winners + outcome.reserves) == 2
