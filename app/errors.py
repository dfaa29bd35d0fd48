"""The one error hierarchy of Contest Bot.

    ContestBotError
    ├── ConfigError            a setting is missing or malformed (exit code 2)
    ├── NotConfiguredError     a role or feature needs a part that is not set up
    ├── DomainError            a contest rule was broken
    │   ├── TransitionError    a lifecycle step not allowed from the current status
    │   ├── ValidationError    contest fields that do not make sense (winners < 1, ...)
    │   ├── NotFoundError      no such contest, participant or draw
    │   ├── PermissionDenied   the user may not do this to this contest
    │   ├── JoinRefused        a participant cannot join (conditions, status)
    │   ├── ContestChanged     a join was checked against a contest row edited since
    │   └── ChannelProblem     a channel an organizer named cannot be used (rights, type)
    ├── FinalCheckUndecided    a would-be winner's re-check got no answer (the draw waits)
    ├── ProofError             a proof document is unreadable or does not verify
    ├── DatabaseUnavailable    the database could not be reached or dropped the connection
    ├── TelegramUnavailable    Telegram could not be reached or answered with an error
    └── BeaconUnavailable      no drand relay gave a verifiable round (the draw waits)

Lower-layer errors (database drivers, HTTP clients) are mapped to these with
`raise ... from exc` at the edge that sees them.
"""

from __future__ import annotations


class ContestBotError(Exception):
    """Base of every error Contest Bot raises on purpose."""


class ConfigError(ContestBotError):
    """A setting is missing or malformed."""


class NotConfiguredError(ContestBotError):
    """A role or feature needs something that is not configured."""


class DomainError(ContestBotError):
    """A contest rule was broken; the message says what was tried and why not."""

    code = "domain_error"


class TransitionError(DomainError):
    """A lifecycle transition that is not allowed from the current status."""

    code = "invalid_transition"


class ValidationError(DomainError):
    """Contest data that does not make sense."""

    code = "invalid_contest"


class NotFoundError(DomainError):
    """No such contest, participant or draw."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The user may not do this to this contest."""

    code = "forbidden"


class JoinRefused(DomainError):
    """A participant cannot join; `reasons` lists what is missing."""

    code = "join_refused"

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class ContestChanged(DomainError):
    """The contest was edited after the row a join was checked against was read: the
    join recorded nothing and has to be checked again against the current row."""

    code = "contest_changed"


class ChannelProblem(DomainError):
    """A channel an organizer named cannot be used for a contest.

    `code` is stable for programs (the API's problem code), `key` names the organizer's
    locale text and `params` fill it; the message is a readable English explanation.
    """

    code = "invalid_channel"

    def __init__(self, message: str, code: str, key: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.key = key
        self.params = params


class FinalCheckUndecided(ContestBotError):
    """Telegram could not answer a would-be winner's re-check; the draw waits and retries.

    `condition` is the condition's key (`channel:<chat id>`), `reason` what went wrong.
    """

    def __init__(self, condition: str, reason: str) -> None:
        super().__init__(f"the final check of {condition} cannot be made: {reason}")
        self.condition = condition
        self.reason = reason


class ProofError(ContestBotError):
    """A proof document is unreadable or does not verify."""


class DatabaseUnavailable(ContestBotError):
    """The database could not be reached, or dropped the connection mid-way (a stream
    such as the CSV export then stops with this rather than ending as if complete)."""


class TelegramUnavailable(ContestBotError):
    """Telegram could not be reached or answered with an error."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Seconds Telegram asked to wait (a 429), when it said so."""


class BeaconUnavailable(ContestBotError):
    """No drand relay gave the round a draw waits for, with a valid signature."""
