"""Bot API call parameters from a query string, a form, a multipart body or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.web_request import FileField

from .errors import bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_NAMES = {"reply_markup": "reply keyboard markup"}


@dataclass(slots=True)
class Upload:
    """A file sent in a multipart body."""

    filename: str | None
    data: bytes
    content_type: str | None


class Params:
    """Typed access to call parameters, failing with Telegram's error texts."""

    __slots__ = ("uploads", "values")

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query) if request.query_string else {}
        uploads: dict[str, Upload] = {}
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.read()
            if body:
                try:
                    decoded = msgspec.json.decode(body)
                except msgspec.DecodeError as exc:
                    raise bad_request("can't parse JSON request") from exc
                if isinstance(decoded, dict):
                    values.update(decoded)
        elif content_type in FORM_TYPES:
            for key, value in (await request.post()).items():
                if isinstance(value, FileField):
                    uploads[key] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    values[key] = value
        return cls(values, uploads)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else str(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def required_int(self, name: str) -> int:
        value = self.int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return msgspec.json.decode(value)
            except msgspec.DecodeError as exc:
                raise bad_request(f"can't parse {JSON_NAMES.get(name, name)} JSON object") from exc
        return value

    def chat_ref(self, name: str = "chat_id") -> int | str:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value)
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            return text

    def file(self, name: str) -> Upload | str | None:
        """An uploaded file (directly or via attach://), or a file_id/URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.str(name)
        if value and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"wrong {name} file: attached file not found")
            return upload
        return value or None
