"""The proof document of a draw, and its verification.

The proof holds everything needed to recompute a draw (see `app.contests.draw`):
the seed and its commitment, the frozen participant list's hash and size (the list
itself is a separate file, `app.contests.frozen`; proofs of the first format carry it
inline), the beacon, exclusions with reasons, and the claimed winners and reserves.
`verify` recomputes all of it and lists every mismatch; an empty list means the draw
checks out.

A `contest-bot-draw/v2` proof also carries `drand`: the quicknet round committed at the
freeze (`frozen_at`) and its BLS signature; `beacon` is that round's randomness. The
verifier checks the signature offline against the trusted group key (quicknet's unless
told otherwise), that `beacon` is sha256 of it, and that the round came out at least
`LEAD_SECONDS` after the freeze. A draw that committed to a round but was made without
it (the organizer's explicit choice while the beacon was unreachable) is a v1 draw
whose proof records that choice in `fallback`; `notes` says so in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import msgspec

from app.contests import beacon as beacons
from app.contests import draw, rules
from app.contests import frozen as frozen_file
from app.errors import ProofError

FORMAT = "contest-bot-proof/2"
"""The participant list is a separate file (`app.contests.frozen`); one ticket each."""
FORMAT_TICKETS = "contest-bot-proof/3"
"""Like `FORMAT`, for contests with extra tickets: the participants file is in its second
format (`<id> <tickets>` a line), `tickets` names the contest's ticket rules, and the
ranking is the weighted one (`app.contests.draw`, step 5w)."""
FORMAT_INLINE = "contest-bot-proof/1"
"""The first format, still verified: the participant list inside the document."""
FORMATS = (FORMAT_INLINE, FORMAT, FORMAT_TICKETS)
_HEX64 = r"^[0-9a-f]{64}$"


RECHECK_FAILED = "recheck_failed"
"""Exclusion codes: a would-be winner failed the re-check of the conditions at the draw,"""
REPLACED = "replaced"
"""an organizer replaced a winner after the draw (a re-draw, with their reason),"""
ORGANIZER = "organizer"
"""an organizer excluded the entry before the draw (their reason; fixed at the freeze),"""
LEFT_CHANNEL = "left_channel"
"""the contest excludes leavers and the entry left a required channel after joining
(`at` is the time of leaving; see `app.contests.subscriptions`).
Codes are open: verifiers accept and show a code they do not know."""
NOT_CLAIMED = "not_claimed"
"""a winner did not claim the prize by the deadline (`app.contests.claims`); the next
reserve took the place."""
EXCLUSION_CODES = {
    RECHECK_FAILED: "failed the re-check at the draw",
    NOT_CLAIMED: "did not claim the prize in time",
    REPLACED: "replaced by the organizer after the draw",
    ORGANIZER: "excluded by the organizer before the draw",
    LEFT_CHANNEL: "left a required channel after joining",
}


class Exclusion(msgspec.Struct, frozen=True):
    """A participant skipped by the draw: `code` says why (``EXCLUSION_CODES``, empty in
    proofs made before codes), `reason` in words, `at` when (ISO 8601, UTC)."""

    user_id: int
    reason: str
    at: str = ""
    code: str = ""

    def describe(self) -> str:
        kind = EXCLUSION_CODES.get(self.code, self.code)
        why = f"{kind}: {self.reason}" if kind else self.reason
        return f"user {self.user_id} excluded ({why})" + (f" at {self.at}" if self.at else "")


class FinalCheckSkip(msgspec.Struct, frozen=True):
    """The organizer chose to draw without re-checking the would-be winners' conditions.

    `by` is the organizer's Telegram user id, `at` when they chose (ISO 8601, UTC). It is
    set only when Telegram could not answer the re-checks; the winners are then the
    first of the ranking after the listed exclusions, unchecked.
    """

    by: int
    at: str


class Drand(msgspec.Struct, frozen=True):
    """The drand round a draw committed to at the freeze, and (once out) its signature."""

    chain_hash: str
    public_key: str
    scheme: str
    genesis_time: int
    period: int
    round: int
    signature: str = ""


class Fallback(msgspec.Struct, frozen=True):
    """The organizer chose to draw without the committed round (the beacon was unreachable)."""

    reason: str
    by: int | None = None
    at: str = ""


class TicketRules(msgspec.Struct, frozen=True):
    """The contest's extra tickets (`app.contests.rules.tickets`): which kinds, and the
    most of each kind one participant may hold."""

    mode: str
    referral_cap: int
    boost_cap: int

    def most(self) -> int:
        """The most tickets one participant can hold under these rules."""
        return rules.tickets(self.mode, self.referral_cap, self.boost_cap, *self.caps())

    def caps(self) -> tuple[int, int]:
        return self.referral_cap, self.boost_cap


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
    drand: Drand | None = None
    frozen_at: str = ""
    fallback: Fallback | None = None
    tickets: TicketRules | None = None  # FORMAT_TICKETS only

    @property
    def inline(self) -> bool:
        """Whether the list is in the document (any format but the file ones)."""
        return self.format not in (FORMAT, FORMAT_TICKETS)

    @property
    def weighted(self) -> bool:
        """Whether the participants file carries tickets (the weighted ranking)."""
        return self.format == FORMAT_TICKETS


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
    algorithm: str = draw.V1,
    drand: Drand | None = None,
    frozen_at: str = "",
    fallback: Fallback | None = None,
    tickets: TicketRules | None = None,
) -> Proof:
    """Run the draw over a frozen list and return its proof (winners computed here).

    `inline` writes the ids into the document (`FORMAT_INLINE`); otherwise the document
    names the participants file by its hash and count. A list with tickets makes a
    `FORMAT_TICKETS` proof, whose `tickets` are the contest's ticket rules.
    """
    if not isinstance(participants, frozen_file.FrozenList):
        participants = frozen_file.of(draw.freeze(participants))
    weighted = participants.tickets is not None
    if weighted and (inline or tickets is None):
        raise ValueError("a list with tickets needs the ticket rules and a participants file")
    skip = [item.user_id for item in excluded]
    order = draw.ranking(
        seed,
        contest_id,
        participants.ids,
        draw.needed(winners_count, reserve_count, skip),
        beacon,
        participants.hash,
        algorithm=algorithm,
        tickets=participants.tickets,
    )
    winners, reserves = draw.pick(order, skip, winners_count, reserve_count)
    return Proof(
        format=FORMAT_TICKETS if weighted else FORMAT_INLINE if inline else FORMAT,
        algorithm=algorithm,
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
        drand=drand,
        frozen_at=frozen_at,
        fallback=fallback,
        tickets=tickets if weighted else None,
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


def _unix(moment: str) -> float | None:
    try:
        return datetime.fromisoformat(moment).timestamp()
    except ValueError:
        return None


def _beacon_problems(proof: Proof, trusted_keys: frozenset[str]) -> list[str]:
    """What is wrong with the beacon part of a proof (v2: the round; v1: the fallback)."""
    drand = proof.drand
    if proof.algorithm == draw.V1:
        if drand is not None and proof.fallback is None:
            return [
                f"the draw committed to drand round {drand.round} but was made without it, "
                "and no fallback by the organizer is recorded"
            ]
        return []
    if drand is None:
        return [f"a {draw.V2} draw must name its drand round (the 'drand' field is missing)"]
    problems: list[str] = []
    if drand.scheme != beacons.SCHEME:
        problems.append(f"drand scheme is {drand.scheme!r}, expected {beacons.SCHEME!r}")
    if drand.public_key not in trusted_keys:
        problems.append(
            f"the beacon key {drand.public_key[:16]}… is not a trusted drand key "
            f"(quicknet's is {beacons.QUICKNET_PUBLIC_KEY[:16]}…)"
        )
    wrong = beacons.signature_problem(drand.public_key, drand.round, drand.signature)
    if wrong:
        problems.append(wrong)
    elif beacons.randomness(drand.signature) != proof.beacon:
        problems.append(
            f"beacon randomness should be sha256(signature) = "
            f"{beacons.randomness(drand.signature)}, but the proof says {proof.beacon}"
        )
    frozen_at = _unix(proof.frozen_at)
    if drand.period < 1:
        problems.append(f"drand period {drand.period} is not a positive number of seconds")
    elif frozen_at is None:
        problems.append(f"frozen_at {proof.frozen_at!r} is not an ISO 8601 time")
    else:
        chain = beacons.Chain(drand.chain_hash, drand.public_key, drand.genesis_time, drand.period)
        lead = chain.time_of(drand.round) - frozen_at
        if lead < beacons.LEAD_SECONDS:
            problems.append(
                f"drand round {drand.round} came out {lead:.0f} s after the freeze; "
                f"the round must be committed at least {beacons.LEAD_SECONDS} s ahead"
            )
    return problems


QUICKNET_ONLY = frozenset({beacons.QUICKNET_PUBLIC_KEY})


def verify(
    proof: Proof,
    participants: frozen_file.FrozenList | None = None,
    trusted_keys: frozenset[str] = QUICKNET_ONLY,
) -> list[str]:
    """Every way the proof does not check out; empty when it is correct.

    A `FORMAT` or `FORMAT_TICKETS` proof is checked against its participants file, read
    by the caller (`frozen.Reader`, with tickets for the latter); a `FORMAT_INLINE` one
    carries its list. `trusted_keys` are the drand group keys a v2 draw's beacon may be
    signed with.
    """
    problems: list[str] = []
    if proof.format not in FORMATS:
        problems.append(f"format is {proof.format!r}, expected one of {', '.join(FORMATS)}")
    if proof.algorithm not in draw.ALGORITHMS:
        supported = ", ".join(draw.ALGORITHMS)
        problems.append(f"algorithm {proof.algorithm!r} is not supported ({supported})")
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
    problems += _ticket_problems(proof, participants)
    for item in proof.excluded:
        if item.user_id not in participants:
            problems.append(f"excluded user {item.user_id} is not in the participant list")
    for uid in proof.winners:
        if uid not in participants:
            problems.append(f"winner {uid} is not in the participant list")
    beacon_problems = _beacon_problems(proof, trusted_keys)
    problems += beacon_problems
    if beacon_problems and proof.algorithm == draw.V2:
        return problems
    skip = [item.user_id for item in proof.excluded]
    order = draw.ranking(
        proof.seed,
        proof.contest_id,
        participants.ids,
        draw.needed(proof.winners_count, proof.reserve_count, skip),
        proof.beacon,
        participants.hash,
        algorithm=proof.algorithm,
        tickets=participants.tickets if proof.weighted else None,
    )
    winners, reserves = draw.pick(order, skip, proof.winners_count, proof.reserve_count)
    if winners != proof.winners:
        problems.append(f"winners should be {winners}, but the proof says {proof.winners}")
    if reserves != proof.reserves:
        problems.append(f"reserves should be {reserves}, but the proof says {proof.reserves}")
    return problems


def _ticket_problems(proof: Proof, participants: frozen_file.FrozenList) -> list[str]:
    """What is wrong with the tickets: a file that does (not) carry them, or a count
    beyond what the contest's rules allow."""
    if not proof.weighted:
        if participants.tickets is not None:
            return [f"a {proof.format} proof's participants file lists ids only, not tickets"]
        return []
    if participants.tickets is None:
        return [f"a {FORMAT_TICKETS} proof needs the participants file with tickets"]
    given = proof.tickets
    if given is None or given.mode not in rules.TICKET_MODES or given.mode == "none":
        return [f"a {FORMAT_TICKETS} proof must name its ticket mode and caps ('tickets')"]
    most = given.most()
    over = [
        f"{user_id} ({count})"
        for user_id, count in zip(participants.ids, participants.tickets, strict=True)
        if count > most
    ]
    if over:
        shown = ", ".join(over[:5]) + (f" and {len(over) - 5} more" if len(over) > 5 else "")
        return [f"tickets above the contest's most of {most} ({given.mode}): {shown}"]
    return []


def notes(proof: Proof) -> list[str]:
    """What a participant should know beyond right or wrong: where the randomness came from."""
    if proof.algorithm == draw.V2 and proof.drand is not None:
        return [
            f"randomness: drand quicknet round {proof.drand.round}, committed at the freeze "
            f"({proof.frozen_at}) before it came out"
        ]
    if proof.fallback is not None:
        committed = f" (round {proof.drand.round} was committed)" if proof.drand else ""
        by = f" {proof.fallback.by}" if proof.fallback.by is not None else ""
        return [
            f"drawn WITHOUT the public beacon{committed}: the organizer{by} chose so at "
            f"{proof.fallback.at}, reason: {proof.fallback.reason}; the operator, who knows "
            "the seed, could have known the outcome in advance"
        ]
    return ["drawn without a public beacon (algorithm v1): the seed alone decides"]


def ticket_note(proof: Proof, participants: frozen_file.FrozenList | None) -> str | None:
    """How many tickets there were, for a weighted draw."""
    if not proof.weighted or proof.tickets is None:
        return None
    rules_said = (
        f"mode {proof.tickets.mode}, at most {proof.tickets.referral_cap} for referrals and "
        f"{proof.tickets.boost_cap} for boosts"
    )
    if participants is None or participants.tickets is None:
        return f"weighted draw with extra tickets ({rules_said})"
    extra = sum(1 for count in participants.tickets if count > 1)
    return (
        f"weighted draw: {sum(participants.tickets)} tickets, {extra} participants with "
        f"extra ones ({rules_said})"
    )


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
