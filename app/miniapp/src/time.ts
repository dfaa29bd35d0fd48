/**
 * Times in a named IANA zone without a library: the organizer form reads and writes its
 * `datetime-local` inputs in the organizer's zone from the bot (not the device's), and
 * every shown time carries its zone.
 */

const PARTS: Intl.DateTimeFormatOptions = {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
};

/** The wall-clock fields of `date` in `zone`, as if they were UTC (ms). */
function wallClock(date: Date, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { ...PARTS, timeZone: zone })
      .formatToParts(date)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  return Date.UTC(
    parts.year as number,
    (parts.month as number) - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
}

/** Minutes `zone` is ahead of UTC at `date` (Moscow: 180). */
export function offsetMinutes(zone: string, date: Date): number {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return Math.round((wallClock(whole, zone) - whole.getTime()) / 60_000);
}

/** "UTC+3", "UTC−5:30", "UTC". */
export function offsetText(zone: string, date: Date): string {
  const minutes = offsetMinutes(zone, date);
  if (minutes === 0) return "UTC";
  const sign = minutes > 0 ? "+" : "−";
  const abs = Math.abs(minutes);
  const rest = abs % 60;
  return `UTC${sign}${Math.floor(abs / 60)}${rest ? `:${String(rest).padStart(2, "0")}` : ""}`;
}

/** An ISO time as a `datetime-local` value on the wall clock of `zone`. */
export function toZonedInput(iso: string | null, zone: string): string {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(wallClock(date, zone)).toISOString().slice(0, 16);
}

/** A `datetime-local` value read on the wall clock of `zone`; null when empty or bad.
 * (In a clock change's gap the later offset is used; in an overlap, the earlier one.) */
export function fromZonedInput(value: string, zone: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as number[];
  const asUtc = Date.UTC(year as number, (month as number) - 1, day, hour, minute);
  if (Number.isNaN(asUtc)) return null;
  let guess = asUtc - offsetMinutes(zone, new Date(asUtc)) * 60_000;
  guess = asUtc - offsetMinutes(zone, new Date(guess)) * 60_000;
  return new Date(guess);
}

/** Whether `zone` is a time zone this browser knows. */
export function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The device's zone ("Europe/Berlin"), UTC when the browser does not say. */
export function deviceZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
