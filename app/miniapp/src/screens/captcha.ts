/**
 * The captcha of a join (see `app/contests/captcha.py`): tap the picture the question
 * names, while the browser does the proof of work (an ALTCHA challenge solved with
 * altcha-lib and the WebView's own crypto; nothing is fetched from anyone but our API).
 * The pictures are plain buttons named for screen readers, reachable by Tab and pressed
 * with Enter or Space; the work's progress is announced in a polite live region.
 */

import { solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/sha";

import { h } from "../dom";
import { t } from "../i18n";
import type { CaptchaQuestion } from "../types";

/** The proof of work as the server reads it: base64 JSON of challenge and solution. */
export async function proveWork(work: Record<string, unknown> | null): Promise<string> {
  if (!work) return "";
  const challenge = work as unknown as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  return solution ? btoa(JSON.stringify({ challenge, solution })) : "";
}

export function captchaView(
  question: CaptchaQuestion,
  message: string,
  answer: (choice: number, work: string) => Promise<void>,
): HTMLElement {
  const progress = h("p", { class: "hint", "aria-live": "polite", "data-testid": "captcha-work" }, t("captcha.working"));
  const work = proveWork(question.work).then((payload) => {
    progress.textContent = t("captcha.ready");
    return payload;
  });
  const buttons = question.options.map((option, choice) =>
    h(
      "button",
      {
        type: "button",
        class: "button captcha-option",
        "aria-label": option.label,
        "data-testid": "captcha-option",
        onClick: (async () => {
          for (const button of buttons) button.disabled = true;
          await answer(choice, await work);
        }) as EventListener,
      },
      option.emoji,
    ),
  );
  return h(
    "fieldset",
    { class: "captcha", "data-testid": "captcha" },
    h("legend", { class: "notice-title", "data-testid": "captcha-question" }, message),
    h("div", { class: "captcha-options" }, buttons),
    progress,
  );
}
