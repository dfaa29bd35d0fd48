"""Piccolo tables: the persistent shape of users, channels, contests and draws.

Telegram ids (users and chats) are the primary keys of `TelegramUser` and `Channel`:
they are stable, and using them avoids a lookup on every join. Times are UTC.
Uniqueness over two columns (participant per contest and user, required channel per
contest, ...) is created by the migrations as unique indexes, since Piccolo columns
only express single-column uniqueness.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class TelegramUser(Table, tablename="telegram_user"):
    """A Telegram user who talked to the bot or opened the Mini App."""

    id = BigInt(primary_key=True)
    first_name = Varchar(length=256, default="")
    username = Varchar(length=64, null=True, default=None)
    language = Varchar(length=8, default="en")
    timezone = Varchar(length=64, null=True, default=None)
    blocked_bot = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    has_photo = Boolean(null=True, default=None)  # getUserProfilePhotos, cached; None: unknown
    photo_checked_at = Timestamptz(null=True, default=None)


class Channel(Table):
    """A channel or group the bot knows: required for joining, or where contests are posted."""

    id = BigInt(primary_key=True)
    title = Varchar(length=256, default="")
    username = Varchar(length=64, null=True, default=None)
    invite_link = Varchar(length=256, null=True, default=None)
    bot_is_admin = Boolean(default=False)
    checked_at = Timestamptz(default=TimestamptzNow())


class Contest(Table):
    """A giveaway and its lifecycle state; see `app.contests.lifecycle`."""

    id = Serial(primary_key=True)
    owner_id = BigInt(index=True)
    title = Varchar(length=256)
    description = Text(default="")
    photo_file_id = Varchar(length=256, null=True, default=None)
    winners_count = Integer(default=1)
    reserve_count = Integer(default=3)
    ends_at = Timestamptz(null=True, default=None)
    max_participants = Integer(null=True, default=None)
    participant_count = Integer(default=0)  # kept by app.db.participants with each entry
    publish_at = Timestamptz(null=True, default=None)
    status = Varchar(length=16, default="draft", index=True)
    language = Varchar(length=8, default="en")
    notify_participants = Boolean(default=False)
    results_mode = Varchar(length=8, default="reply")
    captcha_mode = Varchar(length=16, default="off")  # app.contests.rules.CaptchaMode
    ticket_mode = Varchar(length=16, default="none")  # app.contests.rules.TicketMode
    referral_cap = Integer(default=10)
    boost_cap = Integer(default=10)
    claim_hours = Integer(null=True, default=None)  # None: winners need not claim
    seed = Varchar(length=64, null=True, default=None)
    seed_commitment = Varchar(length=64, null=True, default=None)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    exclude_leavers = Boolean(default=False)
    new_subscribers = Varchar(length=16, default="off")
    premium_only = Boolean(default=False)


class ContestOwner(Table, tablename="contest_owner"):
    """A co-owner who may manage a contest besides its creator."""

    contest = ForeignKey(references=Contest, index=True)
    user_id = BigInt()


class RequiredChannel(Table, tablename="required_channel"):
    """A channel a participant must be subscribed to."""

    contest = ForeignKey(references=Contest, index=True)
    channel_id = BigInt()
    title = Varchar(length=256, default="")
    username = Varchar(length=64, null=True, default=None)
    invite_link = Varchar(length=256, null=True, default=None)


class MembershipEvent(Table, tablename="membership_event"):
    """A user subscribing to (`joined`) or leaving a required channel, from Telegram's
    chat_member updates; `at` is the update's date. `key` (chat, user, time, kind) makes
    a redelivered update one row."""

    key = Varchar(length=96, unique=True)
    chat_id = BigInt()
    user_id = BigInt(index=True)
    joined = Boolean()
    at = Timestamptz()


class Publication(Table):
    """A message in a channel that shows a contest (the post, or its results)."""

    contest = ForeignKey(references=Contest, index=True)
    chat_id = BigInt()
    message_id = BigInt(null=True, default=None)
    kind = Varchar(length=16, default="post")
    shown_count = Integer(default=-1)
    created_at = Timestamptz(default=TimestamptzNow())


class Participant(Table):
    """One user in one contest; unique per (contest, user_id)."""

    contest = ForeignKey(references=Contest, index=True)
    user_id = BigInt(index=True)
    source = Varchar(length=16, default="bot")
    joined_at = Timestamptz(default=TimestamptzNow())


class EntrySuspicion(Table, tablename="entry_suspicion"):
    """An entry's suspicion signals and score (`app.contests.suspicion`), kept up to date
    in the background; unique per (contest, user_id)."""

    contest = ForeignKey(references=Contest, index=True)
    user_id = BigInt()
    score = Integer(default=0)
    signals = JSONB(default=[])
    assessed_at = Timestamptz(default=TimestamptzNow())


class EntryExclusion(Table, tablename="entry_exclusion"):
    """An organizer's exclusion of an entry before the draw, with their reason; unique per
    (contest, user_id). Undoing deletes the row (the audit log keeps both)."""

    contest = ForeignKey(references=Contest, index=True)
    user_id = BigInt()
    reason = Varchar(length=512)
    actor_id = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())


class Referral(Table):
    """A participant brought to a contest by another one's link; unique per (contest, invitee).

    Written only once the invitee joined (passed every check), so each invitee counts for
    one referrer at most. Whether it still counts is decided again at the freeze.
    """

    contest = ForeignKey(references=Contest, index=True)
    referrer_id = BigInt(index=True)
    invitee_id = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())


class Boost(Table):
    """The active boosts of a contest's channels a participant had when last asked
    (getUserChatBoosts); unique per (contest, user). Asked again at the freeze."""

    contest = ForeignKey(references=Contest, index=True)
    user_id = BigInt()
    count = Integer(default=0)
    checked_at = Timestamptz(default=TimestamptzNow())


class CaptchaChallenge(Table, tablename="captcha_challenge"):
    """The captcha a user must pass before their join in a contest is recorded: the
    pending join itself (one per contest and user, `key` "<contest>:<user>"), so it
    survives restarts. `answer` never leaves the server; `passed_at` lets later presses
    of the same user in the contest ("Check again") through without a new captcha."""

    key = Varchar(length=48, unique=True)
    contest_id = Integer(index=True)
    user_id = BigInt()
    token = Varchar(length=32, unique=True)
    source = Varchar(length=16, default="bot")
    referrer_id = BigInt(null=True, default=None)  # the link the pending join came through
    options = JSONB(default=[])
    answer = Integer(default=0)
    expires_at = Timestamptz(default=TimestamptzNow())
    passed_at = Timestamptz(null=True, default=None)


class Draw(Table):
    """The frozen list and the outcome of a contest's draw; one per contest.

    Written at the freeze with `state` "frozen" (the list, its hash and, with the beacon,
    the committed drand round in `beacon`), then completed once: `state` "drawn", the
    winners, and the round's signature in `beacon`. `fallback` records an organizer's
    choice to draw without the committed round.
    """

    contest = ForeignKey(references=Contest, unique=True)
    algorithm = Varchar(length=32)
    seed_commitment = Varchar(length=64)
    list_hash = Varchar(length=64)
    participants = JSONB(default=[])  # draws before `DrawList`; empty since
    participant_count = Integer()
    winners = JSONB(default=[])
    reserves = JSONB(default=[])
    excluded = JSONB(default=[])
    drawn_at = Timestamptz(default=TimestamptzNow())
    state = Varchar(length=16, default="drawn")
    frozen_at = Timestamptz(null=True, default=None)
    beacon = JSONB(default={})
    fallback = JSONB(default={})
    tickets = Boolean(default=False)  # the list carries tickets: the weighted ranking


class DrawList(Table, tablename="draw_list"):
    """A draw's frozen participant list as its file (`app.contests.frozen`), gzip-compressed.

    Kept apart from `Draw` so reading a draw's outcome never loads the list. Draws made
    before this table existed keep their list in `Draw.participants`.
    """

    contest = ForeignKey(references=Contest, unique=True)
    body = Bytea(default=b"")


class WinnerClaim(Table, tablename="winner_claim"):
    """A winner's prize; unique per (contest, user_id). See `app.contests.claims`.

    Written with the draw for every winner, and for each winner a re-draw or a pass-on
    brings in. `deadline` is when a pending claim passes on; `announced` turns true once
    the results naming this winner went out (until then the scheduler kicks the
    announcement, so a worker dying after a pass-on still announces it).
    """

    contest = ForeignKey(references=Contest, index=True)
    user_id = BigInt()
    state = Varchar(length=16, default="pending", index=True)
    deadline = Timestamptz(null=True, default=None)
    announced = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    changed_at = Timestamptz(null=True, default=None)


class AuditLog(Table, tablename="audit_log"):
    """An organizer action or a system decision worth keeping (re-draws, cancels, errors)."""

    contest_id = Integer(null=True, default=None, index=True)
    actor_id = BigInt(null=True, default=None)
    action = Varchar(length=32)
    details = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class Notification(Table):
    """The outbox: one row per message to send; `key` makes every send happen once.

    state: pending → sending (claimed_by a worker, request possibly in flight) → sent,
    blocked or failed; see `app.telegram.outbox`.
    """

    key = Varchar(length=128, unique=True)
    chat_id = BigInt(index=True)
    kind = Varchar(length=32)
    payload = JSONB(default={})
    state = Varchar(length=16, default="pending", index=True)
    attempts = Integer(default=0)
    message_id = BigInt(null=True, default=None)
    error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=64, null=True, default=None)
    claimed_at = Timestamptz(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [
    TelegramUser,
    Channel,
    Contest,
    ContestOwner,
    RequiredChannel,
    MembershipEvent,
    Publication,
    Participant,
    EntrySuspicion,
    EntryExclusion,
    Referral,
    Boost,
    Draw,
    DrawList,
    WinnerClaim,
    AuditLog,
    Notification,
    CaptchaChallenge,
]
