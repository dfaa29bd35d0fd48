// Real quicknet rounds (and tampered ones) must get exactly the Python verdict:
// vectors.json holds app/contests/beacon.py's answers (tests/browser/proof_vectors.py).
import { describe, expect, it } from "vitest";

import { QUICKNET_PUBLIC_KEY, randomness } from "./beacon";
import { signatureProblem } from "./bls";
import vectors from "./vectors.json";

describe("drand quicknet", () => {
  it("pins the same group key as the Python verifier", () => {
    expect(QUICKNET_PUBLIC_KEY).toBe(vectors.quicknet_public_key);
  });

  it.each(vectors.quicknet_rounds)("round $round: $problem", async (c) => {
    expect(await signatureProblem(c.public_key, c.round, c.signature)).toBe(c.problem);
    expect(await randomness(c.signature)).toBe(c.randomness);
  });

  it("rejects a valid point that is another round's signature", async () => {
    const [first, second] = vectors.quicknet_rounds.filter((c) => c.problem === null);
    expect(await signatureProblem(QUICKNET_PUBLIC_KEY, first?.round ?? 0, second?.signature ?? "")).toMatch(
      /is not the drand signature of round/,
    );
  });
});
