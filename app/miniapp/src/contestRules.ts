// Generated from app/contests/rules.py by `uv run python -m tests.miniapp_rules`.
// Do not edit: change the rule there and run the command again.

export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 3000;
export const WINNERS_MAX = 100;
export const RESERVE_MAX = 100;
export const RESERVE_DEFAULT_MIN = 3;
export const PARTICIPANTS_MAX = 10000000;
export const CHANNELS_MAX = 10;
export const REASON_MAX = 500;
export const TICKET_CAP_MAX = 100;
export const TICKET_CAP_DEFAULT = 10;
export const CLAIM_HOURS_MIN = 1;
export const CLAIM_HOURS_MAX = 720;
export const MIN_DURATION_MS = 60000;
export const MAX_DURATION_MS = 31622400000;
export const CAPTCHA_MODES = ["off", "suspicious", "everyone"] as const;
export const TICKET_MODES = ["none", "referrals", "boosts", "both"] as const;
export const NEW_SUBSCRIBERS = ["off", "unknown_refused", "unknown_allowed"] as const;
