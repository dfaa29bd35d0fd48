/**
 * The fair draw `contest-bot-draw/v1` and `/v2`, ported exactly from `app/contests/draw.py`
 * (its docstring is the specification): an HMAC-SHA256 stream keyed by the seed, read as
 * big-endian 64-bit words (BigInt), rejection sampling for unbiased integers, and a
 * partial Fisher-Yates shuffle of the frozen participant list. v2 puts the drand round's
 * randomness in the stream's beacon slot. With tickets (proof format 3) the list lines are
 * `<id> <tickets>` and step 5 is the weighted step 5w: the holder of ticket `uniform(T)`
 * takes the next place unless already ranked, in which case another ticket is read.
 */

export const V1 = "contest-bot-draw/v1";
export const V2 = "contest-bot-draw/v2";
export const ALGORITHMS = [V1, V2] as const;

const SPACE = 1n << 64n;
const WORD_BYTES = 8;
const encoder = new TextEncoder();

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (!api) {
    throw new Error("WebCrypto is unavailable: the proof check needs a secure (https) page");
  }
  return api;
}

export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error("not a hex string");
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

export function bytesToHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return Array.from(view, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  return bytesToHex(await subtle().digest("SHA-256", data));
}

/** The public commitment to a seed: sha256 of its bytes, hex. */
export function commitment(seed: string): Promise<string> {
  return sha256Hex(hexToBytes(seed));
}

/** The canonical frozen list: distinct ids in ascending order. */
export function freeze(userIds: Iterable<number>): number[] {
  return [...new Set(userIds)].sort((a, b) => a - b);
}

/** sha256 of the list written one id a line (no trailing newline), hex; with `tickets`, `<id> <tickets>` a line. */
export function listHash(frozen: readonly number[], tickets: readonly number[] | null = null): Promise<string> {
  const lines = tickets === null ? frozen.map((id) => String(id)) : frozen.map((id, i) => `${id} ${tickets[i]}`);
  return sha256Hex(encoder.encode(lines.join("\n")));
}

/** The deterministic integer stream of steps 3-4. */
export class Stream {
  private block = 0;
  private words: bigint[] = [];

  private constructor(
    private readonly key: CryptoKey,
    private readonly prefix: string,
  ) {}

  static async create(
    seed: string,
    contestId: number,
    frozenHash: string,
    beacon = "",
    algorithm: string = V1,
  ): Promise<Stream> {
    if (!(ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new Error(`unknown draw algorithm ${algorithm}`);
    }
    if (algorithm === V2 && beacon.length !== 64) {
      throw new Error(`${V2} needs the beacon randomness (64 hex characters)`);
    }
    const key = await subtle().importKey(
      "raw",
      hexToBytes(seed),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new Stream(key, `${algorithm}|${contestId}|${frozenHash}|${beacon}|`);
  }

  private async nextWord(): Promise<bigint> {
    if (this.words.length === 0) {
      const message = encoder.encode(this.prefix + String(this.block));
      const digest = new DataView(await subtle().sign("HMAC", this.key, message));
      for (let offset = 0; offset < digest.byteLength; offset += WORD_BYTES) {
        this.words.push(digest.getBigUint64(offset, false));
      }
      this.block += 1;
    }
    return this.words.shift() as bigint;
  }

  /** An unbiased integer in [0, n). */
  async uniform(n: number): Promise<number> {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError("n must be a positive integer");
    }
    const size = BigInt(n);
    const limit = SPACE - (SPACE % size);
    for (;;) {
      const word = await this.nextWord();
      if (word < limit) {
        return Number(word % size);
      }
    }
  }
}

/** Step 5w: the holder of a uniformly drawn ticket, again until one not yet ranked. */
async function weighted(stream: Stream, frozen: readonly number[], tickets: readonly number[], count: number): Promise<number[]> {
  if (tickets.length !== frozen.length || tickets.some((weight) => !Number.isSafeInteger(weight) || weight < 1)) {
    throw new RangeError("every participant needs one ticket count of at least 1");
  }
  const ends: number[] = [];
  let total = 0;
  for (const weight of tickets) {
    total += weight;
    ends.push(total); // ends[p] = c_p + w_p
  }
  const ranked = new Set<number>();
  const order: number[] = [];
  while (order.length < Math.min(count, frozen.length)) {
    const ticket = await stream.uniform(total);
    let low = 0;
    let high = ends.length; // the first position whose end is past the ticket (bisect_right)
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((ends[middle] as number) <= ticket) low = middle + 1;
      else high = middle;
    }
    if (!ranked.has(low)) {
      ranked.add(low);
      order.push(frozen[low] as number);
    }
  }
  return order;
}

/** The first `count` users of the draw's order (step 5, or 5w with `tickets`). */
export async function ranking(
  seed: string,
  contestId: number,
  frozen: readonly number[],
  count: number,
  beacon = "",
  algorithm: string = V1,
  tickets: readonly number[] | null = null,
): Promise<number[]> {
  const items = [...frozen];
  const stream = await Stream.create(seed, contestId, await listHash(items, tickets), beacon, algorithm);
  if (tickets !== null) {
    return weighted(stream, items, tickets, count);
  }
  const length = Math.min(count, items.length);
  for (let i = 0; i < length; i++) {
    const j = i + (await stream.uniform(items.length - i));
    [items[i], items[j]] = [items[j] as number, items[i] as number];
  }
  return items.slice(0, length);
}

/** Winners and reserves from a ranking, skipping excluded users (step 6). */
export function pick(
  order: readonly number[],
  excluded: Iterable<number>,
  winnersCount: number,
  reserveCount: number,
): { winners: number[]; reserves: number[] } {
  const skip = new Set(excluded);
  const eligible = order.filter((id) => !skip.has(id));
  return {
    winners: eligible.slice(0, winnersCount),
    reserves: eligible.slice(winnersCount, winnersCount + reserveCount),
  };
}

/** How long a ranking must be to fill winners and reserves despite exclusions. */
export function needed(winnersCount: number, reserveCount: number, excluded: Iterable<number>): number {
  return winnersCount + reserveCount + new Set(excluded).size;
}
