/**
 * The quicknet signature check (`signature_problem` in `app/contests/beacon.py`): a round's
 * BLS signature on G1 (RFC 9380 hash-to-curve) against the group key on G2, offline, with
 * @noble/curves (audited, depends only on @noble/hashes; drand's own JS client uses it).
 * Its own chunk: the page loads it only to check a v2 proof.
 */

import { bls12_381 } from "@noble/curves/bls12-381.js";

import { DST, roundMessage } from "./beacon";

const HEX = /^[0-9a-f]*$/;

const isHex = (value: string, length: number): boolean => value.length === length && HEX.test(value);

/** Why `signature` is not `publicKey`'s signature of the round (Python's words); null if it is. */
export async function signatureProblem(publicKey: string, round: number, signature: string): Promise<string | null> {
  if (!isHex(publicKey, 192)) return "the beacon public key is not 192 lowercase hex characters";
  if (!isHex(signature, 96)) return "the beacon signature is not 96 lowercase hex characters";
  if (!Number.isSafeInteger(round) || round < 1) return `round ${round} is not a drand round number`;
  const bls = bls12_381.shortSignatures;
  let key;
  try {
    key = bls12_381.G2.Point.fromHex(publicKey);
    key.assertValidity();
  } catch {
    return "the beacon public key is not a valid BLS12-381 G2 point";
  }
  let point;
  try {
    point = bls12_381.G1.Point.fromHex(signature);
    point.assertValidity();
  } catch {
    return "the beacon signature is not a valid BLS12-381 G1 point";
  }
  const hashed = bls.hash(await roundMessage(round), DST);
  if (!bls.verify(point, hashed, key)) {
    return `the beacon signature is not the drand signature of round ${round}`;
  }
  return null;
}
