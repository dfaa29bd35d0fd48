"""Drawing winners, re-checking them, and replacing winners from the reserve.

A draw happens once per contest: the `draw` row is unique per contest, so a second
attempt (a task delivered twice, two schedulers) finds the first one and returns it.

Only a definite "not subscribed" excludes a would-be winner. A re-check Telegram cannot
answer raises `FinalCheckUndecided` and nothing is written: the draw task waits and
tries again, and the organizer may choose to draw without the final check
(`skip_final_check`), which the proof then records with who chose it and when.

It is written in two steps: `freeze` stores the frozen list (its participants file),
the organizers' exclusions made before the draw (`app.db.exclusions`) and, with the
beacon, the drand round the draw commits to; `complete` draws once that
round is out (or at once without a beacon). `fallback` is the organizer's explicit
choice to draw without the committed round when the beacon stays unreachable; the
proof records it.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import msgspec

from app.contests import beacon as beacons
from app.contests import draw as algorithm
from app.contests import frozen as frozen_file
from app.contests import proof as proofs
from app.contests import rules
from app.contests.claims import NOT_CLAIMED
from app.contests.conditions import CheckResult, Outcome
from app.contests.frozen import FrozenList
from app.contests.lifecycle import Action, Status, next_status
from app.db import audit, claims, contests, exclusions, memberships, participants, tickets
from app.db.engine import is_sqlite, transaction
from app.db.tables import AuditLog, Contest, Draw, DrawList
from app.errors import ContestBotError, FinalCheckUndecided, NotFoundError, ValidationError

FILE_COMPRESSION = 1  # ids compress to ~40 % at level 1; higher levels cost 3x the time
GZIP_WBITS = 31  # zlib writes the gzip format: the API serves it as Content-Encoding gzip
READ_CHUNK = 1 << 20
PARTICIPANTS_PATH = "/api/public/contests/{contest_id}/participants.txt"

Recheck = Callable[[int], Awaitable[list[CheckResult]]]
"""Re-checks one would-be winner's conditions; returns every condition's result."""


def ticket_rules(contest: Contest) -> proofs.TicketRules:
    return proofs.TicketRules(contest.ticket_mode, contest.referral_cap, contest.boost_cap)


@dataclass(frozen=True, slots=True)
class DrawOutcome:
    contest_id: int
    winners: list[int]
    reserves: list[int]
    excluded: list[proofs.Exclusion]
    participant_count: int
    created: bool  # False when the draw had already been made

    @classmethod
    def of(cls, proof: proofs.Proof) -> DrawOutcome:
        """The outcome a freshly computed proof describes."""
        return cls(
            proof.contest_id,
            proof.winners,
            proof.reserves,
            list(proof.excluded),
            proof.participant_count,
            created=True,
        )


FROZEN = "frozen"
DRAWN = "drawn"
BEACON_WAIT = "the draw waits for the drand beacon"
"""How the organizer is told (the contest's problem line) that the beacon is unreachable."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a draw's randomness comes from, besides the seed (see `app.contests.draw`)."""

    algorithm: str = algorithm.V1
    beacon: str = ""
    drand: proofs.Drand | None = None
    frozen_at: str = ""
    fallback: proofs.Fallback | None = None

    @classmethod
    def of(cls, row: Draw, signature: str = "") -> Source:
        """The source a draw row describes; `signature` completes a committed round."""
        drand = _drand(row.beacon, signature)
        fallback = proofs.Fallback(**row.fallback) if row.fallback else None
        frozen_at = row.frozen_at.isoformat(timespec="seconds") if row.frozen_at else ""
        if drand is None or fallback is not None or not drand.signature:
            return cls(algorithm.V1, "", drand, frozen_at, fallback)
        return cls(algorithm.V2, beacons.randomness(drand.signature), drand, frozen_at)


def _drand(stored: dict[str, object], signature: str = "") -> proofs.Drand | None:
    """The committed round stored on a draw row, with `signature` filled in if given."""
    if not stored:
        return None
    if signature:
        stored = {**stored, "signature": signature}
    return proofs.Drand(**stored)  # type: ignore[arg-type]


Screen = Callable[[int], Awaitable[proofs.Exclusion | None]]
"""A draw-time rule over one would-be winner: their exclusion, or None when they pass."""


def _recheck_screen(recheck: Recheck) -> Screen:
    """The re-check of the conditions as a screen; an unanswered check stops the draw."""

    async def screen(user_id: int) -> proofs.Exclusion | None:
        results = await recheck(user_id)
        undecided = [r for r in results if r.outcome is Outcome.undecided]
        if undecided:
            raise FinalCheckUndecided(undecided[0].condition, undecided[0].reason)
        failures = [r for r in results if r.outcome is Outcome.missing]
        if not failures:
            return None
        reason = "; ".join(f"{r.condition}: {r.reason or r.outcome.value}" for r in failures)
        return proofs.Exclusion(
            user_id, f"re-check failed: {reason}", _now(), proofs.RECHECK_FAILED
        )

    return screen


def _still_passes(screens: list[Screen]) -> tickets.StillPasses | None:
    """An invitee's screening at the freeze (the draw-time rules a winner meets): any
    exclusion stops their referral counting; an unanswered check makes the freeze wait."""
    if not screens:
        return None

    async def still_passes(user_id: int) -> bool:
        for screen in screens:
            if await screen(user_id) is not None:
                return False
        return True

    return still_passes


def _screens(contest: Contest, recheck: Recheck | None, source: Source) -> list[Screen]:
    """The contest's draw-time rules, cheapest first: leavers (recorded history), then the
    re-check (Telegram). The leave rule holds even when the re-check is skipped."""
    screens: list[Screen] = []
    if contest.exclude_leavers and source.frozen_at:
        frozen_at = datetime.fromisoformat(source.frozen_at)
        screens.append(partial(memberships.leaver_exclusion, contest.id, frozen_at=frozen_at))
    if recheck is not None:
        screens.append(_recheck_screen(recheck))
    return screens


async def _screen(
    order: list[int],
    screens: list[Screen],
    excluded: list[proofs.Exclusion],
    wanted: int,
    cleared: set[int],
) -> list[proofs.Exclusion]:
    """Screen candidates in ranking order until `wanted` have passed; collect exclusions.

    `cleared` remembers who already passed, so extending the ranking checks nobody twice.
    """
    if not screens:
        return excluded
    skip = {item.user_id for item in excluded}
    passed = 0
    for user_id in order:
        if passed >= wanted:
            break
        if user_id in skip:
            continue
        if user_id in cleared:
            passed += 1
            continue
        exclusion = None
        for screen in screens:
            if (exclusion := await screen(user_id)) is not None:
                break
        if exclusion is not None:
            excluded.append(exclusion)
            skip.add(user_id)
        else:
            cleared.add(user_id)
            passed += 1
    return excluded


async def _compute(
    contest: Contest,
    frozen: FrozenList,
    excluded: list[proofs.Exclusion],
    recheck: Recheck | None,
    skipped: proofs.FinalCheckSkip | None = None,
    source: Source = Source(),
    cleared: set[int] | None = None,
) -> proofs.Proof:
    """Rank, screen winners (and reserves) and extend the ranking past exclusions;
    `cleared` are candidates who passed the re-check before and are not asked again."""
    wanted = contest.winners_count + contest.reserve_count
    screens = _screens(contest, recheck, source)
    cleared = set(cleared or ())
    while True:
        skip = [item.user_id for item in excluded]
        length = algorithm.needed(contest.winners_count, contest.reserve_count, skip)
        order = algorithm.ranking(
            contest.seed,
            contest.id,
            frozen.ids,
            length,
            source.beacon,
            frozen.hash,
            algorithm=source.algorithm,
            tickets=frozen.tickets,
        )
        before = len(excluded)
        excluded = await _screen(order, screens, excluded, wanted, cleared)
        if len(excluded) == before or len(order) == len(frozen):
            break
    weighted = frozen.tickets is not None
    return proofs.build(
        contest_id=contest.id,
        title=contest.title,
        seed=contest.seed,
        participants=frozen,
        winners_count=contest.winners_count,
        reserve_count=contest.reserve_count,
        excluded=excluded,
        drawn_at=_now(),
        final_check_skipped=skipped,
        beacon=source.beacon,
        algorithm=source.algorithm,
        drand=source.drand,
        frozen_at=source.frozen_at,
        fallback=source.fallback,
        tickets=ticket_rules(contest) if weighted else None,
    )


async def frozen(contest_id: int) -> Draw | None:
    """The draw row of a contest in any state: frozen (waiting for its round) or drawn."""
    return await Draw.objects().where(Draw.contest == contest_id).output(load_json=True).first()


async def stop_joining(contest_id: int) -> Contest:
    """Close the contest if it is still active; it must then be waiting for its draw."""
    contest = await contests.get(contest_id)
    if contest.status == Status.active.value:
        contest = await contests.close(contest_id)
    if contest.status != Status.drawing.value:
        raise ValidationError(f"contest {contest_id} is {contest.status}; nothing to draw")
    return contest


async def freeze(
    contest_id: int,
    chain: beacons.Chain | None = None,
    recheck: Recheck | None = None,
    active_boosts: tickets.ActiveBoosts | None = None,
) -> tuple[Draw, bool]:
    """Close (if still active) and freeze the list — once; with `chain`, commit to a round.

    The round is the first one out at least `LEAD_SECONDS` after now, so the list hash
    and the round are public before anyone can know its randomness. The participants
    file is written here; for a contest with extra tickets it carries everyone's tickets,
    decided now (`tickets.decide`: invitees screened as winners are, with `recheck`,
    boosts asked with `active_boosts`; neither asks Telegram when the organizer chose to
    draw without the final check). The round is chosen after that, however long it took.
    Returns the row and whether this call froze it.
    """
    existing = await frozen(contest_id)
    if existing is not None:
        return existing, False
    contest = await stop_joining(contest_id)
    if not contest.seed or not contest.seed_commitment:
        raise ValidationError(f"contest {contest_id} has no committed seed")
    listed_ids, body = await _freeze(contest_id)
    excluded = [  # fixed now: the contest has closed
        item for item in await exclusions.for_draw(contest_id) if item.user_id in listed_ids
    ]
    weighted = contest.ticket_mode != "none"
    if weighted:
        checked = await final_check_skip(contest_id) is None
        deciding = Source(frozen_at=datetime.now(UTC).isoformat(timespec="seconds"))
        counts = await tickets.decide(
            contest,
            listed_ids,
            {item.user_id for item in excluded},
            _still_passes(_screens(contest, recheck if checked else None, deciding)),
            active_boosts if checked else None,
        )
        listed_ids = frozen_file.of(listed_ids.ids, counts)
        body = _pack(frozen_file.chunks(listed_ids.ids, counts))
    now = datetime.now(UTC)
    committed: dict[str, object] = {}
    if chain is not None:
        committed = msgspec.to_builtins(
            proofs.Drand(
                chain_hash=chain.chain_hash,
                public_key=chain.public_key,
                scheme=chain.scheme,
                genesis_time=chain.genesis_time,
                period=chain.period,
                round=chain.round_after(now.timestamp()),
            )
        )
    async with transaction():
        inserted = (
            await Draw.insert(
                Draw(
                    contest=contest_id,
                    state=FROZEN,
                    algorithm=algorithm.V2 if committed else algorithm.V1,
                    seed_commitment=contest.seed_commitment,
                    list_hash=listed_ids.hash,
                    participants=[],
                    participant_count=len(listed_ids),
                    excluded=[proofs.to_dict(item) for item in excluded],
                    frozen_at=now,
                    beacon=committed,
                    tickets=weighted,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Draw.id)
        )
        if inserted:
            await DrawList.insert(DrawList(contest=contest_id, body=body))
            await audit.record(
                "freeze",
                contest_id,
                None,
                list_hash=listed_ids.hash,
                beacon_round=committed.get("round"),
            )
    row = await frozen(contest_id)
    assert row is not None
    return row, bool(inserted)


async def complete(
    contest_id: int, recheck: Recheck | None = None, signature: str = ""
) -> DrawOutcome:
    """Draw a frozen contest and finish it — at most once.

    A committed round needs its `signature` (checked here against the committed key),
    unless the organizer chose the fallback; without a committed round, v1 at once.
    Raises `FinalCheckUndecided` (nothing written) when a re-check gets no answer, unless
    the organizer chose to draw without the final check.
    """
    row = await frozen(contest_id)
    if row is None:
        raise ValidationError(f"contest {contest_id} has not been frozen")
    if row.state == DRAWN:
        return _outcome(row, created=False)
    source = Source.of(row, signature)
    drand = source.drand
    if drand is not None and source.fallback is None:
        wrong = beacons.signature_problem(drand.public_key, drand.round, signature)
        if wrong:
            raise ValidationError(
                f"contest {contest_id} waits for drand round {drand.round}: {wrong}"
            )
    contest = await contests.get(contest_id)
    listed_ids = await frozen_list(contest_id)
    skipped = await final_check_skip(contest_id)
    proof = await _compute(
        contest, listed_ids, _exclusions(row), None if skipped else recheck, skipped, source
    )
    async with transaction():
        updated = (
            await Draw.update(
                {
                    Draw.state: DRAWN,
                    Draw.algorithm: proof.algorithm,
                    Draw.winners: proof.winners,
                    Draw.reserves: proof.reserves,
                    Draw.excluded: [proofs.to_dict(item) for item in proof.excluded],
                    Draw.beacon: msgspec.to_builtins(drand) if drand else {},
                    Draw.drawn_at: datetime.now(UTC),
                }
            )
            .where((Draw.contest == contest_id) & (Draw.state == FROZEN))
            .returning(Draw.id)
        )
        if not updated:
            return _outcome(await get(contest_id), created=False)
        await contests.transition(contest_id, Action.finish, finished_at=datetime.now(UTC))
        await claims.follow(contest_id, proof.winners, contest.claim_hours)
        await audit.record(
            "draw",
            contest_id,
            None,
            winners=proof.winners,
            reserves=proof.reserves,
            excluded=[proofs.to_dict(item) for item in proof.excluded],
            list_hash=proof.list_hash,
            final_check_skipped=skipped and proofs.to_dict(skipped),
            algorithm=proof.algorithm,
            beacon_round=drand.round if drand else None,
        )
    return DrawOutcome.of(proof)


async def run(contest_id: int, recheck: Recheck | None = None) -> DrawOutcome:
    """Freeze and draw at once, without a beacon (`contest-bot-draw/v1`)."""
    await freeze(contest_id, recheck=recheck)
    return await complete(contest_id, recheck)


@dataclass(frozen=True, slots=True)
class BeaconWait:
    """The drand round a frozen draw waits for, when it comes out, and whether the bot
    found the beacon unreachable (the organizer may then draw without it)."""

    round: int
    expected_at: datetime
    unreachable: bool


async def beacon_wait(contest: Contest) -> BeaconWait | None:
    """What a contest's draw waits for; None unless it is drawing and waits for a round."""
    if contest.status != Status.drawing.value:
        return None
    row = await frozen(contest.id)
    if row is None or row.state != FROZEN or not row.beacon or row.fallback:
        return None
    drand = row.beacon
    round_number = int(drand["round"])
    out_at = int(drand["genesis_time"]) + (round_number - 1) * int(drand["period"])
    return BeaconWait(
        round_number,
        datetime.fromtimestamp(out_at, UTC),
        (contest.last_error or "").startswith(BEACON_WAIT),
    )


async def fallback(contest_id: int, actor_id: int) -> Draw:
    """The organizer's choice to draw without the committed round (recorded in the proof).

    Allowed only while the draw waits for a beacon the bot found unreachable; the reason
    recorded is what the bot saw.
    """
    contest = await contests.get(contest_id)
    wait = await beacon_wait(contest)
    if wait is None or not wait.unreachable:
        raise ValidationError(f"contest {contest_id} is not waiting for an unreachable beacon")
    reason = (contest.last_error or "").strip()
    choice = proofs.Fallback(reason=reason[:500], by=actor_id, at=_now())
    await Draw.update({Draw.fallback: msgspec.to_builtins(choice)}).where(
        (Draw.contest == contest_id) & (Draw.state == FROZEN)
    )
    await audit.record("beacon_fallback", contest_id, actor_id, reason=choice.reason)
    row = await frozen(contest_id)
    assert row is not None
    return row


REDRAW = "redraw"
SKIPPED = "final_check_skipped"


async def replacements(contest_id: int) -> dict[int, str]:
    """Winners an organizer replaced, with the reason they gave (from the audit log)."""
    rows = (
        await AuditLog.select(AuditLog.details)
        .where((AuditLog.contest_id == contest_id) & (AuditLog.action == REDRAW))
        .order_by(AuditLog.id)
        .output(load_json=True)
    )
    return {row["details"]["replaced"]: row["details"]["reason"] for row in rows}


async def skip_final_check(contest_id: int, actor_id: int) -> proofs.FinalCheckSkip:
    """Record an organizer's choice to draw without re-checking the winners (once)."""
    async with transaction():
        found = await final_check_skip(contest_id)
        if found is not None:
            return found
        contest = await contests.get(contest_id)
        if contest.status != Status.drawing.value or await _find(contest_id) is not None:
            raise ValidationError(f"contest {contest_id} is not waiting for its draw")
        await audit.record(SKIPPED, contest_id, actor_id)
    found = await final_check_skip(contest_id)
    assert found is not None
    return found


async def final_check_skip(contest_id: int) -> proofs.FinalCheckSkip | None:
    """Who chose to draw this contest without the final check, and when (else None)."""
    row = (
        await AuditLog.select(AuditLog.actor_id, AuditLog.created_at)
        .where((AuditLog.contest_id == contest_id) & (AuditLog.action == SKIPPED))
        .order_by(AuditLog.id)
        .first()
    )
    if row is None:
        return None
    at = row["created_at"].astimezone(UTC).isoformat(timespec="seconds")
    return proofs.FinalCheckSkip(by=row["actor_id"], at=at)


async def _freeze(contest_id: int) -> tuple[FrozenList, bytes]:
    """The frozen list, read in id order, and its participants file gzip-compressed.

    The ids stream from the database in batches into an array (8 bytes an id) while
    the file is hashed and compressed, so nothing holds a Python object per participant.
    """
    reader = frozen_file.Reader()
    packer = zlib.compressobj(FILE_COMPRESSION, zlib.DEFLATED, GZIP_WBITS)
    parts: list[bytes] = []
    separator = b""
    async for lines in participants.id_lines(contest_id):
        reader.feed(separator + lines)
        parts.append(packer.compress(separator + lines))
        separator = b"\n"
    parts.append(packer.flush())
    frozen = reader.finish()
    if not frozen.ascending:
        raise ContestBotError(f"contest {contest_id}: participant ids did not come in order")
    return frozen, b"".join(parts)


def _pack(chunks: Iterable[bytes]) -> bytes:
    """A participants file gzip-compressed, as it is stored and served."""
    packer = zlib.compressobj(FILE_COMPRESSION, zlib.DEFLATED, GZIP_WBITS)
    return b"".join([*(packer.compress(chunk) for chunk in chunks), packer.flush()])


async def frozen_list(contest_id: int) -> FrozenList:
    """The frozen participant list of a drawn contest (from its file, or an old row),
    with the tickets when the file carries them."""
    body = await participants_file(contest_id)
    weighted = await Draw.exists().where((Draw.contest == contest_id) & (Draw.tickets == True))  # noqa: E712
    reader = frozen_file.Reader(with_tickets=weighted)
    unpacker = zlib.decompressobj(GZIP_WBITS)
    for start in range(0, len(body), READ_CHUNK):
        reader.feed(unpacker.decompress(body[start : start + READ_CHUNK]))
    reader.feed(unpacker.flush())
    return reader.finish()


async def participants_file(contest_id: int) -> bytes:
    """The participants file of a drawn contest, gzip-compressed, as the API serves it."""
    rows = await DrawList.select(DrawList.body).where(DrawList.contest == contest_id)
    if rows:
        return bytes(rows[0]["body"])
    ids = (await get(contest_id)).participants  # a draw made before `DrawList`
    return _pack(frozen_file.chunks(ids))


def participants_url(contest_id: int, public_url: object | None) -> str:
    """Where the API serves a draw's participants file; absolute when the public URL is
    known, so a downloaded proof still names its file."""
    base = str(public_url).rstrip("/") if public_url else ""
    return f"{base}{PARTICIPANTS_PATH.format(contest_id=contest_id)}"


async def listed(contest_id: int, user_id: int) -> bool:
    """Whether a user is in a drawn contest's frozen list.

    Entries of drawn contests are never deleted (see `users.forget`) and none is added
    after the freeze, so the participant rows are the list.
    """
    return await participants.is_participant(contest_id, user_id)


def _exclusions(row: Draw) -> list[proofs.Exclusion]:
    return [proofs.Exclusion(**item) for item in row.excluded]


def _outcome(row: Draw, created: bool) -> DrawOutcome:
    return DrawOutcome(
        row.contest, row.winners, row.reserves, _exclusions(row), row.participant_count, created
    )


async def _find(contest_id: int) -> Draw | None:
    """The draw of a contest once drawn (not while it waits for its round)."""
    return (
        await Draw.objects()
        .where((Draw.contest == contest_id) & (Draw.state == DRAWN))
        .output(load_json=True)
        .first()
    )


async def get(contest_id: int) -> Draw:
    row = await _find(contest_id)
    if row is None:
        raise NotFoundError(f"contest {contest_id} has not been drawn")
    return row


async def replace_winner(
    contest_id: int,
    user_id: int,
    reason: str,
    actor_id: int | None,
    recheck: Recheck | None = None,
) -> DrawOutcome:
    """Exclude a winner (logged with the reason) and continue the same ranking.

    Read, re-check and write happen in one transaction holding the draw row's lock, so
    two organizers re-drawing at once (the bot and the Mini App) both keep their
    exclusion: the second waits for the first and continues from its result.
    """
    reason = rules.check_reason(reason)
    contest = await contests.get(contest_id)
    next_status(contest_id, contest.status, Action.redraw)
    listed_ids = await frozen_list(contest_id)  # immutable: read before taking the lock
    replaced = proofs.Exclusion(user_id, reason, _now(), proofs.REPLACED)
    recheck = await _asked_ahead(contest, listed_ids, replaced, recheck, keep_cleared=False)
    async with transaction():
        row = await _locked(contest_id)
        if user_id not in row.winners:
            raise ValidationError(f"user {user_id} is not a winner of contest {contest_id}")
        proof = await _continue(contest, listed_ids, row, replaced, actor_id, recheck)
    return DrawOutcome.of(proof)


async def pass_on(contest_id: int, user_id: int, recheck: Recheck | None = None) -> bool:
    """Pass an unclaimed prize to the next in the ranking — once, and only if the claim
    is still pending at its deadline (`claims.expire`).

    The claim's change, the exclusion (`claims.NOT_CLAIMED`), the new winner's claim and
    the audit entry commit together under the draw row's lock: a process killed midway
    leaves the claim pending and the next run passes it on; a second run finds it passed
    on already; a Claim committed first makes the expiry match nothing. Only candidates
    the draw did not already clear (the winners and reserves) are re-checked.
    """
    contest = await contests.get(contest_id)
    listed_ids = await frozen_list(contest_id)
    unclaimed = proofs.Exclusion(user_id, NOT_CLAIMED, _now(), proofs.NOT_CLAIMED)
    recheck = await _asked_ahead(contest, listed_ids, unclaimed, recheck, keep_cleared=True)
    async with transaction():
        row = await _locked(contest_id)
        if user_id not in row.winners or not await claims.expire(
            contest_id, user_id, datetime.now(UTC)
        ):
            return False
        cleared = {*row.winners, *row.reserves} - {user_id}
        await _continue(contest, listed_ids, row, unclaimed, None, recheck, cleared)
    return True


async def _asked_ahead(
    contest: Contest,
    listed_ids: FrozenList,
    exclusion: proofs.Exclusion,
    recheck: Recheck | None,
    *,
    keep_cleared: bool,
) -> Recheck | None:
    """Ask Telegram about the next candidates before taking the draw row's lock, and
    return a re-check that answers them from memory: the locked continuation then waits
    for no Telegram call (a slow one would hold the lock, and on SQLite every write).

    Reads the row unlocked; should another change land in between, the continuation asks
    only about the candidates that change brought in.
    """
    if recheck is None:
        return None
    answers: dict[int, list[CheckResult]] = {}

    async def remembered(user_id: int) -> list[CheckResult]:
        if user_id not in answers:
            answers[user_id] = await recheck(user_id)
        return answers[user_id]

    row = await _find(contest.id)
    if row is None or exclusion.user_id not in row.winners:
        return remembered  # nothing to continue; the locked step says why
    cleared = {*row.winners, *row.reserves} - {exclusion.user_id} if keep_cleared else None
    excluded = [*_exclusions(row), exclusion]
    await _compute(
        contest, listed_ids, excluded, remembered, source=Source.of(row), cleared=cleared
    )
    return remembered


async def _continue(
    contest: Contest,
    listed_ids: FrozenList,
    row: Draw,
    exclusion: proofs.Exclusion,
    actor_id: int | None,
    recheck: Recheck | None,
    cleared: set[int] | None = None,
) -> proofs.Proof:
    """Exclude a winner from a locked draw row and continue its ranking: the row, the
    claims and the audit log (a `REDRAW` entry with the reason) follow the new winners."""
    excluded = [*_exclusions(row), exclusion]
    proof = await _compute(
        contest, listed_ids, excluded, recheck, source=Source.of(row), cleared=cleared
    )
    await Draw.update(
        {
            Draw.winners: proof.winners,
            Draw.reserves: proof.reserves,
            Draw.excluded: [proofs.to_dict(item) for item in proof.excluded],
        }
    ).where(Draw.contest == contest.id)
    await claims.follow(contest.id, proof.winners, contest.claim_hours)
    await audit.record(
        REDRAW,
        contest.id,
        actor_id,
        replaced=exclusion.user_id,
        reason=exclusion.reason,
        winners=proof.winners,
    )
    return proof


async def _locked(contest_id: int) -> Draw:
    """The draw row, locked until the transaction ends (SQLite's write lock already is)."""
    query = (
        Draw.objects()
        .where((Draw.contest == contest_id) & (Draw.state == DRAWN))
        .output(load_json=True)
    )
    if not is_sqlite():
        query = query.lock_rows("UPDATE")
    row = await query.first()
    if row is None:
        raise NotFoundError(f"contest {contest_id} has not been drawn")
    return row


async def proof(contest_id: int, participants_url: str = "") -> proofs.Proof:
    """The published proof of a finished contest (the seed is revealed here).

    `participants_url` is where the API serves the participants file; draws made
    before `DrawList` existed are published in the inline format they were made in.
    """
    contest = await contests.get(contest_id)
    row = await get(contest_id)
    inline = not await DrawList.exists().where(DrawList.contest == contest_id)
    source = Source.of(row)
    if row.tickets:
        format_ = proofs.FORMAT_TICKETS
    else:
        format_ = proofs.FORMAT_INLINE if inline else proofs.FORMAT
    return proofs.Proof(
        format=format_,
        algorithm=row.algorithm,
        contest_id=contest_id,
        title=contest.title,
        seed_commitment=row.seed_commitment,
        seed=contest.seed or "",
        participants=row.participants if inline else [],
        participant_count=row.participant_count,
        participants_url=participants_url,
        list_hash=row.list_hash,
        winners_count=contest.winners_count,
        reserve_count=contest.reserve_count,
        winners=row.winners,
        reserves=row.reserves,
        excluded=_exclusions(row),
        drawn_at=row.drawn_at.isoformat(timespec="seconds"),
        final_check_skipped=await final_check_skip(contest_id),
        beacon=source.beacon,
        drand=source.drand,
        frozen_at=source.frozen_at,
        fallback=source.fallback,
        tickets=ticket_rules(contest) if row.tickets else None,
    )
