"""Deadlines typed by organizers, read in their time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.contests.deadlines import parse_deadline, zone
from app.errors import ValidationError

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, 11:00 in Berlin


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        ("2026-12-31 18:00", "Europe/Moscow", datetime(2026, 12, 31, 15, 0, tzinfo=UTC)),
        ("31.12.2026 18:00", "Europe/Moscow", datetime(2026, 12, 31, 15, 0, tzinfo=UTC)),
        ("2026-12-31 18:00", "UTC", datetime(2026, 12, 31, 18, 0, tzinfo=UTC)),
        ("2026-07-01 18:00", "Europe/Berlin", datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
        ("in 3 days", "Europe/Moscow", datetime(2026, 6, 4, 9, 0, tzinfo=UTC)),
        ("через 3 дня", "Europe/Moscow", datetime(2026, 6, 4, 9, 0, tzinfo=UTC)),
        ("in 2 hours", "Asia/Tokyo", datetime(2026, 6, 1, 11, 0, tzinfo=UTC)),
        ("tomorrow 18:00", "Europe/Moscow", datetime(2026, 6, 2, 15, 0, tzinfo=UTC)),
        ("  31.12.2026   18:00 ", "Europe/Moscow", datetime(2026, 12, 31, 15, 0, tzinfo=UTC)),
    ],
)
def test_readable_forms(text: str, timezone: str, expected: datetime) -> None:
    assert parse_deadline(text, timezone, NOW) == expected


@pytest.mark.parametrize("text", ["", "soon-ish maybe", "x" * 65, "2026-02-30 10:00"])
def test_unreadable_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_deadline(text, "UTC", NOW)


def test_past_is_refused() -> None:
    with pytest.raises(ValidationError, match="in the past"):
        parse_deadline("2020-01-01 10:00", "UTC", NOW)


def test_unknown_zone() -> None:
    with pytest.raises(ValidationError, match="Europe/Berlin"):
        zone("Mars/Olympus")
