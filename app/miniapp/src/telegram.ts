/**
 * The parts of Telegram's WebApp object (telegram-web-app.js) the Mini App uses, with
 * fallbacks for a normal browser: an in-page main button and back link, no haptics,
 * the browser's confirm(). Inside Telegram (non-empty initData) the native MainButton,
 * BackButton, popups, closing confirmation, haptics and the stable viewport are used,
 * each only where the client's version has it (`supports`).
 */

import { applyReadableColours } from "./contrast";

export interface ThemeParams {
  [name: string]: string | undefined;
}

interface BottomButton {
  setText(text: string): BottomButton;
  setParams?(params: { color?: string; text_color?: string }): BottomButton;
  show(): BottomButton;
  hide(): BottomButton;
  enable(): BottomButton;
  disable(): BottomButton;
  showProgress(leaveActive?: boolean): BottomButton;
  hideProgress(): BottomButton;
  onClick(callback: () => void): BottomButton;
  offClick(callback: () => void): BottomButton;
}

interface NativeBackButton {
  show(): void;
  hide(): void;
  onClick(callback: () => void): void;
  offClick(callback: () => void): void;
}

export interface SafeAreaInset {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface WebApp {
  version?: string;
  initData: string;
  initDataUnsafe: {
    user?: { id: number; first_name?: string; language_code?: string };
    start_param?: string;
  };
  colorScheme?: "light" | "dark";
  themeParams: ThemeParams;
  platform?: string;
  viewportStableHeight?: number;
  safeAreaInset?: SafeAreaInset;
  contentSafeAreaInset?: SafeAreaInset;
  ready(): void;
  expand(): void;
  isVersionAtLeast?(version: string): boolean;
  onEvent(event: string, callback: () => void): void;
  offEvent?(event: string, callback: () => void): void;
  setHeaderColor?(color: string): void;
  setBackgroundColor?(color: string): void;
  setBottomBarColor?(color: string): void;
  enableClosingConfirmation?(): void;
  disableClosingConfirmation?(): void;
  showConfirm?(message: string, callback: (confirmed: boolean) => void): void;
  openTelegramLink?(url: string): void;
  openLink?(url: string): void;
  MainButton?: BottomButton;
  BackButton?: NativeBackButton;
  HapticFeedback?: {
    notificationOccurred(type: "error" | "success" | "warning"): void;
    impactOccurred(style: "light" | "medium" | "heavy" | "rigid" | "soft"): void;
    selectionChanged(): void;
  };
}

declare global {
  interface Window {
    Telegram?: { WebApp?: WebApp };
  }
}

export function webApp(): WebApp | undefined {
  return window.Telegram?.WebApp;
}

/** True when running inside a Telegram client (it hands over signed initData). */
export function inTelegram(): boolean {
  return Boolean(webApp()?.initData);
}

/**
 * Whether the Telegram client implements Bot API `version` of the Web App features.
 * Older clients log an error (or throw) on features they lack, so every optional call
 * is guarded by the version the docs introduce it in.
 */
export function supports(version: string): boolean {
  const app = webApp();
  if (!inTelegram() || !app?.isVersionAtLeast) return false;
  try {
    return app.isVersionAtLeast(version);
  } catch {
    return false;
  }
}

/** Theme parameters → `--tg-theme-*` CSS variables (Telegram's script sets them too),
 * then readable variants of them (see ./contrast.ts). */
export function applyTheme(): void {
  const app = webApp();
  const root = document.documentElement;
  if (app) {
    for (const [name, value] of Object.entries(app.themeParams ?? {})) {
      if (value) {
        root.style.setProperty(`--tg-theme-${name.replace(/_/g, "-")}`, value);
      }
    }
    if (app.colorScheme) {
      root.dataset.colorScheme = app.colorScheme;
      root.style.colorScheme = app.colorScheme;
    }
  }
  applyReadableColours(root);
  matchChrome();
}

/** Telegram's header, background and bottom bar in the page's own colours (6.1, 7.10). */
function matchChrome(): void {
  const app = webApp();
  if (!app) return;
  const style = getComputedStyle(document.documentElement);
  const accent = style.getPropertyValue("--accent").trim();
  if (inTelegram() && /^#[0-9a-f]{6}$/i.test(accent)) {
    // Telegram draws the MainButton in the theme's button colour: use the readable one.
    app.MainButton?.setParams?.({ color: accent });
  }
  const page = style.getPropertyValue("--bg").trim();
  if (!/^#[0-9a-f]{6}$/i.test(page)) return;
  if (supports("6.1")) {
    app.setHeaderColor?.(page);
    app.setBackgroundColor?.(page);
  }
  if (supports("7.10")) app.setBottomBarColor?.(page);
}

/** Telegram's stable viewport height and safe-area insets as CSS variables. */
function applyViewport(): void {
  const app = webApp();
  const root = document.documentElement.style;
  if (app?.viewportStableHeight) {
    root.setProperty("--viewport-stable-height", `${app.viewportStableHeight}px`);
  }
  for (const [prefix, inset] of [
    ["safe", supports("8.0") ? app?.safeAreaInset : undefined],
    ["content-safe", supports("8.0") ? app?.contentSafeAreaInset : undefined],
  ] as const) {
    for (const side of ["top", "bottom", "left", "right"] as const) {
      root.setProperty(`--tg-${prefix}-${side}`, `${inset?.[side] ?? 0}px`);
    }
  }
}

export function startTelegram(): void {
  const app = webApp();
  applyTheme();
  applyViewport();
  if (!app) {
    return;
  }
  app.onEvent?.("themeChanged", applyTheme);
  app.onEvent?.("viewportChanged", applyViewport);
  app.onEvent?.("safeAreaChanged", applyViewport);
  app.onEvent?.("contentSafeAreaChanged", applyViewport);
  app.ready();
  app.expand();
}

/**
 * Ask before a destructive action: Telegram's native dialog (6.2), or the browser's.
 * Resolves true when the user confirmed.
 */
export function confirmAction(message: string): Promise<boolean> {
  const app = webApp();
  if (supports("6.2") && app?.showConfirm) {
    return new Promise((resolve) => {
      try {
        app.showConfirm?.(message, resolve);
      } catch {
        resolve(false); // a popup is already open (WebAppPopupOpened): this press asks nothing
      }
    });
  }
  return Promise.resolve(window.confirm(message));
}

/**
 * While a form has unsaved changes, closing the Mini App asks first (6.2), and leaving
 * the screen inside the app asks through `confirmAction`.
 */
export function closingConfirmation(enabled: boolean): void {
  const app = webApp();
  if (!supports("6.2")) return;
  if (enabled) app?.enableClosingConfirmation?.();
  else app?.disableClosingConfirmation?.();
}

/** The `startapp` parameter: from Telegram, or `?startapp=` / `?tgWebAppStartParam=`. */
export function startParam(): string | null {
  const fromTelegram = webApp()?.initDataUnsafe?.start_param;
  if (fromTelegram) {
    return fromTelegram;
  }
  const query = new URLSearchParams(location.search);
  return query.get("tgWebAppStartParam") ?? query.get("startapp");
}

export function haptic(kind: "success" | "error" | "warning"): void {
  if (!supports("6.1")) return;
  try {
    webApp()?.HapticFeedback?.notificationOccurred(kind);
  } catch {
    // The visible answer is what matters.
  }
}

/** A light tap for a press that changes something on the screen (a toggle, a choice). */
export function tap(): void {
  if (!supports("6.1")) return;
  try {
    webApp()?.HapticFeedback?.impactOccurred("light");
  } catch {
    // As above.
  }
}

/** Open a t.me link inside Telegram; other links in the browser. */
export function openLink(url: string): boolean {
  const app = webApp();
  if (!inTelegram() || !app) {
    return false;
  }
  if (/^https:\/\/t\.me\//.test(url) && app.openTelegramLink) {
    app.openTelegramLink(url);
    return true;
  }
  if (app.openLink) {
    app.openLink(url);
    return true;
  }
  return false;
}

type Action = () => void | Promise<void>;

/** The screen's primary action: Telegram's MainButton, or a sticky in-page button. */
class MainAction {
  private handler: (() => void) | null = null;
  private fallback: HTMLButtonElement | null = null;

  set(text: string, action: Action): void {
    this.clear();
    const run = (): void => {
      void this.runBusy(action);
    };
    this.handler = run;
    const native = inTelegram() ? webApp()?.MainButton : undefined;
    if (native) {
      native.setText(text).enable().show();
      native.onClick(run);
      return;
    }
    this.fallback = document.createElement("button");
    this.fallback.type = "button";
    this.fallback.className = "main-action";
    this.fallback.textContent = text;
    this.fallback.addEventListener("click", run);
    document.getElementById("main-action-slot")?.replaceChildren(this.fallback);
    document.body.classList.add("has-main-action");
  }

  clear(): void {
    const native = inTelegram() ? webApp()?.MainButton : undefined;
    if (native && this.handler) {
      native.offClick(this.handler);
      native.hideProgress().hide();
    }
    this.fallback?.remove();
    this.fallback = null;
    this.handler = null;
    document.body.classList.remove("has-main-action");
  }

  private async runBusy(action: Action): Promise<void> {
    const native = inTelegram() ? webApp()?.MainButton : undefined;
    native?.showProgress(false);
    if (this.fallback) {
      this.fallback.disabled = true;
    }
    try {
      await action();
    } finally {
      native?.hideProgress();
      if (this.fallback) {
        this.fallback.disabled = false;
      }
    }
  }
}

export const mainAction = new MainAction();

/** Back navigation: Telegram's BackButton, or an in-page back link. */
class BackAction {
  private handler: (() => void) | null = null;

  set(action: () => void, label: string): void {
    this.clear();
    this.handler = action;
    const native = supports("6.1") ? webApp()?.BackButton : undefined;
    if (native) {
      native.onClick(action);
      native.show();
      return;
    }
    const link = document.createElement("button");
    link.type = "button";
    link.className = "back-link";
    link.textContent = "‹";
    link.setAttribute("aria-label", label);
    link.addEventListener("click", action);
    document.getElementById("back-slot")?.replaceChildren(link);
  }

  clear(): void {
    const native = supports("6.1") ? webApp()?.BackButton : undefined;
    if (native && this.handler) {
      native.offClick(this.handler);
      native.hide();
    }
    document.getElementById("back-slot")?.replaceChildren();
    this.handler = null;
  }
}

export const backAction = new BackAction();
