/** The start screen: the user's contests, the organizer entry and the proof checker. */

import { api } from "../api";
import { h, replace } from "../dom";
import { formatDate, t } from "../i18n";
import { pathOf } from "../router";
import { row, section, statusBadge } from "../ui";
import type { ScreenContext } from "./context";

export async function homeScreen(ctx: ScreenContext): Promise<void> {
  const contests = await api.myContests();
  if (!ctx.alive()) return;
  replace(
    ctx.view,
    h("h1", { class: "screen-title" }, t("home.title")),
    section(
      null,
      contests.length === 0
        ? h("p", { class: "hint", "data-testid": "no-contests" }, t("home.empty"))
        : h(
            "div",
            { class: "rows", "data-testid": "my-contests" },
            contests.map((contest) =>
              row({
                title: contest.title,
                subtitle: [
                  t("count.participants", { n: contest.participantCount }),
                  contest.endsAt ? ` · ${formatDate(contest.endsAt)}` : "",
                ].join(""),
                trailing: statusBadge(contest.status),
                href: pathOf({ name: contest.status === "finished" ? "results" : "contest", id: contest.id }),
              }),
            ),
          ),
    ),
    section(
      null,
      h(
        "div",
        { class: "rows" },
        ctx.me.isOrganizer
          ? row({ title: t("home.organizer"), subtitle: t("home.organizerHint"), trailing: "›", href: pathOf({ name: "organizer" }), testId: "organizer-link" })
          : null,
        row({ title: t("home.proof"), subtitle: t("home.proofHint"), trailing: "›", href: pathOf({ name: "proof", id: null }) }),
      ),
    ),
  );
}
