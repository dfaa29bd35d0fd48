import { describe, expect, it } from "vitest";

import { AA_TEXT, contrast, hex, parseColour, readable, readableBehind, type Rgb } from "./contrast";

const rgb = (value: string): Rgb => parseColour(value) as Rgb;

// Telegram's own palettes (Android light, Web K dark), as in tests/browser/telegram_stub.py.
const LIGHT = { bg: rgb("#f4f4f5"), section: rgb("#ffffff"), link: rgb("#3390ec"), destructive: rgb("#e53935"), hint: rgb("#707579") };
const DARK = { bg: rgb("#0f0f0f"), section: rgb("#212121"), button: rgb("#8774e1"), hint: rgb("#aaaaaa") };

describe("readable theme colours", () => {
  it("parses the forms Telegram and CSS give", () => {
    expect(parseColour("#3390ec")).toEqual([51, 144, 236]);
    expect(parseColour(" #fff ")).toEqual([255, 255, 255]);
    expect(parseColour("rgb(1, 2, 3)")).toEqual([1, 2, 3]);
    expect(parseColour("rgba(1 2 3 / 0.5)")).toEqual([1, 2, 3]);
    expect(parseColour("var(--x)")).toBeNull();
  });

  it("darkens Telegram's light link and error colours just enough for 4.5:1", () => {
    for (const colour of [LIGHT.link, LIGHT.destructive, LIGHT.hint]) {
      const fixed = readable(colour, [LIGHT.bg, LIGHT.section]);
      expect(contrast(fixed, LIGHT.bg)).toBeGreaterThanOrEqual(AA_TEXT);
      expect(contrast(fixed, LIGHT.section)).toBeGreaterThanOrEqual(AA_TEXT);
      const oneStepLess = fixed.map((v, i) => v + ((colour[i] as number) - v) / 2) as Rgb;
      expect(hex(fixed)).not.toBe(hex(colour));
      expect(contrast(oneStepLess, LIGHT.bg)).toBeLessThan(AA_TEXT + 1);
    }
  });

  it("keeps colours that already pass", () => {
    expect(readable(DARK.hint, [DARK.bg, DARK.section])).toEqual(DARK.hint);
    expect(readable(rgb("#000000"), [LIGHT.bg])).toEqual(rgb("#000000"));
  });

  it("lightens on dark backgrounds", () => {
    const fixed = readable(rgb("#8774e1"), [DARK.bg, DARK.section]);
    expect(contrast(fixed, DARK.section)).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it("moves a button behind white text until the text reads (white on #8774e1 is 3.7:1)", () => {
    expect(contrast(DARK.button, rgb("#ffffff"))).toBeLessThan(AA_TEXT);
    const fixed = readableBehind(DARK.button, rgb("#ffffff"));
    expect(contrast(fixed, rgb("#ffffff"))).toBeGreaterThanOrEqual(AA_TEXT);
  });
});
