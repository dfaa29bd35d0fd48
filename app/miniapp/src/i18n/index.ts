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

export function isTextKey(key: string): key is TextKey {
  return key in en;
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

/** A date and time with its zone ("Dec 31, 2026, 18:00 GMT+3"), in the device's zone
 * unless `zone` is given: the same moment reads the same everywhere. */
export function formatDate(iso: string, zone?: string): string {
  return new Intl.DateTimeFormat(language, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
    timeZone: zone,
  }).format(new Date(iso));
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" }).format(
    new Date(iso),
  );
}

/** "in 3 days", "2 hours ago": how far `iso` is from `now`, in the largest whole unit. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86_400],
    ["hour", 3600],
    ["minute", 60],
  ];
  const format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), "minute");
}

/** A time with its zone and, where it helps, how far away it is. */
export function formatWhen(iso: string, now: number = Date.now()): string {
  return `${formatDate(iso)} (${formatRelative(iso, now)})`;
}
