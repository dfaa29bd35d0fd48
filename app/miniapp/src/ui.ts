/** Shared pieces of the screens: sections, list rows, notices, status badges, errors. */

import { ApiError } from "./api";
import { h } from "./dom";
import { isTextKey, t, type TextKey } from "./i18n";
import { openLink } from "./telegram";
import type { ContestStatus, Person } from "./types";

type Child = Node | string | null | undefined | false;

export function section(title: string | null, ...children: (Child | Child[])[]): HTMLElement {
  return h(
    "section",
    { class: "section" },
    title ? h("h2", { class: "section-title" }, title) : null,
    h("div", { class: "section-body" }, ...children),
  );
}

export function statusBadge(status: ContestStatus): HTMLElement {
  return h(
    "span",
    { class: `badge badge-${status}`, "data-status": status },
    t(`status.${status}` as TextKey),
  );
}

export type NoticeKind = "info" | "success" | "warning" | "error";

export function notice(kind: NoticeKind, ...children: (Child | Child[])[]): HTMLElement {
  return h(
    "div",
    { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    ...children,
  );
}

/** Problem codes whose sentence is worded by status when the app has none of its own. */
const BY_STATUS: Record<number, TextKey> = {
  401: "problem.unauthorized",
  403: "problem.forbidden",
  404: "problem.not_found",
  409: "problem.invalid_transition",
  413: "problem.invalid_request",
  422: "problem.invalid_request",
  429: "problem.too_many_requests",
  503: "problem.unavailable",
};

const RIGHTS: Record<string, TextKey> = {
  can_post_messages: "right.can_post_messages",
  can_edit_messages: "right.can_edit_messages",
};

/**
 * What went wrong, as a sentence in the user's language that says what to do: chosen by
 * the problem's stable `code` (filled with its `params`), else by the HTTP status. The
 * server's own `detail` is technical English: it goes to `technicalDetail`, never here.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t("error.generic");
  if (error.status === 0) return t("error.network");
  const params: Record<string, string> = { ...error.params };
  if (params.rights) {
    params.rights = params.rights
      .split(/,\s*/)
      .map((right) => (RIGHTS[right] ? t(RIGHTS[right]) : right))
      .join(", ");
  }
  const own = `problem.${error.code}${error.code === "not_channel_admin" && !params.title ? "_none" : ""}`;
  if (isTextKey(own)) return t(own, params);
  const byStatus = BY_STATUS[error.status];
  if (byStatus) return t(byStatus);
  return error.status >= 500 ? t("problem.internal_error") : t("error.generic");
}

/** The server's technical explanation, for an organizer's "Details" disclosure. */
export function technicalDetail(error: unknown): string | null {
  if (error instanceof ApiError) return error.status === 0 ? error.detail || null : error.detail || error.title || null;
  return error instanceof Error ? error.message : null;
}

/** "Details" that open to show `text` (organizer screens: what the logs say). */
export function details(text: string | null): HTMLElement | null {
  if (!text) return null;
  return h("details", { class: "tech-details" }, h("summary", {}, t("error.details")), h("p", { class: "mono" }, text));
}

/** The error sentence, with the technical detail under "Details" when `technical`. */
export function errorContent(error: unknown, technical = false): HTMLElement[] {
  const parts: HTMLElement[] = [h("p", { class: "error-detail", "data-testid": "error-text" }, describeError(error))];
  const more = technical ? details(technicalDetail(error)) : null;
  if (more) parts.push(more);
  return parts;
}

export function errorNotice(error: unknown, retry?: () => void, technical = false): HTMLElement {
  return notice(
    "error",
    ...errorContent(error, technical),
    retry ? h("button", { type: "button", class: "button button-secondary", onClick: retry }, t("retry")) : null,
  );
}

export function loading(): HTMLElement {
  return h("div", { class: "loading", "aria-busy": "true" }, h("span", { class: "spinner" }), t("loading"));
}

export function row(options: {
  title: string;
  subtitle?: Child | Child[];
  trailing?: Child;
  href?: string;
  testId?: string;
}): HTMLElement {
  const body = [
    h(
      "div",
      { class: "row-main" },
      h("div", { class: "row-title" }, options.title),
      options.subtitle ? h("div", { class: "row-subtitle" }, ...[options.subtitle].flat()) : null,
    ),
    options.trailing ? h("div", { class: "row-trailing" }, options.trailing) : null,
  ];
  return options.href
    ? h("a", { class: "row row-link", href: options.href, "data-testid": options.testId }, ...body)
    : h("div", { class: "row", "data-testid": options.testId }, ...body);
}

/** A link that opens t.me inside Telegram, or a new tab in a browser. */
export function externalLink(url: string, text: string, className = "link"): HTMLAnchorElement {
  return h(
    "a",
    {
      class: className,
      href: url,
      target: "_blank",
      rel: "noopener noreferrer",
      onClick: ((event: Event) => {
        if (openLink(url)) event.preventDefault();
      }) as EventListener,
    },
    text,
  );
}

export function button(
  text: string,
  onClick: () => void,
  kind: "primary" | "secondary" | "danger" = "secondary",
  testId?: string,
): HTMLButtonElement {
  return h(
    "button",
    { type: "button", class: `button button-${kind}`, onClick, "data-testid": testId },
    text,
  );
}

/** Save a blob as a file (the CSV export, a proof document). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: fileName, class: "hidden" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** What to call a user: first name, else @username, else "Participant #id". */
export function personName(person: Person | undefined, id: number): string {
  if (person?.firstName) return person.firstName;
  if (person?.username) return `@${person.username}`;
  return t("results.user", { id });
}

/** A user's name, with their @username linked to the profile when they have one. */
export function personView(person: Person | undefined, id: number, isMe = false): HTMLElement {
  const name = personName(person, id);
  return h(
    "span",
    { class: "person-name", "data-user-id": id },
    h("span", {}, name),
    person?.username && person.firstName
      ? [" ", externalLink(`https://t.me/${person.username}`, `@${person.username}`, "link person-handle")]
      : null,
    isMe ? h("span", { class: "chip chip-me" }, t("results.youMark")) : null,
  );
}
