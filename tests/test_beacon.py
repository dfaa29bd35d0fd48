"""The drand beacon: real quicknet rounds verify, tampering fails; v2 proofs and `verify`.

The quicknet rounds below are public: round 1000 is the vector of drand's own Rust client
tests (drand-client-rs `verify.rs`, `g1g2_swap_rfc_beacon_verifies`), round 1001 comes
from the Ideal Labs drand pallet benchmarks, and round 657413 from the drand-verify
Python bindings' README. They verify against the quicknet key, so they are genuine.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.contests import beacon, draw, proof
from tests.drand_emulator import TestChain
from tests.test_draw import run_verify

QUICKNET_ROUNDS = {
    1000: (
        "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
        "e342b73a8dd2bacbe47e4b6b63ed5e39",
        "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
    ),
    1001: (
        "b33bf3667cbd5a82de3a24b4e0e9fe5513cc1a0e840368c6e31f5fcfa79bea03"
        "f73896b25883abf2853d10337fb8fa41",
        None,
    ),
    657413: (
        "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
        "41076862b98fad56e91a6b85b89cd97b",
        "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587",
    ),
}
QUICKNET = beacon.Chain(beacon.QUICKNET_CHAIN_HASH, beacon.QUICKNET_PUBLIC_KEY, 1692803367, 3)
SEED = "11" * 32


def tamper(hex_text: str, position: int = 10) -> str:
    flipped = "0" if hex_text[position] != "0" else "1"
    return hex_text[:position] + flipped + hex_text[position + 1 :]


@pytest.mark.parametrize("round_number", sorted(QUICKNET_ROUNDS))
def test_real_quicknet_rounds_verify(round_number: int) -> None:
    signature, published = QUICKNET_ROUNDS[round_number]
    assert beacon.signature_problem(beacon.QUICKNET_PUBLIC_KEY, round_number, signature) is None
    if published:
        assert beacon.randomness(signature) == published


@pytest.mark.parametrize(
    ("round_number", "signature", "expected"),
    [
        (1001, QUICKNET_ROUNDS[1000][0], "not the drand signature of round 1001"),
        (1000, tamper(QUICKNET_ROUNDS[1000][0]), "not"),
        (1000, tamper(QUICKNET_ROUNDS[1000][0], 95), "not"),
        (1000, QUICKNET_ROUNDS[1000][0][:-2], "not 96 lowercase hex"),
        (1000, QUICKNET_ROUNDS[1000][0].upper(), "not 96 lowercase hex"),
        (1000, "00" * 48, "not a valid BLS12-381 G1 point"),
        (0, QUICKNET_ROUNDS[1000][0], "not a drand round number"),
    ],
)
def test_tampered_quicknet_rounds_fail(round_number: int, signature: str, expected: str) -> None:
    problem = beacon.signature_problem(beacon.QUICKNET_PUBLIC_KEY, round_number, signature)
    assert problem is not None
    assert expected in problem


def test_another_key_does_not_pass_for_quicknet() -> None:
    chain = TestChain()
    signature = chain.signature(1000)
    assert beacon.signature_problem(chain.public_key, 1000, signature) is None
    assert beacon.signature_problem(beacon.QUICKNET_PUBLIC_KEY, 1000, signature) is not None
    bad_key = beacon.signature_problem("ab" * 96, 1000, signature)
    assert bad_key == "the beacon public key is not a valid BLS12-381 G2 point"


def test_round_timing_follows_the_chain_info() -> None:
    genesis = QUICKNET.genesis_time
    assert QUICKNET.round_at(genesis - 1) == 0
    assert QUICKNET.round_at(genesis) == 1
    assert QUICKNET.round_at(genesis + 2.9) == 1
    assert QUICKNET.round_at(genesis + 3) == 2
    assert QUICKNET.time_of(1000) == genesis + 999 * 3
    frozen_at = QUICKNET.time_of(1000)
    assert QUICKNET.round_after(frozen_at) == 1020  # exactly 60 s later
    assert QUICKNET.round_after(frozen_at + 0.5) == 1021
    for moment in (frozen_at + offset / 10 for offset in range(0, 60)):
        committed = QUICKNET.round_after(moment)
        assert QUICKNET.time_of(committed) >= moment + beacon.LEAD_SECONDS
        assert QUICKNET.time_of(committed - 1) < moment + beacon.LEAD_SECONDS


def test_v2_known_vector() -> None:
    """Pins v2: the Mini App's port must give these numbers (tests in vitest too)."""
    randomness = QUICKNET_ROUNDS[1000][1]
    assert randomness is not None
    frozen = list(range(1, 11))
    v2 = draw.ranking(SEED, 1, frozen, 10, randomness, algorithm=draw.V2)
    assert v2 == draw.ranking(SEED, 1, frozen, 10, randomness, algorithm=draw.V2)
    assert v2 != draw.ranking(SEED, 1, frozen, 10, randomness, algorithm=draw.V1)
    assert v2 == [6, 8, 10, 4, 5, 3, 9, 1, 2, 7]
    with pytest.raises(ValueError, match="needs the beacon randomness"):
        draw.ranking(SEED, 1, frozen, 3, "", algorithm=draw.V2)


def v2_proof(chain: TestChain) -> dict:  # type: ignore[type-arg]
    """A v2 proof signed by the emulator's chain, frozen 61 s before its round."""
    committed = chain.chain.round_after(chain.genesis_time + 3000)
    frozen_at = datetime.fromtimestamp(chain.chain.time_of(committed) - 61, UTC)
    signature = chain.signature(committed)
    document = proof.build(
        contest_id=9,
        title="Beacon",
        seed=SEED,
        participants=list(range(500, 540)),
        winners_count=2,
        reserve_count=2,
        excluded=[proof.Exclusion(user_id=503, reason="left the channel")],
        drawn_at=frozen_at.isoformat(timespec="seconds"),
        beacon=beacon.randomness(signature),
        algorithm=draw.V2,
        drand=proof.Drand(
            chain_hash=chain.chain_hash,
            public_key=chain.public_key,
            scheme=beacon.SCHEME,
            genesis_time=chain.genesis_time,
            period=chain.period,
            round=committed,
            signature=signature,
        ),
        frozen_at=frozen_at.isoformat(timespec="seconds"),
        inline=True,
    )
    return json.loads(proof.encode(document))


def check(data: dict, *keys: str) -> list[str]:  # type: ignore[type-arg]
    document = proof.decode(json.dumps(data))
    return proof.verify(document, None, frozenset(keys) or proof.QUICKNET_ONLY)


def test_v2_proof_verifies_with_the_trusted_key_only() -> None:
    chain = TestChain()
    data = v2_proof(chain)
    assert check(data, chain.public_key) == []
    assert "is not a trusted drand key" in check(data)[0]
    assert proof.notes(proof.decode(json.dumps(data)))[0].startswith(
        "randomness: drand quicknet round"
    )


def _tamper_signature(data: dict) -> None:  # type: ignore[type-arg]
    data["drand"]["signature"] = tamper(data["drand"]["signature"], 40)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_tamper_signature, "beacon signature is not"),
        (lambda data: data["drand"].update(round=7), "not the drand signature of round 7"),
        (lambda data: data.update(beacon="00" * 32), "should be sha256(signature)"),
        (lambda data: data.update(winners=[500, 501]), "winners should be"),
        (lambda data: data["drand"].update(scheme="pedersen-bls-chained"), "drand scheme is"),
        (lambda data: data.update(frozen_at="yesterday"), "is not an ISO 8601 time"),
        (lambda data: data.update(algorithm=draw.V1), "was made without it, and no fallback"),
        (lambda data: data.pop("drand"), "must name its drand round"),
    ],
)
def test_v2_proof_tampering_is_caught(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    chain = TestChain()
    data = v2_proof(chain)
    change(data)
    problems = check(data, chain.public_key)
    assert any(expected in problem for problem in problems), problems


def test_a_round_committed_too_late_is_caught() -> None:
    chain = TestChain()
    data = v2_proof(chain)
    committed = data["drand"]["round"]
    late = datetime.fromtimestamp(chain.chain.time_of(committed) - 30, UTC)
    data["frozen_at"] = late.isoformat(timespec="seconds")
    problems = check(data, chain.public_key)
    assert problems == [
        f"drand round {committed} came out 30 s after the freeze; "
        "the round must be committed at least 60 s ahead"
    ]


def test_the_organizers_fallback_is_v1_and_said_in_words() -> None:
    committed = proof.decode(json.dumps(v2_proof(TestChain()))).drand
    assert committed is not None
    unsigned = proof.Drand(**{**proof.to_dict(committed), "signature": ""})  # type: ignore[arg-type]
    document = proof.build(
        contest_id=9,
        title="Beacon",
        seed=SEED,
        participants=list(range(500, 540)),
        winners_count=2,
        reserve_count=2,
        excluded=[],
        drawn_at="2026-12-01T00:00:00+00:00",
        drand=unsigned,
        fallback=proof.Fallback(reason="drand unreachable for an hour", by=77, at="2026-12-01"),
        inline=True,
    )
    assert document.algorithm == draw.V1
    assert proof.verify(document) == []
    note = proof.notes(document)[0]
    assert note.startswith(f"drawn WITHOUT the public beacon (round {committed.round} was")
    assert "the organizer 77 chose so" in note
    assert "drand unreachable for an hour" in note


def test_verify_command_checks_the_beacon_offline(tmp_path: Path) -> None:
    chain = TestChain()
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(v2_proof(chain)))
    trusted = run_verify(str(path), "--beacon-key", chain.public_key)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "note: randomness: drand quicknet round" in trusted.stdout
    assert trusted.stdout.splitlines()[-1].startswith("OK: contest 9: 40 participants")
    untrusted = run_verify(str(path))
    assert untrusted.returncode == 1
    assert "is not a trusted drand key" in untrusted.stdout
    data = v2_proof(chain)
    _tamper_signature(data)
    path.write_text(json.dumps(data))
    tampered = run_verify(str(path), "--beacon-key", chain.public_key)
    assert tampered.returncode == 1
    assert "MISMATCH" in tampered.stdout
    assert "beacon signature" in tampered.stdout
