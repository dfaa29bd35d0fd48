/**
 * The organizer's review of suspicious entries before the draw: flagged entries with the
 * reasons they were flagged (app/contests/suspicion.py), excluding the selected ones with
 * a reason (published in the proof), and undoing an exclusion while the contest is open.
 */

import { api } from "../../api";
import { h, replace } from "../../dom";
import { formatDate, formatNumber, t, type TextKey } from "../../i18n";
import { confirmAction, haptic } from "../../telegram";
import type { Review, ReviewEntry } from "../../types";
import { button, errorContent, notice, personView, section } from "../../ui";

function signalList(entry: ReviewEntry): HTMLElement {
  return h(
    "ul",
    { class: "signals", "data-testid": "review-signals" },
    entry.signals.map((signal) => h("li", { "data-signal": signal }, t(`review.signal.${signal}` as TextKey))),
  );
}

function exclusionLine(entry: ReviewEntry): HTMLElement | null {
  if (!entry.exclusion) return null;
  return h(
    "p",
    { class: "hint", "data-testid": "review-excluded" },
    t("review.excludedBecause", { reason: entry.exclusion.reason, at: formatDate(entry.exclusion.at) }),
  );
}

export function reviewPanel(id: number, first: Review, report: (node: HTMLElement) => void): HTMLElement {
  const panel = h("div", { "data-testid": "review" });

  async function act(run: () => Promise<Review>, done: TextKey): Promise<void> {
    try {
      const fresh = await run();
      haptic("success");
      render(fresh);
      report(notice("success", h("p", { "data-testid": "review-done" }, t(done))));
    } catch (error) {
      haptic("error");
      report(notice("error", ...errorContent(error, true)));
    }
  }

  function undoButton(review: Review, entry: ReviewEntry): HTMLElement | null {
    if (!review.canExclude || !entry.exclusion) return null;
    return button(t("review.undo"), () => void act(() => api.include(id, entry.person.id), "review.undone"), "secondary", `review-undo-${entry.person.id}`);
  }

  function render(review: Review): void {
    const picks = new Map<number, HTMLInputElement>();
    const rows = review.entries.map((entry) => {
      const pick = review.canExclude && !entry.exclusion
        ? h("input", { type: "checkbox", class: "review-pick", "aria-label": t("review.pick", { name: entry.person.firstName || String(entry.person.id) }), "data-testid": `review-pick-${entry.person.id}` })
        : null;
      if (pick) picks.set(entry.person.id, pick);
      return h(
        "li",
        { class: "review-entry", "data-user-id": entry.person.id, "data-testid": "review-entry" },
        h("div", { class: "title-row" }, pick, personView(entry.person, entry.person.id), h("span", { class: "chip" }, t("review.score", { n: entry.score }))),
        signalList(entry),
        exclusionLine(entry),
        undoButton(review, entry),
      );
    });
    const flaggedIds = new Set(review.entries.map((entry) => entry.person.id));
    const others = review.exclusions.filter((entry) => !flaggedIds.has(entry.person.id));
    const reason = h("input", { type: "text", class: "input", maxlength: 500, id: `review-reason-${id}`, "data-testid": "review-reason" });
    const controls = review.canExclude && picks.size > 0
      ? h(
          "div",
          { class: "actions actions-column" },
          button(t("review.selectAll"), () => picks.forEach((pick) => { pick.checked = true; }), "secondary", "review-select-all"),
          h("div", { class: "field" }, h("label", { class: "field-label", for: reason.id }, t("review.reason")), reason),
          button(t("review.exclude"), () => {
            const chosen = [...picks].filter(([, pick]) => pick.checked).map(([userId]) => userId);
            const text = reason.value.trim();
            if (chosen.length === 0 || !text) {
              haptic("error");
              report(notice("error", h("p", {}, t(chosen.length === 0 ? "review.noneChosen" : "manage.reasonNeeded"))));
              return;
            }
            void confirmAction(t("review.excludeAsk", { n: chosen.length })).then((yes) => {
              if (yes) void act(() => api.exclude(id, chosen, text), "review.excludedDone");
            });
          }, "danger", "review-exclude"),
        )
      : null;
    replace(
      panel,
      h(
        "p",
        { "data-testid": "review-summary" },
        t("review.summary", { flagged: formatNumber(review.flagged), assessed: formatNumber(review.assessed), excluded: formatNumber(review.excluded) }),
      ),
      h("p", { class: "hint" }, t(review.canExclude ? "review.hint" : "review.closed", { score: review.flagScore })),
      rows.length ? h("ul", { class: "review-list" }, rows) : h("p", { class: "hint", "data-testid": "review-empty" }, t("review.empty")),
      controls,
      others.length
        ? [
            h("h3", { class: "subheading" }, t("review.otherExclusions")),
            h(
              "ul",
              { class: "review-list" },
              others.map((entry) =>
                h("li", { class: "review-entry", "data-user-id": entry.person.id, "data-testid": "review-exclusion" }, personView(entry.person, entry.person.id), exclusionLine(entry), undoButton(review, entry)),
              ),
            ),
          ]
        : null,
    );
  }

  render(first);
  return section(t("review.title"), panel);
}
