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

from app.contests import beacon as beacons
from app.contests import draw, frozen, proof
from tests.drand_emulator import TestChain

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
        ("rank-v2", 17, 10, 10, QUICKNET_1000[2]),
        ("rank-v2-big", 99, 1_000, 25, QUICKNET_657413[2]),
    ]:
        seed = _seed(label)
        algorithm = draw.V2 if label.startswith("rank-v2") else draw.V1
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
                "algorithm": algorithm,
                "ranking": draw.ranking(
                    seed, contest_id, frozen, count, beacon, algorithm=algorithm
                ),
                "tickets": None,
            }
        )
    for label, contest_id, size, count, beacon in [
        ("rank-tickets-one", 4, 1, 3, ""),
        ("rank-tickets-ten", 17, 10, 10, ""),
        ("rank-tickets-v2", 17, 10, 10, QUICKNET_1000[2]),
        ("rank-tickets-big", 99, 1_000, 40, ""),
    ]:
        seed = _seed(label)
        algorithm = draw.V2 if beacon else draw.V1
        listed = _ids(size)
        tickets = [1 + (uid * 7 // 3) % 12 for uid in listed]
        cases.append(
            {
                "seed": seed,
                "commitment": draw.commitment(seed),
                "contest_id": contest_id,
                "participants": listed,
                "list_hash": draw.list_hash(listed, tickets),
                "count": count,
                "beacon": beacon,
                "algorithm": algorithm,
                "ranking": draw.ranking(
                    seed, contest_id, listed, count, beacon, algorithm=algorithm, tickets=tickets
                ),
                "tickets": tickets,
            }
        )
    return cases


# Real quicknet rounds (round, signature, randomness): 1000 from drand-client-rs tests,
# 657413 from the drand-verify Python bindings' README (see tests/test_beacon.py).
QUICKNET_1000 = (
    1000,
    "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
    "e342b73a8dd2bacbe47e4b6b63ed5e39",
    "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
)
QUICKNET_657413 = (
    657413,
    "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
    "41076862b98fad56e91a6b85b89cd97b",
    "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587",
)
QUICKNET_GENESIS = 1692803367


def _quicknet_rounds() -> list[dict[str, Any]]:
    """Real rounds, tampered ones, and a test chain's round, with Python's verdict."""
    test_chain = TestChain(genesis_time=1_700_000_000)
    cases = []
    for round_number, signature, _ in (QUICKNET_1000, QUICKNET_657413):
        flipped = signature[:40] + ("0" if signature[40] != "0" else "1") + signature[41:]
        for key, number, sig in [
            (beacons.QUICKNET_PUBLIC_KEY, round_number, signature),
            (beacons.QUICKNET_PUBLIC_KEY, round_number + 1, signature),
            (beacons.QUICKNET_PUBLIC_KEY, round_number, flipped),
            (beacons.QUICKNET_PUBLIC_KEY, round_number, "00" * 48),
            (test_chain.public_key, round_number, test_chain.signature(round_number)),
            (beacons.QUICKNET_PUBLIC_KEY, round_number, test_chain.signature(round_number)),
        ]:
            cases.append(
                {
                    "public_key": key,
                    "round": number,
                    "signature": sig,
                    "randomness": beacons.randomness(sig),
                    "problem": beacons.signature_problem(key, number, sig),
                }
            )
    return cases


def _v2_proof() -> proof.Proof:
    """A v2 draw on real quicknet round 1000, frozen 61 s before it came out."""
    round_number, signature, randomness = QUICKNET_1000
    chain = beacons.Chain(
        beacons.QUICKNET_CHAIN_HASH, beacons.QUICKNET_PUBLIC_KEY, QUICKNET_GENESIS, 3
    )
    frozen_at = chain.time_of(round_number) - 61
    participants = _ids(30, start=6_000_000_000, step=15_485_863)
    return proof.build(
        contest_id=77,
        title="Beacon giveaway",
        seed=_seed("v2-seed"),
        participants=participants,
        winners_count=2,
        reserve_count=3,
        excluded=[proof.Exclusion(participants[4], "left the channel")],
        drawn_at="2023-08-23T15:40:00+00:00",
        beacon=randomness,
        algorithm=draw.V2,
        drand=proof.Drand(
            chain_hash=beacons.QUICKNET_CHAIN_HASH,
            public_key=beacons.QUICKNET_PUBLIC_KEY,
            scheme=beacons.SCHEME,
            genesis_time=QUICKNET_GENESIS,
            period=3,
            round=round_number,
            signature=signature,
        ),
        frozen_at=_iso(frozen_at),
        inline=True,
    )


def _iso(unix: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="seconds")


def _tampered_v2(valid: proof.Proof) -> dict[str, proof.Proof]:
    drand = valid.drand
    assert drand is not None
    signature = drand.signature
    flipped = signature[:40] + ("0" if signature[40] != "0" else "1") + signature[41:]
    test_chain = TestChain(genesis_time=QUICKNET_GENESIS)
    own = msgspec.structs.replace(
        drand, public_key=test_chain.public_key, signature=test_chain.signature(drand.round)
    )
    unsigned = msgspec.structs.replace(drand, signature="")
    fallback = proof.Fallback(reason="drand unreachable", by=1, at="2023-08-23T16:00:00+00:00")
    fallback_v1 = proof.build(
        contest_id=valid.contest_id,
        title=valid.title,
        seed=valid.seed,
        participants=valid.participants,
        winners_count=valid.winners_count,
        reserve_count=valid.reserve_count,
        excluded=list(valid.excluded),
        drawn_at=valid.drawn_at,
        drand=unsigned,
        frozen_at=valid.frozen_at,
        fallback=fallback,
        inline=True,
    )
    return {
        "v2 signature tampered": msgspec.structs.replace(
            valid, drand=msgspec.structs.replace(drand, signature=flipped)
        ),
        "v2 other round": msgspec.structs.replace(
            valid, drand=msgspec.structs.replace(drand, round=drand.round + 1)
        ),
        "v2 randomness replaced": msgspec.structs.replace(valid, beacon=_seed("chosen")),
        "v2 own key": msgspec.structs.replace(
            valid, drand=own, beacon=beacons.randomness(own.signature)
        ),
        "v2 committed late": msgspec.structs.replace(
            valid, frozen_at=_iso(beacons.Chain("", "", QUICKNET_GENESIS, 3).time_of(1000) - 20)
        ),
        "v2 frozen_at garbled": msgspec.structs.replace(valid, frozen_at="soon"),
        "v2 scheme changed": msgspec.structs.replace(
            valid, drand=msgspec.structs.replace(drand, scheme="pedersen-bls-chained")
        ),
        "v2 without drand": msgspec.structs.replace(valid, drand=None),
        "v2 winners swapped": msgspec.structs.replace(valid, winners=valid.winners[::-1]),
        "v1 round unused": msgspec.structs.replace(fallback_v1, fallback=None),
        "v1 organizer fallback": fallback_v1,
    }


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
            proof.Exclusion(
                participants[7],
                "left News at 2026-04-01T10:00:00+00:00 after joining",
                "2026-04-01T10:00:00+00:00",
                proof.LEFT_CHANNEL,
            ),
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


TICKET_IDS = _ids(30, start=8_000_000_000, step=33_391)
TICKETS = [1 + (index % 5 == 0) * 3 + (index % 3 == 0) * 2 for index in range(30)]  # 1..6


def _ticket_proof(tickets: list[int] = TICKETS, **changes: Any) -> tuple[proof.Proof, bytes]:
    """A weighted draw (format 3) and its participants file."""
    listed = frozen.of(TICKET_IDS, tickets)
    document = proof.build(
        contest_id=88,
        title="Invite friends",
        seed=_seed("ticket-seed"),
        participants=listed,
        winners_count=3,
        reserve_count=2,
        excluded=[proof.Exclusion(TICKET_IDS[3], "left the channel", code=proof.RECHECK_FAILED)],
        drawn_at="2026-12-01T12:00:00+00:00",
        participants_url="https://example.org/api/public/contests/88/participants.txt",
        tickets=proof.TicketRules("both", 3, 2),
    )
    return msgspec.structs.replace(document, **changes), b"".join(
        frozen.chunks(TICKET_IDS, tickets)
    )


def _ticket_cases() -> dict[str, tuple[proof.Proof, bytes]]:
    valid, file = _ticket_proof()
    heavier = [6 if index == 1 else count for index, count in enumerate(TICKETS)]
    forged_file = b"".join(frozen.chunks(TICKET_IDS, heavier))
    forged_hash = hashlib.sha256(forged_file).hexdigest()
    over = [7, *TICKETS[1:]]
    over_valid, over_file = _ticket_proof(over)
    return {
        "tickets valid": (valid, file),
        "tickets changed in the file": (valid, forged_file),
        "tickets changed with the hash": (
            msgspec.structs.replace(valid, list_hash=forged_hash),
            forged_file,
        ),
        "tickets above the caps": (over_valid, over_file),
        "tickets rules removed": (msgspec.structs.replace(valid, tickets=None), file),
        "tickets mode none": (
            msgspec.structs.replace(valid, tickets=proof.TicketRules("none", 3, 2)),
            file,
        ),
        "tickets winners swapped": (
            msgspec.structs.replace(valid, winners=valid.winners[::-1]),
            file,
        ),
    }


def _proofs() -> list[dict[str, Any]]:
    valid = _valid_proof()
    v2 = _v2_proof()
    documents: dict[str, proof.Proof | tuple[proof.Proof, bytes]] = {
        "valid": valid,
        **_tampered(valid),
        "v2 valid": v2,
        **_tampered_v2(v2),
        **_ticket_cases(),
    }
    cases = []
    for name, entry in documents.items():
        document, file = entry if isinstance(entry, tuple) else (entry, None)
        listed = None
        if file is not None:
            reader = frozen.Reader(with_tickets=True)
            reader.feed(file)
            listed = reader.finish()
        ids = list(listed.ids) if listed is not None else document.participants
        users = [
            ids[0],
            *document.winners[:1],
            *document.reserves[:1],
            *[item.user_id for item in document.excluded[:1]],
        ]
        cases.append(
            {
                "name": name,
                "document": proof.to_dict(document),
                "participants_file": file.decode() if file is not None else None,
                "problems": proof.verify(document, listed),
                "inclusion": [
                    {"user_id": uid, "included": found.included, "role": found.role}
                    for uid in [*users, 1]
                    for found in [
                        proof.inclusion(document, uid, None if listed is None else uid in listed)
                    ]
                ],
            }
        )
    return cases


def generate() -> dict[str, Any]:
    """Every vector, as the JSON the vitest suite reads."""
    return {
        "algorithms": list(draw.ALGORITHMS),
        "format": proof.FORMAT,
        "quicknet_public_key": beacons.QUICKNET_PUBLIC_KEY,
        "quicknet_rounds": _quicknet_rounds(),
        "streams": _streams(),
        "rankings": _rankings(),
        "proofs": _proofs(),
    }


def render() -> str:
    return json.dumps(generate(), indent=1) + "\n"


if __name__ == "__main__":
    VECTORS_FILE.write_text(render())
    print(f"wrote {VECTORS_FILE}")
