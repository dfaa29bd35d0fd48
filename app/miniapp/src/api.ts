/**
 * The Mini App API client. Every request carries `Authorization: tma <initData>`;
 * an error answer (RFC 9457 problem+json) becomes an `ApiError`, which `ui.describeError`
 * turns into a sentence in the user's language by its `code` and `params`.
 */

import type {
  ClaimView,
  ContestCard,
  ContestInput,
  ContestSettings,
  JoinAnswer,
  Me,
  MyContest,
  OrganizerContest,
  Problem,
  PublicCard,
  RedrawOutcome,
  Results,
  Review,
  Stats,
  ViewerStatus,
  WinnerClaim,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly code = "",
    readonly params: Record<string, string> = {},
  ) {
    super(detail || title);
    this.name = "ApiError";
  }
}

let authorization = "";

export function setInitData(initData: string): void {
  authorization = `tma ${initData}`;
}

async function problemOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as Partial<Problem>;
    return new ApiError(
      response.status,
      problem.title ?? response.statusText,
      problem.detail ?? problem.title ?? text,
      problem.code,
      problem.params ?? {},
    );
  } catch {
    return new ApiError(response.status, response.statusText, text.slice(0, 300));
  }
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (authorization) {
    headers.Authorization = authorization;
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, "network", error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  return (await response.json()) as T;
}

const contest = (id: number): string => `/api/contests/${encodeURIComponent(id)}`;
const managed = (id: number): string => `/api/organizer/contests/${encodeURIComponent(id)}`;

export const api = {
  me: () => json<Me>("GET", "/api/me"),
  /**
   * A contest card: the public part (the same for every viewer, so nginx answers it from
   * a one-second cache) and the viewer's own status, fetched together. A contest not
   * published yet has no public card; its managers get it whole.
   */
  contest: async (id: number): Promise<ContestCard> => {
    const [shared, mine] = await Promise.allSettled([
      json<PublicCard>("GET", `/api/public/contests/${encodeURIComponent(id)}/card`),
      json<ViewerStatus>("GET", `${contest(id)}/status`),
    ]);
    if (mine.status === "rejected") throw mine.reason;
    if (shared.status === "fulfilled") return { ...shared.value, ...mine.value };
    if (shared.reason instanceof ApiError && shared.reason.status === 404) {
      return json<ContestCard>("GET", contest(id));
    }
    throw shared.reason;
  },
  join: (id: number, referrer: number | null = null) =>
    json<JoinAnswer>("POST", `${contest(id)}/join${referrer === null ? "" : `?referrer=${referrer}`}`),
  answerCaptcha: (id: number, token: string, choice: number, work: string) =>
    json<JoinAnswer>("POST", `${contest(id)}/captcha`, { token, choice, work }),
  myContests: () => json<MyContest[]>("GET", "/api/me/contests"),
  results: (id: number) => json<Results>("GET", `${contest(id)}/results`),
  publicProof: (id: number) =>
    json<unknown>("GET", `/api/public/contests/${encodeURIComponent(id)}/proof`),
  organizerContests: () => json<OrganizerContest[]>("GET", "/api/organizer/contests"),
  settings: (id: number) => json<ContestSettings>("GET", managed(id)),
  create: (input: ContestInput) => json<ContestCard>("POST", "/api/organizer/contests", input),
  update: (id: number, input: Partial<ContestInput>) =>
    json<ContestCard>("PATCH", managed(id), input),
  publish: (id: number) => json<ContestCard>("POST", `${managed(id)}/publish`),
  cancel: (id: number, reason: string) =>
    json<ContestCard>("POST", `${managed(id)}/cancel`, { reason }),
  stats: (id: number) => json<Stats>("GET", `${managed(id)}/stats`),
  drawNow: (id: number) => json<ContestCard>("POST", `${managed(id)}/draw`),
  skipFinalCheck: (id: number) => json<ContestCard>("POST", `${managed(id)}/skip-final-check`),
  drawWithoutBeacon: (id: number) => json<ContestCard>("POST", `${managed(id)}/draw-without-beacon`),
  redraw: (id: number, userId: number, reason: string) =>
    json<RedrawOutcome>("POST", `${managed(id)}/redraw`, { userId, reason }),
  claim: (id: number) => json<ClaimView>("POST", `${contest(id)}/claim`),
  prizes: (id: number) => json<WinnerClaim[]>("GET", `${managed(id)}/claims`),
  handedOver: (id: number, userId: number) =>
    json<WinnerClaim[]>("POST", `${managed(id)}/claims/${encodeURIComponent(userId)}/handed-over`),
  review: (id: number) => json<Review>("GET", `${managed(id)}/review/?limit=100`),
  exclude: (id: number, userIds: number[], reason: string) =>
    json<Review>("POST", `${managed(id)}/review/exclusions`, { userIds, reason }),
  include: (id: number, userId: number) =>
    json<Review>("DELETE", `${managed(id)}/review/exclusions/${encodeURIComponent(userId)}`),
  /** The participants CSV as a blob (fetched with the auth header, then saved). */
  participantsCsv: async (id: number) => (await send("GET", `${managed(id)}/participants.csv`)).blob(),
  devInitData: (userId: number, firstName: string, language: string) => {
    const query = new URLSearchParams({ userId: String(userId), firstName, language });
    return json<{ initData: string }>("GET", `/api/dev/init-data?${query}`);
  },
};
