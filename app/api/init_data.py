"""Telegram Mini App initData: validating what clients send, and signing it for dev and tests.

Validation is aiogram's `safe_parse_webapp_init_data` (HMAC-SHA256 over the sorted
`key=value` lines with the key `HMAC-SHA256("WebAppData", bot_token)`, compared in
constant time) plus a freshness limit on `auth_date`, so a captured initData cannot be
replayed after `max_age` seconds.

Telegram also signs initData with Ed25519 for third parties (the `signature` field,
over `<bot_id>:WebAppData` and the sorted lines without `hash` and `signature`). The
HMAC already covers that field, so a client cannot strip or alter it; checking it as
well (`INIT_DATA_SIGNATURE=verify`, the default, when present; `require` to insist)
proves the data came from Telegram's own key, not just from someone with the token.

`sign` builds initData exactly as Telegram does; the dev login, the API tests and the
Mini App's browser tests use it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data
from aiogram.utils.web_app_signature import PRODUCTION_PUBLIC_KEY, check_webapp_signature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.config import SignatureCheck

CLOCK_SKEW_SECONDS = 60
MAX_LENGTH = 8192
VERIFIED_KEPT = 4096  # initData strings whose signature was checked (a few MB at most)


class InitDataError(Exception):
    """The initData is missing, malformed, forged or too old; the message says which."""


def validate(
    init_data: str,
    token: str,
    max_age: int,
    *,
    now: float | None = None,
    signature: SignatureCheck = SignatureCheck.ignore,
    public_key: str = "",
) -> WebAppInitData:
    """The parsed initData, if its hash matches `token` and it is at most `max_age` s old.

    With `signature` verify (or require), Telegram's Ed25519 signature is checked
    against `public_key` (hex; empty: Telegram's production key, as aiogram has it) when
    present (or must be present).
    """
    if not init_data:
        raise InitDataError("initData is empty")
    if len(init_data) > MAX_LENGTH:
        raise InitDataError(f"initData is longer than {MAX_LENGTH} characters")
    parsed = _verified(init_data, token, signature, public_key)
    age = (now if now is not None else time.time()) - parsed.auth_date.timestamp()
    if age > max_age:
        raise InitDataError(f"initData expired: issued {int(age)} s ago, valid for {max_age} s")
    if age < -CLOCK_SKEW_SECONDS:
        raise InitDataError("initData auth_date lies in the future")
    return parsed


@functools.lru_cache(maxsize=VERIFIED_KEPT)
def _verified(
    init_data: str, token: str, signature: SignatureCheck, public_key: str
) -> WebAppInitData:
    """The parsed initData if signed for `token`: a Mini App sends the same initData with
    every request of a session, so each is checked once (by its whole text, hash and
    all; a failure is not kept), and only its age again per request."""
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
    if signature is not SignatureCheck.ignore:
        _check_signature(init_data, parsed, token, signature, public_key)
    return parsed


def _check_signature(
    init_data: str, parsed: WebAppInitData, token: str, mode: SignatureCheck, public_key: str
) -> None:
    if not (parsed.model_extra or {}).get("signature"):
        if mode is SignatureCheck.require:
            raise InitDataError("initData carries no Ed25519 signature from Telegram")
        return
    bot_id = int(token.split(":", 1)[0])
    key = bytes.fromhex(public_key) if public_key else PRODUCTION_PUBLIC_KEY
    if not check_webapp_signature(bot_id, init_data, key):
        raise InitDataError("initData Ed25519 signature does not verify with Telegram's key")


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
    signing_key: Ed25519PrivateKey | None = None,
) -> str:
    """initData for `user` (a Telegram WebAppUser as a dict), signed with `token`.

    With `signing_key`, also the Ed25519 `signature` field Telegram adds (tests stand
    in for Telegram's key with their own).
    """
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
    if signing_key is not None:
        bot_id = token.split(":", 1)[0]
        message = f"{bot_id}:WebAppData\n" + data_check_string(fields)
        raw = signing_key.sign(message.encode())
        fields["signature"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
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
