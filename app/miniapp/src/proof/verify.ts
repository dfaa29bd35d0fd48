/**
 * Proof verification, ported exactly from `verify` and `inclusion` in
 * `app/contests/proof.py`: every mismatch is reported as a structured problem (so the UI
 * can say precisely what was tampered with); `problemText` renders the same English
 * sentences as the Python code, which the unit tests compare against.
 */

import { ALGORITHM, commitment, freeze, listHash, needed, pick, ranking } from "./draw";
import { FORMAT, FORMAT_INLINE, type Proof } from "./document";

export type ProofProblem =
  | { kind: "format"; actual: string }
  | { kind: "algorithm"; actual: string }
  | { kind: "seed_shape" }
  | { kind: "commitment"; computed: string; claimed: string }
  | { kind: "order" }
  | { kind: "list_hash"; computed: string; claimed: string }
  | { kind: "excluded_absent"; userId: number }
  | { kind: "winner_absent"; userId: number }
  | { kind: "winners"; expected: number[]; claimed: number[] }
  | { kind: "reserves"; expected: number[]; claimed: number[] };

const HEX64 = /^[0-9a-f]{64}$/;

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** Every way the proof does not check out; empty when it is correct. */
export async function verify(proof: Proof): Promise<ProofProblem[]> {
  const problems: ProofProblem[] = [];
  if (proof.format !== FORMAT && proof.format !== FORMAT_INLINE) {
    problems.push({ kind: "format", actual: proof.format });
  }
  if (proof.algorithm !== ALGORITHM) {
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
  const actualHash = await listHash(proof.participants);
  if (actualHash !== proof.list_hash) {
    problems.push({ kind: "list_hash", computed: actualHash, claimed: proof.list_hash });
  }
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
  const skip = proof.excluded.map((item) => item.user_id);
  const order = await ranking(
    proof.seed,
    proof.contest_id,
    proof.participants,
    needed(proof.winners_count, proof.reserve_count, skip),
    proof.beacon,
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
      return `format is ${pyRepr(problem.actual)}, expected ${pyRepr(FORMAT)} or ${pyRepr(FORMAT_INLINE)}`;
    case "algorithm":
      return `algorithm ${pyRepr(problem.actual)} is not supported (${ALGORITHM})`;
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
    case "excluded_absent":
      return `excluded user ${problem.userId} is not in the participant list`;
    case "winner_absent":
      return `winner ${problem.userId} is not in the participant list`;
    case "winners":
      return `winners should be ${pyList(problem.expected)}, but the proof says ${pyList(problem.claimed)}`;
    case "reserves":
      return `reserves should be ${pyList(problem.expected)}, but the proof says ${pyList(problem.claimed)}`;
  }
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
