/** The organizer's contests, newest first, with their status and any delivery problem. */

import { api } from "../../api";
import { h, replace } from "../../dom";
import { formatDate, t } from "../../i18n";
import { navigate, pathOf } from "../../router";
import { mainAction } from "../../telegram";
import type { OrganizerContest } from "../../types";
import { row, section, statusBadge } from "../../ui";
import type { ScreenContext } from "../context";

function subtitle(contest: OrganizerContest): (HTMLElement | string)[] {
  const parts: (HTMLElement | string)[] = [t("count.participants", { n: contest.participantCount })];
  if (contest.status === "scheduled" && contest.publishAt) {
    parts.push(` · ${t("org.publishAt", { date: formatDate(contest.publishAt) })}`);
  } else if (contest.endsAt) {
    parts.push(` · ${formatDate(contest.endsAt)}`);
  }
  if (contest.lastError) {
    parts.push(h("span", { class: "row-error", "data-testid": "row-problem" }, t("org.problemShort")));
  }
  return parts;
}

export async function organizerScreen(ctx: ScreenContext): Promise<void> {
  const contests = await api.organizerContests();
  if (!ctx.alive()) return;
  replace(
    ctx.view,
    h("h1", { class: "screen-title" }, t("org.title")),
    section(
      null,
      contests.length === 0
        ? h("p", { class: "hint" }, t("org.empty"))
        : h(
            "div",
            { class: "rows", "data-testid": "organizer-contests" },
            contests.map((contest) =>
              row({
                title: contest.title,
                subtitle: subtitle(contest),
                trailing: statusBadge(contest.status),
                href: pathOf({ name: "manage", id: contest.id }),
              }),
            ),
          ),
    ),
  );
  mainAction.set(t("org.new"), () => navigate({ name: "create" }));
}
