/**
 * Proof verification, ported exactly from `verify` and `inclusion` in
 * `app/contests/proof.py`: every mismatch is reported as a structured problem (so the UI
 * can say precisely what was tampered with); `problemText` renders the same English
 * sentences as the Python code, which the unit tests compare against.
 */

import { LEAD_SECONDS, QUICKNET_PUBLIC_KEY, SCHEME, randomness, timeOf } from "./beacon";
import { ALGORITHMS, V1, V2, commitment, freeze, listHash, needed, pick, ranking } from "./draw";
import { TICKET_MODES } from "../contestRules";
import { FORMATS, FORMAT_TICKETS, type Proof } from "./document";

export type ProofProblem =
  | { kind: "format"; actual: string }
  | { kind: "algorithm"; actual: string }
  | { kind: "seed_shape" }
  | { kind: "commitment"; computed: string; claimed: string }
  | { kind: "order" }
  | { kind: "list_hash"; computed: string; claimed: string }
  | { kind: "ticket_file" }
  | { kind: "ticket_rules" }
  | { kind: "tickets_over"; most: number; mode: string; over: [number, number][] }
  | { kind: "excluded_absent"; userId: number }
  | { kind: "winner_absent"; userId: number }
  | { kind: "winners"; expected: number[]; claimed: number[] }
  | { kind: "reserves"; expected: number[]; claimed: number[] }
  | { kind: "beacon_unused"; round: number }
  | { kind: "beacon_missing" }
  | { kind: "beacon_scheme"; actual: string }
  | { kind: "beacon_key"; key: string }
  | { kind: "beacon_signature"; reason: string }
  | { kind: "beacon_randomness"; computed: string; claimed: string }
  | { kind: "beacon_period"; period: number }
  | { kind: "beacon_frozen_at"; actual: string }
  | { kind: "beacon_lead"; round: number; lead: number };

const HEX64 = /^[0-9a-f]{64}$/;

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function unixSeconds(moment: string): number | null {
  const parsed = Date.parse(moment);
  return Number.isNaN(parsed) ? null : parsed / 1000;
}

/** What is wrong with the beacon part of a proof (v2: the round; v1: the fallback). */
async function beaconProblems(proof: Proof, trustedKeys: ReadonlySet<string>): Promise<ProofProblem[]> {
  const drand = proof.drand;
  if (proof.algorithm === V1) {
    return drand !== null && proof.fallback === null ? [{ kind: "beacon_unused", round: drand.round }] : [];
  }
  if (drand === null) {
    return [{ kind: "beacon_missing" }];
  }
  const problems: ProofProblem[] = [];
  if (drand.scheme !== SCHEME) {
    problems.push({ kind: "beacon_scheme", actual: drand.scheme });
  }
  if (!trustedKeys.has(drand.public_key)) {
    problems.push({ kind: "beacon_key", key: drand.public_key });
  }
  const { signatureProblem } = await import("./bls");
  const wrong = await signatureProblem(drand.public_key, drand.round, drand.signature);
  if (wrong) {
    problems.push({ kind: "beacon_signature", reason: wrong });
  } else {
    const computed = await randomness(drand.signature);
    if (computed !== proof.beacon) {
      problems.push({ kind: "beacon_randomness", computed, claimed: proof.beacon });
    }
  }
  const frozenAt = unixSeconds(proof.frozen_at);
  if (drand.period < 1) {
    problems.push({ kind: "beacon_period", period: drand.period });
  } else if (frozenAt === null) {
    problems.push({ kind: "beacon_frozen_at", actual: proof.frozen_at });
  } else {
    const lead = timeOf(drand.genesis_time, drand.period, drand.round) - frozenAt;
    if (lead < LEAD_SECONDS) {
      problems.push({ kind: "beacon_lead", round: drand.round, lead: Math.round(lead) });
    }
  }
  return problems;
}

/** The most tickets one participant can hold under a contest's rules (`rules.tickets`). */
export function mostTickets(mode: string, referralCap: number, boostCap: number): number {
  const referrals = mode === "referrals" || mode === "both" ? referralCap : 0;
  const boosts = mode === "boosts" || mode === "both" ? boostCap : 0;
  return 1 + referrals + boosts;
}

/** What is wrong with the tickets of a `contest-bot-proof/3` proof (`_ticket_problems`). */
function ticketProblems(proof: Proof): ProofProblem[] {
  if (proof.format !== FORMAT_TICKETS) return [];
  const tickets = proof.participant_tickets;
  if (tickets === null) return [{ kind: "ticket_file" }];
  const given = proof.tickets;
  if (given === null || !(TICKET_MODES as readonly string[]).includes(given.mode) || given.mode === "none") {
    return [{ kind: "ticket_rules" }];
  }
  const most = mostTickets(given.mode, given.referral_cap, given.boost_cap);
  const over: [number, number][] = [];
  proof.participants.forEach((id, index) => {
    const count = tickets[index] as number;
    if (count > most) over.push([id, count]);
  });
  return over.length ? [{ kind: "tickets_over", most, mode: given.mode, over }] : [];
}

/**
 * Every way the proof does not check out; empty when it is correct. `trustedKeys` are the
 * drand group keys a v2 draw's beacon may be signed with (quicknet's by default).
 */
export async function verify(
  proof: Proof,
  trustedKeys: ReadonlySet<string> = new Set([QUICKNET_PUBLIC_KEY]),
): Promise<ProofProblem[]> {
  const problems: ProofProblem[] = [];
  if (!(FORMATS as readonly string[]).includes(proof.format)) {
    problems.push({ kind: "format", actual: proof.format });
  }
  if (!(ALGORITHMS as readonly string[]).includes(proof.algorithm)) {
    problems.push({ kind: "algorithm", actual: proof.algorithm });
    return problems;
  }
  if (!HEX64.test(proof.seed)) {
    problems.push({ kind: "seed_shape" });
    return problems;
  }
  const computed = await commitment(proof.seed);
  if (computed !== proof.seed_commitment) {
    problems.push({ kind: "commitment", computed, claimed: proof.seed_commitment });
  }
  if (!sameList(freeze(proof.participants), proof.participants)) {
    problems.push({ kind: "order" });
  }
  const weighted = proof.format === FORMAT_TICKETS ? proof.participant_tickets : null;
  const actualHash = await listHash(proof.participants, weighted);
  if (actualHash !== proof.list_hash) {
    problems.push({ kind: "list_hash", computed: actualHash, claimed: proof.list_hash });
  }
  problems.push(...ticketProblems(proof));
  const members = new Set(proof.participants);
  for (const item of proof.excluded) {
    if (!members.has(item.user_id)) {
      problems.push({ kind: "excluded_absent", userId: item.user_id });
    }
  }
  for (const id of proof.winners) {
    if (!members.has(id)) {
      problems.push({ kind: "winner_absent", userId: id });
    }
  }
  const fromBeacon = await beaconProblems(proof, trustedKeys);
  problems.push(...fromBeacon);
  if (fromBeacon.length > 0 && proof.algorithm === V2) {
    return problems;
  }
  const skip = proof.excluded.map((item) => item.user_id);
  const order = await ranking(
    proof.seed,
    proof.contest_id,
    proof.participants,
    needed(proof.winners_count, proof.reserve_count, skip),
    proof.beacon,
    proof.algorithm,
    weighted,
  );
  const { winners, reserves } = pick(order, skip, proof.winners_count, proof.reserve_count);
  if (!sameList(winners, proof.winners)) {
    problems.push({ kind: "winners", expected: winners, claimed: proof.winners });
  }
  if (!sameList(reserves, proof.reserves)) {
    problems.push({ kind: "reserves", expected: reserves, claimed: proof.reserves });
  }
  return problems;
}

/** Python's repr() of a str, for messages identical to the Python verifier's. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

const pyList = (items: readonly number[]): string => `[${items.join(", ")}]`;

/** The problem in the Python verifier's words (English). */
export function problemText(problem: ProofProblem): string {
  switch (problem.kind) {
    case "format":
      return `format is ${pyRepr(problem.actual)}, expected one of ${FORMATS.join(", ")}`;
    case "algorithm":
      return `algorithm ${pyRepr(problem.actual)} is not supported (${ALGORITHMS.join(", ")})`;
    case "seed_shape":
      return "seed is not 64 lowercase hex characters";
    case "commitment":
      return (
        "seed does not match the commitment published at the start: " +
        `sha256(seed) = ${problem.computed}, commitment = ${problem.claimed}`
      );
    case "order":
      return "participant list is not in ascending order without repeats";
    case "list_hash":
      return `participant list hash is ${problem.computed}, but the proof says ${problem.claimed}`;
    case "ticket_file":
      return `a ${FORMAT_TICKETS} proof needs the participants file with tickets`;
    case "ticket_rules":
      return `a ${FORMAT_TICKETS} proof must name its ticket mode and caps ('tickets')`;
    case "tickets_over": {
      const shown = problem.over.slice(0, 5).map(([id, count]) => `${id} (${count})`).join(", ");
      const more = problem.over.length > 5 ? ` and ${problem.over.length - 5} more` : "";
      return `tickets above the contest's most of ${problem.most} (${problem.mode}): ${shown}${more}`;
    }
    case "excluded_absent":
      return `excluded user ${problem.userId} is not in the participant list`;
    case "winner_absent":
      return `winner ${problem.userId} is not in the participant list`;
    case "winners":
      return `winners should be ${pyList(problem.expected)}, but the proof says ${pyList(problem.claimed)}`;
    case "reserves":
      return `reserves should be ${pyList(problem.expected)}, but the proof says ${pyList(problem.claimed)}`;
    case "beacon_unused":
      return (
        `the draw committed to drand round ${problem.round} but was made without it, ` +
        "and no fallback by the organizer is recorded"
      );
    case "beacon_missing":
      return `a ${V2} draw must name its drand round (the 'drand' field is missing)`;
    case "beacon_scheme":
      return `drand scheme is ${pyRepr(problem.actual)}, expected ${pyRepr(SCHEME)}`;
    case "beacon_key":
      return (
        `the beacon key ${problem.key.slice(0, 16)}… is not a trusted drand key ` +
        `(quicknet's is ${QUICKNET_PUBLIC_KEY.slice(0, 16)}…)`
      );
    case "beacon_signature":
      return problem.reason;
    case "beacon_randomness":
      return `beacon randomness should be sha256(signature) = ${problem.computed}, but the proof says ${problem.claimed}`;
    case "beacon_period":
      return `drand period ${problem.period} is not a positive number of seconds`;
    case "beacon_frozen_at":
      return `frozen_at ${pyRepr(problem.actual)} is not an ISO 8601 time`;
    case "beacon_lead":
      return (
        `drand round ${problem.round} came out ${problem.lead} s after the freeze; ` +
        `the round must be committed at least ${LEAD_SECONDS} s ahead`
      );
  }
}

/** What a participant should know beyond right or wrong: where the randomness came from. */
export type BeaconNote =
  | { kind: "beacon"; round: number; frozenAt: string }
  | { kind: "fallback"; round: number | null; by: number | null; at: string; reason: string }
  | { kind: "none" };

export function beaconNote(proof: Proof): BeaconNote {
  if (proof.algorithm === V2 && proof.drand !== null) {
    return { kind: "beacon", round: proof.drand.round, frozenAt: proof.frozen_at };
  }
  if (proof.fallback !== null) {
    const { by, at, reason } = proof.fallback;
    return { kind: "fallback", round: proof.drand?.round ?? null, by, at, reason };
  }
  return { kind: "none" };
}

export type InclusionRole = "winner" | "reserve" | "excluded" | "participant" | "absent";

export interface Inclusion {
  userId: number;
  included: boolean;
  role: InclusionRole;
}

/** Whether a user was in the frozen list, and what they got. */
export function inclusion(proof: Proof, userId: number): Inclusion {
  if (!proof.participants.includes(userId)) {
    return { userId, included: false, role: "absent" };
  }
  let role: InclusionRole = "participant";
  if (proof.winners.includes(userId)) {
    role = "winner";
  } else if (proof.reserves.includes(userId)) {
    role = "reserve";
  } else if (proof.excluded.some((item) => item.user_id === userId)) {
    role = "excluded";
  }
  return { userId, included: true, role };
}
