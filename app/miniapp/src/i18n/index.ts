/** ru/en texts: `t(key, params)`, plural forms, and dates in the user's language. */
import { en, type PluralForms, type TextKey } from "./en";
import { ru } from "./ru";
import type { Language } from "../types";

export type { TextKey };

const dictionaries = { en, ru } as const;
let language: Language = "en";

export function pickLanguage(code: string | null | undefined): Language {
  return code?.toLowerCase().startsWith("ru") ? "ru" : "en";
}

export function setLanguage(next: Language): void {
  language = next;
  document.documentElement.lang = next;
}

export function currentLanguage(): Language {
  return language;
}

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function t(key: TextKey, params: Record<string, string | number> = {}): string {
  const entry = dictionaries[language][key] as string | PluralForms;
  if (typeof entry === "string") {
    return fill(entry, params);
  }
  const n = Number(params.n ?? 0);
  const form = new Intl.PluralRules(language).select(n) as keyof PluralForms;
  return fill(entry[form] ?? entry.other, { ...params, n: formatNumber(n) });
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(language).format(n);
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" }).format(
    new Date(iso),
  );
}
