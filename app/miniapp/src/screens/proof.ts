/** The proof page: check a contest's published proof by its number or link, or a pasted
 * or chosen proof document. */

import { api } from "../api";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { ProofFormatError, parseProof, parseProofText } from "../proof/document";
import { navigate } from "../router";
import { haptic } from "../telegram";
import { button, errorContent, notice, section } from "../ui";
import type { ScreenContext } from "./context";
import { renderProofCheck } from "./proofCheck";

/** A contest number from "12", "#12", "proof_12" or a link ending in one. */
export function contestNumber(text: string): number | null {
  const match = /(?:^|[^0-9A-Za-z])(?:proof_|c)?([1-9][0-9]{0,9})\/?$/.exec(text.trim()) ?? /^#?([1-9][0-9]{0,9})$/.exec(text.trim());
  return match ? Number(match[1]) : null;
}

export async function proofScreen(ctx: ScreenContext, id: number | null): Promise<void> {
  const output = h("div", { class: "proof-check card", "data-testid": "proof-check", "aria-live": "polite" });
  const text = h("textarea", { class: "input mono", id: "proof-text", rows: 6, spellcheck: "false", "data-testid": "proof-input" });
  const file = h("input", { type: "file", accept: "application/json,.json", class: "file-input", id: "proof-file", "data-testid": "proof-file" });
  const number = h("input", { type: "text", class: "input", id: "proof-number", inputmode: "numeric", autocomplete: "off", "data-testid": "proof-number", "aria-describedby": "proof-number-error" });
  const numberError = h("p", { class: "field-error", id: "proof-number-error" });

  const check = async (source: () => unknown): Promise<void> => {
    let proof;
    try {
      proof = parseProof(source());
    } catch (error) {
      haptic("error");
      const detail = error instanceof ProofFormatError ? error.message : String(error);
      replace(output, notice("error", h("p", { "data-testid": "proof-malformed" }, t("proof.malformed", { detail }))));
      return;
    }
    const valid = await renderProofCheck(output, proof, ctx.me.user.id);
    haptic(valid ? "success" : "error");
  };

  const checkText = (): Promise<void> => check(() => parseProofText(text.value));
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (chosen) {
      void chosen.text().then((content) => {
        text.value = content;
        return checkText();
      });
    }
  });

  const load = (event: Event): void => {
    event.preventDefault();
    const wanted = contestNumber(number.value);
    if (wanted === null) {
      number.setAttribute("aria-invalid", "true");
      numberError.textContent = t("proof.loadBad");
      number.focus();
      return;
    }
    number.removeAttribute("aria-invalid");
    numberError.textContent = "";
    if (wanted === id) void show(wanted);
    else navigate({ name: "proof", id: wanted });
  };

  const show = async (wanted: number): Promise<void> => {
    number.value = String(wanted);
    try {
      const document = await api.publicProof(wanted);
      if (!ctx.alive()) return;
      text.value = JSON.stringify(document, null, 2);
      await check(() => document);
    } catch (error) {
      if (ctx.alive()) replace(output, notice("error", ...errorContent(error)));
    }
  };

  replace(
    ctx.view,
    h("h1", { class: "screen-title" }, t("proof.title")),
    h("p", { class: "hint" }, t("proof.intro")),
    h(
      "form",
      { class: "card load-form", "data-testid": "proof-load", onSubmit: load as EventListener },
      h("label", { class: "field-label", for: number.id }, t("proof.load")),
      h("p", { class: "hint" }, t("proof.loadHint")),
      h("div", { class: "inline-field" }, number, h("button", { type: "submit", class: "button button-primary" }, t("proof.loadButton"))),
      numberError,
    ),
    output,
    section(
      t("proof.pasteTitle"),
      h("label", { class: "hint", for: text.id }, t("proof.paste")),
      text,
      h(
        "div",
        { class: "actions" },
        button(t("proof.check"), () => void checkText(), "primary", "proof-check-button"),
        file,
        h("label", { class: "button button-secondary file-button", for: file.id }, t("proof.file")),
      ),
    ),
  );
  if (id !== null) await show(id);
}
