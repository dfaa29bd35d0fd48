/** The participant's contest card: countdown, conditions, Join and the answer to it. */

import { api } from "../api";
import { h, replace } from "../dom";
import { formatNumber, formatWhen, t, type TextKey } from "../i18n";
import { navigate, pathOf, referrerFor } from "../router";
import { haptic, mainAction, startParam } from "../telegram";
import type { ChannelLink, ContestCard, JoinAnswer, Tickets } from "../types";
import { errorContent, externalLink, notice, section, statusBadge, type NoticeKind } from "../ui";
import type { ScreenContext } from "./context";
import { captchaView } from "./captcha";
import { countdown } from "./countdown";

export function channelName(channel: ChannelLink): string {
  return channel.title || (channel.username ? `@${channel.username}` : String(channel.chatId));
}

/** The required channels; after a join attempt each says whether it is missing, and only
 * the missing ones keep their Open button (one list, not a second one in the answer). */
function channelList(channels: ChannelLink[], missing: Set<number> | null): HTMLElement {
  return h(
    "ul",
    { class: "channels", "data-testid": "required-channels" },
    channels.map((channel) => {
      const isMissing = missing?.has(channel.chatId) ?? false;
      const state = missing === null ? null : isMissing ? "missing" : "subscribed";
      return h(
        "li",
        { class: "channel", "data-state": state },
        h(
          "span",
          { class: "channel-main" },
          h("span", { class: "channel-title" }, channelName(channel)),
          state
            ? h("span", { class: `channel-state channel-${state}`, "data-testid": `channel-${state}` }, state === "missing" ? `✗ ${t("join.notSubscribed")}` : `✓ ${t("join.subscribed")}`)
            : null,
        ),
        state === "subscribed"
          ? null
          : channel.link
            ? externalLink(channel.link, t("join.open"), "button button-small")
            : h("span", { class: "hint" }, t("join.noLink")),
      );
    }),
  );
}

const ANSWER_KIND: Record<JoinAnswer["status"], NoticeKind> = {
  joined: "success",
  already_joined: "success",
  conditions_missing: "warning",
  undecided: "warning",
  not_open: "error",
  full: "error",
  not_eligible: "error",
  captcha_required: "info",
  captcha_failed: "warning",
  rate_limited: "warning",
};

/** The answer to Join in one sentence (the server's `message` is the bot's wording of
 * the same answer, for the chat; the missing channels are marked in the list above). */
function answerView(answer: JoinAnswer): HTMLElement {
  return notice(
    ANSWER_KIND[answer.status],
    h("p", { class: "notice-title", "data-testid": "join-status", "data-status": answer.status }, t(`join.${answer.status}` as TextKey)),
    // which rule keeps them out (Premium only, new subscribers only), or when to try
    // again: the server's words
    answer.status === "not_eligible" || answer.status === "rate_limited"
      ? h("p", { "data-testid": "join-reason" }, answer.message)
      : null,
  );
}

/** The contest's anti-fraud rules, said before anyone joins (as the channel post does). */
function rulesNote(card: ContestCard): HTMLElement | null {
  const rules: TextKey[] = [];
  if (card.premiumOnly) rules.push("contest.rulePremium");
  if (card.newSubscribers && card.newSubscribers !== "off") rules.push("contest.ruleNewSubscribers");
  if (card.excludeLeavers) rules.push("contest.ruleLeavers");
  if (rules.length === 0) return null;
  return h("ul", { class: "hint rules", "data-testid": "contest-rules" }, rules.map((key) => h("li", {}, t(key))));
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
    parts.push(h("p", { class: "hint" }, t("contest.startsAt", { date: formatWhen(card.publishAt, new Date(card.serverTime).getTime()) })));
  }
  if (card.endsAt) {
    const now = new Date(card.serverTime).getTime();
    parts.push(h("p", { class: "hint", "data-testid": "deadline" }, t("contest.endsAt", { date: formatWhen(card.endsAt, now) })));
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
  if (card.status === "drawing" && card.beacon) {
    const when = formatWhen(card.beacon.expectedAt, new Date(card.serverTime).getTime());
    return notice(
      card.beacon.unreachable ? "warning" : "info",
      h("p", { "data-testid": "beacon-wait" }, t("contest.beaconWait", { round: card.beacon.round, date: when })),
      card.beacon.unreachable ? h("p", { class: "hint" }, t("contest.beaconUnreachable")) : null,
    );
  }
  const text = key[card.status];
  return text ? notice(card.status === "cancelled" ? "error" : "info", h("p", {}, t(text))) : null;
}

/** The participant's tickets and the link that brings friends in. */
function ticketsView(tickets: Tickets): HTMLElement {
  const link = externalLink(tickets.appLink, tickets.appLink);
  link.dataset.testid = "invite-link";
  return section(
    t("contest.ticketsTitle"),
    h("p", { "data-testid": "tickets" }, t("contest.tickets", { total: tickets.total, referrals: tickets.referrals, boosts: tickets.boosts })),
    h("p", { class: "hint" }, t("contest.inviteHint")),
    link,
  );
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

  const channelsSlot = h("div", {});
  const showChannels = (missing: Set<number> | null): void => {
    replace(
      channelsSlot,
      card.requiredChannels.length > 0 && card.status === "active"
        ? section(t("contest.required"), channelList(card.requiredChannels, missing))
        : null,
    );
  };
  showChannels(null);

  const join = (): Promise<void> => ask(() => api.join(id, referrerFor(startParam(), id)));
  const ask = async (request: () => Promise<JoinAnswer>): Promise<void> => {
    let answer: JoinAnswer;
    try {
      answer = await request();
    } catch (error) {
      haptic("error");
      replace(answerSlot, notice("error", ...errorContent(error)));
      return;
    }
    if (!ctx.alive()) return;
    count.textContent = formatNumber(answer.participantCount);
    const question = answer.captcha;
    if (question) {
      // a question first (or again, after a wrong answer): the join waits for it
      mainAction.clear();
      const solve = (choice: number, work: string): Promise<void> =>
        ask(() => api.answerCaptcha(id, question.token, choice, work));
      replace(answerSlot, answerView(answer), captchaView(question, answer.message, solve));
      answerSlot.querySelector<HTMLElement>("[data-testid=captcha-option]")?.focus({ preventScroll: true });
      return;
    }
    replace(answerSlot, answerView(answer));
    if (answer.status === "conditions_missing") {
      showChannels(new Set(answer.missing.map((channel) => channel.chatId)));
    } else if (answer.status === "joined" || answer.status === "already_joined") {
      showChannels(null);
    }
    const success = answer.status === "joined" || answer.status === "already_joined";
    haptic(success ? "success" : answer.status === "conditions_missing" ? "warning" : "error");
    if (success) {
      showJoined();
    } else if (["conditions_missing", "undecided", "rate_limited"].includes(answer.status)) {
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
    rulesNote(card),
    channelsSlot,
    answerSlot,
    card.tickets ? ticketsView(card.tickets) : null,
    card.status === "finished"
      ? h("a", { class: "button button-primary block", href: pathOf({ name: "results", id }), "data-testid": "results-link" }, t("contest.results"))
      : null,
    card.seedCommitment
      ? h(
          "details",
          { class: "card fairness" },
          h("summary", { "data-testid": "fairness" }, t("contest.fairTitle")),
          h("p", {}, t("contest.fairText")),
          h("p", { class: "hint" }, t("contest.commitment")),
          h("code", { class: "hash", "data-testid": "commitment" }, card.seedCommitment),
        )
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
