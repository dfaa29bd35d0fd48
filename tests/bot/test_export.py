"""The bot's CSV file: the exact export, sent as one document; a database lost while
it is written gives the organizer a message and no file; a file over Telegram's upload
limit goes zipped, and one still over it gives a message pointing to the Mini App."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.bot.handlers import manage
from app.db import export
from tests.bot.flows import open_contest, press_in_private
from tests.bot.harness import BotHarness
from tests.telegram_emulator.methods import media
from tests.test_export import (
    OWNER,
    bulk_contest,
    contest_with_nasty_names,
    lost_while_waiting,
)

EXPORT = "⬇️ Export CSV"


async def _exported(contest_id: int) -> bytes:
    return b"".join([chunk async for chunk in export.participants_csv(contest_id)])


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_document_is_the_export(harness: BotHarness) -> None:
    harness.emu.create_user(OWNER, "Olga")
    contest_id = await contest_with_nasty_names()
    await open_contest(harness, OWNER, "Mug")
    (document,) = await press_in_private(harness, OWNER, EXPORT)
    assert harness.emu.file_bytes(document.document.file_id) == await _exported(contest_id)
    assert document.document.file_name == f"contest-{contest_id}-participants.csv"
    assert document.caption == "Participants: 14"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_database_lost_while_writing_sends_no_file(
    harness: BotHarness, database_url: str
) -> None:
    h = harness
    h.emu.create_user(OWNER, "Olga")
    await bulk_contest(3000)
    summary = await open_contest(h, OWNER, "Mug")
    before = len(h.emu.bot_messages(OWNER))
    async with lost_while_waiting(database_url):
        await h.press(OWNER, OWNER, summary.message_id, text=EXPORT)
    messages = await h.emu.wait_for_bot_messages(OWNER, before + 1, timeout=10)
    (told,) = messages[before:]
    assert told.document is None
    assert "could not be reached" in told.text and "no file was sent" in told.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("zipped", [False, True], ids=["csv", "zipped"])
async def test_a_file_over_telegrams_limit_points_to_the_mini_app(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch, zipped: bool
) -> None:
    harness.emu.create_user(OWNER, "Olga")
    contest_id = await contest_with_nasty_names()
    size = len(await _exported(contest_id))
    if zipped:  # over the bot's limit, and zipped still over Telegram's
        monkeypatch.setattr(manage, "UPLOAD_LIMIT", size - 1)
    monkeypatch.setattr(media, "MAX_UPLOAD", size // 10 if zipped else size - 1)
    await open_contest(harness, OWNER, "Mug")
    (told,) = await press_in_private(harness, OWNER, EXPORT)
    assert told.document is None
    assert "more than Telegram lets a bot send" in told.text and "Mini App" in told.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_list_over_the_limit_goes_zipped(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.emu.create_user(OWNER, "Olga")
    contest_id = await contest_with_nasty_names()
    exported = await _exported(contest_id)
    for module, name in ((manage, "UPLOAD_LIMIT"), (media, "MAX_UPLOAD")):
        monkeypatch.setattr(module, name, len(exported) - 1)
    await open_contest(harness, OWNER, "Mug")
    (document,) = await press_in_private(harness, OWNER, EXPORT)
    sent = harness.emu.file_bytes(document.document.file_id)
    with zipfile.ZipFile(io.BytesIO(sent)) as archive:
        (member,) = archive.infolist()
        inside = archive.read(member)
    print(f"\nzipped export: {len(exported)} bytes of CSV in a {len(sent)}-byte zip")
    assert document.document.file_name == f"contest-{contest_id}-participants.zip"
    assert member.filename == f"contest-{contest_id}-participants.csv"
    assert inside == exported and len(sent) < len(exported)
    assert document.caption == "Participants: 14"
