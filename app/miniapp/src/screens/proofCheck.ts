/** The in-browser fairness check of a proof document, and what it says about the user. */

import { h, replace } from "../dom";
import { formatDate, formatNumber, t, type TextKey } from "../i18n";
import { withParticipants, type Exclusion, type Proof } from "../proof/document";
import { beaconNote, inclusion, verify, type ProofProblem } from "../proof/verify";
import { notice, saveBlob, button } from "../ui";

function param(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
  if (typeof value === "string") return `“${value}”`;
  return String(value);
}

export function problemMessage(problem: ProofProblem): string {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(problem)) {
    if (name !== "kind") {
      params[name] = name === "computed" || name === "claimed" || name === "userId"
        ? String(value)
        : param(value);
    }
  }
  if (problem.kind === "tickets_over") {
    params.over = problem.over.map(([id, count]) => `${id} (${count})`).join(", ");
  }
  if (problem.kind === "winners" || problem.kind === "reserves") {
    params.expected = `[${problem.expected.join(", ")}]`;
    params.claimed = `[${problem.claimed.join(", ")}]`;
  }
  return t(`proof.problem.${problem.kind}` as TextKey, params);
}

/** Where the randomness came from: the drand round, or the organizer's fallback. */
function randomnessNote(proof: Proof): HTMLElement {
  const note = beaconNote(proof);
  if (note.kind === "beacon") {
    const text = t("proof.beaconRound", { round: note.round, frozenAt: formatDate(note.frozenAt) });
    return h("p", { class: "hint", "data-testid": "proof-beacon" }, text);
  }
  if (note.kind === "fallback") {
    return notice("warning", h("p", { "data-testid": "proof-beacon" }, t("proof.beaconFallback", { reason: note.reason })));
  }
  return h("p", { class: "hint", "data-testid": "proof-beacon" }, t("proof.beaconNone"));
}

const EXCLUSION_KINDS = new Set(["organizer", "recheck_failed", "replaced", "left_channel", "not_claimed"]);

/** Why the draw skipped someone, in words: the kind (by its code), the reason, when. */
export function exclusionText(item: Exclusion): string {
  const kind = EXCLUSION_KINDS.has(item.code) ? t(`proof.exclusion.${item.code}` as TextKey) : item.code;
  const when = item.at ? ` (${formatDate(item.at)})` : "";
  return `${kind ? `${kind} — ` : ""}${item.reason}${when}`;
}

/** Who the draw skipped and why, as the proof says (a code this page does not know as is). */
function exclusionList(proof: Proof): HTMLElement | null {
  if (proof.excluded.length === 0) return null;
  return h(
    "div",
    { class: "detail", "data-testid": "proof-excluded" },
    h("dt", {}, t("proof.excluded")),
    h(
      "dd",
      {},
      h(
        "ul",
        { class: "exclusions" },
        proof.excluded.map((item) =>
          h("li", { "data-user-id": item.user_id, "data-code": item.code }, `${item.user_id}: ${exclusionText(item)}`),
        ),
      ),
    ),
  );
}

/** For a weighted draw: how many tickets there were, and the user's own. */
function ticketNote(proof: Proof, userId: number): HTMLElement | null {
  const tickets = proof.participant_tickets;
  if (tickets === null) return null;
  const index = proof.participants.indexOf(userId);
  const text = t("proof.tickets", {
    total: formatNumber(tickets.reduce((sum, count) => sum + count, 0)),
    extra: formatNumber(tickets.filter((count) => count > 1).length),
    mine: index >= 0 ? String(tickets[index]) : "0",
  });
  return h("p", { class: "hint", "data-testid": "proof-tickets" }, text);
}

function detail(label: string, value: string): HTMLElement {
  return h("div", { class: "detail" }, h("dt", {}, label), h("dd", {}, h("code", { class: "hash" }, value)));
}

/** Runs the check and fills `target` with the verdict, the user's inclusion and details. */
export async function renderProofCheck(target: HTMLElement, proof: Proof, userId: number): Promise<boolean> {
  replace(target, h("p", { class: "hint", "aria-busy": "true" }, h("span", { class: "spinner" }), t("proof.checking")));
  let problems: ProofProblem[];
  let checked = proof;
  try {
    checked = await withParticipants(proof);
    problems = await verify(checked);
  } catch (error) {
    replace(target, notice("error", h("p", {}, error instanceof Error ? error.message : String(error))));
    return false;
  }
  const found = inclusion(checked, userId);
  const total = formatNumber(checked.participants.length);
  const verdict =
    problems.length === 0
      ? notice("success", h("p", { class: "notice-title", "data-testid": "proof-verdict", "data-valid": "true" }, "✓ ", t("proof.valid")))
      : notice(
          "error",
          h("p", { class: "notice-title", "data-testid": "proof-verdict", "data-valid": "false" }, "✗ ", t("proof.invalid")),
          h(
            "ul",
            { class: "problems", "data-testid": "proof-problems" },
            problems.map((problem) => h("li", { "data-kind": problem.kind }, problemMessage(problem))),
          ),
        );
  replace(
    target,
    verdict,
    randomnessNote(proof),
    ticketNote(checked, userId),
    h(
      "p",
      { class: `inclusion ${found.included ? "inclusion-in" : "inclusion-out"}`, "data-testid": "proof-inclusion", "data-included": String(found.included) },
      t(found.included ? "proof.youIn" : "proof.youOut", { n: total }),
    ),
    h(
      "dl",
      { class: "details" },
      detail(t("proof.seed"), proof.seed),
      detail(t("proof.commitmentField"), proof.seed_commitment),
      detail(t("proof.listHash"), proof.list_hash),
      proof.drand ? detail(t("proof.beaconSignature"), proof.drand.signature || "—") : null,
      proof.drawn_at ? h("div", { class: "detail" }, h("dt", {}, t("proof.drawnAt")), h("dd", { "data-testid": "drawn-at" }, formatDate(proof.drawn_at))) : null,
      exclusionList(proof),
      proof.final_check_skipped
        ? h(
            "div",
            { class: "detail", "data-testid": "proof-final-check-skipped" },
            h("dt", {}, t("proof.finalCheck")),
            h("dd", {}, t("proof.finalCheckSkipped", { by: proof.final_check_skipped.by, at: formatDate(proof.final_check_skipped.at) })),
          )
        : null,
    ),
    button(t("proof.download"), () =>
      saveBlob(new Blob([JSON.stringify(proof, null, 2)], { type: "application/json" }), `contest-${proof.contest_id}-proof.json`),
    ),
  );
  return problems.length === 0;
}
