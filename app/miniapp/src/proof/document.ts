/**
 * The proof document, as `app/contests/proof.py` writes it: snake_case JSON. `parseProof`
 * checks the shape the way msgspec decodes it there (required fields, integer and string
 * types, extra fields ignored). `contest-bot-proof/1` carries the participant list;
 * `contest-bot-proof/2` names a participants file (one id a line) that `withParticipants`
 * fetches, after which both are verified the same way. `contest-bot-proof/3` (a contest with
 * extra tickets) names a file of `<id> <tickets>` lines and the contest's ticket rules;
 * its draw is the weighted one.
 */

export const FORMAT = "contest-bot-proof/2";
export const FORMAT_TICKETS = "contest-bot-proof/3";
export const FORMAT_INLINE = "contest-bot-proof/1";
export const FORMATS = [FORMAT_INLINE, FORMAT, FORMAT_TICKETS] as const;

/** The contest's extra tickets: which kinds, and the most of each kind per participant. */
export interface TicketRules {
  mode: string;
  referral_cap: number;
  boost_cap: number;
}

/** `code`: why (recheck_failed, left_channel, replaced, ...); empty in older proofs. */
export interface Exclusion {
  user_id: number;
  reason: string;
  at: string;
  code: string;
}

/** The organizer chose to draw without re-checking the winners (Telegram could not answer). */
export interface FinalCheckSkip {
  by: number;
  at: string;
}

/** The drand round committed at the freeze, and (once out) its signature. */
export interface Drand {
  chain_hash: string;
  public_key: string;
  scheme: string;
  genesis_time: number;
  period: number;
  round: number;
  signature: string;
}

/** The organizer chose to draw without the committed round. */
export interface Fallback {
  reason: string;
  by: number | null;
  at: string;
}

export interface Proof {
  format: string;
  algorithm: string;
  contest_id: number;
  seed_commitment: string;
  seed: string;
  participants: number[];
  participant_count: number;
  participants_url: string;
  list_hash: string;
  winners_count: number;
  reserve_count: number;
  winners: number[];
  reserves: number[];
  beacon: string;
  excluded: Exclusion[];
  title: string;
  drawn_at: string;
  final_check_skipped: FinalCheckSkip | null;
  drand: Drand | null;
  frozen_at: string;
  fallback: Fallback | null;
  tickets: TicketRules | null;
  /** Each participant's tickets, from a `contest-bot-proof/3` participants file (not in the JSON). */
  participant_tickets: number[] | null;
}

/** The document could not be read as a proof; `path` names the offending field. */
export class ProofFormatError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(path ? `${path}: expected ${expected}` : `expected ${expected}`);
    this.name = "ProofFormatError";
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function int(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ProofFormatError(path, "an integer");
  }
  if (!Number.isSafeInteger(value)) {
    throw new ProofFormatError(path, "an integer below 2^53");
  }
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new ProofFormatError(path, "a string");
  }
  return value;
}

function ints(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) {
    throw new ProofFormatError(path, "an array of integers");
  }
  return value.map((item, index) => int(item, `${path}[${index}]`));
}

function field(doc: Json, name: string, path = name): unknown {
  if (!(name in doc)) {
    throw new ProofFormatError(path, "a value (the field is missing)");
  }
  return doc[name];
}

function exclusion(value: unknown, path: string): Exclusion {
  if (!isObject(value)) {
    throw new ProofFormatError(path, "an object");
  }
  return {
    user_id: int(field(value, "user_id", `${path}.user_id`), `${path}.user_id`),
    reason: str(field(value, "reason", `${path}.reason`), `${path}.reason`),
    at: "at" in value ? str(value.at, `${path}.at`) : "",
    code: "code" in value ? str(value.code, `${path}.code`) : "",
  };
}

function finalCheckSkip(value: unknown): FinalCheckSkip | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (!isObject(value)) {
    throw new ProofFormatError("final_check_skipped", "an object or null");
  }
  const path = "final_check_skipped";
  return {
    by: int(field(value, "by", `${path}.by`), `${path}.by`),
    at: str(field(value, "at", `${path}.at`), `${path}.at`),
  };
}

function drand(value: unknown, path: string): Drand | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new ProofFormatError(path, "an object");
  const get = (name: string): unknown => field(value, name, `${path}.${name}`);
  return {
    chain_hash: str(get("chain_hash"), `${path}.chain_hash`),
    public_key: str(get("public_key"), `${path}.public_key`),
    scheme: str(get("scheme"), `${path}.scheme`),
    genesis_time: int(get("genesis_time"), `${path}.genesis_time`),
    period: int(get("period"), `${path}.period`),
    round: int(get("round"), `${path}.round`),
    signature: "signature" in value ? str(value.signature, `${path}.signature`) : "",
  };
}

function fallback(value: unknown, path: string): Fallback | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new ProofFormatError(path, "an object");
  const by = "by" in value && value.by !== null ? int(value.by, `${path}.by`) : null;
  return {
    reason: str(field(value, "reason", `${path}.reason`), `${path}.reason`),
    by,
    at: "at" in value ? str(value.at, `${path}.at`) : "",
  };
}

function ticketRules(value: unknown, path: string): TicketRules | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new ProofFormatError(path, "an object");
  const get = (name: string): unknown => field(value, name, `${path}.${name}`);
  return {
    mode: str(get("mode"), `${path}.mode`),
    referral_cap: int(get("referral_cap"), `${path}.referral_cap`),
    boost_cap: int(get("boost_cap"), `${path}.boost_cap`),
  };
}

/** A proof from parsed JSON; throws `ProofFormatError` naming what is malformed. */
export function parseProof(value: unknown): Proof {
  if (!isObject(value)) {
    throw new ProofFormatError("", "a JSON object");
  }
  const optional = (name: string): string => (name in value ? str(value[name], name) : "");
  const excluded = "excluded" in value ? value.excluded : [];
  if (!Array.isArray(excluded)) {
    throw new ProofFormatError("excluded", "an array");
  }
  return {
    format: str(field(value, "format"), "format"),
    algorithm: str(field(value, "algorithm"), "algorithm"),
    contest_id: int(field(value, "contest_id"), "contest_id"),
    seed_commitment: str(field(value, "seed_commitment"), "seed_commitment"),
    seed: str(field(value, "seed"), "seed"),
    participants: "participants" in value ? ints(value.participants, "participants") : [],
    participant_count: "participant_count" in value ? int(value.participant_count, "participant_count") : 0,
    participants_url: optional("participants_url"),
    list_hash: str(field(value, "list_hash"), "list_hash"),
    winners_count: int(field(value, "winners_count"), "winners_count"),
    reserve_count: int(field(value, "reserve_count"), "reserve_count"),
    winners: ints(field(value, "winners"), "winners"),
    reserves: ints(field(value, "reserves"), "reserves"),
    beacon: optional("beacon"),
    excluded: excluded.map((item, index) => exclusion(item, `excluded[${index}]`)),
    title: optional("title"),
    drawn_at: optional("drawn_at"),
    final_check_skipped: finalCheckSkip(value.final_check_skipped),
    drand: drand(value.drand, "drand"),
    frozen_at: optional("frozen_at"),
    fallback: fallback(value.fallback, "fallback"),
    tickets: ticketRules(value.tickets, "tickets"),
    participant_tickets: null,
  };
}

/** Parse proof text (pasted or uploaded). */
export function parseProofText(text: string): Proof {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProofFormatError("", "JSON text");
  }
  return parseProof(value);
}

const ID = "(?:0|[1-9][0-9]{0,18})";
const ID_LINE = new RegExp(`^${ID}$`);
const TICKETS_LINE = new RegExp(`^(${ID}) ([1-9][0-9]{0,8})$`);

/** A participants file's ids (and tickets, with `withTickets`), read as strictly as Python's `frozen.Reader`. */
export function parseParticipantsFile(text: string, withTickets: boolean): { ids: number[]; tickets: number[] | null } {
  const ids: number[] = [];
  const tickets: number[] | null = withTickets ? [] : null;
  if (text === "") return { ids, tickets };
  text.split("\n").forEach((line, index) => {
    const where = `participants file line ${index + 1}`;
    const match = withTickets ? TICKETS_LINE.exec(line) : ID_LINE.exec(line);
    if (match === null) {
      throw new ProofFormatError(where, withTickets ? "a user id and tickets" : "a user id");
    }
    ids.push(int(Number(withTickets ? match[1] : line), where));
    tickets?.push(Number(match[2]));
  });
  return { ids, tickets };
}

/** The proof with its participant list (and tickets) filled in from its file (formats 2 and 3); as is otherwise. */
export async function withParticipants(proof: Proof): Promise<Proof> {
  if (proof.format !== FORMAT && proof.format !== FORMAT_TICKETS) {
    return proof;
  }
  // Same origin: the API serving this app serves the file, whatever host the proof names.
  const path = `/api/public/contests/${encodeURIComponent(proof.contest_id)}/participants.txt`;
  const response = await fetch(path, { credentials: "omit" });
  if (!response.ok) {
    throw new Error(`the participants file could not be loaded (${response.status})`);
  }
  const { ids, tickets } = parseParticipantsFile(await response.text(), proof.format === FORMAT_TICKETS);
  return { ...proof, participants: ids, participant_tickets: tickets };
}
