"""The frozen participant list as a file: exactly the bytes the draw's list hash covers.

One decimal user id a line, ascending, no trailing newline (`app.contests.draw`, step
2), so `sha256(file) == list_hash`. A contest with extra tickets writes the second file
format: each line is the id, one space, and the participant's tickets (a positive
decimal number), so the hash covers the tickets too. A million ids are about 10 MB of text: a proof
names the file and its hash instead of carrying the ids in the JSON document. Reading
one keeps the ids in an `array` of 64-bit integers (8 bytes each, not a Python object
each) and hashes as it goes, so a file can be streamed from disk or the network.
"""

from __future__ import annotations

import hashlib
import operator
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.errors import ProofError

LINES_PER_CHUNK = 65_536
PIECE_BYTES = 1 << 18
"""A fed chunk is parsed this much at a time: the ids of a piece exist as Python objects
together, so a chunk of any size costs a few MB while it is read."""
LINE_MAX = 64
"""Longer than any canonical line (a 19-digit id, a space and a 9-digit ticket count):
a file without line breaks is refused instead of piling up."""
_ID = rb"(?:0|[1-9][0-9]{0,18})"
_CANONICAL = re.compile(_ID + rb"(?:\n" + _ID + rb")*+")
"""Lines of decimal ids without signs, spaces or leading zeros: one way to write a list.

The repeat is possessive (`*+`): a line can be read only one way, so there is nothing
to backtrack to, and `re` would otherwise keep a backtracking entry per line (~200
bytes each: 50 MB for the 230,000 lines of one chunk)."""
_TICKETS = rb" [1-9][0-9]{0,8}"
_CANONICAL_TICKETS = re.compile(_ID + _TICKETS + rb"(?:\n" + _ID + _TICKETS + rb")*+")
"""Lines of an id, one space and a ticket count (1 or more, no leading zeros)."""


@dataclass(frozen=True, slots=True)
class FrozenList:
    """The ids of a frozen list in file order, their hash, and whether they are canonical."""

    ids: array[int]
    hash: str
    ascending: bool  # strictly ascending: the canonical order without repeats
    tickets: array[int] | None = None  # per id, in the second file format; else None

    def __len__(self) -> int:
        return len(self.ids)

    def tickets_of(self, user_id: int) -> int | None:
        """A listed user's tickets (1 in a list without tickets); None if not listed."""
        if user_id not in self:
            return None
        if self.tickets is None:
            return 1
        index = bisect_left(self.ids, user_id) if self.ascending else self.ids.index(user_id)
        return self.tickets[index]

    def __contains__(self, user_id: object) -> bool:
        if not isinstance(user_id, int) or not self.ids:
            return False
        if not self.ascending:
            return user_id in self.ids
        index = bisect_left(self.ids, user_id)
        return index < len(self.ids) and self.ids[index] == user_id


def chunks(ids: Iterable[int], tickets: Iterable[int] | None = None) -> Iterator[bytes]:
    """The file's bytes in pieces of up to `LINES_PER_CHUNK` lines; with `tickets` (one
    per id), in the second format."""
    lines = map(str, ids) if tickets is None else map("{} {}".format, ids, tickets)
    batch: list[str] = []
    first = True
    for line in lines:
        batch.append(line)
        if len(batch) == LINES_PER_CHUNK:
            yield (b"" if first else b"\n") + "\n".join(batch).encode()
            batch, first = [], False
    if batch:
        yield (b"" if first else b"\n") + "\n".join(batch).encode()


def of(ids: Iterable[int], tickets: Iterable[int] | None = None) -> FrozenList:
    """The frozen list of ids in the order given (the order is checked, not changed);
    with `tickets`, in the second format."""
    reader = Reader(with_tickets=tickets is not None)
    for chunk in chunks(ids, tickets):
        reader.feed(chunk)
    return reader.finish()


class Reader:
    """Parses a participants file fed in chunks of any size; `finish` returns the list.

    `with_tickets` reads the second format (id and tickets a line)."""

    def __init__(self, with_tickets: bool = False) -> None:
        self._tickets: array[int] | None = array("q") if with_tickets else None
        self._pattern = _CANONICAL_TICKETS if with_tickets else _CANONICAL
        self._ids: array[int] = array("q")
        self._digest = hashlib.sha256()
        self._rest = b""
        self._ascending = True
        self._line = 0

    def feed(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        for start in range(0, len(chunk), PIECE_BYTES):
            text = self._rest + chunk[start : start + PIECE_BYTES]
            end = text.rfind(b"\n")
            self._rest = text[end + 1 :]
            if len(self._rest) > LINE_MAX:
                self._refuse(self._rest)
            if end >= 0:
                self._add(text[:end])

    def finish(self) -> FrozenList:
        if self._rest or self._line:
            self._add(self._rest)
        self._rest = b""
        return FrozenList(self._ids, self._digest.hexdigest(), self._ascending, self._tickets)

    def _add(self, lines: bytes) -> None:
        """Check and add whole lines (joined by newlines, without the last one's)."""
        if not self._pattern.fullmatch(lines):
            self._refuse(lines)
        start = len(self._ids)
        if self._tickets is None:
            self._ids.extend(map(int, lines.split(b"\n")))
        else:
            numbers = list(map(int, lines.split()))  # id, tickets, id, tickets, ...
            self._ids.extend(numbers[0::2])
            self._tickets.extend(numbers[1::2])
        self._line += len(self._ids) - start
        if self._ascending:
            ids = self._ids
            begin = max(start, 1)
            self._ascending = all(map(operator.lt, ids[begin - 1 : -1], ids[begin:]))

    def _refuse(self, lines: bytes) -> None:
        """Name the first line that is not a user id written canonically."""
        expected = "a user id and tickets" if self._tickets is not None else "a user id"
        for offset, line in enumerate(lines.split(b"\n")):
            if not self._pattern.fullmatch(line):
                shown = line[:40].decode(errors="replace")
                raise ProofError(
                    f"participants file line {self._line + offset + 1} is not {expected}: {shown!r}"
                )
