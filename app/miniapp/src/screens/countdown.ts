/** A live countdown to a deadline, corrected by the server's clock. */

import { h } from "../dom";
import { t } from "../i18n";
import type { ScreenContext } from "./context";

const pad = (n: number): string => String(n).padStart(2, "0");

export function remaining(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hms = `${pad(Math.floor((total % 86_400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? t("countdown.days", { d: days, hms }) : hms;
}

export function countdown(
  ctx: ScreenContext,
  endsAt: string,
  serverTime: string,
  onEnd: () => void,
): HTMLElement {
  const skew = new Date(serverTime).getTime() - Date.now();
  const end = new Date(endsAt).getTime();
  const value = h("span", { class: "countdown-value", "data-testid": "countdown" });
  const tick = (): boolean => {
    const left = end - (Date.now() + skew);
    value.textContent = remaining(left);
    return left > 0;
  };
  tick();
  const timer = window.setInterval(() => {
    if (!tick()) {
      window.clearInterval(timer);
      onEnd();
    }
  }, 1000);
  ctx.onLeave(() => window.clearInterval(timer));
  return h("div", { class: "countdown" }, h("span", { class: "countdown-label" }, t("contest.endsIn")), value);
}
