import { describe, expect, it } from "vitest";

import { en } from "./en";
import { ru } from "./ru";

const placeholders = (entry: string | Record<string, string>): string[] => {
  const texts = typeof entry === "string" ? [entry] : Object.values(entry);
  return [...new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string)))].sort();
};

describe("texts", () => {
  it.each(Object.keys(en) as (keyof typeof en)[])("%s has the same placeholders in ru", (key) => {
    expect(placeholders(ru[key])).toEqual(placeholders(en[key]));
  });

  it("has Russian plural forms for counts", () => {
    expect(Object.keys(ru["count.participants"]).sort()).toEqual(["few", "many", "one", "other"]);
  });
});
