"""One logging setup for every role: JSON lines in production, readable lines in dev.

A filter scrubs secrets from every record before it is formatted: the bot token (also
inside Bot API URLs), Mini App initData (its `hash=` and `signature=` fields), passwords
inside URLs (`scheme://user:password@host`, and the configured database and Redis
passwords wherever they appear), so none can reach a log line whatever a library logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_TOKEN_RE = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{30,}")
_INIT_DATA_RE = re.compile(r"((?:hash|signature|query_id|user)(?:=|%3D))[^&\s\"']+", re.I)
_URL_PASSWORD_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.I)
_REDACTED = "[redacted]"
_QUIET = ("aiogram.event", "httpx", "uvicorn.access", "piccolo")


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove tokens, initData fields and the given secrets from `text`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    text = _TOKEN_RE.sub(_REDACTED, text)
    text = _URL_PASSWORD_RE.sub(rf"\1{_REDACTED}@", text)
    return _INIT_DATA_RE.sub(rf"\1{_REDACTED}", text)


class ScrubFilter(logging.Filter):
    """Rewrites each record's message with `scrub` (args are merged in first)."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any `extra` fields."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
    }

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD:
                entry[key] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def setup(level: str = "INFO", fmt: str = "json", secrets: tuple[str, ...] = ()) -> None:
    """Configure the root logger once for the whole process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ScrubFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
