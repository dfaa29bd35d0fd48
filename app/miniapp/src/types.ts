/**
 * The Mini App API's bodies, as `app/api/schemas.py` (the single source of truth)
 * serialises them: camelCase keys, times as ISO 8601 strings with a UTC offset.
 */

import type { CAPTCHA_MODES, NEW_SUBSCRIBERS, TICKET_MODES } from "./contestRules";
import type { Proof } from "./proof/document";

export type ContestStatus = "draft" | "scheduled" | "active" | "drawing" | "finished" | "cancelled";
export type JoinStatus =
  | "joined"
  | "already_joined"
  | "conditions_missing"
  | "undecided"
  | "not_open"
  | "full"
  | "not_eligible"
  | "captcha_required"
  | "captcha_failed"
  | "rate_limited";
export type ResultRole = "winner" | "reserve" | "excluded" | "participant" | "absent";
export type ResultsMode = "reply" | "edit";
export type CaptchaMode = (typeof CAPTCHA_MODES)[number];
export type NewSubscribers = (typeof NEW_SUBSCRIBERS)[number];

/** The anti-fraud rules of a contest (app/contests/rules.py, `ContestFields`). */
export interface AntiFraudRules {
  excludeLeavers: boolean;
  newSubscribers: NewSubscribers;
  premiumOnly: boolean;
}
export type Language = "ru" | "en";
/** A channel as an organizer names it: `@username` or its numeric chat id. */
export type ChannelHandle = string | number;

export interface UserProfile {
  id: number;
  firstName: string;
  username: string | null;
  language: Language;
  /** The IANA zone the bot uses for this user's deadlines. */
  timezone: string;
}

/** A user as people know them (ids stay in the proof). */
export interface Person {
  id: number;
  firstName: string;
  username: string | null;
}

export interface Me {
  user: UserProfile;
  isOrganizer: boolean;
}

export interface ChannelLink {
  chatId: number;
  title: string;
  username: string | null;
  link: string | null;
}

/** A contest as every viewer sees it (GET /api/public/contests/{id}/card, cached by nginx). */
export interface PublicCard {
  id: number;
  title: string;
  description: string;
  status: ContestStatus;
  participantCount: number;
  endsAt: string | null;
  maxParticipants: number | null;
  winnersCount: number;
  reserveCount: number;
  publishAt: string | null;
  requiredChannels: ChannelLink[];
  seedCommitment: string | null;
  claimHours?: number | null;
  beacon?: BeaconWait | null;
  excludeLeavers?: boolean;
  newSubscribers?: NewSubscribers;
  premiumOnly?: boolean;
}

/** The viewer's own part of a card (GET /api/contests/{id}/status). */
/** A participant's tickets so far (the freeze decides them) and their invitation links. */
export interface Tickets {
  total: number;
  referrals: number;
  boosts: number;
  botLink: string;
  appLink: string;
}

export interface ViewerStatus {
  joined: boolean;
  canManage: boolean;
  serverTime: string;
  tickets?: Tickets | null;
}

export interface ContestCard extends PublicCard, ViewerStatus {}

export interface CaptchaQuestion {
  token: string;
  options: { emoji: string; label: string }[];
  /** An ALTCHA v2 challenge (Mini App joins), solved in the browser. */
  work: Record<string, unknown> | null;
}

export interface JoinAnswer {
  status: JoinStatus;
  participantCount: number;
  missing: ChannelLink[];
  message: string;
  captcha?: CaptchaQuestion | null;
  retryAfter?: number;
}

export interface MyContest {
  id: number;
  title: string;
  status: ContestStatus;
  endsAt: string | null;
  participantCount: number;
  role: "participant";
}

export interface Results {
  status: ContestStatus;
  winners: number[];
  reserves: number[];
  people: Person[];
  you: { included: boolean; role: ResultRole };
  proof: Proof;
  /** The viewer's prize, when they are (or were) a winner. */
  claim?: ClaimView | null;
}

/** A winner's prize (`app/contests/claims.py`). */
export type ClaimState = "pending" | "won" | "claimed" | "handed_over" | "passed_on" | "replaced";

export interface ClaimView {
  state: ClaimState;
  /** When a pending claim passes on to the next in line. */
  deadline: string | null;
}

export interface WinnerClaim {
  person: Person;
  state: ClaimState;
  deadline: string | null;
  changedAt: string | null;
}

/** While a draw waits for its committed drand round. */
export interface BeaconWait {
  round: number;
  expectedAt: string;
  /** The bot cannot reach the beacon now (the organizer may draw without it). */
  unreachable: boolean;
}

export interface OrganizerContest {
  id: number;
  title: string;
  status: ContestStatus;
  participantCount: number;
  endsAt: string | null;
  publishAt: string | null;
  lastError: string | null;
}

export type TicketMode = (typeof TICKET_MODES)[number];

/** Extra draw tickets: which kinds (`none`, `referrals`, `boosts`, `both`) and their caps. */
export interface TicketSettings {
  ticketMode: TicketMode;
  referralCap: number;
  boostCap: number;
}

export interface ContestInput extends AntiFraudRules, TicketSettings {
  title: string;
  description: string;
  winnersCount: number;
  reserveCount: number;
  endsAt: string | null;
  maxParticipants: number | null;
  publishAt: string | null;
  requiredChannels: ChannelHandle[];
  targetChannels: ChannelHandle[];
  notifyParticipants: boolean;
  resultsMode: ResultsMode;
  captchaMode: CaptchaMode;
  /** Hours winners have to press Claim; null: winners need not claim. */
  claimHours: number | null;
}

export interface ContestSettings extends AntiFraudRules, TicketSettings {
  id: number;
  title: string;
  description: string;
  status: ContestStatus;
  winnersCount: number;
  reserveCount: number;
  endsAt: string | null;
  maxParticipants: number | null;
  publishAt: string | null;
  requiredChannels: ChannelLink[];
  targetChannels: ChannelLink[];
  notifyParticipants: boolean;
  resultsMode: ResultsMode;
  captchaMode: CaptchaMode;
  participantCount: number;
  seedCommitment: string | null;
  lastError: string | null;
  claimHours: number | null;
  beacon?: BeaconWait | null;
}

export interface SeriesPoint {
  at: string;
  count: number;
}

export interface Stats {
  participantCount: number;
  series: SeriesPoint[];
  status: ContestStatus;
  lastError: string | null;
}

export interface RedrawOutcome {
  winners: number[];
  reserves: number[];
  people: Person[];
  replaced: Person;
}

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** A stable machine-readable name of the problem (`contest_not_found`, ...). */
  code: string;
  params?: Record<string, string>;
}

/** Suspicion signals of an entry (app/contests/suspicion.py). */
export type SuspicionSignal = "no_username" | "no_photo" | "new_account" | "referrer_burst" | "same_second";

export interface ReviewEntry {
  person: Person;
  score: number;
  signals: SuspicionSignal[];
  exclusion: { reason: string; at: string } | null;
}

/** GET /api/organizer/contests/{id}/review: flagged entries and every exclusion. */
export interface Review {
  assessed: number;
  flagged: number;
  excluded: number;
  flagScore: number;
  bySignal: Record<string, number>;
  canExclude: boolean;
  entries: ReviewEntry[];
  exclusions: ReviewEntry[];
}
