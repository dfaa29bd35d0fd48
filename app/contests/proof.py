"""The proof document of a draw, and its verification.

The proof holds everything needed to recompute a draw (see `app.contests.draw`):
the seed and its commitment, the frozen participant list's hash and size (the list
itself is a separate file, `app.contests.frozen`; proofs of the first format carry it
inline), the beacon, exclusions with reasons, and the claimed winners and reserves.
`verify` recomputes all of it and lists every mismatch; an empty list means the draw
checks out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from app.contests import draw
from app.contests import frozen as frozen_file
from app.errors import ProofError

FORMAT = "contest-bot-proof/2"
"""The current format: the participant list is a separate file (`app.contests.frozen`)."""
FORMAT_INLINE = "contest-bot-proof/1"
"""The first format, still verified: the participant list inside the document."""
_HEX64 = r"^[0-9a-f]{64}$"


class Exclusion(msgspec.Struct, frozen=True):
    user_id: int
    reason: str
    at: str = ""


class FinalCheckSkip(msgspec.Struct, frozen=True):
    """The organizer chose to draw without re-checking the would-be winners' conditions.

    `by` is the organizer's Telegram user id, `at` when they chose (ISO 8601, UTC). It is
    set only when Telegram could not answer the re-checks; the winners are then the
    first of the ranking after the listed exclusions, unchecked.
    """

    by: int
    at: str


class Proof(msgspec.Struct, frozen=True):
    format: str
    algorithm: str
    contest_id: int
    seed_commitment: str
    seed: str
    list_hash: str
    winners_count: int
    reserve_count: int
    winners: list[int]
    reserves: list[int]
    participants: list[int] = []  # FORMAT_INLINE only
    participant_count: int = 0
    participants_url: str = ""  # where the participants file is served (FORMAT)
    beacon: str = ""
    excluded: list[Exclusion] = []
    title: str = ""
    drawn_at: str = ""
    final_check_skipped: FinalCheckSkip | None = None

    @property
    def inline(self) -> bool:
        """Whether the list is in the document (any format but the current one)."""
        return self.format != FORMAT


def build(
    *,
    contest_id: int,
    title: str,
    seed: str,
    participants: Sequence[int] | frozen_file.FrozenList,
    winners_count: int,
    reserve_count: int,
    excluded: list[Exclusion],
    drawn_at: str,
    beacon: str = "",
    final_check_skipped: FinalCheckSkip | None = None,
    inline: bool = False,
    participants_url: str = "",
) -> Proof:
    """Run the draw over a frozen list and return its proof (winners computed here).

    `inline` writes the ids into the document (`FORMAT_INLINE`); otherwise the document
    names the participants file by its hash and count.
    """
    if not isinstance(participants, frozen_file.FrozenList):
        participants = frozen_file.of(draw.freeze(participants))
    skip = [item.user_id for item in excluded]
    order = draw.ranking(
        seed,
        contest_id,
        participants.ids,
        draw.needed(winners_count, reserve_count, skip),
        beacon,
        participants.hash,
    )
    winners, reserves = draw.pick(order, skip, winners_count, reserve_count)
    return Proof(
        format=FORMAT_INLINE if inline else FORMAT,
        algorithm=draw.ALGORITHM,
        contest_id=contest_id,
        title=title,
        seed_commitment=draw.commitment(seed),
        seed=seed,
        beacon=beacon,
        participants=participants.ids.tolist() if inline else [],
        participant_count=len(participants),
        participants_url=participants_url,
        list_hash=participants.hash,
        winners_count=winners_count,
        reserve_count=reserve_count,
        excluded=excluded,
        winners=winners,
        reserves=reserves,
        drawn_at=drawn_at,
        final_check_skipped=final_check_skipped,
    )


def encode(proof: Proof) -> bytes:
    return msgspec.json.format(msgspec.json.encode(proof), indent=2)


def to_dict(proof: Proof) -> dict[str, object]:
    return msgspec.to_builtins(proof)


def decode(data: bytes | str) -> Proof:
    """Parse a proof document; a `ProofError` says exactly what is malformed."""
    try:
        return msgspec.json.decode(data, type=Proof)
    except msgspec.DecodeError as exc:
        raise ProofError(f"not a valid proof document: {exc}") from None


def verify(proof: Proof, participants: frozen_file.FrozenList | None = None) -> list[str]:
    """Every way the proof does not check out; empty when it is correct.

    A `FORMAT` proof is checked against its participants file, read by the caller
    (`frozen.Reader`); a `FORMAT_INLINE` one carries its list.
    """
    problems: list[str] = []
    if proof.format not in (FORMAT, FORMAT_INLINE):
        problems.append(f"format is {proof.format!r}, expected {FORMAT!r} or {FORMAT_INLINE!r}")
    if proof.algorithm != draw.ALGORITHM:
        problems.append(f"algorithm {proof.algorithm!r} is not supported ({draw.ALGORITHM})")
        return problems
    if not re.match(_HEX64, proof.seed):
        problems.append("seed is not 64 lowercase hex characters")
        return problems
    if draw.commitment(proof.seed) != proof.seed_commitment:
        problems.append(
            "seed does not match the commitment published at the start: "
            f"sha256(seed) = {draw.commitment(proof.seed)}, commitment = {proof.seed_commitment}"
        )
    if proof.inline:
        participants = frozen_file.of(proof.participants)
    elif participants is None:
        problems.append("the participants file is needed to check this proof")
        return problems
    elif len(participants) != proof.participant_count:
        problems.append(
            f"participants file has {len(participants)} ids, "
            f"but the proof says {proof.participant_count}"
        )
    if not participants.ascending:
        problems.append("participant list is not in ascending order without repeats")
    if participants.hash != proof.list_hash:
        problems.append(
            f"participant list hash is {participants.hash}, but the proof says {proof.list_hash}"
        )
    for item in proof.excluded:
        if item.user_id not in participants:
            problems.append(f"excluded user {item.user_id} is not in the participant list")
    for uid in proof.winners:
        if uid not in participants:
            problems.append(f"winner {uid} is not in the participant list")
    skip = [item.user_id for item in proof.excluded]
    order = draw.ranking(
        proof.seed,
        proof.contest_id,
        participants.ids,
        draw.needed(proof.winners_count, proof.reserve_count, skip),
        proof.beacon,
        participants.hash,
    )
    winners, reserves = draw.pick(order, skip, proof.winners_count, proof.reserve_count)
    if winners != proof.winners:
        problems.append(f"winners should be {winners}, but the proof says {proof.winners}")
    if reserves != proof.reserves:
        problems.append(f"reserves should be {reserves}, but the proof says {proof.reserves}")
    return problems


@dataclass(frozen=True, slots=True)
class Inclusion:
    user_id: int
    included: bool
    role: str  # "winner", "reserve", "excluded", "participant" or "absent"

    def describe(self) -> str:
        if not self.included:
            return f"user {self.user_id} is not in the participant list"
        return f"user {self.user_id} is in the participant list; result: {self.role}"


def inclusion(proof: Proof, user_id: int, listed: bool | None = None) -> Inclusion:
    """Whether a user was in the frozen list, and what they got.

    `listed` says whether the user is in the list when the proof does not carry it.
    """
    if listed is None:
        listed = user_id in proof.participants
    if not listed:
        return Inclusion(user_id, False, "absent")
    if user_id in proof.winners:
        role = "winner"
    elif user_id in proof.reserves:
        role = "reserve"
    elif any(item.user_id == user_id for item in proof.excluded):
        role = "excluded"
    else:
        role = "participant"
    return Inclusion(user_id, True, role)
