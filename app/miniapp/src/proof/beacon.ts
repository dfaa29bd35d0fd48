/**
 * The drand beacon, ported exactly from `app/contests/beacon.py`: quicknet's pinned group
 * key and timing. The quicknet key below is built in: a proof cannot bring its own key and
 * pass. The BLS signature check itself is in `bls.ts`, loaded only for a v2 proof.
 */

import { hexToBytes, sha256Hex } from "./draw";

export const QUICKNET_CHAIN_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
export const QUICKNET_PUBLIC_KEY =
  "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c" +
  "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb" +
  "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
export const SCHEME = "bls-unchained-g1-rfc9380";
export const LEAD_SECONDS = 60;
export const DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

/** What quicknet signs for a round: sha256 of the round as 8 big-endian bytes. */
export async function roundMessage(round: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(round), false);
  return hexToBytes(await sha256Hex(bytes));
}

/** A round's randomness: sha256 of its signature bytes, hex. */
export function randomness(signature: string): Promise<string> {
  return sha256Hex(hexToBytes(signature));
}

/** When a round comes out (unix seconds), from the chain's genesis time and period. */
export function timeOf(genesisTime: number, period: number, round: number): number {
  return genesisTime + (round - 1) * period;
}
