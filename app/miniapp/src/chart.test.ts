import { describe, expect, it } from "vitest";

import { niceMax, stepPoints } from "./chart";

describe("chart", () => {
  it("rounds the scale up to a readable number", () => {
    expect(niceMax(0)).toBe(2);
    expect(niceMax(3)).toBe(4);
    expect(niceMax(7)).toBe(8);
    expect(niceMax(230)).toBe(250);
    expect(niceMax(1001)).toBe(1200);
    for (let n = 0; n <= 5000; n += 1) {
      const top = niceMax(n);
      expect(top).toBeGreaterThanOrEqual(n);
      expect(Number.isInteger(top / 2)).toBe(true);
    }
  });

  it("steps up at each join and carries the total to the end", () => {
    const points = stepPoints(
      [
        { at: "2026-03-01T10:00:00Z", count: 1 },
        { at: "2026-03-01T11:00:00Z", count: 2 },
      ],
      new Date("2026-03-01T12:00:00Z"),
      2,
    );
    const ys = points.map(([, y]) => y);
    const xs = points.map(([x]) => x);
    expect(ys[0]).toBeGreaterThan(ys[ys.length - 1] as number);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(ys[ys.length - 1]).toBe(12);
    expect(xs[xs.length - 1]).toBe(328);
  });
});
