"""A stand-in for https://telegram.org/js/telegram-web-app.js, served by `page.route`.

It defines `window.Telegram.WebApp` as a Telegram client would: initData signed with the
test bot token (by `app.api.init_data.sign`), `initDataUnsafe` with the user and
`start_param`, theme parameters and colour scheme, and MainButton / BackButton /
HapticFeedback. The MainButton is drawn as a fixed bar at the bottom (Telegram draws it
outside the web view), so a test clicks it like a user. Everything the page asks of
Telegram is recorded in `window.__telegram.events`; `window.__telegram.setTheme(name)`
switches the theme and fires `themeChanged` like a client does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

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
  const fire = (event) => (handlers[event] || []).forEach((callback) => callback());

  function bottomButton() {
    const clicks = new Set();
    let element = null;
    const button = {
      text: "", isVisible: false, isActive: true, isProgressVisible: false,
      setText(text) { button.text = text; draw(); return button; },
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
      element.hidden = !button.isVisible;
      document.body.style.marginBottom = button.isVisible ? "56px" : "";
    }
    return button;
  }

  const backClicks = new Set();
  const BackButton = {
    isVisible: false,
    show() { BackButton.isVisible = true; },
    hide() { BackButton.isVisible = false; },
    onClick(callback) { backClicks.add(callback); },
    offClick(callback) { backClicks.delete(callback); },
  };

  const WebApp = {
    initData: config.initData,
    initDataUnsafe: config.initDataUnsafe,
    version: "8.0",
    platform: "android",
    colorScheme: config.scheme,
    themeParams: { ...config.themes[config.scheme] },
    isExpanded: false,
    ready() { record("ready"); },
    expand() { WebApp.isExpanded = true; record("expand"); },
    onEvent(event, callback) { (handlers[event] = handlers[event] || []).push(callback); },
    offEvent(event, callback) {
      handlers[event] = (handlers[event] || []).filter((item) => item !== callback);
    },
    openTelegramLink(url) { record("openTelegramLink", url); },
    openLink(url) { record("openLink", url); },
    MainButton: bottomButton(),
    BackButton,
    HapticFeedback: {
      notificationOccurred(type) { record("haptic", type); },
      impactOccurred(style) { record("impact", style); },
      selectionChanged() { record("selection"); },
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
) -> str:
    """The stand-in script for `user`, signed for the bot with `token`."""
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
    config = {"initData": signed, "initDataUnsafe": unsafe, "scheme": scheme, "themes": THEMES}
    return _TEMPLATE.replace("__CONFIG__", json.dumps(config))
