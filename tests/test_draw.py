"""The draw algorithm: determinism, uniformity, no modulo bias; proofs and `verify`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.contests import draw, frozen, proof
from app.errors import ProofError

SEED = "11" * 32
seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
id_lists = st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=200)


@given(seed=seeds, ids=id_lists, contest_id=st.integers(1, 10**6), k=st.integers(1, 50))
def test_ranking_is_deterministic_and_a_subset(
    seed: str, ids: list[int], contest_id: int, k: int
) -> None:
    frozen = draw.freeze(ids)
    first = draw.ranking(seed, contest_id, frozen, k)
    assert first == draw.ranking(seed, contest_id, list(frozen), k)
    assert len(first) == min(k, len(frozen))
    assert len(set(first)) == len(first)
    assert set(first) <= set(frozen)


@given(seed=seeds, ids=id_lists, k=st.integers(1, 30), extra=st.integers(0, 30))
def test_longer_rankings_extend_shorter_ones(seed: str, ids: list[int], k: int, extra: int) -> None:
    frozen = draw.freeze(ids)
    assert draw.ranking(seed, 1, frozen, k + extra)[:k] == draw.ranking(seed, 1, frozen, k)


@given(seed=seeds, ids=st.lists(st.integers(1, 10**9), min_size=2, max_size=50, unique=True))
def test_every_input_changes_the_outcome_stream(seed: str, ids: list[int]) -> None:
    frozen = draw.freeze(ids)
    full = draw.ranking(seed, 1, frozen, len(frozen))
    other_contest = draw.ranking(seed, 2, frozen, len(frozen))
    assert sorted(full) == frozen == sorted(other_contest)


def test_changing_seed_contest_or_list_changes_the_winners() -> None:
    frozen = list(range(1, 1001))
    base = draw.ranking(SEED, 7, frozen, 10)
    assert draw.ranking("22" * 32, 7, frozen, 10) != base
    assert draw.ranking(SEED, 8, frozen, 10) != base
    assert draw.ranking(SEED, 7, [*frozen, 1001], 10) != base
    assert draw.ranking(SEED, 7, frozen, 10, beacon="round-42:abcd") != base


def test_first_place_is_uniform() -> None:
    """Chi-squared over 12,000 draws of 6 participants: every place equally likely."""
    frozen = [10, 20, 30, 40, 50, 60]
    counts = Counter(
        draw.ranking(draw.new_seed(), contest_id, frozen, 1)[0] for contest_id in range(12_000)
    )
    expected = 12_000 / len(frozen)
    chi2 = sum((counts[uid] - expected) ** 2 / expected for uid in frozen)
    assert chi2 < 25.7, counts  # p = 0.0001 for 5 degrees of freedom


def test_uniform_rejects_the_biased_tail() -> None:
    stream = draw.Stream(SEED, 1, draw.list_hash([1]))
    n = 3 * 2**62  # 2**64 mod n = 2**62: words >= 3 * 2**62 must be rejected
    values = [stream.uniform(n) for _ in range(2000)]
    assert all(0 <= v < n for v in values)
    with pytest.raises(ValueError, match="positive"):
        stream.uniform(0)


@settings(max_examples=50)
@given(n=st.integers(1, 2**64))
def test_uniform_stays_in_range(n: int) -> None:
    stream = draw.Stream(SEED, 1, "00")
    assert 0 <= stream.uniform(n) < n


def test_known_vector() -> None:
    """Pins the algorithm: other implementations (the Mini App) must give these numbers."""
    assert draw.list_hash([1, 2, 3]) == (
        "ad53e8806d17c82d38902738d1d47d96bddaade27513466322efa0f793149dd0"
    )
    assert draw.commitment(SEED) == (
        "02d449a31fbb267c8f352e9968a79e3e5fc95c1bbeaa502fd6454ebde5a4bedc"
    )
    assert draw.ranking(SEED, 1, list(range(1, 11)), 10) == [10, 7, 4, 8, 2, 6, 5, 1, 3, 9]
    assert draw.ranking(SEED, 42, list(range(1000, 1100)), 5, beacon="drand:1234") == [
        1008,
        1068,
        1015,
        1087,
        1056,
    ]


def make_proof(tmp_path: Path, **changes: object) -> Path:
    document = proof.build(
        contest_id=5,
        title="Mugs",
        seed=SEED,
        participants=list(range(100, 160)),
        winners_count=3,
        reserve_count=2,
        excluded=[proof.Exclusion(user_id=101, reason="left the channel")],
        drawn_at="2026-12-31T18:00:00+00:00",
        inline=True,  # the first format: old proofs stay verifiable
    )
    data = proof.to_dict(document)
    data.update(changes)
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(data))
    return path


def run_verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "verify", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_verify_accepts_a_real_proof(tmp_path: Path) -> None:
    path = make_proof(tmp_path)
    document = proof.decode(path.read_bytes())
    winner = document.winners[0]
    result = run_verify(str(path), "--user", str(winner))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("OK: contest 5: 60 participants")
    assert f"user {winner} is in the participant list; result: winner" in result.stdout


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"seed": "22" * 32}, "seed does not match the commitment"),
        ({"participants": list(range(100, 159))}, "participant list hash is"),
        ({"winners": [100, 102, 103]}, "winners should be"),
        ({"reserves": [150]}, "reserves should be"),
        ({"participants": [*range(100, 160), 5]}, "not in ascending order"),
        ({"algorithm": "other/v9"}, "algorithm 'other/v9' is not supported"),
        ({"seed": "xyz"}, "seed is not 64 lowercase hex characters"),
    ],
)
def test_verify_rejects_tampering_precisely(
    tmp_path: Path, changes: dict[str, object], expected: str
) -> None:
    result = run_verify(str(make_proof(tmp_path, **changes)))
    assert result.returncode == 1
    assert "MISMATCH" in result.stdout
    assert expected in result.stdout


def test_verify_user_not_in_list(tmp_path: Path) -> None:
    result = run_verify(str(make_proof(tmp_path)), "--user", "7")
    assert "user 7 is not in the participant list" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not a valid proof document: JSON is malformed"),
        (b'{"format": 1}', "not a valid proof document: Expected `str`, got `int`"),
        (b"[]", "not a valid proof document: Expected `object`, got `array`"),
    ],
)
def test_verify_bad_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = run_verify(str(path))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_missing_file_and_bad_arguments(tmp_path: Path) -> None:
    missing = run_verify(str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    assert "No such file or directory" in missing.stderr
    bad_user = run_verify(str(make_proof(tmp_path)), "--user", "abc")
    assert bad_user.returncode == 2
    assert "'abc' is not a valid integer" in bad_user.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "app.cli", "frobnicate"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert unknown.returncode == 2
    assert "No such command 'frobnicate'" in unknown.stderr


def test_decode_error_type() -> None:
    with pytest.raises(ProofError):
        proof.decode(msgspec.json.encode({"format": "x"}))


def make_file_proof(tmp_path: Path, ids: list[int], **changes: object) -> tuple[Path, Path]:
    """A current-format proof and its participants file."""
    listed = tmp_path / "participants.txt"
    listed.write_bytes(b"".join(frozen.chunks(ids)))
    document = proof.build(
        contest_id=5,
        title="Mugs",
        seed=SEED,
        participants=ids,
        winners_count=3,
        reserve_count=2,
        excluded=[proof.Exclusion(user_id=ids[1], reason="left the channel")],
        drawn_at="2026-12-31T18:00:00+00:00",
        participants_url=str(listed),
    )
    data = {**proof.to_dict(document), **changes}
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(data))
    return path, listed


def test_file_proof_carries_hash_and_count_not_ids(tmp_path: Path) -> None:
    ids = list(range(100, 100 + 3 * frozen.LINES_PER_CHUNK, 3))  # more than one chunk
    path, listed = make_file_proof(tmp_path, ids)
    data = json.loads(path.read_text())
    assert data["format"] == proof.FORMAT
    assert data["participants"] == []
    assert data["participant_count"] == len(ids)
    assert data["list_hash"] == draw.list_hash(ids)
    assert hashlib.sha256(listed.read_bytes()).hexdigest() == data["list_hash"]
    inline = proof.decode(make_proof(tmp_path).read_bytes())
    assert inline.format == proof.FORMAT_INLINE and len(inline.participants) == 60


def test_verify_streams_the_participants_file(tmp_path: Path) -> None:
    ids = list(range(100, 160))
    path, listed = make_file_proof(tmp_path, ids)
    winner = proof.decode(path.read_bytes()).winners[0]
    result = run_verify(str(path), "--participants", str(listed), "--user", str(winner))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("OK: contest 5: 60 participants")
    assert f"user {winner} is in the participant list; result: winner" in result.stdout
    by_url = run_verify(str(path))  # the proof's participants_url (here a path) is the default
    assert by_url.returncode == 0, by_url.stdout + by_url.stderr
    # Same inline and as a file: the old format's winners equal the new one's.
    inline = proof.decode(make_proof(tmp_path).read_bytes())
    assert inline.winners == proof.decode(path.read_bytes()).winners


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\n".join(str(uid).encode() for uid in range(100, 159)), "has 59 ids, but the proof"),
        (b"\n".join(str(uid).encode() for uid in [*range(101, 160), 100]), "ascending"),
        (
            b"\n".join(str(uid).encode() for uid in [*range(100, 159), 999]),
            "participant list hash is",
        ),
    ],
)
def test_verify_rejects_a_tampered_participants_file(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path, listed = make_file_proof(tmp_path, list(range(100, 160)))
    listed.write_bytes(content)
    result = run_verify(str(path))
    assert result.returncode == 1
    assert expected in result.stdout


def test_verify_bad_participants_files(tmp_path: Path) -> None:
    path, listed = make_file_proof(tmp_path, list(range(100, 160)))
    listed.write_bytes(b"100\n101\nbob\n103")
    garbled = run_verify(str(path))
    assert garbled.returncode == 2
    assert "participants file line 3 is not a user id: 'bob'" in garbled.stderr
    missing = run_verify(str(path), "--participants", str(tmp_path / "gone.txt"))
    assert missing.returncode == 2 and "cannot read the participants file" in missing.stderr
    nameless, _ = make_file_proof(tmp_path, list(range(100, 160)), participants_url="")
    unnamed = run_verify(str(nameless))
    assert unnamed.returncode == 2 and "pass --participants FILE" in unnamed.stderr


def test_frozen_reader_takes_any_chunking() -> None:
    ids = [5, 17, 230, 4_000_000_000, 9_000_000_001]
    data = b"".join(frozen.chunks(ids))
    for size in (1, 2, 7, len(data)):
        reader = frozen.Reader()
        for start in range(0, len(data), size):
            reader.feed(data[start : start + size])
        found = reader.finish()
        assert list(found.ids) == ids and found.ascending
        assert found.hash == draw.list_hash(ids)
        assert 230 in found and 231 not in found
    assert frozen.of([]).hash == hashlib.sha256(b"").hexdigest()
    assert not frozen.of([3, 2]).ascending and not frozen.of([2, 2]).ascending


@pytest.mark.parametrize("tickets", [False, True])
def test_frozen_reader_memory_does_not_grow_with_the_chunk(tickets: bool) -> None:
    """A chunk of any size is read a piece at a time: Python objects for every line of a
    big chunk at once (or `re` backtracking state per line: ~200 bytes each) would make
    the draw of a million peak far above the list's own 8 bytes an id."""
    ids = range(10**9, 10**9 + 7 * 300_000, 7)
    data = b"".join(frozen.chunks(ids, [2] * len(ids) if tickets else None))
    reader = frozen.Reader(with_tickets=tickets)
    tracemalloc.start()
    try:
        reader.feed(data)  # 3.3 MB (5.1 MB with tickets) in one chunk
        found = reader.finish()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(found) == len(ids) and found.ascending
    held = 8 * len(ids) * (2 if tickets else 1)  # the arrays found in the end
    assert peak < held + 16 * frozen.PIECE_BYTES, (peak, held)  # 4 MB; 80 MB before


def test_frozen_reader_refuses_a_line_without_end() -> None:
    reader = frozen.Reader()
    reader.feed(b"100\n101\n")
    with pytest.raises(ProofError, match="line 3 is not a user id: '1111111111"):
        reader.feed(b"1" * 5000)
