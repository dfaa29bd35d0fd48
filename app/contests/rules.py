"""Every contest rule, once: limits on its fields, defaults, the end condition, channels,
and reasons. The bot's wizard, the API's request schema (its OpenAPI limits) and the
Mini App's form (`app/miniapp/src/contestRules.ts`, generated from `LIMITS`) read them
from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from app.errors import ChannelProblem, ValidationError

TITLE_MAX = 120
DESCRIPTION_MAX = 3000
WINNERS_MAX = 100
RESERVE_MAX = 100
PARTICIPANTS_MAX = 10_000_000
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=366)
ID_MAX = 2**31 - 1
"""Contest ids are PostgreSQL serials: a number past this names no contest."""


def is_contest_id(value: int) -> bool:
    """Whether a number people typed or sent could be a contest id at all."""
    return 1 <= value <= ID_MAX


CHANNELS_MAX = 10
"""Per list: required channels, and target channels."""
RESERVE_DEFAULT_MIN = 3
"""Reserve winners when none are named: one per winner, at least this many."""
REASON_MAX = 500
"""Characters in a re-draw or cancel reason."""
CLAIM_HOURS_MIN = 1
CLAIM_HOURS_MAX = 720
"""Hours a winner has to press Claim, when the organizer asks winners to claim (30 days
at most); a winner who does not is passed over for the next reserve."""

CaptchaMode = Literal["off", "suspicious", "everyone"]
"""Who must pass a captcha before their join is recorded: nobody, entries the suspicion
score (`app.contests.suspicion`) flags, or everyone."""
CAPTCHA_MODES: tuple[CaptchaMode, ...] = get_args(CaptchaMode)
CAPTCHA_DEFAULT: CaptchaMode = "off"


NewSubscribers = Literal["off", "unknown_refused", "unknown_allowed"]
"""Who may join a "new subscribers only" contest, per required channel.

A subscription is new when the bot saw the person subscribe (a chat_member update) after
the contest started and saw no subscription of theirs before the start (someone who left
before the start and came back is a returning subscriber, not a new one). With no record
at all the time is unknown: the subscription predates the bot's records, or its update
has not arrived yet; `unknown_allowed` lets such people in, `unknown_refused` does not.
"""
NEW_SUBSCRIBERS: tuple[NewSubscribers, ...] = get_args(NewSubscribers)


def next_choice(choices: tuple[str, ...], current: str) -> str:
    """The /manage switches of a choice: the next one, round the list."""
    index = choices.index(current) if current in choices else -1
    return choices[(index + 1) % len(choices)]


def next_captcha_mode(mode: str) -> CaptchaMode:
    """The /manage switch: off → suspicious → everyone → off."""
    return next_choice(CAPTCHA_MODES, mode)  # type: ignore[return-value]


def check_captcha_mode(mode: str) -> CaptchaMode:
    if mode not in CAPTCHA_MODES:
        raise ValidationError(f"captcha mode must be one of {', '.join(CAPTCHA_MODES)}")
    return mode  # type: ignore[return-value]


TicketMode = Literal["none", "referrals", "boosts", "both"]
"""Extra draw tickets besides everyone's one: per invited friend who joined and still
passes the checks, per active boost of the contest's channel, or both."""
TICKET_MODES: tuple[TicketMode, ...] = get_args(TicketMode)

TICKET_CAP_MAX = 100
"""Highest cap an organizer may set on extra tickets of one kind per participant."""
TICKET_CAP_DEFAULT = 10


def tickets(mode: str, referrals: int, boosts: int, referral_cap: int, boost_cap: int) -> int:
    """A participant's tickets in the draw: one, plus counted referrals and active boosts
    (each up to its cap) when the contest's mode gives them."""
    extra = 0
    if counts_referrals(mode):
        extra += min(max(referrals, 0), referral_cap)
    if counts_boosts(mode):
        extra += min(max(boosts, 0), boost_cap)
    return 1 + extra


def counts_referrals(mode: str) -> bool:
    return mode in ("referrals", "both")


def counts_boosts(mode: str) -> bool:
    return mode in ("boosts", "both")


CHOICES = {
    "CAPTCHA_MODES": CAPTCHA_MODES,
    "TICKET_MODES": TICKET_MODES,
    "NEW_SUBSCRIBERS": NEW_SUBSCRIBERS,
}
"""The choices as lists, for the Mini App's generated copy."""

EXCLUDE_AT_ONCE_MAX = 1000
"""Entries an organizer excludes in one request."""

LIMITS = {
    "TITLE_MAX": TITLE_MAX,
    "DESCRIPTION_MAX": DESCRIPTION_MAX,
    "WINNERS_MAX": WINNERS_MAX,
    "RESERVE_MAX": RESERVE_MAX,
    "RESERVE_DEFAULT_MIN": RESERVE_DEFAULT_MIN,
    "PARTICIPANTS_MAX": PARTICIPANTS_MAX,
    "CHANNELS_MAX": CHANNELS_MAX,
    "REASON_MAX": REASON_MAX,
    "TICKET_CAP_MAX": TICKET_CAP_MAX,
    "TICKET_CAP_DEFAULT": TICKET_CAP_DEFAULT,
    "CLAIM_HOURS_MIN": CLAIM_HOURS_MIN,
    "CLAIM_HOURS_MAX": CLAIM_HOURS_MAX,
    "MIN_DURATION_MS": int(MIN_DURATION.total_seconds() * 1000),
    "MAX_DURATION_MS": int(MAX_DURATION.total_seconds() * 1000),
}
"""The limits as numbers, for the Mini App's generated copy."""


def default_reserve(winners_count: int) -> int:
    """Reserve winners of a contest whose organizer named none."""
    return min(RESERVE_MAX, max(RESERVE_DEFAULT_MIN, winners_count))


@dataclass(frozen=True, slots=True)
class ContestFields:
    """The organizer-editable fields of a contest."""

    title: str
    description: str = ""
    winners_count: int = 1
    reserve_count: int = None  # type: ignore[assignment]  # None: default_reserve(winners)
    ends_at: datetime | None = None
    max_participants: int | None = None
    publish_at: datetime | None = None
    ticket_mode: TicketMode = "none"
    referral_cap: int = TICKET_CAP_DEFAULT
    boost_cap: int = TICKET_CAP_DEFAULT
    claim_hours: int | None = None
    """None: winners need not claim; else the hours they have to press Claim."""
    exclude_leavers: bool = False
    """Anti-fraud: whoever left a required channel after joining is excluded at the draw
    (re-joining does not undo it); see `app.contests.subscriptions`."""
    new_subscribers: NewSubscribers = "off"
    """Anti-fraud: only people who subscribed after the start may join (`NewSubscribers`)."""
    premium_only: bool = False
    """Anti-fraud: only Telegram Premium accounts may join (`is_premium` of the joining user)."""

    def __post_init__(self) -> None:
        if self.reserve_count is None:
            object.__setattr__(self, "reserve_count", default_reserve(self.winners_count))


def deadline_problem(ends_at: datetime, start: datetime) -> str | None:
    """What is wrong with a deadline for a contest starting at `start`: "too_soon",
    "too_far", or None. The bot's wizard asks it at the deadline step, `check_fields` at
    every save, so both refuse the same deadlines."""
    if ends_at < start + MIN_DURATION:
        return "too_soon"
    if ends_at > start + MAX_DURATION:
        return "too_far"
    return None


_DEADLINE_PROBLEMS = {
    "too_soon": "deadline must be at least a minute after the start",
    "too_far": "deadline must be within a year of the start",
}


def check_fields(fields: ContestFields, now: datetime | None = None) -> None:
    """Raise `ValidationError` naming every field that is out of bounds."""
    now = now or datetime.now(UTC)
    problems: list[str] = []
    if not fields.title.strip():
        problems.append("title must not be empty")
    elif len(fields.title) > TITLE_MAX:
        problems.append(f"title is {len(fields.title)} characters; at most {TITLE_MAX}")
    if len(fields.description) > DESCRIPTION_MAX:
        problems.append(
            f"description is {len(fields.description)} characters; at most {DESCRIPTION_MAX}"
        )
    if not 1 <= fields.winners_count <= WINNERS_MAX:
        problems.append(f"winners must be between 1 and {WINNERS_MAX}")
    if not 0 <= fields.reserve_count <= RESERVE_MAX:
        problems.append(f"reserve winners must be between 0 and {RESERVE_MAX}")
    if fields.ends_at is None and fields.max_participants is None:
        problems.append("an end condition is needed: a deadline, a participant count, or both")
    if fields.ends_at is not None:
        if fields.ends_at.tzinfo is None:
            problems.append("deadline must carry a time zone")
        else:
            problem = deadline_problem(fields.ends_at, fields.publish_at or now)
            if problem is not None:
                problems.append(_DEADLINE_PROBLEMS[problem])
    if fields.max_participants is not None and not (
        fields.winners_count <= fields.max_participants <= PARTICIPANTS_MAX
    ):
        problems.append(
            f"participant limit must be between the number of winners and {PARTICIPANTS_MAX}"
        )
    if fields.ticket_mode not in TICKET_MODES:
        problems.append(f"ticket mode must be one of {', '.join(TICKET_MODES)}")
    for name, cap in (("referral", fields.referral_cap), ("boost", fields.boost_cap)):
        if not 1 <= cap <= TICKET_CAP_MAX:
            problems.append(f"{name} ticket cap must be between 1 and {TICKET_CAP_MAX}")
    if fields.claim_hours is not None and not (
        CLAIM_HOURS_MIN <= fields.claim_hours <= CLAIM_HOURS_MAX
    ):
        problems.append(
            f"the claim deadline must be between {CLAIM_HOURS_MIN} and {CLAIM_HOURS_MAX} hours"
        )
    if fields.publish_at is not None:
        if fields.publish_at.tzinfo is None:
            problems.append("publish time must carry a time zone")
        elif fields.publish_at < now - MIN_DURATION:
            problems.append("publish time is in the past")
    if fields.new_subscribers not in NEW_SUBSCRIBERS:
        problems.append(f"new subscribers rule must be one of {', '.join(NEW_SUBSCRIBERS)}")
    if problems:
        raise ValidationError("; ".join(problems))


def check_targets(count: int, by_bot_admin: bool) -> None:
    """A contest is posted in at least one target channel; only bot admins may create one
    without (it is then reached through the Mini App alone)."""
    if count > CHANNELS_MAX:
        raise ValidationError(f"at most {CHANNELS_MAX} target channels")
    if count == 0 and not by_bot_admin:
        raise ChannelProblem(
            "name at least one target channel you administer (only bot admins may create"
            " contests without one)",
            "not_channel_admin",
            "organizer.targets_needed",
        )


def check_reason(reason: str, *, required: bool = True, what: str = "a re-draw") -> str:
    """A re-draw or exclusion reason (`required`) or a cancel reason, without surrounding
    blanks; `what` names the action in the error."""
    reason = reason.strip()
    if required and not reason:
        raise ValidationError(f"{what} needs a reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"the reason is {len(reason)} characters; at most {REASON_MAX}")
    return reason
