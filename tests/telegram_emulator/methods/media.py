"""sendPhoto, sendDocument and getFile; uploaded bytes are kept for download."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.telegram_emulator.errors import ApiError, bad_request
from tests.telegram_emulator.images import image_size
from tests.telegram_emulator.models import StoredFile
from tests.telegram_emulator.params import Upload

from . import Call, api_method
from .content import apply_markup, read_caption, read_markup, read_reply_target
from .messages import sending_chat, spend_flood

MAX_UPLOAD = 50 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
KIND_NAMES = {"photos": "Photo", "documents": "Document"}


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def fetch_url(url: str) -> Upload:
    """Telegram downloads URLs itself; the emulator only reaches this machine."""
    if not is_loopback_url(url):
        raise bad_request("failed to get HTTP URL content")
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            if response.status != 200:
                raise bad_request("failed to get HTTP URL content")
            data = await response.read()
    except aiohttp.ClientError as exc:
        raise bad_request("failed to get HTTP URL content") from exc
    name = urlsplit(url).path.rsplit("/", 1)[-1] or None
    return Upload(name, data, response.content_type)


async def input_file(call: Call, name: str, kind: str) -> StoredFile:
    value = call.params.file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, str):
        stored = call.world.files.get(value)
        if stored is not None:
            stored_kind = stored.file_path.split("/", 1)[0]
            if stored_kind != kind:
                raise bad_request(
                    f"can't use file of type {KIND_NAMES[stored_kind]} as {KIND_NAMES[kind]}"
                )
            return stored
        if not value.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        value = await fetch_url(value)
    if len(value.data) > MAX_UPLOAD:
        raise ApiError(413, "Request Entity Too Large")
    if kind == "photos":
        size = image_size(value.data)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        return call.world.store_file(value.data, kind=kind, width=size[0], height=size[1])
    if not value.data:
        raise bad_request("file must be non-empty")
    mime_type = value.content_type if value.content_type != "application/octet-stream" else None
    return call.world.store_file(
        value.data, kind=kind, file_name=value.filename, mime_type=mime_type
    )


async def send_media(call: Call, name: str, kind: str) -> dict[str, Any]:
    chat = sending_chat(call)
    caption, caption_entities = read_caption(call)
    markup = read_markup(call, chat)
    reply_to = read_reply_target(call, chat)
    stored = await input_file(call, name, kind)
    spend_flood(call, chat)
    message = call.world.new_message(call.bot, chat, None)
    if kind == "photos":
        message.photo = stored
    else:
        message.document = stored
    message.caption, message.caption_entities, message.reply_to = (
        caption,
        caption_entities,
        reply_to,
    )
    apply_markup(message, markup)
    return message.to_api()


@api_method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    return await send_media(call, "photo", "photos")


@api_method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    return await send_media(call, "document", "documents")


@api_method("getFile")
def get_file(call: Call) -> dict[str, Any]:
    file_id = call.params.str("file_id")
    if not file_id:
        raise bad_request("file_id is empty")
    stored = call.world.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.to_api()
