"""Storing contests and moving them through their lifecycle."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from app.contests import draw, rules
from app.contests.channels import ChannelRef
from app.contests.lifecycle import JOINABLE, Action, Status, next_status
from app.contests.rules import ContestFields, check_fields, check_reason
from app.db import audit, engine
from app.db.engine import transaction
from app.db.tables import Contest, ContestOwner, Publication, RequiredChannel
from app.errors import NotFoundError, PermissionDenied, TransitionError

RESULTS_MODES = ("reply", "edit")
_RACE_RETRIES = 5


async def create(
    owner_id: int,
    fields: ContestFields,
    *,
    required: Iterable[ChannelRef] = (),
    targets: Iterable[int] = (),
    language: str = "en",
    notify_participants: bool = False,
    results_mode: str = "reply",
    captcha_mode: str = rules.CAPTCHA_DEFAULT,
    photo_file_id: str | None = None,
) -> Contest:
    """A new draft contest, with its required and target channels."""
    check_fields(fields)
    if results_mode not in RESULTS_MODES:
        raise ValueError(f"results_mode must be one of {RESULTS_MODES}")
    rules.check_captcha_mode(captcha_mode)
    async with transaction():
        contest = Contest(
            owner_id=owner_id,
            language=language,
            notify_participants=notify_participants,
            results_mode=results_mode,
            captcha_mode=captcha_mode,
            photo_file_id=photo_file_id,
            **asdict(fields),
        )
        await contest.save()
        await _replace_channels(contest.id, required, targets)
        await audit.record("create", contest.id, owner_id, title=fields.title)
    return contest


async def get(contest_id: int) -> Contest:
    """The contest; `NotFoundError` also for ids out of range (typed or forged by people)."""
    if not rules.is_contest_id(contest_id):
        raise NotFoundError(f"contest {contest_id} does not exist")
    contest = await Contest.objects().get(Contest.id == contest_id)
    if contest is None:
        raise NotFoundError(f"contest {contest_id} does not exist")
    return contest


def fields_of(contest: Contest) -> ContestFields:
    return ContestFields(
        title=contest.title,
        description=contest.description,
        winners_count=contest.winners_count,
        reserve_count=contest.reserve_count,
        ends_at=contest.ends_at,
        max_participants=contest.max_participants,
        publish_at=contest.publish_at,
        ticket_mode=contest.ticket_mode,
        referral_cap=contest.referral_cap,
        boost_cap=contest.boost_cap,
        claim_hours=contest.claim_hours,
        exclude_leavers=contest.exclude_leavers,
        new_subscribers=contest.new_subscribers,
        premium_only=contest.premium_only,
    )


async def update(
    contest_id: int,
    actor_id: int,
    fields: ContestFields,
    *,
    required: Iterable[ChannelRef] | None = None,
    targets: Iterable[int] | None = None,
    **options: Any,
) -> Contest:
    """Edit a contest before it starts."""
    contest = await get(contest_id)
    next_status(contest_id, contest.status, Action.edit)
    check_fields(fields)
    if "captcha_mode" in options:
        rules.check_captcha_mode(options["captcha_mode"])
    async with transaction():
        values = {**asdict(fields), **options, "updated_at": datetime.now(UTC)}
        changed = await _move(contest, Action.edit, values)
        if required is not None or targets is not None:
            await _replace_channels(contest_id, required, targets)
        await audit.record("edit", contest_id, actor_id, title=fields.title)
    return changed


async def _replace_channels(
    contest_id: int, required: Iterable[ChannelRef] | None, targets: Iterable[int] | None
) -> None:
    if required is not None:
        await RequiredChannel.delete().where(RequiredChannel.contest == contest_id)
        rows = [
            RequiredChannel(
                contest=contest_id,
                channel_id=ref.chat_id,
                title=ref.title,
                username=ref.username,
                invite_link=ref.invite_link,
            )
            for ref in {ref.chat_id: ref for ref in required}.values()
        ]
        if rows:
            await RequiredChannel.insert(*rows)
    if targets is not None:
        await Publication.delete().where(
            (Publication.contest == contest_id) & (Publication.kind == "post")
        )
        rows = [
            Publication(contest=contest_id, chat_id=chat_id, kind="post")
            for chat_id in dict.fromkeys(targets)
        ]
        if rows:
            await Publication.insert(*rows)


_channels_cache: dict[tuple[int, int, datetime], list[ChannelRef]] = {}
_CHANNELS_CACHE_SIZE = 1024


async def channels_for_joining(contest: Contest) -> list[ChannelRef]:
    """The required channels of a contest row just read, cached per (id, updated_at).

    Every edit of a contest moves its `updated_at`, so a cached list is never stale for
    the row it was asked with, in any process. Spares a query on every join of a burst.
    """
    key = (id(engine.current()), contest.id, contest.updated_at)
    cached = _channels_cache.get(key)
    if cached is None:
        if len(_channels_cache) >= _CHANNELS_CACHE_SIZE:
            _channels_cache.clear()
        cached = _channels_cache[key] = await required_channels(contest.id)
    return list(cached)


_joinable: dict[tuple[int, int], tuple[float, Contest]] = {}
_refreshing: set[tuple[int, int]] = set()
JOINABLE_ROW_SECONDS = 2.0


async def for_joining(contest_id: int) -> Contest:
    """The contest a join is checked against: a row read at most `JOINABLE_ROW_SECONDS`
    ago while it takes entries (a burst reads it once per process, not once per press).

    Safe because a join records its entry only while the stored row is still this
    version (`participants.join` compares `updated_at`); rows that take no entries are
    read every time. For the same reason, while one join reads an expired row again the
    others go on with the one they have, instead of all reading it at once.
    """
    key = (id(engine.current()), contest_id)
    cached = _joinable.get(key)
    now = time.monotonic()
    if cached is not None and (cached[0] > now or key in _refreshing):
        return cached[1]
    _refreshing.add(key)
    try:
        contest = await get(contest_id)
    finally:
        _refreshing.discard(key)
    if Status(contest.status) in JOINABLE:
        if len(_joinable) >= _CHANNELS_CACHE_SIZE:
            _joinable.clear()
        _joinable[key] = (time.monotonic() + JOINABLE_ROW_SECONDS, contest)
    else:
        _joinable.pop(key, None)
    return contest


def forget_for_joining(contest_id: int) -> None:
    """Drop the cached row (a join found it changed)."""
    _joinable.pop((id(engine.current()), contest_id), None)


async def required_channels(contest_id: int) -> list[ChannelRef]:
    rows = (
        await RequiredChannel.select()
        .where(RequiredChannel.contest == contest_id)
        .order_by(RequiredChannel.id)
    )
    return [
        ChannelRef(row["channel_id"], row["title"], row["username"], row["invite_link"])
        for row in rows
    ]


async def _move(contest: Contest, action: Action, values: dict[str, Any] | None = None) -> Contest:
    """Apply `action` atomically: the UPDATE only matches the status it was checked against."""
    for _ in range(_RACE_RETRIES):
        target = next_status(contest.id, contest.status, action)
        changes = {"status": target.value, "updated_at": datetime.now(UTC), **(values or {})}
        updated = (
            await Contest.update({getattr(Contest, k): v for k, v in changes.items()})
            .where((Contest.id == contest.id) & (Contest.status == contest.status))
            .returning(Contest.id)
        )
        if updated:
            return await get(contest.id)
        contest = await get(contest.id)
    raise TransitionError(f"contest {contest.id} kept changing; {action} was not applied")


async def transition(
    contest_id: int, action: Action, actor_id: int | None = None, **values: Any
) -> Contest:
    """Move a contest by `action` and log it."""
    contest = await _move(await get(contest_id), action, values)
    await audit.record(action.value, contest_id, actor_id, status=contest.status)
    return contest


async def schedule(contest_id: int, publish_at: datetime, actor_id: int) -> Contest:
    contest = await get(contest_id)
    check_fields(ContestFields(**{**asdict(fields_of(contest)), "publish_at": publish_at}))
    return await transition(contest_id, Action.schedule, actor_id, publish_at=publish_at)


async def publish(contest_id: int, actor_id: int | None = None) -> Contest:
    """Start a contest: commit to a fresh secret seed and open it for joining."""
    contest = await get(contest_id)
    if contest.ends_at is not None and contest.ends_at <= datetime.now(UTC):
        raise TransitionError(
            f"cannot publish contest {contest_id}: its deadline {contest.ends_at:%Y-%m-%d %H:%M}"
            " UTC has passed; move the deadline first"
        )
    seed = contest.seed or draw.new_seed()
    return await transition(
        contest_id,
        Action.publish,
        actor_id,
        seed=seed,
        seed_commitment=draw.commitment(seed),
        published_at=datetime.now(UTC),
    )


async def close(contest_id: int) -> Contest:
    """Stop accepting joins; the draw comes next."""
    return await transition(contest_id, Action.close)


async def cancel(contest_id: int, actor_id: int, reason: str = "") -> Contest:
    reason = check_reason(reason, required=False)
    contest = await transition(contest_id, Action.cancel, actor_id)
    await audit.record("cancel_reason", contest_id, actor_id, reason=reason)
    return contest


async def record_error(contest_id: int, message: str) -> None:
    """A permanent problem the organizer must see (shown with the contest)."""
    await Contest.update({Contest.last_error: message[:2000]}).where(Contest.id == contest_id)
    await audit.record("error", contest_id, None, message=message[:2000])


async def clear_error(contest_id: int, starting: str) -> None:
    """Forget a shown problem that has gone away (one whose text starts with `starting`)."""
    await Contest.update({Contest.last_error: None}).where(
        (Contest.id == contest_id) & Contest.last_error.like(f"{starting}%")
    )


async def add_owner(contest_id: int, user_id: int, actor_id: int) -> None:
    await ContestOwner.insert(ContestOwner(contest=contest_id, user_id=user_id)).on_conflict(
        action="DO NOTHING"
    )
    await audit.record("add_owner", contest_id, actor_id, user_id=user_id)


async def may_manage(contest: Contest, user_id: int, admin_ids: Iterable[int] = ()) -> bool:
    """Owners, co-owners and bot admins may manage a contest."""
    if user_id == contest.owner_id or user_id in set(admin_ids):
        return True
    return await ContestOwner.exists().where(
        (ContestOwner.contest == contest.id) & (ContestOwner.user_id == user_id)
    )


async def get_managed(contest_id: int, user_id: int, admin_ids: Iterable[int] = ()) -> Contest:
    """The contest, if `user_id` may manage it; else `PermissionDenied`."""
    contest = await get(contest_id)
    if not await may_manage(contest, user_id, admin_ids):
        raise PermissionDenied(f"you may not manage contest {contest_id}")
    return contest


async def managed_by(
    user_id: int,
    admin_ids: Iterable[int] = (),
    *,
    before: int | None = None,
    limit: int | None = None,
) -> list[Contest]:
    """Contests a user owns or co-owns (all of them for bot admins), newest first.

    A page is `limit` contests with ids below `before` (keyset paging: a bot admin of a
    platform with thousands of contests reads one page, not the whole table).
    """
    query = Contest.objects().order_by(Contest.id, ascending=False)
    if user_id not in set(admin_ids):
        co_owned = ContestOwner.select(ContestOwner.contest).where(ContestOwner.user_id == user_id)
        query = query.where((Contest.owner_id == user_id) | Contest.id.is_in(co_owned))
    if before is not None:
        query = query.where(Contest.id < before)
    if limit is not None:
        query = query.limit(limit)
    return await query


async def due_to_publish(now: datetime) -> list[int]:
    rows = await Contest.select(Contest.id).where(
        (Contest.status == Status.scheduled.value) & (Contest.publish_at <= now)
    )
    return [row["id"] for row in rows]


async def due_to_close(now: datetime) -> list[int]:
    """Active contests past their deadline, and closed ones still waiting for a draw."""
    rows = await Contest.select(Contest.id).where(
        ((Contest.status == Status.active.value) & (Contest.ends_at <= now))
        | (Contest.status == Status.drawing.value)
    )
    return [row["id"] for row in rows]


async def pending_deadlines() -> list[tuple[int, str, datetime | None]]:
    """Every contest still waiting for a time: (id, status, when) for the scheduler."""
    rows = await Contest.select(
        Contest.id, Contest.status, Contest.publish_at, Contest.ends_at
    ).where(
        Contest.status.is_in([Status.scheduled.value, Status.active.value, Status.drawing.value])
    )
    return [
        (
            row["id"],
            row["status"],
            row["publish_at"] if row["status"] == "scheduled" else row["ends_at"],
        )
        for row in rows
    ]


async def publications(contest_id: int, kind: str = "post") -> list[Publication]:
    return await Publication.objects().where(
        (Publication.contest == contest_id) & (Publication.kind == kind)
    )


async def record_publication(
    contest_id: int, chat_id: int, message_id: int | None, kind: str = "post"
) -> None:
    """Remember the message that shows a contest in a chat (idempotent per chat and kind).

    `message_id=None` records that a message is about to be sent (kept as it is when a
    message id is already known).
    """
    if message_id is None:
        await Publication.insert(
            Publication(contest=contest_id, chat_id=chat_id, message_id=None, kind=kind)
        ).on_conflict(action="DO NOTHING")
        return
    updated = (
        await Publication.update({Publication.message_id: message_id})
        .where(
            (Publication.contest == contest_id)
            & (Publication.chat_id == chat_id)
            & (Publication.kind == kind)
        )
        .returning(Publication.id)
    )
    if not updated:
        await Publication.insert(
            Publication(contest=contest_id, chat_id=chat_id, message_id=message_id, kind=kind)
        ).on_conflict(action="DO NOTHING")
