/** The participant's contest card: countdown, conditions, Join and the answer to it. */

import { api } from "../api";
import { h, replace } from "../dom";
import { formatDate, formatNumber, t, type TextKey } from "../i18n";
import { navigate, pathOf } from "../router";
import { haptic, mainAction } from "../telegram";
import type { ChannelLink, ContestCard, JoinAnswer } from "../types";
import { describeError, externalLink, notice, section, statusBadge, type NoticeKind } from "../ui";
import type { ScreenContext } from "./context";
import { countdown } from "./countdown";

function channelList(channels: ChannelLink[], testId: string): HTMLElement {
  return h(
    "ul",
    { class: "channels", "data-testid": testId },
    channels.map((channel) =>
      h(
        "li",
        { class: "channel" },
        h("span", { class: "channel-title" }, channel.title || String(channel.chatId)),
        channel.link
          ? externalLink(channel.link, t("join.open"), "button button-small")
          : h("span", { class: "hint" }, t("join.noLink")),
      ),
    ),
  );
}

const ANSWER_KIND: Record<JoinAnswer["status"], NoticeKind> = {
  joined: "success",
  already_joined: "success",
  conditions_missing: "warning",
  undecided: "warning",
  not_open: "error",
  full: "error",
};

function answerView(answer: JoinAnswer, checkAgain: () => void): HTMLElement {
  const missing = answer.status === "conditions_missing";
  const showMessage = answer.message && ["undecided", "not_open", "full"].includes(answer.status);
  return notice(
    ANSWER_KIND[answer.status],
    h("p", { class: "notice-title", "data-testid": "join-status", "data-status": answer.status }, t(`join.${answer.status}` as TextKey)),
    showMessage ? h("p", { class: "hint" }, answer.message) : null,
    missing ? channelList(answer.missing, "missing-channels") : null,
    missing || answer.status === "undecided"
      ? h("button", { type: "button", class: "button button-primary", "data-testid": "check-again", onClick: checkAgain }, t("join.checkAgain"))
      : null,
  );
}

function facts(card: ContestCard, count: HTMLElement): HTMLElement {
  return h(
    "div",
    { class: "facts" },
    h("div", { class: "fact" }, count, h("span", { class: "fact-label" }, t("contest.participants"))),
    h(
      "div",
      { class: "fact" },
      h("span", { class: "fact-value" }, formatNumber(card.winnersCount)),
      h("span", { class: "fact-label" }, t("contest.prizes")),
    ),
  );
}

function timing(ctx: ScreenContext, card: ContestCard): (HTMLElement | null)[] {
  const parts: (HTMLElement | null)[] = [];
  if (card.status === "active" && card.endsAt) {
    const open = new Date(card.endsAt).getTime() > new Date(card.serverTime).getTime();
    parts.push(
      open
        ? countdown(ctx, card.endsAt, card.serverTime, () => ctx.refresh())
        : h("p", { class: "countdown-closed", "data-testid": "entries-closed" }, t("contest.closed")),
    );
  }
  if (card.status === "scheduled" && card.publishAt) {
    parts.push(h("p", { class: "hint" }, t("contest.startsAt", { date: formatDate(card.publishAt) })));
  }
  if (card.endsAt) {
    parts.push(h("p", { class: "hint" }, t("contest.endsAt", { date: formatDate(card.endsAt) })));
  }
  if (card.maxParticipants !== null) {
    parts.push(h("p", { class: "hint" }, t("contest.endsWhenFull", { n: formatNumber(card.maxParticipants) })));
  }
  return parts;
}

function statusNote(card: ContestCard): HTMLElement | null {
  const key: Partial<Record<ContestCard["status"], TextKey>> = {
    draft: "contest.notStarted",
    scheduled: "contest.notStarted",
    drawing: "contest.drawing",
    cancelled: "contest.cancelled",
  };
  const text = key[card.status];
  return text ? notice(card.status === "cancelled" ? "error" : "info", h("p", {}, t(text))) : null;
}

export async function contestScreen(ctx: ScreenContext, id: number): Promise<void> {
  const card = await api.contest(id);
  if (!ctx.alive()) return;
  const answerSlot = h("div", { class: "answer", "aria-live": "polite" });
  const count = h("span", { class: "fact-value", "data-testid": "participant-count" }, formatNumber(card.participantCount));
  const joinedBadge = h("span", { class: "chip chip-success", "data-testid": "joined" }, "✓ ", t("contest.joined"));

  const showJoined = (): void => {
    mainAction.clear();
    header.append(joinedBadge);
  };

  const join = async (): Promise<void> => {
    let answer: JoinAnswer;
    try {
      answer = await api.join(id);
    } catch (error) {
      haptic("error");
      replace(answerSlot, notice("error", h("p", { class: "error-detail" }, describeError(error))));
      return;
    }
    if (!ctx.alive()) return;
    count.textContent = formatNumber(answer.participantCount);
    replace(answerSlot, answerView(answer, () => void join()));
    const success = answer.status === "joined" || answer.status === "already_joined";
    haptic(success ? "success" : answer.status === "conditions_missing" ? "warning" : "error");
    if (success) {
      showJoined();
    } else if (answer.status === "conditions_missing" || answer.status === "undecided") {
      mainAction.set(t("join.checkAgain"), join);
    } else {
      mainAction.clear();
    }
    answerSlot.scrollIntoView({ block: "nearest", behavior: "smooth" });
  };

  const header = h("div", { class: "title-row" }, statusBadge(card.status));
  replace(
    ctx.view,
    h("h1", { class: "screen-title", "data-testid": "contest-title" }, card.title),
    header,
    card.description ? h("p", { class: "description" }, card.description) : null,
    section(null, facts(card, count), ...timing(ctx, card)),
    statusNote(card),
    card.requiredChannels.length > 0 && card.status === "active"
      ? section(t("contest.required"), channelList(card.requiredChannels, "required-channels"))
      : null,
    answerSlot,
    card.status === "finished"
      ? h("a", { class: "button button-primary block", href: pathOf({ name: "results", id }), "data-testid": "results-link" }, t("contest.results"))
      : null,
    card.seedCommitment
      ? section(t("contest.commitment"), h("code", { class: "hash", "data-testid": "commitment" }, card.seedCommitment))
      : null,
    card.canManage
      ? h("a", { class: "button button-secondary block", href: pathOf({ name: "manage", id }) }, t("contest.manage"))
      : null,
  );
  if (card.joined) {
    header.append(joinedBadge);
  }
  if (card.status === "finished") {
    mainAction.set(t("contest.results"), () => navigate({ name: "results", id }));
  } else if (card.status === "active" && !card.joined) {
    mainAction.set(t("contest.join"), join);
  }
}
