"""The frozen participant list as a file: exactly the bytes the draw's list hash covers.

One decimal user id a line, ascending, no trailing newline (`app.contests.draw`, step
2), so `sha256(file) == list_hash`. A million ids are about 10 MB of text: a proof
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
_ID = rb"(?:0|[1-9][0-9]{0,18})"
_CANONICAL = re.compile(_ID + rb"(?:\n" + _ID + rb")*")
"""Lines of decimal ids without signs, spaces or leading zeros: one way to write a list."""


@dataclass(frozen=True, slots=True)
class FrozenList:
    """The ids of a frozen list in file order, their hash, and whether they are canonical."""

    ids: array[int]
    hash: str
    ascending: bool  # strictly ascending: the canonical order without repeats

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, user_id: object) -> bool:
        if not isinstance(user_id, int) or not self.ids:
            return False
        if not self.ascending:
            return user_id in self.ids
        index = bisect_left(self.ids, user_id)
        return index < len(self.ids) and self.ids[index] == user_id


def chunks(ids: Iterable[int]) -> Iterator[bytes]:
    """The file's bytes in pieces of up to `LINES_PER_CHUNK` lines."""
    batch: list[str] = []
    first = True
    for user_id in ids:
        batch.append(str(user_id))
        if len(batch) == LINES_PER_CHUNK:
            yield (b"" if first else b"\n") + "\n".join(batch).encode()
            batch, first = [], False
    if batch:
        yield (b"" if first else b"\n") + "\n".join(batch).encode()


def of(ids: Iterable[int]) -> FrozenList:
    """The frozen list of ids in the order given (the order is checked, not changed)."""
    reader = Reader()
    for chunk in chunks(ids):
        reader.feed(chunk)
    return reader.finish()


class Reader:
    """Parses a participants file fed in chunks of any size; `finish` returns the list."""

    def __init__(self) -> None:
        self._ids: array[int] = array("q")
        self._digest = hashlib.sha256()
        self._rest = b""
        self._ascending = True
        self._line = 0

    def feed(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        lines = (self._rest + chunk).split(b"\n")
        self._rest = lines.pop()
        self._add(lines)

    def finish(self) -> FrozenList:
        if self._rest or self._line:
            self._add([self._rest])
        self._rest = b""
        return FrozenList(self._ids, self._digest.hexdigest(), self._ascending)

    def _add(self, lines: list[bytes]) -> None:
        if not lines:
            return
        if not _CANONICAL.fullmatch(b"\n".join(lines)):
            self._refuse(lines)
        start = len(self._ids)
        self._ids.extend(map(int, lines))
        self._line += len(lines)
        if self._ascending:
            ids = self._ids
            begin = max(start, 1)
            self._ascending = all(map(operator.lt, ids[begin - 1 : -1], ids[begin:]))

    def _refuse(self, lines: list[bytes]) -> None:
        """Name the first line that is not a user id written canonically."""
        for offset, line in enumerate(lines):
            if not _CANONICAL.fullmatch(line):
                shown = line[:40].decode(errors="replace")
                raise ProofError(
                    f"participants file line {self._line + offset + 1} is not a user id: {shown!r}"
                )
