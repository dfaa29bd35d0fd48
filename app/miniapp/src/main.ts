/**
 * The Mini App shell: Telegram set-up, sign-in, language, then one screen at a time
 * chosen by the URL hash (the first one by the `startapp` parameter).
 */

import "./styles.css";

import { ApiError, api } from "./api";
import { login } from "./auth";
import { h, replace } from "./dom";
import { pickLanguage, setLanguage, t } from "./i18n";
import { fromStartParam, navigate, parentOf, parseRoute, type Route } from "./router";
import type { ScreenContext } from "./screens/context";
import { contestScreen } from "./screens/contest";
import { homeScreen } from "./screens/home";
import { formScreen } from "./screens/organizer/form";
import { organizerScreen } from "./screens/organizer/list";
import { manageScreen } from "./screens/organizer/manage";
import { proofScreen } from "./screens/proof";
import { resultsScreen } from "./screens/results";
import {
  backAction,
  closingConfirmation,
  confirmAction,
  mainAction,
  startParam,
  startTelegram,
  webApp,
} from "./telegram";
import type { Me } from "./types";
import { errorNotice, loading, notice } from "./ui";

const view = document.getElementById("view") as HTMLElement;
let generation = 0;
let cleanups: (() => void)[] = [];
let leaveGuard: (() => boolean) | null = null;
let shownHash = "";

function screenFor(route: Route, ctx: ScreenContext): Promise<void> {
  switch (route.name) {
    case "home":
      return homeScreen(ctx);
    case "contest":
      return contestScreen(ctx, route.id);
    case "results":
      return resultsScreen(ctx, route.id);
    case "proof":
      return proofScreen(ctx, route.id);
    case "organizer":
      return organizerScreen(ctx);
    case "create":
      return formScreen(ctx, null);
    case "edit":
      return formScreen(ctx, route.id);
    case "manage":
      return manageScreen(ctx, route.id);
  }
}

async function show(me: Me, flash?: HTMLElement): Promise<void> {
  const current = ++generation;
  cleanups.forEach((cleanup) => cleanup());
  cleanups = [];
  leaveGuard = null;
  closingConfirmation(false);
  shownHash = location.hash;
  mainAction.clear();
  const route = parseRoute(location.hash);
  const parent = parentOf(route);
  if (parent) {
    backAction.set(() => navigate(parent), t("back"));
  } else {
    backAction.clear();
  }
  document.body.dataset.screen = route.name;
  replace(view, loading());
  const ctx: ScreenContext = {
    me,
    view,
    alive: () => current === generation,
    onLeave: (cleanup) => cleanups.push(cleanup),
    refresh: (message) => void show(me, message),
    guardLeave: (dirty) => {
      leaveGuard = dirty;
    },
  };
  try {
    await screenFor(route, ctx);
    if (flash && ctx.alive()) {
      const heading = view.querySelector(".title-row") ?? view.querySelector("h1");
      if (heading) heading.after(flash);
      else view.prepend(flash);
    }
  } catch (error) {
    if (ctx.alive()) {
      replace(view, h("h1", { class: "screen-title" }, t("error.title")), errorNotice(error, () => void show(me), me.isOrganizer));
    }
  }
  if (ctx.alive()) {
    window.scrollTo(0, 0);
    announceScreen();
  }
}

/** After a screen change: its heading gets the focus (screen readers read it, keyboard
 * users continue from there) and names the document. */
function announceScreen(): void {
  const heading = view.querySelector("h1");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
  document.title = `${heading.textContent ?? ""} · ${t("app.title")}`;
}

/** A hash change leaves the screen: ask first while it has unsaved changes. */
async function leave(me: Me): Promise<void> {
  if (location.hash === shownHash) return;
  if (leaveGuard?.() && !(await confirmAction(t("form.leaveAsk")))) {
    history.replaceState(null, "", shownHash || "#/");
    return;
  }
  await show(me);
}

async function boot(): Promise<void> {
  startTelegram();
  setLanguage(pickLanguage(webApp()?.initDataUnsafe?.user?.language_code ?? navigator.language));
  let identity;
  try {
    identity = await login();
  } catch (error) {
    // A refused dev login (not `contest-bot dev`) means: open it from Telegram.
    const refused = error instanceof ApiError && (error.status === 403 || error.status === 404);
    replace(view, refused ? notice("info", h("p", {}, t("error.noLogin"))) : errorNotice(error, () => location.reload()));
    return;
  }
  setLanguage(pickLanguage(identity?.languageCode ?? navigator.language));
  if (!identity) {
    replace(view, notice("info", h("p", {}, t("error.noLogin"))));
    return;
  }
  let me: Me;
  try {
    me = await api.me();
  } catch (error) {
    replace(view, errorNotice(error, () => location.reload()));
    return;
  }
  setLanguage(me.user.language);
  document.title = t("app.title");
  const first = fromStartParam(startParam());
  if (first && (location.hash === "" || location.hash === "#/")) {
    navigate(first, true);
  }
  window.addEventListener("hashchange", () => void leave(me));
  await show(me);
}

void boot();
