"""Test vectors for the Mini App's port of the draw and its proof check.

`generate()` runs the Python reference (`app.contests.draw`, `app.contests.proof`) on
fixed inputs; `app/miniapp/src/proof/vectors.json` holds its output, which the vitest
suite asserts the TypeScript port reproduces exactly. `test_proof_vectors.py` keeps the
file in step with the Python code. Regenerate with `python -m tests.browser.proof_vectors`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import msgspec

from app.contests import draw, proof

VECTORS_FILE = Path(__file__).parents[2] / "app" / "miniapp" / "src" / "proof" / "vectors.json"


def _seed(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def _ids(count: int, start: int = 100_000, step: int = 7_919) -> list[int]:
    return [start + i * step for i in range(count)]


def _streams() -> list[dict[str, Any]]:
    cases = []
    for label, contest_id, beacon, sizes in [
        ("stream-a", 1, "", [1, 2, 3, 10, 1_000_003]),
        ("stream-b", 987_654, "beacon-round-42", [7, 2**40 + 1, 2**52 + 3, 5]),
        ("stream-c", 5, "", [2**53 - 1, 3, 3, 3, 2**33]),
    ]:
        seed = _seed(label)
        frozen_hash = draw.list_hash(_ids(5))
        words = draw.Stream(seed, contest_id, frozen_hash, beacon)._generate()
        stream = draw.Stream(seed, contest_id, frozen_hash, beacon)
        cases.append(
            {
                "seed": seed,
                "contest_id": contest_id,
                "list_hash": frozen_hash,
                "beacon": beacon,
                "words": [str(next(words)) for _ in range(12)],
                "uniform": [{"n": n, "value": stream.uniform(n)} for n in sizes],
            }
        )
    return cases


def _rankings() -> list[dict[str, Any]]:
    cases = []
    for label, contest_id, size, count, beacon in [
        ("rank-empty", 3, 0, 5, ""),
        ("rank-one", 4, 1, 3, ""),
        ("rank-two", 4, 2, 2, ""),
        ("rank-ten", 17, 10, 10, ""),
        ("rank-beacon", 17, 10, 4, "drand-1234567"),
        ("rank-big", 99, 1_000, 25, ""),
        ("rank-telegram-ids", 12, 50, 12, ""),
    ]:
        seed = _seed(label)
        start = 7_000_000_000 if label == "rank-telegram-ids" else 100_000
        frozen = _ids(size, start=start)
        cases.append(
            {
                "seed": seed,
                "commitment": draw.commitment(seed),
                "contest_id": contest_id,
                "participants": frozen,
                "list_hash": draw.list_hash(frozen),
                "count": count,
                "beacon": beacon,
                "ranking": draw.ranking(seed, contest_id, frozen, count, beacon),
            }
        )
    return cases


def _valid_proof() -> proof.Proof:
    participants = _ids(40, start=5_000_000_000, step=104_729)
    return proof.build(
        contest_id=42,
        title="Spring giveaway",
        seed=_seed("proof-seed"),
        participants=participants,
        winners_count=3,
        reserve_count=2,
        excluded=[
            proof.Exclusion(participants[7], "left the channel", "2026-04-01T10:00:00Z"),
            proof.Exclusion(participants[21], "replaced by the organizer: unreachable"),
        ],
        drawn_at="2026-04-01T10:00:00Z",
        inline=True,  # the list inside the document: the TypeScript port checks the same
    )


def _tampered(valid: proof.Proof) -> dict[str, proof.Proof]:
    first, second = valid.participants[0], valid.participants[1]
    return {
        "winner swapped": msgspec.structs.replace(
            valid, winners=[valid.winners[0], valid.winners[1], first]
        ),
        "reserves reordered": msgspec.structs.replace(valid, reserves=valid.reserves[::-1]),
        "other seed": msgspec.structs.replace(valid, seed=_seed("another seed")),
        "participant added": msgspec.structs.replace(
            valid, participants=sorted([*valid.participants, 1])
        ),
        "participants unsorted": msgspec.structs.replace(
            valid, participants=[second, first, *valid.participants[2:]]
        ),
        "outsider wins": msgspec.structs.replace(valid, winners=[*valid.winners[:2], 77]),
        "outsider excluded": msgspec.structs.replace(
            valid, excluded=[*valid.excluded, proof.Exclusion(78, "unknown")]
        ),
        "exclusion removed": msgspec.structs.replace(valid, excluded=valid.excluded[:1]),
        "more winners claimed": msgspec.structs.replace(valid, winners_count=4),
        "beacon changed": msgspec.structs.replace(valid, beacon="round-1"),
        "wrong format": msgspec.structs.replace(valid, format="contest-bot-proof/0"),
        "wrong algorithm": msgspec.structs.replace(valid, algorithm="it's-random"),
        "seed uppercase": msgspec.structs.replace(valid, seed=valid.seed.upper()),
        "negative winners": msgspec.structs.replace(valid, winners_count=-1),
    }


def _proofs() -> list[dict[str, Any]]:
    valid = _valid_proof()
    documents = {"valid": valid, **_tampered(valid)}
    users = [valid.participants[0], valid.winners[0], valid.reserves[0], valid.excluded[0].user_id]
    cases = []
    for name, document in documents.items():
        cases.append(
            {
                "name": name,
                "document": proof.to_dict(document),
                "problems": proof.verify(document),
                "inclusion": [
                    {"user_id": uid, "included": found.included, "role": found.role}
                    for uid in [*users, 1]
                    for found in [proof.inclusion(document, uid)]
                ],
            }
        )
    return cases


def generate() -> dict[str, Any]:
    """Every vector, as the JSON the vitest suite reads."""
    return {
        "algorithm": draw.ALGORITHM,
        "format": proof.FORMAT,
        "streams": _streams(),
        "rankings": _rankings(),
        "proofs": _proofs(),
    }


def render() -> str:
    return json.dumps(generate(), indent=1) + "\n"


if __name__ == "__main__":
    VECTORS_FILE.write_text(render())
    print(f"wrote {VECTORS_FILE}")
