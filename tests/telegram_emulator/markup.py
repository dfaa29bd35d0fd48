"""reply_markup validation: inline keyboards checked the way Telegram rejects them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request

INLINE_BUTTON_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_BUTTONS = 100


def _valid_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc) and " " not in url
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


def _check_inline_button(button: Any, chat_type: str) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    kinds = [kind for kind in INLINE_BUTTON_KINDS if kind in button]
    if not kinds:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    kind = kinds[0]
    if kind == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    elif kind == "url":
        if not isinstance(button["url"], str) or not _valid_url(button["url"]):
            raise bad_request("BUTTON_URL_INVALID")
    elif kind == "web_app":
        if chat_type != "private":
            raise bad_request("BUTTON_TYPE_INVALID")
        web_app = button["web_app"] if isinstance(button["web_app"], dict) else {}
        url = web_app.get("url", "")
        if not url.startswith("https://"):
            detail = "Only HTTPS links are allowed"
            raise bad_request(f"inline keyboard button Web App URL '{url}' is invalid: {detail}")
    elif kind == "login_url":
        url = button["login_url"].get("url", "") if isinstance(button["login_url"], dict) else ""
        if not url.startswith("https://"):
            raise bad_request("BUTTON_URL_INVALID")


def _rows(markup: dict[str, Any], field: str) -> list[list[Any]]:
    rows = markup.get(field)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def validate_reply_markup(markup: Any, chat_type: str) -> dict[str, Any]:
    """Check a reply_markup object; raise ApiError where Telegram refuses it."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in _rows(markup, "inline_keyboard"):
            for button in row:
                _check_inline_button(button, chat_type)
        return {"inline_keyboard": markup["inline_keyboard"]}
    if "keyboard" in markup:
        if chat_type == "channel":
            raise bad_request("can't send reply keyboard to a channel")
        for row in _rows(markup, "keyboard"):
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
                if isinstance(button, dict) and "web_app" in button and chat_type != "private":
                    raise bad_request("BUTTON_TYPE_INVALID")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request('can\'t find field "inline_keyboard"')


def inline_keyboard(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a markup that shows in Message.reply_markup."""
    if markup is not None and "inline_keyboard" in markup:
        return markup
    return None


def find_button(
    markup: dict[str, Any] | None, *, data: str | None, text: str | None
) -> dict[str, Any] | None:
    if markup is None:
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if data is not None and button.get("callback_data") == data:
                return button
            if data is None and text is not None and button.get("text") == text:
                return button
    return None
