"""What people are told about the results, with real worker and bot processes.

The organizer gets the results privately (winners with names, @usernames and ids as
links, reserves, participant count, proof link) in their language after the draw and
after every re-draw; a replaced winner is told the organizer's reason, once, and their
*Did I win?* shows it.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from app.config import load_settings
from app.db import draws
from app.db.tables import TelegramUser
from app.telegram import outbox
from app.telegram.client import make_bot
from app.telegram.membership import recheck_for
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    contest_with_participants,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

OWNERS = {1: "en", 2: "ru"}
RESULTS_TITLE = {"en": "Results of", "ru": "Итоги"}
REASON = "did not answer for 3 days"


async def _settled() -> bool:
    counts = await outbox.counts()
    return counts.get(outbox.PENDING, 0) == 0 and counts.get(outbox.SENDING, 0) == 0


async def test_organizer_results_and_replaced_winner(
    environment: Environment, emulator: TelegramEmulator, client: object
) -> None:
    from app.telegram import background

    contests: dict[int, int] = {}
    participants: dict[int, list[int]] = {}
    for index, (owner, language) in enumerate(OWNERS.items()):
        emulator.create_user(owner, f"Owner{owner}")
        await TelegramUser.insert(
            TelegramUser(id=owner, first_name=f"Owner{owner}", language=language)
        )
        channel = emulator.create_channel(f"Chan{owner}", username=f"chan{owner}")
        emulator.set_bot_admin(channel.id)
        contest_id, user_ids = await contest_with_participants(
            12, notify=False, targets=(channel.id,), first_user=40_000 + 100 * index, owner=owner
        )
        for uid in user_ids:
            await TelegramUser.update({TelegramUser.username: f"u{uid}"}).where(
                TelegramUser.id == uid
            )
        add_users(emulator, user_ids)
        contests[owner], participants[owner] = contest_id, user_ids
    worker = Role("worker", environment)
    bot_role = Role("bot", environment)
    bot = make_bot(load_settings(telegram_api_url=environment.telegram_url))
    try:
        await started(worker, WORKER_READY)
        for contest_id in contests.values():
            assert await background.queue().draw(contest_id)
        for contest_id in contests.values():
            await wait_until(lambda cid=contest_id: _has_draw(cid), 30, "the draws")
        await asyncio.sleep(1)
        await wait_until(_settled, 30, "the results messages")
        first = {owner: list((await draws.get(cid)).winners) for owner, cid in contests.items()}
        replaced = {owner: winners[0] for owner, winners in first.items()}
        for owner, contest_id in contests.items():
            await draws.replace_winner(
                contest_id, replaced[owner], REASON, owner, recheck_for(bot, contest_id)
            )
            assert await background.queue().announce(contest_id)
        await asyncio.sleep(1)
        await wait_until(_settled, 30, "the re-draw messages")
        # the replaced winner asks "Did I win?" in the bot
        loser = replaced[1]
        before = len(emulator.bot_messages(loser))
        emulator.user_sends_command(loser, "mycontests")
        listing = await emulator.wait_for_bot_messages(loser, before + 1, timeout=30)
        query = emulator.press_button(
            loser, loser, listing[-1].message_id, data=f"v1d:{contests[1]}"
        )
        answer = await emulator.wait_for_answer(query.id, timeout=30)
    finally:
        await bot.session.close()
        worker.stop()
        bot_role.stop()
    for owner, language in OWNERS.items():
        contest_id = contests[owner]
        row = await draws.get(contest_id)
        owner_messages = emulator.messages_to_user(owner)
        to_owner = [m.text for m in owner_messages]
        links = [
            {e.get("url") or e.get("user", {}).get("id") for e in m.entities or []}
            for m in owner_messages
        ]
        per_chat = Counter(
            {uid: len(emulator.messages_to_user(uid)) for uid in participants[owner]}
        )
        told_replaced = [m.text for m in emulator.messages_to_user(replaced[owner])][:2]
        print(
            f"\n[{language}] organizer messages {len(to_owner)}, winners {first[owner]} -> "
            f"{row.winners}, replaced {replaced[owner]} told {told_replaced[-1]!r}, "
            f"messages per participant {dict(per_chat)}\nlast organizer message:\n{to_owner[-1]}"
        )
        assert len(to_owner) == 2  # after the draw and after the re-draw
        assert all(RESULTS_TITLE[language] in message for message in to_owner)
        for message, linked, winners in zip(
            to_owner, links, (first[owner], row.winners), strict=True
        ):
            for uid in winners:
                assert f"@u{uid} (id {uid})" in message
                assert f"tg://user?id={uid}" in linked or uid in linked, (uid, linked)
            assert ": 12" in message
            assert f"proof_{contest_id}" in message
        for uid in row.reserves:
            assert f"(id {uid})" in to_owner[-1]
        assert REASON in told_replaced[-1]
        assert len(told_replaced) == 2  # "you won", then "you were replaced"
        newcomer = (set(row.winners) - set(first[owner])).pop()
        assert per_chat[newcomer] == 1
        listing = 1 if owner == 1 else 0  # the /mycontests answer
        assert sum(per_chat.values()) == 3 + 1 + 1 + listing
    print(f"Did I win? answers the replaced winner: {answer.text!r}")
    assert REASON in answer.text


async def _has_draw(contest_id: int) -> bool:
    try:
        await draws.get(contest_id)
    except Exception:
        return False
    return True
