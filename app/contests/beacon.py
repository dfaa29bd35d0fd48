"""The public randomness beacon: drand quicknet rounds, their timing and their signatures.

drand's League of Entropy publishes a new round every `period` seconds since
`genesis_time`. Quicknet (scheme `bls-unchained-g1-rfc9380`) signs round `r` with the
group key `public_key` (a BLS12-381 G2 point, 96 bytes compressed):

    message    = sha256(r as an 8-byte big-endian integer)
    signature  = sk * hash_to_G1(message, DST)        (48 bytes compressed, G1)
    randomness = sha256(signature)

with DST `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_` (RFC 9380 hash-to-curve). A
signature verifies when e(signature, G2 generator) == e(hash_to_G1(message), public_key).
Nobody — not drand's relays, not this bot's operator — can produce a valid signature
for a round before the League's nodes do, and the signature of a round is unique, so
the randomness of a future round is unknown to everyone until it is out.

Pairings are computed by `py_arkworks_bls12381` (the Ethereum Foundation's bindings of
the arkworks BLS12-381 crate): ~2 ms per check, where the pure-Python `py_ecc` takes
~2.5 s; `from_compressed_bytes` rejects points off the curve or outside the subgroup.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from py_arkworks_bls12381 import GT, G1Point, G2Point

QUICKNET_CHAIN_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
QUICKNET_PUBLIC_KEY = (
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
    "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
    "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
)
"""The quicknet group key as drand publishes it (drand-client `lib/defaults.ts`)."""
SCHEME = "bls-unchained-g1-rfc9380"
DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
LEAD_SECONDS = 60
"""The committed round is at least this far after the freeze: the list hash and the
round are public before anyone can know that round's randomness."""

_HEX = re.compile(r"^[0-9a-f]*$")


@dataclass(frozen=True, slots=True)
class Chain:
    """What a drand chain's `/info` says, and what the draw needs of it."""

    chain_hash: str
    public_key: str
    genesis_time: int
    period: int
    scheme: str = SCHEME

    def round_at(self, unix_time: float) -> int:
        """The latest round out at `unix_time` (0 before genesis); drand's `RoundAt`."""
        if unix_time < self.genesis_time:
            return 0
        return math.floor((unix_time - self.genesis_time) / self.period) + 1

    def time_of(self, round_number: int) -> int:
        """When `round_number` comes out (unix seconds)."""
        return self.genesis_time + (round_number - 1) * self.period

    def round_after(self, unix_time: float, lead: int = LEAD_SECONDS) -> int:
        """The first round that comes out at least `lead` seconds after `unix_time`."""
        return max(1, math.ceil((unix_time + lead - self.genesis_time) / self.period) + 1)


def message(round_number: int) -> bytes:
    """What quicknet signs for a round: sha256 of the round as 8 big-endian bytes."""
    return hashlib.sha256(round_number.to_bytes(8, "big")).digest()


def randomness(signature: str) -> str:
    """A round's randomness: sha256 of its signature bytes, hex."""
    return hashlib.sha256(bytes.fromhex(signature)).hexdigest()


def _is_hex(value: str, length: int) -> bool:
    return len(value) == length and bool(_HEX.match(value))


def signature_problem(public_key: str, round_number: int, signature: str) -> str | None:
    """Why `signature` is not `public_key`'s quicknet signature of the round; None if it is."""
    if not _is_hex(public_key, 192):
        return "the beacon public key is not 192 lowercase hex characters"
    if not _is_hex(signature, 96):
        return "the beacon signature is not 96 lowercase hex characters"
    if not 0 < round_number < 2**64:
        return f"round {round_number} is not a drand round number"
    try:
        key = G2Point.from_compressed_bytes(bytes.fromhex(public_key))
    except Exception:
        return "the beacon public key is not a valid BLS12-381 G2 point"
    try:
        point = G1Point.from_compressed_bytes(bytes.fromhex(signature))
    except Exception:
        return "the beacon signature is not a valid BLS12-381 G1 point"
    hashed = G1Point.hash_to_curve(message(round_number), DST)
    if GT.pairing(point, G2Point()) != GT.pairing(hashed, key):
        return f"the beacon signature is not the drand signature of round {round_number}"
    return None
