"""Telegram Mini App initData: validating what clients send, and signing it for dev and tests.

Validation is aiogram's `safe_parse_webapp_init_data` (HMAC-SHA256 over the sorted
`key=value` lines with the key `HMAC-SHA256("WebAppData", bot_token)`, compared in
constant time) plus a freshness limit on `auth_date`, so a captured initData cannot be
replayed after `max_age` seconds.

The third-party Ed25519 `signature` field is not checked: it exists for parties that
do not hold the bot token, while this server does, and the HMAC already covers the
`signature` field (it is one of the signed lines). A client that strips or alters it
therefore fails the HMAC check.

`sign` builds initData exactly as Telegram does; the dev login, the API tests and the
Mini App's browser tests use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data

CLOCK_SKEW_SECONDS = 60
MAX_LENGTH = 8192


class InitDataError(Exception):
    """The initData is missing, malformed, forged or too old; the message says which."""


def validate(
    init_data: str, token: str, max_age: int, *, now: float | None = None
) -> WebAppInitData:
    """The parsed initData, if its hash matches `token` and it is at most `max_age` s old."""
    if not init_data:
        raise InitDataError("initData is empty")
    if len(init_data) > MAX_LENGTH:
        raise InitDataError(f"initData is longer than {MAX_LENGTH} characters")
    try:
        parsed = safe_parse_webapp_init_data(token, init_data)
    except ValueError as exc:
        if str(exc) == "Invalid init data signature":
            raise InitDataError(
                "initData signature is invalid (not signed for this bot, or altered)"
            ) from None
        raise InitDataError("initData is signed but malformed") from None
    if parsed.user is None:
        raise InitDataError("initData carries no user")
    age = (now if now is not None else time.time()) - parsed.auth_date.timestamp()
    if age > max_age:
        raise InitDataError(f"initData expired: issued {int(age)} s ago, valid for {max_age} s")
    if age < -CLOCK_SKEW_SECONDS:
        raise InitDataError("initData auth_date lies in the future")
    return parsed


def data_check_string(fields: dict[str, str]) -> str:
    """The signed text: `key=value` lines sorted by key, without `hash`."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def compute_hash(fields: dict[str, str], token: str) -> str:
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def sign(
    token: str,
    user: dict[str, Any],
    *,
    auth_date: int | datetime | None = None,
    query_id: str | None = "AAH-dev-login",
    start_param: str | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    """initData for `user` (a Telegram WebAppUser as a dict), signed with `token`."""
    if isinstance(auth_date, datetime):
        auth_date = int(auth_date.astimezone(UTC).timestamp())
    fields: dict[str, str] = {
        "auth_date": str(auth_date if auth_date is not None else int(time.time())),
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        **(extra or {}),
    }
    if query_id is not None:
        fields["query_id"] = query_id
    if start_param is not None:
        fields["start_param"] = start_param
    fields["hash"] = compute_hash(fields, token)
    return urlencode(fields)


def dev_user(user_id: int, first_name: str = "Dev", language: str = "en") -> dict[str, Any]:
    """A WebAppUser dict as Telegram sends it, for the dev login and tests."""
    return {
        "id": user_id,
        "first_name": first_name,
        "username": f"user{user_id}",
        "language_code": language,
        "allows_write_to_pm": True,
    }
