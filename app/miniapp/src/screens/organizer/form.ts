/** Create or edit a contest: every field checked in place (see ../../rules.ts), then saved. */

import { api } from "../../api";
import { h, replace } from "../../dom";
import { t, type TextKey } from "../../i18n";
import { navigate } from "../../router";
import {
  checkForm,
  DESCRIPTION_MAX,
  RESERVE_DEFAULT_MIN,
  RESERVE_MAX,
  TITLE_MAX,
  WINNERS_MAX,
  type Field,
  type FieldProblems,
  type FormValues,
} from "../../rules";
import { haptic, mainAction } from "../../telegram";
import type { ContestSettings, ResultsMode } from "../../types";
import { describeError, notice } from "../../ui";
import type { ScreenContext } from "../context";

/** An ISO time as the value of a datetime-local input (the device's time zone). */
export function localInputValue(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function parseLocal(value: string): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function handleOf(link: { chatId: number; link: string | null }): string {
  const username = link.link ? /^https:\/\/t\.me\/([A-Za-z0-9_]+)$/.exec(link.link)?.[1] : undefined;
  return username ? `@${username}` : String(link.chatId);
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
  };
  const notify = input("checkbox", { id: "field-notify", name: "notifyParticipants" });
  const mode = h(
    "select",
    { id: "field-resultsMode", name: "resultsMode", class: "input" },
    (["reply", "edit"] as ResultsMode[]).map((value) => h("option", { value }, t(`form.resultsMode.${value}` as TextKey))),
  );
  const formError = h("div", { class: "form-error", "aria-live": "assertive" });

  controls.title.input.value = existing?.title ?? "";
  controls.description.input.value = existing?.description ?? "";
  controls.winnersCount.input.value = String(existing?.winnersCount ?? 1);
  controls.reserveCount.input.value = String(existing?.reserveCount ?? RESERVE_DEFAULT_MIN);
  controls.endsAt.input.value = localInputValue(existing?.endsAt ?? null);
  controls.maxParticipants.input.value = existing?.maxParticipants?.toString() ?? "";
  controls.publishAt.input.value = localInputValue(existing?.publishAt ?? null);
  controls.requiredChannels.input.value = (existing?.requiredChannels ?? []).map(handleOf).join("\n");
  controls.targetChannels.input.value = (existing?.targetChannels ?? []).map((c) => String(c.chatId)).join("\n");
  notify.checked = existing?.notifyParticipants ?? false;
  mode.value = existing?.resultsMode ?? "reply";

  const values = (): FormValues => ({
    title: controls.title.input.value,
    description: controls.description.input.value,
    winnersCount: controls.winnersCount.input.value,
    reserveCount: controls.reserveCount.input.value,
    endsAt: parseLocal(controls.endsAt.input.value),
    maxParticipants: controls.maxParticipants.input.value,
    publishAt: parseLocal(controls.publishAt.input.value),
    requiredChannels: controls.requiredChannels.input.value,
    targetChannels: controls.targetChannels.input.value,
    notifyParticipants: notify.checked,
    resultsMode: mode.value as ResultsMode,
  });

  const show = (problems: FieldProblems): void => {
    for (const [field, item] of Object.entries(controls) as [Field, Control][]) {
      const problem = problems[field];
      item.error.textContent = problem ? t(problem.key, problem.params) : "";
      item.input.toggleAttribute("aria-invalid", Boolean(problem));
      item.wrapper.classList.toggle("field-invalid", Boolean(problem));
    }
  };

  let touched = false;
  const save = async (): Promise<void> => {
    touched = true;
    const { problems, input: body } = checkForm(values());
    show(problems);
    if (!body) {
      haptic("error");
      replace(formError, notice("error", h("p", {}, t("form.fixErrors"))));
      ctx.view.querySelector(".field-invalid")?.scrollIntoView({ block: "center" });
      return;
    }
    replace(formError);
    try {
      const card = id === null ? await api.create(body) : await api.update(id, body);
      haptic("success");
      navigate({ name: "manage", id: card.id }, true);
    } catch (error) {
      haptic("error");
      replace(formError, notice("error", h("p", { class: "error-detail", "data-testid": "form-error" }, describeError(error))));
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
        if (touched) show(checkForm(values()).problems);
      }) as EventListener,
    },
    formError,
    controls.title.wrapper,
    controls.description.wrapper,
    h("div", { class: "field-pair" }, controls.winnersCount.wrapper, controls.reserveCount.wrapper),
    h("p", { class: "hint" }, t("form.endHint")),
    controls.endsAt.wrapper,
    controls.maxParticipants.wrapper,
    controls.publishAt.wrapper,
    controls.requiredChannels.wrapper,
    controls.targetChannels.wrapper,
    h("div", { class: "field" }, h("label", { for: mode.id, class: "field-label" }, t("form.resultsMode")), mode),
    h("label", { class: "checkbox" }, notify, h("span", {}, t("form.notify"))),
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
