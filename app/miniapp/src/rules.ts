/**
 * Client-side checks of the contest form: the conditions of `app/contests/rules.py` with
 * its limits (generated into ./contestRules.ts) plus the API's channel list shape, so the
 * organizer sees every problem next to its field before anything is sent. The server
 * checks again.
 */

import {
  CHANNELS_MAX,
  CLAIM_HOURS_MAX,
  CLAIM_HOURS_MIN,
  DESCRIPTION_MAX,
  MAX_DURATION_MS,
  MIN_DURATION_MS,
  PARTICIPANTS_MAX,
  RESERVE_MAX,
  TICKET_CAP_MAX,
  TITLE_MAX,
  WINNERS_MAX,
} from "./contestRules";
import type { TextKey } from "./i18n";
import type { AntiFraudRules, CaptchaMode, ChannelHandle, ContestInput, ResultsMode, TicketMode } from "./types";

export * from "./contestRules";

export interface FormValues extends AntiFraudRules {
  title: string;
  description: string;
  winnersCount: string;
  reserveCount: string;
  endsAt: Date | null;
  maxParticipants: string;
  publishAt: Date | null;
  requiredChannels: string;
  targetChannels: string;
  /** Hours winners have to claim; empty: they need not claim. */
  claimHours: string;
  notifyParticipants: boolean;
  resultsMode: ResultsMode;
  captchaMode: CaptchaMode;
  ticketMode: TicketMode;
  referralCap: string;
  boostCap: string;
}

export type Field = Exclude<
  keyof FormValues,
  "notifyParticipants" | "resultsMode" | "captchaMode" | "ticketMode" | keyof AntiFraudRules
>;
export interface RuleProblem {
  key: TextKey;
  params?: Record<string, string | number>;
}
export type FieldProblems = Partial<Record<Field, RuleProblem>>;

const USERNAME = /^@?([A-Za-z][A-Za-z0-9_]{3,31})$/;
const LINK = /^(?:https?:\/\/)?t\.me\/([A-Za-z][A-Za-z0-9_]{3,31})\/?$/;
const CHAT_ID = /^-?\d{1,16}$/;

/** `@username`, a t.me link or a numeric chat id → the API's handle; null if neither. */
export function parseChannel(text: string): ChannelHandle | null {
  const value = text.trim();
  if (CHAT_ID.test(value)) {
    return Number(value);
  }
  const match = LINK.exec(value) ?? USERNAME.exec(value);
  return match ? `@${match[1]}` : null;
}

function channels(text: string): { handles: ChannelHandle[]; problem?: RuleProblem } {
  const lines = text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);
  const handles: ChannelHandle[] = [];
  for (const line of lines) {
    const handle = parseChannel(line);
    if (handle === null) {
      return { handles, problem: { key: "rule.channelBad", params: { value: line } } };
    }
    if (!handles.includes(handle)) {
      handles.push(handle);
    }
  }
  if (handles.length > CHANNELS_MAX) {
    return { handles, problem: { key: "rule.channelsMany", params: { max: CHANNELS_MAX } } };
  }
  return { handles };
}

function wholeNumber(text: string): number | null {
  const value = text.trim();
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

/** Every problem by field, and the API input when there are none. */
export function checkForm(
  values: FormValues,
  now: Date = new Date(),
): { problems: FieldProblems; input: ContestInput | null } {
  const problems: FieldProblems = {};
  const title = values.title;
  if (!title.trim()) {
    problems.title = { key: "rule.titleEmpty" };
  } else if (title.length > TITLE_MAX) {
    problems.title = { key: "rule.titleLong", params: { max: TITLE_MAX, n: title.length } };
  }
  if (values.description.length > DESCRIPTION_MAX) {
    problems.description = {
      key: "rule.descriptionLong",
      params: { max: DESCRIPTION_MAX, n: values.description.length },
    };
  }
  const winners = wholeNumber(values.winnersCount);
  if (winners === null) {
    problems.winnersCount = { key: "rule.whole" };
  } else if (winners < 1 || winners > WINNERS_MAX) {
    problems.winnersCount = { key: "rule.winnersRange", params: { max: WINNERS_MAX } };
  }
  const reserves = wholeNumber(values.reserveCount);
  if (reserves === null) {
    problems.reserveCount = { key: "rule.whole" };
  } else if (reserves > RESERVE_MAX) {
    problems.reserveCount = { key: "rule.reservesRange", params: { max: RESERVE_MAX } };
  }
  const limitText = values.maxParticipants.trim();
  const limit = limitText ? wholeNumber(limitText) : null;
  if (limitText && limit === null) {
    problems.maxParticipants = { key: "rule.whole" };
  } else if (limit !== null && !((winners ?? 1) <= limit && limit <= PARTICIPANTS_MAX)) {
    problems.maxParticipants = { key: "rule.limitRange", params: { max: PARTICIPANTS_MAX } };
  }
  const claimText = values.claimHours.trim();
  const claimHours = claimText ? wholeNumber(claimText) : null;
  if (claimText && claimHours === null) {
    problems.claimHours = { key: "rule.whole" };
  } else if (claimHours !== null && !(CLAIM_HOURS_MIN <= claimHours && claimHours <= CLAIM_HOURS_MAX)) {
    problems.claimHours = { key: "rule.claimRange", params: { min: CLAIM_HOURS_MIN, max: CLAIM_HOURS_MAX } };
  }
  const caps = { referralCap: wholeNumber(values.referralCap), boostCap: wholeNumber(values.boostCap) };
  for (const [field, cap] of Object.entries(caps) as ["referralCap" | "boostCap", number | null][]) {
    if (cap === null) {
      problems[field] = { key: "rule.whole" };
    } else if (cap < 1 || cap > TICKET_CAP_MAX) {
      problems[field] = { key: "rule.ticketCapRange", params: { max: TICKET_CAP_MAX } };
    }
  }
  if (values.endsAt === null && !limitText) {
    problems.endsAt = { key: "rule.endCondition" };
  }
  if (values.endsAt !== null) {
    const start = (values.publishAt ?? now).getTime();
    const end = values.endsAt.getTime();
    if (end < start + MIN_DURATION_MS) {
      problems.endsAt = { key: "rule.deadlineShort" };
    } else if (end > start + MAX_DURATION_MS) {
      problems.endsAt = { key: "rule.deadlineLong" };
    }
  }
  if (values.publishAt !== null && values.publishAt.getTime() < now.getTime() - MIN_DURATION_MS) {
    problems.publishAt = { key: "rule.publishPast" };
  }
  const required = channels(values.requiredChannels);
  if (required.problem) {
    problems.requiredChannels = required.problem;
  }
  const targets = channels(values.targetChannels);
  if (targets.problem) {
    problems.targetChannels = targets.problem;
  }
  if (
    Object.keys(problems).length > 0 ||
    winners === null ||
    reserves === null ||
    caps.referralCap === null ||
    caps.boostCap === null
  ) {
    return { problems, input: null };
  }
  return {
    problems,
    input: {
      title,
      description: values.description,
      winnersCount: winners,
      reserveCount: reserves,
      endsAt: values.endsAt?.toISOString() ?? null,
      maxParticipants: limit,
      publishAt: values.publishAt?.toISOString() ?? null,
      requiredChannels: required.handles,
      targetChannels: targets.handles,
      notifyParticipants: values.notifyParticipants,
      resultsMode: values.resultsMode,
      captchaMode: values.captchaMode,
      ticketMode: values.ticketMode,
      referralCap: caps.referralCap,
      boostCap: caps.boostCap,
      claimHours,
      excludeLeavers: values.excludeLeavers,
      newSubscribers: values.newSubscribers,
      premiumOnly: values.premiumOnly,
    },
  };
}
