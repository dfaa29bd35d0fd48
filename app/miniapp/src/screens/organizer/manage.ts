/**
 * One contest for its organizer: live participant count and chart, publish / schedule,
 * edit, CSV export, cancel with a reason, the review of suspicious entries (exclusions
 * before the draw), the winners' prizes (claimed / pending / passed on, handed over), and
 * re-draw of a winner with a reason.
 */

import { ApiError, api } from "../../api";
import { chartFigure } from "../../chart";
import { h, replace } from "../../dom";
import { formatNumber, t, type TextKey } from "../../i18n";
import { pathOf } from "../../router";
import { confirmAction, haptic, mainAction, tap } from "../../telegram";
import type { ContestSettings, Person, RedrawOutcome, Results, Stats } from "../../types";
import { button, details, errorContent, notice, personName, saveBlob, section, statusBadge } from "../../ui";
import type { ScreenContext } from "../context";
import { prizesPanel } from "./prizes";
import { reviewPanel } from "./review";

const LIVE_REFRESH_MS = 15_000;
const CANCELLABLE = new Set(["draft", "scheduled", "active", "drawing"]);
const REVIEWABLE = new Set(["active", "drawing", "finished"]);

function reasonField(label: string, testId: string): { wrapper: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "text", class: "input", maxlength: 500, id: `${testId}-input`, "data-testid": testId });
  return { wrapper: h("div", { class: "field" }, h("label", { class: "field-label", for: input.id }, label), input), input };
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
    h("h2", { class: "subheading" }, t("manage.chart")),
    chartFigure(
      stats.series,
      until,
      t("manage.chartLabel", { n: stats.participantCount }),
      t("manage.chartEmpty"),
    ),
    settings.seedCommitment
      ? h("details", { class: "fairness" }, h("summary", {}, t("contest.fairTitle")), h("p", { class: "hint" }, t("contest.commitment")), h("code", { class: "hash" }, settings.seedCommitment))
      : null,
  );
}

/** Run `action` after the user confirmed `question`; report its outcome. */
async function confirmed(
  question: string,
  action: () => Promise<unknown>,
  done: () => void,
  report: (node: HTMLElement) => void,
): Promise<void> {
  if (!(await confirmAction(question))) return;
  try {
    await action();
  } catch (error) {
    haptic("error");
    report(notice("error", ...errorContent(error, true)));
    return;
  }
  haptic("success");
  done();
}

function cancelPanel(
  ctx: ScreenContext,
  settings: ContestSettings,
  report: (node: HTMLElement) => void,
): HTMLElement {
  const reason = reasonField(t("manage.cancelReason"), "cancel-reason");
  const panel = h("div", { class: "panel hidden", id: "cancel-panel" }, reason.wrapper);
  panel.append(
    button(t("manage.cancelConfirm"), () => {
      void confirmed(
        t("manage.cancelAsk", { title: settings.title }),
        () => api.cancel(settings.id, reason.input.value.trim()),
        () => ctx.refresh(notice("success", h("p", { "data-testid": "cancelled" }, t("manage.cancelled")))),
        report,
      );
    }, "danger", "cancel-confirm"),
  );
  const toggle = button(t("manage.cancel"), () => {
    const open = panel.classList.toggle("hidden") === false;
    toggle.setAttribute("aria-expanded", String(open));
    tap();
    if (open) reason.input.focus();
  }, "danger", "cancel-open");
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", panel.id);
  return h("div", {}, toggle, panel);
}

/** A contest-wide action that asks first, then refreshes the screen with what it did. */
interface ConfirmedAction {
  label: TextKey;
  ask: TextKey;
  done: TextKey;
  run: (id: number) => Promise<unknown>;
  kind: "secondary" | "danger";
  testId: string;
  doneTestId: string;
}

const DRAW_NOW: ConfirmedAction = {
  label: "manage.drawNow",
  ask: "manage.drawAsk",
  done: "manage.drawStarted",
  run: (id) => api.drawNow(id),
  kind: "secondary",
  testId: "draw-now",
  doneTestId: "draw-started",
};

/** While the draw waits for Telegram to re-check the winners (the bot offers the same). */
const SKIP_FINAL_CHECK: ConfirmedAction = {
  label: "manage.skipCheck",
  ask: "manage.skipCheckAsk",
  done: "manage.skipCheckDone",
  run: (id) => api.skipFinalCheck(id),
  kind: "danger",
  testId: "skip-final-check",
  doneTestId: "check-skipped",
};

/** While the draw waits for a drand beacon the bot cannot reach: a v1 draw, kept in the
 *  proof (the bot offers the same). */
const DRAW_WITHOUT_BEACON: ConfirmedAction = {
  label: "manage.noBeacon",
  ask: "manage.noBeaconAsk",
  done: "manage.noBeaconDone",
  run: (id) => api.drawWithoutBeacon(id),
  kind: "danger",
  testId: "draw-without-beacon",
  doneTestId: "beacon-skipped",
};

/** Which way out of a stuck draw applies: the beacon's (the API says the round it waits
 *  for cannot be had), or the final check's. */
function stuckDrawAction(settings: ContestSettings): ConfirmedAction | null {
  if (settings.status !== "drawing") return null;
  if (settings.beacon?.unreachable) return DRAW_WITHOUT_BEACON;
  return settings.lastError ? SKIP_FINAL_CHECK : null;
}

function actionButton(
  ctx: ScreenContext,
  settings: ContestSettings,
  action: ConfirmedAction,
  report: (node: HTMLElement) => void,
): HTMLElement {
  return button(t(action.label), () => {
    void confirmed(
      t(action.ask, { title: settings.title }),
      () => action.run(settings.id),
      () => ctx.refresh(notice("success", h("p", { "data-testid": action.doneTestId }, t(action.done)))),
      report,
    );
  }, action.kind, action.testId);
}

/** "Ann (@ann)": a name that tells two people with one first name apart. */
function nameWithHandle(person: Person | undefined, id: number): string {
  const name = personName(person, id);
  return person?.username && person.firstName ? `${name} (@${person.username})` : name;
}

function redrawPanel(ctx: ScreenContext, id: number, results: Results, report: (node: HTMLElement) => void): HTMLElement {
  const known = new Map(results.people.map((person) => [person.id, person]));
  const who = h(
    "select",
    { class: "input", id: "redraw-user", "data-testid": "redraw-user" },
    results.winners.map((winner) => h("option", { value: winner }, nameWithHandle(known.get(winner), winner))),
  );
  const reason = reasonField(t("manage.redrawReason"), "redraw-reason");
  return section(
    t("manage.redraw"),
    h("div", { class: "field" }, h("label", { class: "field-label", for: who.id }, t("manage.redrawUser")), who),
    reason.wrapper,
    button(t("manage.redrawDo"), () => {
      const text = reason.input.value.trim();
      if (!text) {
        haptic("error");
        reason.input.setAttribute("aria-invalid", "true");
        reason.input.focus();
        report(notice("error", h("p", {}, t("manage.reasonNeeded"))));
        return;
      }
      reason.input.removeAttribute("aria-invalid");
      const userId = Number(who.value);
      let outcome: RedrawOutcome;
      void confirmed(
        t("manage.redrawAsk", { name: nameWithHandle(known.get(userId), userId) }),
        async () => {
          outcome = await api.redraw(id, userId, text);
        },
        () => {
          const names = new Map(outcome.people.map((person) => [person.id, person]));
          const list = outcome.winners.map((winner) => nameWithHandle(names.get(winner), winner)).join(", ");
          const name = nameWithHandle(outcome.replaced, outcome.replaced.id);
          ctx.refresh(notice("success", h("p", { "data-testid": "redraw-done" }, t("manage.redrawDone", { name, list }))));
        },
        report,
      );
    }, "danger", "redraw-do"),
  );
}

async function exportCsv(id: number, report: (node: HTMLElement) => void): Promise<void> {
  try {
    saveBlob(await api.participantsCsv(id), `contest-${id}-participants.csv`);
    report(notice("success", h("p", { "data-testid": "export-done" }, t("manage.exported"))));
  } catch (error) {
    report(notice("error", ...errorContent(error, true)));
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
  const review = REVIEWABLE.has(settings.status) ? await api.review(id) : null;
  const prizes = settings.status === "finished" ? await api.prizes(id) : [];
  if (!ctx.alive()) return;
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const report = (node: HTMLElement): void => {
    replace(messages, node);
    messages.scrollIntoView({ block: "nearest" });
  };
  const statsSlot = h("div", {}, statsView(stats, settings));
  const editable = settings.status === "draft" || settings.status === "scheduled";
  const stuck = stuckDrawAction(settings);
  replace(
    ctx.view,
    h("h1", { class: "screen-title", "data-testid": "manage-title" }, settings.title),
    h("div", { class: "title-row" }, statusBadge(settings.status)),
    settings.lastError
      ? notice("warning", h("p", { "data-testid": "last-error" }, t("org.problemText")), details(settings.lastError))
      : null,
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
        settings.status === "active" ? actionButton(ctx, settings, DRAW_NOW, report) : null,
        stuck ? actionButton(ctx, settings, stuck, report) : null,
        CANCELLABLE.has(settings.status) ? cancelPanel(ctx, settings, report) : null,
      ),
    ),
    review && (review.canExclude || review.excluded > 0) ? reviewPanel(id, review, report) : null,
    prizes.length > 0 ? prizesPanel(id, prizes, report) : null,
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
        report(notice("error", ...errorContent(error, true)));
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
