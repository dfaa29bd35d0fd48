import { describe, expect, it } from "vitest";

import { fromStartParam, referrerFor, parentOf, parseRoute, pathOf, type Route } from "./router";

describe("router", () => {
  it.each<Route>([
    { name: "home" },
    { name: "contest", id: 7 },
    { name: "results", id: 7 },
    { name: "proof", id: 7 },
    { name: "proof", id: null },
    { name: "organizer" },
    { name: "create" },
    { name: "edit", id: 12 },
    { name: "manage", id: 12 },
  ])("round-trips %o through the hash", (route) => {
    expect(parseRoute(pathOf(route))).toEqual(route);
  });

  it("falls back to home for unknown paths", () => {
    expect(parseRoute("#/c/abc")).toEqual({ name: "home" });
    expect(parseRoute("")).toEqual({ name: "home" });
  });

  it.each([
    ["c42", { name: "contest", id: 42 }],
    ["c42r7001", { name: "contest", id: 42 }],
    ["proof_42", { name: "proof", id: 42 }],
    ["org", { name: "organizer" }],
    ["c0", null],
    ["something", null],
    [null, null],
  ])("maps startapp %s", (param, route) => {
    expect(fromStartParam(param)).toEqual(route);
  });

  it("reads the referrer of an invitation link for its own contest only", () => {
    expect(referrerFor("c42r7001", 42)).toBe(7001);
    expect(referrerFor("c42r7001", 43)).toBeNull();
    expect(referrerFor("c42", 42)).toBeNull();
    expect(referrerFor("c42r0", 42)).toBeNull();
    expect(referrerFor(null, 42)).toBeNull();
  });

  it("leads back from results to the contest", () => {
    expect(parentOf({ name: "results", id: 3 })).toEqual({ name: "contest", id: 3 });
    expect(parentOf({ name: "home" })).toBeNull();
  });
});
