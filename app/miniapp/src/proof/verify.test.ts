// The TypeScript port must reproduce the Python reference exactly: vectors.json is the
// output of tests/browser/proof_vectors.py (kept current by tests/browser/test_proof_vectors.py).
import { describe, expect, it } from "vitest";

import { ALGORITHMS, Stream, commitment, listHash, ranking } from "./draw";
import { FORMAT, FORMAT_TICKETS, ProofFormatError, parseParticipantsFile, parseProof, parseProofText, type Proof } from "./document";
import { beaconNote, inclusion, problemText, verify } from "./verify";
import vectors from "./vectors.json";

describe("draw", () => {
  it("names the same algorithm and format", () => {
    expect([...ALGORITHMS]).toEqual(vectors.algorithms);
    expect(FORMAT).toBe(vectors.format);
  });

  it.each(vectors.streams)("reproduces the word stream and uniform() for $seed", async (c) => {
    const stream = await Stream.create(c.seed, c.contest_id, c.list_hash, c.beacon);
    const words: string[] = [];
    for (let i = 0; i < c.words.length; i++) {
      // uniform(2^53 - 1) accepts nearly every word, so read the raw words directly.
      words.push(String(await (stream as unknown as { nextWord(): Promise<bigint> }).nextWord()));
    }
    expect(words).toEqual(c.words);
    const fresh = await Stream.create(c.seed, c.contest_id, c.list_hash, c.beacon);
    for (const { n, value } of c.uniform) {
      expect(await fresh.uniform(n)).toBe(value);
    }
  });

  it.each(vectors.rankings)("ranks $participants.length participants like Python", async (c) => {
    expect(await commitment(c.seed)).toBe(c.commitment);
    expect(await listHash(c.participants, c.tickets)).toBe(c.list_hash);
    expect(
      await ranking(c.seed, c.contest_id, c.participants, c.count, c.beacon, c.algorithm, c.tickets),
    ).toEqual(c.ranking);
  });

  it("rejects a non-positive range", async () => {
    const stream = await Stream.create("00".repeat(32), 1, "", "");
    await expect(stream.uniform(0)).rejects.toThrow(RangeError);
  });
});

/** A file-format proof with its participants file read, as `withParticipants` does. */
function withFile(proof: Proof, file: string | null): Proof {
  if (file === null) return proof;
  const { ids, tickets } = parseParticipantsFile(file, proof.format === FORMAT_TICKETS);
  return { ...proof, participants: ids, participant_tickets: tickets };
}

describe("participants file", () => {
  it("reads ids and tickets as strictly as Python", () => {
    expect(parseParticipantsFile("5 1\n17 12", true)).toEqual({ ids: [5, 17], tickets: [1, 12] });
    expect(parseParticipantsFile("5\n17", false)).toEqual({ ids: [5, 17], tickets: null });
    for (const bad of ["5 0", "5 01", "5  1", "5", "05 1", "5 1 2"]) {
      expect(() => parseParticipantsFile(bad, true)).toThrow(ProofFormatError);
    }
    expect(() => parseParticipantsFile("5 1", false)).toThrow(/participants file line 1: expected a user id/);
  });
});

describe("verify", () => {
  it.each(vectors.proofs)("finds the same problems as Python: $name", async (c) => {
    const proof = withFile(parseProof(c.document), c.participants_file);
    const problems = await verify(proof);
    expect(problems.map(problemText)).toEqual(c.problems);
    for (const expected of c.inclusion) {
      const found = inclusion(proof, expected.user_id);
      expect({ user_id: found.userId, included: found.included, role: found.role }).toEqual(
        expected,
      );
    }
  });

  it("flags a tampered winner with the expected and claimed lists", async () => {
    const tampered = vectors.proofs.find((c) => c.name === "winner swapped");
    const problems = await verify(parseProof(tampered?.document));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.kind).toBe("winners");
  });
});

describe("beacon in proofs", () => {
  const byName = (name: string) => parseProof(vectors.proofs.find((c) => c.name === name)?.document);

  it("accepts a v2 draw on a real quicknet round and says where the randomness came from", async () => {
    const proof = byName("v2 valid");
    expect(await verify(proof)).toEqual([]);
    expect(beaconNote(proof)).toEqual({ kind: "beacon", round: 1000, frozenAt: proof.frozen_at });
  });

  it("rejects a tampered beacon signature", async () => {
    const problems = await verify(byName("v2 signature tampered"));
    expect(problems.map((p) => p.kind)).toEqual(["beacon_signature"]);
  });

  it("trusts a test chain's key only when told to", async () => {
    const proof = byName("v2 own key");
    expect((await verify(proof)).map((p) => p.kind)).toEqual(["beacon_key"]);
    // trusted, its signature passes; the winners were drawn with quicknet's randomness
    const trusted = await verify(proof, new Set([proof.drand?.public_key ?? ""]));
    expect(trusted.map((p) => p.kind)).toEqual(["winners", "reserves"]);
  });

  it("names the organizer's fallback", () => {
    expect(beaconNote(byName("v1 organizer fallback"))).toMatchObject({ kind: "fallback", round: 1000, by: 1 });
    expect(beaconNote(byName("valid"))).toEqual({ kind: "none" });
  });
});

describe("parseProof", () => {
  const valid = vectors.proofs[0]?.document as Record<string, unknown>;

  it("accepts the document without optional fields", () => {
    const { beacon: _b, excluded: _e, title: _t, drawn_at: _d, drand: _r, frozen_at: _f, fallback: _o, ...required } =
      valid;
    const proof = parseProof(required);
    expect(proof.beacon).toBe("");
    expect(proof.excluded).toEqual([]);
    expect(proof.drand).toBeNull();
    expect(proof.fallback).toBeNull();
  });

  it("reads exclusion codes, and proofs made before them", () => {
    const excluded = parseProof(valid).excluded;
    expect(excluded[0]?.code).toBe("left_channel");
    expect(excluded[1]?.code).toBe("");
    const unknown = parseProof({ ...valid, excluded: [{ user_id: 1, reason: "x", code: "someday" }] });
    expect(unknown.excluded[0]).toEqual({ user_id: 1, reason: "x", at: "", code: "someday" });
  });

  it.each([
    ["excluded", [{ user_id: 1, reason: "x", code: 5 }], "excluded[0].code: expected a string"],
    ["seed", 5, "seed: expected a string"],
    ["contest_id", "42", "contest_id: expected an integer"],
    ["winners_count", 1.5, "winners_count: expected an integer"],
    ["participants", [1, "2"], "participants[1]: expected an integer"],
    ["excluded", [{ reason: "x" }], "excluded[0].user_id: expected a value (the field is missing)"],
    ["drand", { round: 1 }, "drand.chain_hash: expected a value (the field is missing)"],
    ["drand", "round 5", "drand: expected an object"],
    ["fallback", { by: 1 }, "fallback.reason: expected a value (the field is missing)"],
  ])("names the malformed field %s", (name, value, message) => {
    expect(() => parseProof({ ...valid, [name]: value })).toThrow(message);
  });

  it("reads who chose to draw without the final check", () => {
    expect(parseProof(valid).final_check_skipped).toBeNull();
    const skipped = parseProof({ ...valid, final_check_skipped: { by: 7, at: "2026-11-30T22:00:00+00:00" } });
    expect(skipped.final_check_skipped).toEqual({ by: 7, at: "2026-11-30T22:00:00+00:00" });
    expect(() => parseProof({ ...valid, final_check_skipped: { at: "x" } })).toThrow(
      "final_check_skipped.by: expected a value (the field is missing)",
    );
  });

  it("reports a missing field and text that is not JSON", () => {
    const { seed: _seed, ...rest } = valid;
    expect(() => parseProof(rest)).toThrow("seed: expected a value (the field is missing)");
    expect(() => parseProofText("{not json")).toThrow(ProofFormatError);
    expect(() => parseProofText("[]")).toThrow("expected a JSON object");
  });
});
