/** The proof page: check a contest's published proof, or a pasted / uploaded document. */

import { api } from "../api";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { ProofFormatError, parseProof, parseProofText } from "../proof/document";
import { haptic } from "../telegram";
import { button, describeError, notice, section } from "../ui";
import type { ScreenContext } from "./context";
import { renderProofCheck } from "./proofCheck";

export async function proofScreen(ctx: ScreenContext, id: number | null): Promise<void> {
  const output = h("div", { class: "proof-check card", "data-testid": "proof-check", "aria-live": "polite" });
  const text = h("textarea", { class: "input mono", rows: 6, spellcheck: "false", "data-testid": "proof-input", "aria-label": t("proof.paste") });
  const file = h("input", { type: "file", accept: "application/json,.json", class: "file-input", "data-testid": "proof-file" });

  const check = async (source: () => unknown): Promise<void> => {
    let proof;
    try {
      proof = parseProof(source());
    } catch (error) {
      haptic("error");
      const detail = error instanceof ProofFormatError ? error.message : describeError(error);
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

  replace(
    ctx.view,
    h("h1", { class: "screen-title" }, t("proof.title")),
    h("p", { class: "hint" }, t("proof.intro")),
    output,
    section(
      null,
      h("p", { class: "hint" }, t("proof.paste")),
      text,
      h(
        "div",
        { class: "actions" },
        button(t("proof.check"), () => void checkText(), "primary", "proof-check-button"),
        h("label", { class: "button button-secondary" }, t("proof.file"), file),
      ),
    ),
  );
  if (id !== null) {
    try {
      const document = await api.publicProof(id);
      if (!ctx.alive()) return;
      text.value = JSON.stringify(document, null, 2);
      await check(() => document);
    } catch (error) {
      if (ctx.alive()) replace(output, notice("error", h("p", { class: "error-detail" }, describeError(error))));
    }
  }
}
