import { describe, expect, it } from "vitest";

import { fromZonedInput, offsetText, toZonedInput } from "./time";

describe("zoned times", () => {
  it("reads a form value on the organizer's wall clock", () => {
    expect(fromZonedInput("2026-12-31T18:00", "Europe/Moscow")?.toISOString()).toBe("2026-12-31T15:00:00.000Z");
    expect(fromZonedInput("2026-07-01T09:30", "America/New_York")?.toISOString()).toBe("2026-07-01T13:30:00.000Z");
    expect(fromZonedInput("2026-01-01T00:00", "UTC")?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(fromZonedInput("", "UTC")).toBeNull();
    expect(fromZonedInput("tomorrow", "UTC")).toBeNull();
  });

  it("writes a stored time back on that wall clock", () => {
    expect(toZonedInput("2026-12-31T15:00:00Z", "Europe/Moscow")).toBe("2026-12-31T18:00");
    expect(toZonedInput("2026-03-29T00:30:00Z", "Europe/Berlin")).toBe("2026-03-29T01:30");
    expect(toZonedInput(null, "UTC")).toBe("");
  });

  it("round-trips across a clock change", () => {
    for (const value of ["2026-03-29T03:30", "2026-10-25T01:30", "2026-10-25T04:00"]) {
      const date = fromZonedInput(value, "Europe/Berlin") as Date;
      expect(toZonedInput(date.toISOString(), "Europe/Berlin")).toBe(value);
    }
  });

  it("names the offset", () => {
    expect(offsetText("Europe/Moscow", new Date("2026-06-01T00:00:00Z"))).toBe("UTC+3");
    expect(offsetText("Asia/Kolkata", new Date("2026-06-01T00:00:00Z"))).toBe("UTC+5:30");
    expect(offsetText("America/New_York", new Date("2026-01-01T00:00:00Z"))).toBe("UTC−5");
    expect(offsetText("UTC", new Date())).toBe("UTC");
  });
});
