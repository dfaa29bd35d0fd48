"""Participants as CSV lines, produced while the rows are read (nothing held in memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

COLUMNS = ("user_id", "username", "first_name", "source", "joined_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A cell spreadsheets will not run as a formula (names are user-chosen)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode()


async def lines(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    yield _line(list(COLUMNS))
    async for row in rows:
        yield _line([_cell(row[column]) for column in COLUMNS])
