"""A stand-in for https://telegram.org/js/telegram-web-app.js, served by `page.route`.

It defines `window.Telegram.WebApp` as a Telegram client would: initData signed with the
test bot token (by `app.api.init_data.sign`), `initDataUnsafe` with the user and
`start_param`, theme parameters and colour scheme, and MainButton / BackButton /
HapticFeedback, popups (showPopup/showConfirm/showAlert), closing confirmation, header /
background / bottom bar colours, the viewport (`viewportStableHeight`, `viewportChanged`)
and safe-area insets, each only from the Bot API version that introduced it (as
Telegram's script, newer methods log and do nothing on an older client: pass `version`).
The MainButton is drawn as a fixed bar at the bottom (Telegram draws it outside the web
view), so a test clicks it like a user. Everything the page asks of Telegram is recorded
in `window.__telegram.events`; `window.__telegram` also switches the theme, answers the
open popup, tries to close the app and resizes the viewport like a client does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from playwright.async_api import Page

from app.api import init_data

SCRIPT_URL = "https://telegram.org/js/telegram-web-app.js"

# Colours as Telegram's own clients send them (Android light, Web K dark).
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "bg_color": "#ffffff",
        "text_color": "#000000",
        "hint_color": "#707579",
        "link_color": "#3390ec",
        "button_color": "#3390ec",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#f4f4f5",
        "header_bg_color": "#ffffff",
        "accent_text_color": "#3390ec",
        "section_bg_color": "#ffffff",
        "section_header_text_color": "#3390ec",
        "subtitle_text_color": "#707579",
        "destructive_text_color": "#e53935",
        "bottom_bar_bg_color": "#ffffff",
        "section_separator_color": "#e7e7e7",
    },
    "dark": {
        "bg_color": "#212121",
        "text_color": "#ffffff",
        "hint_color": "#aaaaaa",
        "link_color": "#8774e1",
        "button_color": "#8774e1",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#0f0f0f",
        "header_bg_color": "#212121",
        "accent_text_color": "#8774e1",
        "section_bg_color": "#212121",
        "section_header_text_color": "#aaaaaa",
        "subtitle_text_color": "#aaaaaa",
        "destructive_text_color": "#ff595a",
        "bottom_bar_bg_color": "#212121",
        "section_separator_color": "#100f10",
    },
}

_TEMPLATE = r"""
(() => {
  const config = __CONFIG__;
  const events = [];
  const handlers = {};
  const record = (name, detail) => events.push(detail === undefined ? name : [name, detail]);
  // Telegram calls event handlers with `this` = WebApp and the event's parameters.
  const fire = (event, params) =>
    (handlers[event] || []).forEach((callback) => callback.call(WebApp, params));

  // Bot API versions as Telegram's script compares them ("6.10" > "6.9").
  const versionAtLeast = (version) => {
    const have = config.version.split(".").map(Number);
    const want = String(version).split(".").map(Number);
    for (let i = 0; i < Math.max(have.length, want.length); i += 1) {
      if ((have[i] || 0) !== (want[i] || 0)) return (have[i] || 0) > (want[i] || 0);
    }
    return true;
  };
  // Like telegram-web-app.js: a method newer than the client logs and does nothing.
  const since = (version, name, body) => (...args) => {
    if (!versionAtLeast(version)) {
      console.warn(`[Telegram.WebApp] ${name} is not supported in version ${config.version}`);
      record("unsupported", name);
      return undefined;
    }
    return body(...args);
  };
  // ... except popups, which throw on a client that lacks them.
  const throwsBefore = (version, name, body) => (...args) => {
    if (!versionAtLeast(version)) {
      record("unsupported", name);
      throw new Error("WebAppMethodUnsupported");
    }
    return body(...args);
  };
  const COLOR = /^#[0-9a-f]{6}$/i;

  function bottomButton() {
    const clicks = new Set();
    let element = null;
    const button = {
      text: "", isVisible: false, isActive: true, isProgressVisible: false,
      color: null, textColor: null,
      setText(text) { button.text = text; draw(); return button; },
      setParams(params) {
        if ("text" in params) button.text = params.text;
        if ("color" in params) {
          if (!COLOR.test(params.color)) throw new Error("WebAppMainButtonParamInvalid");
          button.color = params.color;
        }
        if ("text_color" in params) button.textColor = params.text_color;
        record("MainButton.setParams", params);
        draw();
        return button;
      },
      show() { button.isVisible = true; record("MainButton.show"); draw(); return button; },
      hide() { button.isVisible = false; draw(); return button; },
      enable() { button.isActive = true; draw(); return button; },
      disable() { button.isActive = false; draw(); return button; },
      showProgress() { button.isProgressVisible = true; draw(); return button; },
      hideProgress() { button.isProgressVisible = false; draw(); return button; },
      onClick(callback) { clicks.add(callback); return button; },
      offClick(callback) { clicks.delete(callback); return button; },
    };
    function draw() {
      if (!document.body) {
        document.addEventListener("DOMContentLoaded", draw, { once: true });
        return;
      }
      if (!element) {
        element = document.createElement("button");
        element.id = "tg-main-button";
        element.type = "button";
        element.style.cssText =
          "position:fixed;left:0;right:0;bottom:0;height:56px;border:0;z-index:1000;" +
          "font:600 16px sans-serif;background:var(--tg-theme-button-color);" +
          "color:var(--tg-theme-button-text-color)";
        element.addEventListener("click", () => {
          if (!button.isActive || button.isProgressVisible) return;
          clicks.forEach((callback) => callback());
        });
        document.body.append(element);
      }
      element.textContent = button.isProgressVisible ? "…" : button.text;
      element.style.background = button.color || "var(--tg-theme-button-color)";
      element.style.color = button.textColor || "var(--tg-theme-button-text-color)";
      element.hidden = !button.isVisible;
      document.body.style.marginBottom = button.isVisible ? "56px" : "";
    }
    return button;
  }

  const backClicks = new Set();
  const BackButton = {
    isVisible: false,
    show: since("6.1", "BackButton.show", () => { BackButton.isVisible = true; }),
    hide: since("6.1", "BackButton.hide", () => { BackButton.isVisible = false; }),
    onClick: since("6.1", "BackButton.onClick", (callback) => { backClicks.add(callback); }),
    offClick: since("6.1", "BackButton.offClick", (callback) => { backClicks.delete(callback); }),
  };

  // One popup at a time, as in Telegram ("WebAppPopupOpened" otherwise); the test
  // answers it with __telegram.answerPopup(buttonId).
  let popup = null;
  function openPopup(params, callback) {
    if (popup) throw new Error("WebAppPopupOpened");
    const message = String(params.message || "");
    if (!message || message.length > 256) throw new Error("WebAppPopupParamInvalid");
    popup = { params, callback };
    record("popup", params);
  }

  const WebApp = {
    initData: config.initData,
    initDataUnsafe: config.initDataUnsafe,
    version: config.version,
    platform: "android",
    colorScheme: config.scheme,
    themeParams: { ...config.themes[config.scheme] },
    isExpanded: false,
    viewportHeight: window.innerHeight,
    viewportStableHeight: window.innerHeight,
    safeAreaInset: { ...config.safeArea },
    contentSafeAreaInset: { ...config.contentSafeArea },
    isClosingConfirmationEnabled: false,
    headerColor: null,
    backgroundColor: null,
    bottomBarColor: null,
    isVersionAtLeast: versionAtLeast,
    ready() { record("ready"); },
    expand() { WebApp.isExpanded = true; record("expand"); },
    setHeaderColor: since("6.1", "setHeaderColor", (color) => {
      if (!COLOR.test(color) && color !== "bg_color" && color !== "secondary_bg_color") {
        throw new Error("WebAppHeaderColorKeyInvalid");
      }
      WebApp.headerColor = color;
      record("setHeaderColor", color);
    }),
    setBackgroundColor: since("6.1", "setBackgroundColor", (color) => {
      WebApp.backgroundColor = color;
      record("setBackgroundColor", color);
    }),
    setBottomBarColor: since("7.10", "setBottomBarColor", (color) => {
      WebApp.bottomBarColor = color;
      record("setBottomBarColor", color);
    }),
    enableClosingConfirmation: since("6.2", "enableClosingConfirmation", () => {
      WebApp.isClosingConfirmationEnabled = true;
      record("closingConfirmation", true);
    }),
    disableClosingConfirmation: since("6.2", "disableClosingConfirmation", () => {
      WebApp.isClosingConfirmationEnabled = false;
      record("closingConfirmation", false);
    }),
    showPopup: throwsBefore("6.2", "showPopup", (params, callback) => openPopup(params, callback)),
    showConfirm: throwsBefore("6.2", "showConfirm", (message, callback) =>
      openPopup(
        { message, buttons: [{ id: "ok", type: "ok" }, { id: "cancel", type: "cancel" }] },
        callback ? (id) => callback(id === "ok") : null,
      )),
    showAlert: throwsBefore("6.2", "showAlert", (message, callback) =>
      openPopup(
        { message, buttons: [{ id: "close", type: "close" }] },
        callback ? () => callback() : null,
      )),
    onEvent(event, callback) { (handlers[event] = handlers[event] || []).push(callback); },
    offEvent(event, callback) {
      handlers[event] = (handlers[event] || []).filter((item) => item !== callback);
    },
    openTelegramLink(url) { record("openTelegramLink", url); },
    openLink(url) { record("openLink", url); },
    MainButton: bottomButton(),
    BackButton,
    HapticFeedback: {
      notificationOccurred: since("6.1", "notificationOccurred", (type) => record("haptic", type)),
      impactOccurred: since("6.1", "impactOccurred", (style) => record("impact", style)),
      selectionChanged: since("6.1", "selectionChanged", () => record("selection")),
    },
  };

  window.Telegram = { WebApp };
  window.__telegram = {
    events,
    pressBack() { backClicks.forEach((callback) => callback()); },
    setTheme(name) {
      WebApp.colorScheme = name;
      WebApp.themeParams = { ...config.themes[name] };
      fire("themeChanged");
    },
    /** The open popup's parameters, or null. */
    popup() { return popup && popup.params; },
    /** Press a popup button by id (showConfirm: "ok" or "cancel"). */
    answerPopup(id) {
      if (!popup) throw new Error("no popup is open");
      const { callback } = popup;
      popup = null;
      record("popupClosed", id);
      if (callback) callback(id);
    },
    /** The user closes the Mini App: with closing confirmation on, Telegram asks first.
     * Returns whether it closed (a test answers the confirmation first). */
    tryClose() {
      record("close", WebApp.isClosingConfirmationEnabled ? "asked" : "closed");
      return !WebApp.isClosingConfirmationEnabled;
    },
    /** The viewport changes as when the keyboard opens: stable height follows once the
     * change settles (viewportChanged fires with isStateStable false, then true). */
    resizeViewport(height) {
      WebApp.viewportHeight = height;
      fire("viewportChanged", { isStateStable: false });
      WebApp.viewportStableHeight = height;
      fire("viewportChanged", { isStateStable: true });
    },
  };
})();
"""


# What telegram-web-app.js leaves in a normal browser: a WebApp without initData.
OUTSIDE_TELEGRAM = r"""
(() => {
  const button = new Proxy({}, { get: (target, name) => () => button });
  const WebApp = {
    initData: "",
    initDataUnsafe: {},
    platform: "unknown",
    themeParams: {},
    ready() {},
    expand() {},
    onEvent() {},
    MainButton: button,
    BackButton: button,
  };
  window.Telegram = { WebApp };
})();
"""


def stub_script(
    token: str,
    user: dict[str, Any],
    *,
    start_param: str | None = None,
    scheme: str = "light",
    version: str = "8.0",
    safe_area: dict[str, int] | None = None,
    content_safe_area: dict[str, int] | None = None,
) -> str:
    """The stand-in script for `user`, signed for the bot with `token`, as a client
    implementing Web App `version` opens it (methods newer than that do nothing)."""
    signed = init_data.sign(token, user, start_param=start_param)
    fields = {key: values[0] for key, values in parse_qs(signed).items()}
    unsafe: dict[str, Any] = {
        "user": user,
        "auth_date": int(fields["auth_date"]),
        "hash": fields["hash"],
        "query_id": fields.get("query_id"),
    }
    if start_param is not None:
        unsafe["start_param"] = start_param
    no_inset = {"top": 0, "bottom": 0, "left": 0, "right": 0}
    config = {
        "initData": signed,
        "initDataUnsafe": unsafe,
        "scheme": scheme,
        "themes": THEMES,
        "version": version,
        "safeArea": safe_area or no_inset,
        "contentSafeArea": content_safe_area or no_inset,
    }
    return _TEMPLATE.replace("__CONFIG__", json.dumps(config))


async def telegram_events(page: Page) -> list[Any]:
    """What the page asked of Telegram so far, in order."""
    return await page.evaluate("window.__telegram.events")


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
