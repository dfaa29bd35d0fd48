/** Create or edit a contest: every field checked in place (see ../../rules.ts), then saved. */

import { api } from "../../api";
import { h, replace } from "../../dom";
import { t, type TextKey } from "../../i18n";
import { navigate } from "../../router";
import {
  CAPTCHA_MODES,
  TICKET_CAP_DEFAULT,
  TICKET_CAP_MAX,
  TICKET_MODES,
  checkForm,
  DESCRIPTION_MAX,
  NEW_SUBSCRIBERS,
  RESERVE_DEFAULT_MIN,
  RESERVE_MAX,
  TITLE_MAX,
  WINNERS_MAX,
  CLAIM_HOURS_MAX,
  CLAIM_HOURS_MIN,
  type Field,
  type FieldProblems,
  type FormValues,
} from "../../rules";
import { closingConfirmation, haptic, mainAction } from "../../telegram";
import { deviceZone, fromZonedInput, knownZone, offsetText, toZonedInput } from "../../time";
import type { CaptchaMode, ChannelLink, ContestSettings, NewSubscribers, ResultsMode, TicketMode } from "../../types";
import { errorContent, notice } from "../../ui";
import type { ScreenContext } from "../context";

/** How the organizer named a channel: @username when it has one, else its chat id. */
function handleOf(channel: ChannelLink): string {
  return channel.username ? `@${channel.username}` : String(channel.chatId);
}

/** "Europe/Moscow (UTC+3)", or "UTC". */
function zoneLabel(zone: string): string {
  const offset = offsetText(zone, new Date());
  return offset === zone ? zone : `${zone} (${offset})`;
}

/** The zone deadlines are written in: the organizer's zone from the bot. */
function formZone(ctx: ScreenContext): string {
  const zone = ctx.me.user.timezone;
  return zone && knownZone(zone) ? zone : deviceZone();
}

interface Control {
  wrapper: HTMLElement;
  input: HTMLInputElement | HTMLTextAreaElement;
  error: HTMLElement;
}

function control(
  field: Field,
  label: TextKey,
  input: HTMLInputElement | HTMLTextAreaElement,
  hint?: string,
): Control {
  const id = `field-${field}`;
  input.id = id;
  input.name = field;
  input.classList.add("input");
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-testid": `error-${field}` });
  input.setAttribute("aria-describedby", error.id);
  const wrapper = h(
    "div",
    { class: "field" },
    h("label", { for: id, class: "field-label" }, t(label)),
    input,
    hint ? h("p", { class: "hint field-hint" }, hint) : null,
    error,
  );
  return { wrapper, input, error };
}

const input = (type: string, attributes: Record<string, string | number> = {}): HTMLInputElement =>
  h("input", { type, ...attributes });

export async function formScreen(ctx: ScreenContext, id: number | null): Promise<void> {
  const existing: ContestSettings | null = id === null ? null : await api.settings(id);
  if (!ctx.alive()) return;
  const controls: Record<Field, Control> = {
    title: control("title", "form.title", input("text", { maxlength: TITLE_MAX + 20, autocomplete: "off" })),
    description: control("description", "form.description", h("textarea", { rows: 4, maxlength: DESCRIPTION_MAX + 100 })),
    winnersCount: control("winnersCount", "form.winners", input("number", { min: 1, max: WINNERS_MAX, inputmode: "numeric" })),
    reserveCount: control("reserveCount", "form.reserves", input("number", { min: 0, max: RESERVE_MAX, inputmode: "numeric" })),
    endsAt: control("endsAt", "form.endsAt", input("datetime-local")),
    maxParticipants: control("maxParticipants", "form.maxParticipants", input("number", { min: 1, inputmode: "numeric" })),
    publishAt: control("publishAt", "form.publishAt", input("datetime-local")),
    requiredChannels: control("requiredChannels", "form.requiredChannels", h("textarea", { rows: 2, spellcheck: "false" }), t("form.channelsHint")),
    targetChannels: control("targetChannels", "form.targetChannels", h("textarea", { rows: 2, spellcheck: "false" }), t("form.channelsHint")),
    referralCap: control("referralCap", "form.referralCap", input("number", { min: 1, max: TICKET_CAP_MAX, inputmode: "numeric" })),
    boostCap: control("boostCap", "form.boostCap", input("number", { min: 1, max: TICKET_CAP_MAX, inputmode: "numeric" })),
    claimHours: control("claimHours", "form.claimHours", input("number", { min: CLAIM_HOURS_MIN, max: CLAIM_HOURS_MAX, inputmode: "numeric" }), t("form.claimHint")),
  };
  const notify = input("checkbox", { id: "field-notify", name: "notifyParticipants" });
  const mode = h(
    "select",
    { id: "field-resultsMode", name: "resultsMode", class: "input" },
    (["reply", "edit"] as ResultsMode[]).map((value) => h("option", { value }, t(`form.resultsMode.${value}` as TextKey))),
  );
  const captcha = h(
    "select",
    { id: "field-captchaMode", name: "captchaMode", class: "input", "aria-describedby": "captcha-hint" },
    CAPTCHA_MODES.map((value) => h("option", { value }, t(`form.captchaMode.${value}` as TextKey))),
  );
  const tickets = h(
    "select",
    { id: "field-ticketMode", name: "ticketMode", class: "input", "aria-describedby": "tickets-hint" },
    TICKET_MODES.map((value) => h("option", { value }, t(`form.ticketMode.${value}` as TextKey))),
  );
  const leavers = input("checkbox", { id: "field-excludeLeavers", name: "excludeLeavers" });
  const newSubscribers = h(
    "select",
    { id: "field-newSubscribers", name: "newSubscribers", class: "input" },
    NEW_SUBSCRIBERS.map((value) => h("option", { value }, t(`form.newSubscribers.${value}` as TextKey))),
  );
  const premium = input("checkbox", { id: "field-premiumOnly", name: "premiumOnly" });
  const formError = h("div", { class: "form-error", "aria-live": "assertive" });
  const zone = formZone(ctx);
  const zoneNote = h("p", { class: "hint", id: "zone-note", "data-testid": "zone-note", "data-zone": zone }, t("form.zoneNote", { zone: zoneLabel(zone) }));
  for (const field of ["endsAt", "publishAt"] as const) {
    const input = controls[field].input;
    input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby")} zone-note`);
  }

  controls.title.input.value = existing?.title ?? "";
  controls.description.input.value = existing?.description ?? "";
  controls.winnersCount.input.value = String(existing?.winnersCount ?? 1);
  controls.reserveCount.input.value = String(existing?.reserveCount ?? RESERVE_DEFAULT_MIN);
  controls.endsAt.input.value = toZonedInput(existing?.endsAt ?? null, zone);
  controls.maxParticipants.input.value = existing?.maxParticipants?.toString() ?? "";
  controls.publishAt.input.value = toZonedInput(existing?.publishAt ?? null, zone);
  controls.requiredChannels.input.value = (existing?.requiredChannels ?? []).map(handleOf).join("\n");
  controls.targetChannels.input.value = (existing?.targetChannels ?? []).map(handleOf).join("\n");
  controls.claimHours.input.value = existing?.claimHours?.toString() ?? "";
  notify.checked = existing?.notifyParticipants ?? false;
  mode.value = existing?.resultsMode ?? "reply";
  captcha.value = existing?.captchaMode ?? "off";
  tickets.value = existing?.ticketMode ?? "none";
  controls.referralCap.input.value = String(existing?.referralCap ?? TICKET_CAP_DEFAULT);
  controls.boostCap.input.value = String(existing?.boostCap ?? TICKET_CAP_DEFAULT);
  leavers.checked = existing?.excludeLeavers ?? false;
  newSubscribers.value = existing?.newSubscribers ?? "off";
  premium.checked = existing?.premiumOnly ?? false;

  const values = (): FormValues => ({
    title: controls.title.input.value,
    description: controls.description.input.value,
    winnersCount: controls.winnersCount.input.value,
    reserveCount: controls.reserveCount.input.value,
    endsAt: fromZonedInput(controls.endsAt.input.value, zone),
    maxParticipants: controls.maxParticipants.input.value,
    publishAt: fromZonedInput(controls.publishAt.input.value, zone),
    requiredChannels: controls.requiredChannels.input.value,
    targetChannels: controls.targetChannels.input.value,
    claimHours: controls.claimHours.input.value,
    notifyParticipants: notify.checked,
    resultsMode: mode.value as ResultsMode,
    captchaMode: captcha.value as CaptchaMode,
    ticketMode: tickets.value as TicketMode,
    referralCap: controls.referralCap.input.value,
    boostCap: controls.boostCap.input.value,
    excludeLeavers: leavers.checked,
    newSubscribers: newSubscribers.value as NewSubscribers,
    premiumOnly: premium.checked,
  });

  const show = (problems: FieldProblems): void => {
    for (const [field, item] of Object.entries(controls) as [Field, Control][]) {
      const problem = problems[field];
      item.error.textContent = problem ? t(problem.key, problem.params) : "";
      if (problem) item.input.setAttribute("aria-invalid", "true");
      else item.input.removeAttribute("aria-invalid");
      item.wrapper.classList.toggle("field-invalid", Boolean(problem));
    }
  };

  let touched = false;
  let dirty = false;
  ctx.guardLeave(() => dirty);
  const save = async (): Promise<void> => {
    touched = true;
    const { problems, input: body } = checkForm(values());
    show(problems);
    if (!body) {
      haptic("error");
      replace(formError, notice("error", h("p", {}, t("form.fixErrors"))));
      const first = ctx.view.querySelector<HTMLElement>(".field-invalid .input");
      first?.focus({ preventScroll: true });
      first?.scrollIntoView({ block: "center" });
      return;
    }
    replace(formError);
    try {
      const card = id === null ? await api.create(body) : await api.update(id, body);
      haptic("success");
      dirty = false;
      closingConfirmation(false);
      navigate({ name: "manage", id: card.id }, true);
    } catch (error) {
      haptic("error");
      replace(formError, notice("error", ...errorContent(error, true)));
      formError.scrollIntoView({ block: "center" });
    }
  };

  const locked = existing !== null && !["draft", "scheduled"].includes(existing.status);
  const form = h(
    "form",
    {
      class: "form",
      novalidate: true,
      onSubmit: ((event: Event) => {
        event.preventDefault();
        void save();
      }) as EventListener,
      onInput: (() => {
        if (!dirty) {
          dirty = true;
          closingConfirmation(true);
        }
        if (touched) show(checkForm(values()).problems);
      }) as EventListener,
    },
    formError,
    controls.title.wrapper,
    controls.description.wrapper,
    h("div", { class: "field-pair" }, controls.winnersCount.wrapper, controls.reserveCount.wrapper),
    h("p", { class: "hint" }, t("form.endHint")),
    zoneNote,
    controls.endsAt.wrapper,
    controls.maxParticipants.wrapper,
    controls.publishAt.wrapper,
    controls.requiredChannels.wrapper,
    controls.targetChannels.wrapper,
    controls.claimHours.wrapper,
    h("div", { class: "field" }, h("label", { for: mode.id, class: "field-label" }, t("form.resultsMode")), mode),
    h("label", { class: "checkbox" }, notify, h("span", {}, t("form.notify"))),
    h("h2", { class: "section-title" }, t("form.tickets")),
    h(
      "div",
      { class: "field" },
      h("label", { for: tickets.id, class: "field-label" }, t("form.ticketMode")),
      tickets,
      h("p", { class: "hint field-hint", id: "tickets-hint" }, t("form.ticketsHint")),
    ),
    h("div", { class: "field-pair" }, controls.referralCap.wrapper, controls.boostCap.wrapper),
    h("h2", { class: "section-title" }, t("form.antiFraud")),
    h(
      "div",
      { class: "field" },
      h("label", { for: captcha.id, class: "field-label" }, t("form.captchaMode")),
      captcha,
      h("p", { class: "hint field-hint", id: "captcha-hint" }, t("form.captchaHint")),
    ),
    h("label", { class: "checkbox" }, leavers, h("span", {}, t("form.excludeLeavers"))),
    h(
      "div",
      { class: "field" },
      h("label", { for: newSubscribers.id, class: "field-label" }, t("form.newSubscribers")),
      newSubscribers,
    ),
    h("label", { class: "checkbox" }, premium, h("span", {}, t("form.premiumOnly"))),
    h("button", { type: "submit", class: "hidden", tabindex: -1, "aria-hidden": "true" }),
  );
  replace(
    ctx.view,
    h("h1", { class: "screen-title" }, t(id === null ? "form.newTitle" : "form.editTitle")),
    locked ? notice("warning", h("p", {}, t("form.locked"))) : form,
  );
  if (!locked) {
    mainAction.set(t(id === null ? "form.create" : "form.save"), save);
  }
}
