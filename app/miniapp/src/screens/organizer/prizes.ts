/** The organizer's prizes of a finished contest: each winner's claim (pending with its
 *  deadline, claimed, passed on) and marking a prize handed over. */

import { api } from "../../api";
import { h, replace } from "../../dom";
import { formatDate, t, type TextKey } from "../../i18n";
import { haptic } from "../../telegram";
import type { ClaimState, WinnerClaim } from "../../types";
import { button, errorContent, notice, personName, section } from "../../ui";

const HANDABLE: ReadonlySet<ClaimState> = new Set(["pending", "won", "claimed"]);

function stateText(prize: WinnerClaim): string {
  const text = t(`prize.state.${prize.state}` as TextKey);
  return prize.state === "pending" && prize.deadline ? `${text} · ${t("prize.until", { date: formatDate(prize.deadline) })}` : text;
}

export function prizesPanel(id: number, prizes: WinnerClaim[], report: (node: HTMLElement) => void): HTMLElement {
  const list = h("ul", { class: "people", "data-testid": "prizes" });
  const render = (current: WinnerClaim[]): void => {
    replace(
      list,
      ...current.map((prize) =>
        h(
          "li",
          { class: "person", "data-testid": `prize-${prize.person.id}`, "data-state": prize.state },
          h("span", {}, `${personName(prize.person, prize.person.id)} — ${stateText(prize)}`),
          HANDABLE.has(prize.state)
            ? button(t("prize.handOver"), () => void handOver(prize.person.id), "secondary", `hand-over-${prize.person.id}`)
            : null,
        ),
      ),
    );
  };
  const handOver = async (userId: number): Promise<void> => {
    try {
      render(await api.handedOver(id, userId));
      haptic("success");
      report(notice("success", h("p", { "data-testid": "handed-over" }, t("prize.handedOver"))));
    } catch (error) {
      haptic("error");
      report(notice("error", ...errorContent(error, true)));
    }
  };
  render(prizes);
  return section(t("prize.title"), list);
}
