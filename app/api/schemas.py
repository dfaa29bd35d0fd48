"""Request and response bodies of the Mini App API: the single source of truth.

Every struct serialises with camelCase keys (`rename="camel"`), which is what the
OpenAPI schema at `/schema/openapi.json` shows and what the Mini App sends and reads.
The one exception is the proof document (`app.contests.proof.Proof`), embedded as is:
it keeps the snake_case field names of the published JSON that `contest-bot verify`
and the in-browser check read.

Times are ISO 8601 strings in UTC with an offset (`2026-01-31T18:00:00Z`); request
times must carry an offset. Chat ids are Telegram's (channels are negative numbers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.contests import rules
from app.contests.captcha import OPTIONS as CAPTCHA_OPTIONS
from app.contests.proof import Proof

ContestStatus = Literal["draft", "scheduled", "active", "drawing", "finished", "cancelled"]
JoinStatus = Literal[
    "joined",
    "already_joined",
    "conditions_missing",
    "undecided",
    "not_open",
    "full",
    "not_eligible",
    "captcha_required",
    "captcha_failed",
    "rate_limited",
]
ResultRole = Literal["winner", "reserve", "excluded", "participant", "absent"]
ResultsMode = Literal["reply", "edit"]
CaptchaMode = rules.CaptchaMode
NewSubscribers = rules.NewSubscribers
Language = Literal["ru", "en"]

UserId = Annotated[int, Meta(ge=1, le=2**53 - 1, description="Telegram user id")]
ContestId = Annotated[int, Meta(ge=1, le=2**31 - 1)]
UtcTime = Annotated[datetime, Meta(tz=True, description="ISO 8601 with a UTC offset")]
ChannelHandle = str | int
"""A channel as an organizer names it: `@username`, a `t.me/<username>` link or its
numeric chat id (checked against Telegram when the contest is saved by
`app.telegram.channels`; an unknown one is a 400 naming it)."""

Title = Annotated[str, Meta(min_length=1, max_length=rules.TITLE_MAX)]
Description = Annotated[str, Meta(max_length=rules.DESCRIPTION_MAX)]
WinnersCount = Annotated[int, Meta(ge=1, le=rules.WINNERS_MAX)]
ReserveCount = Annotated[int, Meta(ge=0, le=rules.RESERVE_MAX)]
DefaultReserve = Annotated[
    ReserveCount,
    Meta(description=f"absent: one per winner, at least {rules.RESERVE_DEFAULT_MIN}"),
]
ParticipantLimit = Annotated[int, Meta(ge=1, le=rules.PARTICIPANTS_MAX)]
Channels = Annotated[list[ChannelHandle], Meta(max_length=rules.CHANNELS_MAX)]
Reason = Annotated[str, Meta(min_length=1, max_length=rules.REASON_MAX)]
TicketCap = Annotated[
    int,
    Meta(ge=1, le=rules.TICKET_CAP_MAX, description="most extra tickets of this kind per person"),
]
ClaimHours = Annotated[
    int,
    Meta(
        ge=rules.CLAIM_HOURS_MIN,
        le=rules.CLAIM_HOURS_MAX,
        description="Hours winners have to press Claim; null: winners need not claim",
    ),
]


class Camel(msgspec.Struct, rename="camel", kw_only=True):
    """Base of the API bodies: camelCase on the wire."""


# --- participant -------------------------------------------------------------------


class UserProfile(Camel):
    id: int
    first_name: str
    username: str | None
    language: Language
    timezone: str
    """The IANA zone the bot uses for this user's deadlines (chosen with /timezone, or
    the operator's default): the organizer form reads and writes times in it."""


class Me(Camel):
    """GET /api/me."""

    user: UserProfile
    is_organizer: bool


class ChannelLink(Camel):
    """A channel, with a link people can open (null when unknown)."""

    chat_id: int
    title: str
    username: str | None
    link: str | None


class PublicCard(Camel, kw_only=True):
    """A contest as every viewer sees it: the same for all (nginx keeps it a second)."""

    id: int
    title: str
    description: str
    status: ContestStatus
    participant_count: int
    ends_at: datetime | None
    max_participants: int | None
    winners_count: int
    reserve_count: int
    publish_at: datetime | None
    required_channels: list[ChannelLink]
    seed_commitment: str | None
    claim_hours: int | None = None
    beacon: BeaconWait | None = None
    """Set while the draw waits for its drand round."""
    exclude_leavers: bool = False
    new_subscribers: NewSubscribers = "off"
    premium_only: bool = False


ClaimStateName = Literal["pending", "won", "claimed", "handed_over", "passed_on", "replaced"]
"""A winner's prize (`app.contests.claims.ClaimState`): pending (must press Claim by the
deadline), won (no claim asked), claimed, handed_over, passed_on (not claimed in time:
the next in the ranking got it), replaced (by the organizer's re-draw)."""


class ClaimView(Camel):
    """A winner's claim of the prize."""

    state: ClaimStateName
    deadline: datetime | None
    """When a pending claim passes on; null when the contest asks for no claim."""


class WinnerClaim(Camel):
    """GET /api/organizer/contests/{id}/claims: one winner's prize, for the organizer."""

    person: Person
    state: ClaimStateName
    deadline: datetime | None
    changed_at: datetime | None


class BeaconWait(Camel):
    """While a draw waits for its committed drand round."""

    round: int
    expected_at: datetime
    """When the round comes out (drand's genesis time + (round - 1) x period)."""
    unreachable: bool
    """The bot cannot reach the beacon now (the organizer may draw without it)."""


class Tickets(Camel):
    """A participant's draw tickets in a contest that gives extra ones (so far: the freeze
    decides them), and their invitation links (the bot's and the Mini App's)."""

    total: int
    referrals: int
    boosts: int
    bot_link: str
    app_link: str


class ViewerStatus(Camel):
    """GET /api/contests/{id}/status: what only this viewer sees on the card."""

    joined: bool
    can_manage: bool
    server_time: datetime
    tickets: Tickets | None = None


class ContestCard(PublicCard, kw_only=True):
    """A contest as the participant (and, after create/update, the organizer) sees it:
    the public card and the viewer's status in one body."""

    joined: bool
    server_time: datetime
    can_manage: bool
    tickets: Tickets | None = None


class CaptchaOption(Camel):
    """One picture to tap: the emoji, and its name for screen readers."""

    emoji: str
    label: str


class CaptchaQuestion(Camel):
    """The captcha of a join (`captcha_required` / `captcha_failed`): tap the picture
    `message` names, and send the proof of work (`work`, an ALTCHA v2 challenge, solved
    in the browser) with the answer to `POST /api/contests/{id}/captcha`."""

    token: str
    options: list[CaptchaOption]
    work: dict[str, Any] | None


class JoinAnswer(Camel):
    """POST /api/contests/{id}/join (and /captcha): the same answer the bot gives."""

    status: JoinStatus
    participant_count: int
    missing: list[ChannelLink]
    message: str
    captcha: CaptchaQuestion | None = None
    retry_after: int = 0
    """Seconds until the next press is allowed (`rate_limited`)."""


class CaptchaAnswer(Camel, forbid_unknown_fields=True):
    """POST /api/contests/{id}/captcha: the picture tapped and the proof of work."""

    token: Annotated[str, Meta(min_length=1, max_length=32)]
    choice: Annotated[int, Meta(ge=0, lt=CAPTCHA_OPTIONS)]
    work: Annotated[str, Meta(max_length=4096)] = ""


class MyContest(Camel):
    id: int
    title: str
    status: ContestStatus
    ends_at: datetime | None
    participant_count: int
    role: Literal["participant"] = "participant"


class Person(Camel):
    """A user as people know them: first name and @username (ids stay in the proof)."""

    id: int
    first_name: str
    username: str | None


class Inclusion(Camel):
    included: bool
    role: ResultRole


class Results(Camel):
    """GET /api/contests/{id}/results (409 before the draw)."""

    status: ContestStatus
    winners: list[int]
    reserves: list[int]
    people: list[Person]
    """Names of the winners and reserves (those the bot knows), to show instead of ids."""
    you: Inclusion
    proof: Proof
    claim: ClaimView | None = None
    """The viewer's prize, when they are (or were) a winner."""


# --- organizer ---------------------------------------------------------------------


class OrganizerContest(Camel):
    id: int
    title: str
    status: ContestStatus
    participant_count: int
    ends_at: datetime | None
    publish_at: datetime | None
    last_error: str | None


class ContestInput(Camel, forbid_unknown_fields=True):
    """POST /api/organizer/contests: a new draft."""

    title: Title
    description: Description = ""
    winners_count: WinnersCount = 1
    reserve_count: DefaultReserve | UnsetType = UNSET
    ends_at: UtcTime | None = None
    max_participants: ParticipantLimit | None = None
    publish_at: UtcTime | None = None
    required_channels: Channels = []
    target_channels: Channels = []
    notify_participants: bool = False
    results_mode: ResultsMode = "reply"
    captcha_mode: CaptchaMode = rules.CAPTCHA_DEFAULT
    ticket_mode: rules.TicketMode = "none"
    referral_cap: TicketCap = rules.TICKET_CAP_DEFAULT
    boost_cap: TicketCap = rules.TICKET_CAP_DEFAULT
    claim_hours: ClaimHours | None = None
    exclude_leavers: bool = False
    new_subscribers: NewSubscribers = "off"
    premium_only: bool = False


class ContestPatch(Camel, forbid_unknown_fields=True):
    """PATCH /api/organizer/contests/{id}: the fields to change; absent ones stay."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    winners_count: WinnersCount | UnsetType = UNSET
    reserve_count: ReserveCount | UnsetType = UNSET
    ends_at: UtcTime | UnsetType | None = UNSET
    max_participants: ParticipantLimit | UnsetType | None = UNSET
    publish_at: UtcTime | UnsetType | None = UNSET
    required_channels: Channels | UnsetType = UNSET
    target_channels: Channels | UnsetType = UNSET
    notify_participants: bool | UnsetType = UNSET
    results_mode: ResultsMode | UnsetType = UNSET
    captcha_mode: CaptchaMode | UnsetType = UNSET
    ticket_mode: rules.TicketMode | UnsetType = UNSET
    referral_cap: TicketCap | UnsetType = UNSET
    boost_cap: TicketCap | UnsetType = UNSET
    claim_hours: ClaimHours | UnsetType | None = UNSET
    exclude_leavers: bool | UnsetType = UNSET
    new_subscribers: NewSubscribers | UnsetType = UNSET
    premium_only: bool | UnsetType = UNSET


class ContestSettings(Camel):
    """GET /api/organizer/contests/{id}: everything the edit form shows."""

    id: int
    title: str
    description: str
    status: ContestStatus
    winners_count: int
    reserve_count: int
    ends_at: datetime | None
    max_participants: int | None
    publish_at: datetime | None
    required_channels: list[ChannelLink]
    target_channels: list[ChannelLink]
    notify_participants: bool
    results_mode: ResultsMode
    captcha_mode: CaptchaMode
    ticket_mode: rules.TicketMode
    referral_cap: int
    boost_cap: int
    exclude_leavers: bool
    new_subscribers: NewSubscribers
    premium_only: bool
    participant_count: int
    seed_commitment: str | None
    last_error: str | None
    claim_hours: int | None
    beacon: BeaconWait | None = None
    """Set while the draw waits for its drand round."""


class CancelInput(Camel, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=rules.REASON_MAX)] = ""


class SeriesPoint(Camel):
    at: datetime
    count: int


class Stats(Camel):
    """Participants over time: `count` is the running total after each point."""

    participant_count: int
    series: list[SeriesPoint]
    status: ContestStatus
    last_error: str | None


class RedrawInput(Camel, forbid_unknown_fields=True):
    user_id: UserId
    reason: Reason


class RedrawOutcome(Camel):
    winners: list[int]
    reserves: list[int]
    people: list[Person]
    replaced: Person
    """The winner who was replaced."""


# --- dev, ops, errors --------------------------------------------------------------


class DevInitData(Camel):
    """GET /api/dev/init-data (dev only, loopback only)."""

    init_data: str


class Health(Camel):
    status: Literal["ok"] = "ok"


class Readiness(Camel):
    """GET /readyz: each dependency `ok`, or what is wrong with it."""

    status: Literal["ready", "unready"]
    checks: dict[str, str]


class Problem(Camel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    """Values a client fills into its own sentence for `code` (a channel's title, ...)."""


# --- organizer review of suspicious entries (app.contests.suspicion) ----------------

SuspicionSignal = Literal["no_username", "no_photo", "new_account", "referrer_burst", "same_second"]


class Exclusion(Camel):
    """An organizer's exclusion of an entry before the draw."""

    reason: str
    at: datetime


class ReviewEntry(Camel):
    """An entry as the review shows it: flagged by its signals, or excluded, or both."""

    person: Person
    score: int
    signals: list[SuspicionSignal]
    exclusion: Exclusion | None


class Review(Camel):
    """GET /api/organizer/contests/{id}/review: flagged entries (highest score first,
    paged) and the newest 200 exclusions (`excluded` counts them all); `can_exclude`
    while the contest takes entries."""

    assessed: int
    flagged: int
    excluded: int
    flag_score: int
    by_signal: dict[str, int]
    can_exclude: bool
    entries: list[ReviewEntry]
    exclusions: list[ReviewEntry]


class ExcludeInput(Camel, forbid_unknown_fields=True):
    user_ids: Annotated[list[UserId], Meta(min_length=1, max_length=rules.EXCLUDE_AT_ONCE_MAX)]
    reason: Reason
