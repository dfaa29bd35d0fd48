"""The participant list as CSV: one format, streamed, for the bot's file and the API's
download.

The file starts with a UTF-8 byte-order mark (spreadsheets then read names in any
script correctly), lines end in CRLF, and every cell that a spreadsheet would run as a
formula (=, +, -, @, tab, CR first) gets a leading apostrophe: names are chosen by the
participants. Memory stays flat however many people joined:

- on PostgreSQL the database writes each line (`COPY (…) TO STDOUT`, streamed by
  `engine.copy_out`). COPY's own CSV format ends lines in LF only and quotes empty
  strings, so the query builds the CSV line itself and COPY sends it in its text format,
  where a line break inside a name comes escaped: every raw LF is then a line end, and
  Python only turns it into CRLF and undoes the (rare) backslash escapes;
- on SQLite rows are read in batches (`participants.export`) and written by Python's
  csv module in chunks of about `CHUNK_BYTES`.

Both give the same bytes (`tests/test_export.py` compares them).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import aclosing

from app.db import engine, participants

COLUMNS = ("user_id", "username", "first_name", "source", "joined_at")
CHUNK_BYTES = 64 * 1024
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def filename(contest_id: int) -> str:
    return f"contest-{contest_id}-participants.csv"


def cell(value: object) -> str:
    """`value` as a cell spreadsheets will not run as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _sql_cell(text: str) -> str:
    """A text expression as `cell` and the csv module write it: quoted when it holds a
    comma, a quote or a line break; NULL as nothing. (`ascii()` and `strpos()` are the
    cheapest tests PostgreSQL offers here: see the README's export figures.)"""
    value = f"coalesce({text}, '')"
    starts = ", ".join(str(ord(character)) for character in _FORMULA_START)
    guard = f"CASE WHEN ascii({value}) IN ({starts}) THEN '''' ELSE '' END"
    special = " OR ".join(
        f"strpos({value}, {character}) > 0" for character in ("','", "'\"'", "chr(13)", "chr(10)")
    )
    quoted = f"""'"' || {guard} || replace({value}, '"', '""') || '"'"""
    return f"CASE WHEN {special} THEN {quoted} ELSE {guard} || {value} END"


LINES = f"""
SELECT concat_ws(',',
    CASE WHEN p.user_id < 0 THEN '''' ELSE '' END || p.user_id,
    {_sql_cell("u.username")},
    {_sql_cell("u.first_name")},
    {_sql_cell("p.source")},
    replace(to_char(p.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '')
      || '+00:00')
FROM participant AS p LEFT JOIN telegram_user AS u ON u.id = p.user_id
WHERE p.contest = $1
ORDER BY p.id
"""  # noqa: S608 (made of the constants above, no input)
"""One CSV line per participant, as `participants.export` and `cell` give the cells (an
id reads as a formula only with its minus sign); `joined_at` as Python's `isoformat()`
of a UTC time, which leaves out a zero fraction."""
_TEXT_ESCAPES = {
    b"\\" + letter.encode(): byte
    for letter, byte in zip("\\bfnrtv", b"\\\b\f\n\r\t\v", strict=True)
}
_TEXT_ESCAPE = re.compile(rb"\\[\\bfnrtv]")
"""What COPY's text format escapes with a backslash (and nothing else it does)."""


def _unescape(match: re.Match[bytes]) -> bytes:
    return bytes([_TEXT_ESCAPES[match[0]]])


def _crlf_lines(chunk: bytes) -> bytes:
    """A chunk of COPY text-format lines as the CSV file's bytes."""
    chunk = bytes(chunk).replace(b"\n", b"\r\n")  # asyncpg hands over a bytearray
    return _TEXT_ESCAPE.sub(_unescape, chunk) if b"\\" in chunk else chunk


async def participants_csv(contest_id: int) -> AsyncIterator[bytes]:
    """The CSV file of a contest's participants in joining order, chunk by chunk.

    On PostgreSQL the first chunk comes once the database has answered, so a caller can
    wait for it before promising a file; a connection lost on the way raises
    `DatabaseUnavailable` (never a file that merely ends early).
    """
    if engine.is_sqlite():
        async with aclosing(written_by_python(contest_id)) as chunks:
            async for chunk in chunks:
                yield chunk
        return
    head = (BOM + ",".join(COLUMNS) + "\r\n").encode()
    async with aclosing(engine.copy_out(LINES, contest_id)) as chunks:
        async for chunk in chunks:
            yield head + _crlf_lines(chunk) if head else _crlf_lines(chunk)
            head = b""
    if head:
        yield head


async def answered_csv(contest_id: int) -> AsyncIterator[bytes]:
    """`participants_csv` once its first chunk is in: a database that is down raises
    `DatabaseUnavailable` here, before an HTTP response has promised a file."""
    chunks = participants_csv(contest_id)
    first = await anext(chunks)

    async def whole() -> AsyncIterator[bytes]:
        async with aclosing(chunks):
            yield first
            async for chunk in chunks:
                yield chunk

    return whole()


async def written_by_python(contest_id: int) -> AsyncIterator[bytes]:
    """The same file, rows read in batches and written by Python's csv module."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    async for row in participants.export(contest_id):
        writer.writerow([cell(row[column]) for column in COLUMNS])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
