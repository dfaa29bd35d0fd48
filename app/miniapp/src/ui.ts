/** Shared pieces of the screens: sections, list rows, notices, status badges, errors. */

import { ApiError } from "./api";
import { h } from "./dom";
import { t, type TextKey } from "./i18n";
import { openLink } from "./telegram";
import type { ContestStatus } from "./types";

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

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("error.network");
    return error.detail || error.title || t("error.generic");
  }
  return error instanceof Error ? error.message : t("error.generic");
}

export function errorNotice(error: unknown, retry?: () => void): HTMLElement {
  return notice(
    "error",
    h("p", { class: "error-detail" }, describeError(error)),
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
