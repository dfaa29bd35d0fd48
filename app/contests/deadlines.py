"""Reading deadlines organizers type, in their own time zone.

Accepts absolute forms (`2026-12-31 18:00`, `31.12.2026 18:00`, `31.12 18:00`) and
relative ones in English or Russian (`in 3 days`, `через 3 дня`, `tomorrow 18:00`).
Day-first order is assumed for ambiguous dates, as both audiences write them.
The result is always an aware UTC datetime in the future.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

from app.errors import ValidationError

LANGUAGES = ["en", "ru"]
MAX_INPUT = 64


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a `ValidationError` naming the expected form."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown time zone {name!r}; use a name like Europe/Berlin") from exc


def parse_deadline(text: str, timezone: str, now: datetime | None = None) -> datetime:
    """The UTC moment `text` means in `timezone`; `ValidationError` if unreadable or past."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_INPUT:
        raise ValidationError("write a date and time such as 2026-12-31 18:00 or 'in 3 days'")
    now = now or datetime.now(UTC)
    local_now = now.astimezone(zone(timezone)).replace(tzinfo=None)
    parsed = dateparser.parse(
        text,
        languages=LANGUAGES,
        settings={
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": timezone,
            "TO_TIMEZONE": "UTC",
            "DATE_ORDER": "DMY",
            "RELATIVE_BASE": local_now,
        },
    )
    if parsed is None:
        raise ValidationError(
            f"cannot read {text!r} as a date; write e.g. 2026-12-31 18:00 or 'in 3 days'"
        )
    moment = parsed.astimezone(UTC).replace(microsecond=0)
    if moment <= now:
        raise ValidationError(f"{moment:%Y-%m-%d %H:%M} UTC is in the past")
    return moment
