/**
 * The parts of Telegram's WebApp object (telegram-web-app.js) the Mini App uses, with
 * fallbacks for a normal browser: an in-page main button and back link, no haptics.
 * Inside Telegram (non-empty initData) the native MainButton and BackButton are used.
 */

export interface ThemeParams {
  [name: string]: string | undefined;
}

interface BottomButton {
  setText(text: string): BottomButton;
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

export interface WebApp {
  initData: string;
  initDataUnsafe: {
    user?: { id: number; first_name?: string; language_code?: string };
    start_param?: string;
  };
  colorScheme?: "light" | "dark";
  themeParams: ThemeParams;
  platform?: string;
  ready(): void;
  expand(): void;
  onEvent(event: string, callback: () => void): void;
  openTelegramLink?(url: string): void;
  openLink?(url: string): void;
  MainButton?: BottomButton;
  BackButton?: NativeBackButton;
  HapticFeedback?: {
    notificationOccurred(type: "error" | "success" | "warning"): void;
    impactOccurred(style: "light" | "medium" | "heavy" | "rigid" | "soft"): void;
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

/** Theme parameters → `--tg-theme-*` CSS variables (Telegram's script sets them too). */
export function applyTheme(): void {
  const app = webApp();
  const root = document.documentElement;
  if (!app) {
    return;
  }
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

export function startTelegram(): void {
  const app = webApp();
  applyTheme();
  if (!app) {
    return;
  }
  app.onEvent?.("themeChanged", applyTheme);
  app.ready();
  app.expand();
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
  try {
    webApp()?.HapticFeedback?.notificationOccurred(kind);
  } catch {
    // Older clients lack haptics; the visible answer is what matters.
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
    const native = inTelegram() ? webApp()?.BackButton : undefined;
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
    const native = inTelegram() ? webApp()?.BackButton : undefined;
    if (native && this.handler) {
      native.offClick(this.handler);
      native.hide();
    }
    document.getElementById("back-slot")?.replaceChildren();
    this.handler = null;
  }
}

export const backAction = new BackAction();
