"""The participant list as CSV: one format, streamed, for the bot's file and the API's
download.

Rows are read in batches (`participants.export`) and written out in chunks of about
`CHUNK_BYTES`, so memory stays flat however many people joined. The file starts with a
UTF-8 byte-order mark (spreadsheets then read names in any script correctly), and every
cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
leading apostrophe: names are chosen by the participants.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from app.db import participants

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


async def participants_csv(contest_id: int) -> AsyncIterator[bytes]:
    """The CSV file of a contest's participants in joining order, chunk by chunk."""
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
