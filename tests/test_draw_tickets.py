"""The weighted draw (tickets): exact proportions, determinism, the proof's third format
and `contest-bot verify` on it, tampering included."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.contests import draw, frozen, proof
from app.errors import ProofError
from tests.test_draw import SEED, run_verify, seeds

RULES = proof.TicketRules(mode="both", referral_cap=3, boost_cap=2)
CHI2_P0001 = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52}
"""Chi-squared at p = 0.0001 by degrees of freedom: a fair draw fails 1 run in 10,000."""


def chi2(counts: Counter[int], expected: dict[int, float]) -> float:
    return sum((counts[key] - value) ** 2 / value for key, value in expected.items())


def test_first_place_follows_the_tickets() -> None:
    """Chi-squared over 12,000 draws: first place in proportion to tickets."""
    ids, weights = [10, 20, 30, 40], [1, 2, 3, 6]
    runs = 12_000
    counts = Counter(
        draw.ranking(draw.new_seed(), run, ids, 1, tickets=weights)[0] for run in range(runs)
    )
    total = sum(weights)
    expected = {uid: runs * w / total for uid, w in zip(ids, weights, strict=True)}
    assert chi2(counts, expected) < CHI2_P0001[3], counts


def test_second_place_is_drawn_without_replacement() -> None:
    """The second place follows P(j second) = sum_i P(i first) * w_j / (T - w_i)."""
    ids, weights = [1, 2, 3], [1, 3, 6]
    total = sum(weights)
    runs = 12_000
    counts = Counter(
        draw.ranking(draw.new_seed(), run, ids, 2, tickets=weights)[1] for run in range(runs)
    )
    expected = {
        ids[j]: runs
        * sum(
            weights[i] / total * weights[j] / (total - weights[i])
            for i in range(len(ids))
            if i != j
        )
        for j in range(len(ids))
    }
    assert chi2(counts, expected) < CHI2_P0001[2], counts


def test_one_ticket_each_is_uniform() -> None:
    ids = [10, 20, 30, 40, 50, 60]
    runs = 12_000
    counts = Counter(
        draw.ranking(draw.new_seed(), run, ids, 1, tickets=[1] * len(ids))[0] for run in range(runs)
    )
    assert chi2(counts, dict.fromkeys(ids, runs / len(ids))) < CHI2_P0001[5], counts


tickets_lists = st.lists(
    st.tuples(st.integers(1, 10**12), st.integers(1, 50)), min_size=1, max_size=100
).map(lambda pairs: sorted(dict(pairs).items()))


@given(seed=seeds, pairs=tickets_lists, k=st.integers(1, 120), extra=st.integers(0, 20))
def test_weighted_rankings_are_deterministic_distinct_and_extend(
    seed: str, pairs: list[tuple[int, int]], k: int, extra: int
) -> None:
    ids = [uid for uid, _ in pairs]
    weights = [w for _, w in pairs]
    first = draw.ranking(seed, 3, ids, k, tickets=weights)
    assert first == draw.ranking(seed, 3, ids, k, tickets=weights)
    assert len(first) == min(k, len(ids)) == len(set(first))
    assert set(first) <= set(ids)
    assert draw.ranking(seed, 3, ids, k + extra, tickets=weights)[: len(first)] == first


def test_tickets_are_part_of_the_list_hash() -> None:
    assert draw.list_hash([1, 2], [1, 1]) == hashlib.sha256(b"1 1\n2 1").hexdigest()
    assert draw.list_hash([1, 2], [1, 1]) != draw.list_hash([1, 2])
    assert draw.list_hash([1, 2], [1, 2]) != draw.list_hash([1, 2], [2, 1])


def test_weighted_known_vector() -> None:
    """Pins step 5w: the Mini App's port must give these numbers (app/miniapp/src/proof)."""
    ids = list(range(1, 11))
    weights = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    assert (
        draw.list_hash(ids, weights)
        == hashlib.sha256(
            "\n".join(f"{i} {w}" for i, w in zip(ids, weights, strict=True)).encode()
        ).hexdigest()
    )
    assert draw.ranking(SEED, 1, ids, 10, tickets=weights) == WEIGHTED_VECTOR


WEIGHTED_VECTOR = [2, 10, 5, 3, 9, 4, 8, 1, 7, 6]


def test_weights_must_be_positive_and_one_per_id() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        draw.ranking(SEED, 1, [1, 2], 1, tickets=[1, 0])
    with pytest.raises(ValueError, match="at least 1"):
        draw.ranking(SEED, 1, [1, 2], 1, tickets=[1])


def test_reader_takes_the_tickets_format_in_any_chunking() -> None:
    ids, weights = [5, 17, 230, 4_000_000_000], [1, 12, 3, 1]
    data = b"".join(frozen.chunks(ids, weights))
    assert data == b"5 1\n17 12\n230 3\n4000000000 1"
    for size in (1, 3, len(data)):
        reader = frozen.Reader(with_tickets=True)
        for start in range(0, len(data), size):
            reader.feed(data[start : start + size])
        listed = reader.finish()
        assert list(listed.ids) == ids and list(listed.tickets or []) == weights
        assert listed.hash == hashlib.sha256(data).hexdigest()
    for bad in (b"5 1\n17", b"5 0", b"5 01", b"5  1", b"5 1 2", b"5\t1"):
        with pytest.raises(ProofError, match="is not a user id and tickets"):
            frozen.Reader(with_tickets=True).feed(bad + b"\n")


IDS = list(range(100, 160))
WEIGHTS = [1 + (uid % 4 == 0) * 3 + (uid % 7 == 0) * 2 for uid in IDS]  # 1..6 tickets


def make_ticket_proof(
    tmp_path: Path, weights: list[int] = WEIGHTS, **changes: object
) -> tuple[Path, Path]:
    listed = tmp_path / "participants.txt"
    listed.write_bytes(b"".join(frozen.chunks(IDS, weights)))
    document = proof.build(
        contest_id=9,
        title="Mugs",
        seed=SEED,
        participants=frozen.of(IDS, weights),
        winners_count=3,
        reserve_count=2,
        excluded=[proof.Exclusion(IDS[1], "left the channel", code=proof.RECHECK_FAILED)],
        drawn_at="2026-12-31T18:00:00+00:00",
        participants_url=str(listed),
        tickets=RULES,
    )
    data = {**proof.to_dict(document), **changes}
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(data))
    return path, listed


def test_a_ticket_proof_verifies(tmp_path: Path) -> None:
    path, listed = make_ticket_proof(tmp_path)
    data = json.loads(path.read_text())
    assert data["format"] == proof.FORMAT_TICKETS
    assert data["tickets"] == {"mode": "both", "referral_cap": 3, "boost_cap": 2}
    assert data["list_hash"] == hashlib.sha256(listed.read_bytes()).hexdigest()
    winner = data["winners"][0]
    result = run_verify(str(path), "--user", str(winner))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"weighted draw: {sum(WEIGHTS)} tickets" in result.stdout
    assert f"user {winner} is in the participant list; result: winner" in result.stdout
    held = WEIGHTS[IDS.index(winner)]
    assert f"user {winner} held {held} of the draw's tickets" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("OK: contest 9: 60 participants")


def rewrite_list(tmp_path: Path, weights: list[int]) -> str:
    """Write other tickets into the file and return its new hash (a forger's move)."""
    data = b"".join(frozen.chunks(IDS, weights))
    (tmp_path / "participants.txt").write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_tampered_tickets_fail(tmp_path: Path) -> None:
    path, _ = make_ticket_proof(tmp_path)
    winners = json.loads(path.read_text())["winners"]
    loser = next(uid for uid in IDS[2:] if uid not in winners)
    changed = [6 if uid == loser else w for uid, w in zip(IDS, WEIGHTS, strict=True)]

    # One ticket more in the file: the hash published at the freeze no longer matches.
    rewrite_list(tmp_path, changed)
    result = run_verify(str(path))
    assert result.returncode == 1 and "participant list hash is" in result.stdout

    # The forger also rewrites the hash: the winners no longer follow.
    forged = rewrite_list(tmp_path, [6 if w == 1 else 1 for w in WEIGHTS])
    path, _ = make_ticket_proof(tmp_path, list_hash=forged)
    rewrite_list(tmp_path, [6 if w == 1 else 1 for w in WEIGHTS])
    result = run_verify(str(path))
    assert result.returncode == 1 and "winners should be" in result.stdout

    # More tickets than the contest's caps allow (1 + 3 + 2).
    too_many = [7, *WEIGHTS[1:]]
    path, _ = make_ticket_proof(tmp_path, too_many)
    result = run_verify(str(path))
    assert result.returncode == 1
    assert f"tickets above the contest's most of 6 (both): {IDS[0]} (7)" in result.stdout


@pytest.mark.parametrize(
    ("changes", "code", "expected"),
    [
        ({"tickets": {"mode": "none", "referral_cap": 3, "boost_cap": 2}}, 1, "ticket mode"),
        ({"tickets": None}, 1, "must name its ticket mode and caps"),
        ({"format": proof.FORMAT}, 2, "line 1 is not a user id: '100 4'"),
        ({"winners": [100, 102, 103]}, 1, "winners should be"),
    ],
)
def test_ticket_proof_tampering(
    tmp_path: Path, changes: dict[str, object], code: int, expected: str
) -> None:
    path, _ = make_ticket_proof(tmp_path, **changes)
    result = run_verify(str(path))
    assert result.returncode == code, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr


def test_old_format_ids_file_is_refused_as_a_ticket_proof(tmp_path: Path) -> None:
    path, listed = make_ticket_proof(tmp_path)
    listed.write_bytes(b"".join(frozen.chunks(IDS)))
    result = run_verify(str(path))
    assert result.returncode == 2
    assert "line 1 is not a user id and tickets: '100'" in result.stderr
