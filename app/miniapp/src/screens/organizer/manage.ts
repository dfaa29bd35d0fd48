/**
 * One contest for its organizer: live participant count and chart, publish / schedule,
 * edit, CSV export, cancel with a reason, and re-draw of a winner with a reason.
 */

import { ApiError, api } from "../../api";
import { chartFigure } from "../../chart";
import { h, replace } from "../../dom";
import { formatNumber, t } from "../../i18n";
import { pathOf } from "../../router";
import { haptic, mainAction } from "../../telegram";
import type { ContestSettings, Results, Stats } from "../../types";
import { button, describeError, notice, saveBlob, section, statusBadge } from "../../ui";
import type { ScreenContext } from "../context";

const LIVE_REFRESH_MS = 15_000;
const CANCELLABLE = new Set(["draft", "scheduled", "active", "drawing"]);

function reasonField(label: string, testId: string): { wrapper: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "text", class: "input", maxlength: 500, "data-testid": testId, "aria-label": label });
  return { wrapper: h("div", { class: "field" }, h("label", { class: "field-label" }, label, input)), input };
}

function statsView(stats: Stats, settings: ContestSettings): HTMLElement {
  const finished = ["finished", "cancelled", "drawing"].includes(stats.status);
  const last = stats.series[stats.series.length - 1]?.at;
  const until = finished && last ? new Date(last) : new Date();
  return h(
    "div",
    { class: "stats" },
    h(
      "div",
      { class: "fact fact-large" },
      h("span", { class: "fact-value", "data-testid": "stats-count" }, formatNumber(stats.participantCount)),
      h("span", { class: "fact-label" }, t("manage.participants")),
    ),
    h("h3", { class: "subheading" }, t("manage.chart")),
    chartFigure(
      stats.series,
      until,
      t("manage.chartLabel", { n: stats.participantCount }),
      t("manage.chartEmpty"),
    ),
    settings.seedCommitment ? h("p", { class: "hint" }, t("contest.commitment"), ": ", h("code", { class: "hash" }, settings.seedCommitment)) : null,
  );
}

function cancelPanel(ctx: ScreenContext, id: number, report: (node: HTMLElement) => void): HTMLElement {
  const reason = reasonField(t("manage.cancelReason"), "cancel-reason");
  const panel = h("div", { class: "panel hidden" }, reason.wrapper);
  panel.append(
    button(t("manage.cancelConfirm"), () => {
      void api
        .cancel(id, reason.input.value.trim())
        .then(() => {
          haptic("success");
          ctx.refresh(notice("success", h("p", { "data-testid": "cancelled" }, t("manage.cancelled"))));
        })
        .catch((error: unknown) => {
          haptic("error");
          report(notice("error", h("p", { class: "error-detail" }, describeError(error))));
        });
    }, "danger", "cancel-confirm"),
  );
  return h(
    "div",
    {},
    button(t("manage.cancel"), () => panel.classList.toggle("hidden"), "danger", "cancel-open"),
    panel,
  );
}

function redrawPanel(ctx: ScreenContext, id: number, results: Results, report: (node: HTMLElement) => void): HTMLElement {
  const who = h(
    "select",
    { class: "input", "data-testid": "redraw-user", "aria-label": t("manage.redrawUser") },
    results.winners.map((winner) => h("option", { value: winner }, t("results.user", { id: winner }))),
  );
  const reason = reasonField(t("manage.redrawReason"), "redraw-reason");
  return section(
    t("manage.redraw"),
    h("div", { class: "field" }, h("label", { class: "field-label" }, t("manage.redrawUser"), who)),
    reason.wrapper,
    button(t("manage.redrawDo"), () => {
      const text = reason.input.value.trim();
      if (!text) {
        haptic("error");
        report(notice("error", h("p", {}, t("manage.reasonNeeded"))));
        return;
      }
      void api
        .redraw(id, Number(who.value), text)
        .then((outcome) => {
          haptic("success");
          ctx.refresh(notice("success", h("p", { "data-testid": "redraw-done" }, t("manage.redrawDone", { list: outcome.winners.join(", ") }))));
        })
        .catch((error: unknown) => {
          haptic("error");
          report(notice("error", h("p", { class: "error-detail" }, describeError(error))));
        });
    }, "danger", "redraw-do"),
  );
}

async function exportCsv(id: number, report: (node: HTMLElement) => void): Promise<void> {
  try {
    saveBlob(await api.participantsCsv(id), `contest-${id}-participants.csv`);
    report(notice("success", h("p", { "data-testid": "export-done" }, t("manage.exported"))));
  } catch (error) {
    report(notice("error", h("p", { class: "error-detail" }, describeError(error))));
  }
}

export async function manageScreen(ctx: ScreenContext, id: number): Promise<void> {
  const [settings, stats] = await Promise.all([api.settings(id), api.stats(id)]);
  let results: Results | null = null;
  if (settings.status === "finished") {
    results = await api.results(id).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 409) return null;
      throw error;
    });
  }
  if (!ctx.alive()) return;
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const report = (node: HTMLElement): void => {
    replace(messages, node);
    messages.scrollIntoView({ block: "nearest" });
  };
  const statsSlot = h("div", {}, statsView(stats, settings));
  const editable = settings.status === "draft" || settings.status === "scheduled";
  replace(
    ctx.view,
    h("h1", { class: "screen-title", "data-testid": "manage-title" }, settings.title),
    h("div", { class: "title-row" }, statusBadge(settings.status)),
    settings.lastError ? notice("warning", h("p", { "data-testid": "last-error" }, t("org.lastError", { error: settings.lastError }))) : null,
    messages,
    section(null, statsSlot),
    section(
      t("manage.actions"),
      h(
        "div",
        { class: "actions actions-column" },
        editable ? h("a", { class: "button button-secondary", href: pathOf({ name: "edit", id }) }, t("manage.edit")) : null,
        h("a", { class: "button button-secondary", href: pathOf({ name: "contest", id }) }, t("manage.view")),
        button(t("manage.export"), () => void exportCsv(id, report), "secondary", "export-csv"),
        CANCELLABLE.has(settings.status) ? cancelPanel(ctx, id, report) : null,
      ),
    ),
    results && results.winners.length > 0 ? redrawPanel(ctx, id, results, report) : null,
  );
  if (editable) {
    const scheduled = settings.publishAt !== null;
    mainAction.set(t(scheduled ? "manage.schedule" : "manage.publish"), async () => {
      try {
        await api.publish(id);
        haptic("success");
        ctx.refresh(notice("success", h("p", { "data-testid": "published" }, t(scheduled ? "manage.scheduled" : "manage.published"))));
      } catch (error) {
        haptic("error");
        report(notice("error", h("p", { class: "error-detail" }, describeError(error))));
      }
    });
  }
  if (settings.status === "active") {
    const timer = window.setInterval(() => {
      void api.stats(id).then((fresh) => {
        if (ctx.alive()) replace(statsSlot, statsView(fresh, settings));
      }, () => undefined);
    }, LIVE_REFRESH_MS);
    ctx.onLeave(() => window.clearInterval(timer));
  }
}
