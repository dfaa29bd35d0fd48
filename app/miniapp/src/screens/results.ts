/** The results of a finished contest, with the fairness check run right here. */

import { ApiError, api } from "../api";
import { h, replace } from "../dom";
import { formatDate, t, type TextKey } from "../i18n";
import { haptic } from "../telegram";
import type { Exclusion } from "../proof/document";
import type { ClaimView, Person, Results } from "../types";
import { button, describeError, errorContent, notice, personView, section, statusBadge } from "../ui";
import type { ScreenContext } from "./context";
import { exclusionText, renderProofCheck } from "./proofCheck";

function peopleList(ids: number[], known: Person[], me: number, testId: string): HTMLElement {
  if (ids.length === 0) return h("p", { class: "hint" }, t("results.none"));
  const byId = new Map(known.map((person) => [person.id, person]));
  return h(
    "ol",
    { class: "people", "data-testid": testId },
    ids.map((id) => h("li", { class: id === me ? "person person-me" : "person" }, personView(byId.get(id), id, id === me))),
  );
}

/** The proof's words on why the draw skipped `userId`. */
function exclusionOf(excluded: Exclusion[], userId: number): HTMLElement | null {
  const mine = excluded.find((item) => item.user_id === userId);
  return mine ? h("p", { "data-testid": "your-exclusion" }, exclusionText(mine)) : null;
}

/** The viewer's prize: its state, and Claim while it is pending. */
function claimPanel(id: number, claim: ClaimView): HTMLElement {
  const slot = h("div", { class: "claim", "data-testid": "your-claim" });
  const show = (current: ClaimView, problem?: HTMLElement): void => {
    const deadline = current.deadline ? formatDate(current.deadline) : "";
    replace(
      slot,
      h("p", { "data-testid": "claim-state", "data-state": current.state }, t(`claim.you.${current.state}` as TextKey, { date: deadline })),
      current.state === "pending" ? button(t("claim.button"), () => void press(), "primary", "claim") : null,
      problem ?? null,
    );
  };
  const press = async (): Promise<void> => {
    try {
      show(await api.claim(id));
      haptic("success");
    } catch (error) {
      haptic("error");
      show({ state: "passed_on", deadline: null }, notice("error", ...errorContent(error)));
    }
  };
  show(claim);
  return section(t("claim.title"), slot);
}

export async function resultsScreen(ctx: ScreenContext, id: number): Promise<void> {
  let results: Results;
  try {
    results = await api.results(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      replace(ctx.view, h("h1", { class: "screen-title" }, t("results.title")), notice("info", h("p", {}, describeError(error))));
      return;
    }
    throw error;
  }
  if (!ctx.alive()) return;
  const me = ctx.me.user.id;
  const role = results.you.included ? results.you.role : "absent";
  const check = h("div", { class: "proof-check", "data-testid": "proof-check" });
  replace(
    ctx.view,
    h("h1", { class: "screen-title" }, results.proof.title || t("results.title")),
    h("div", { class: "title-row" }, statusBadge(results.status)),
    notice(
      role === "winner" ? "success" : role === "reserve" ? "info" : "warning",
      h("p", { class: "notice-title", "data-testid": "your-result", "data-role": role }, t(`results.you.${role}` as TextKey)),
      role === "excluded" ? exclusionOf(results.proof.excluded, me) : null,
    ),
    results.claim ? claimPanel(id, results.claim) : null,
    section(t("results.winners"), peopleList(results.winners, results.people, me, "winners")),
    results.reserves.length ? section(t("results.reserves"), peopleList(results.reserves, results.people, me, "reserves")) : null,
    section(t("proof.title"), h("p", { class: "hint" }, t("proof.intro")), check),
  );
  if (role === "winner") haptic("success");
  await renderProofCheck(check, results.proof, me);
}
