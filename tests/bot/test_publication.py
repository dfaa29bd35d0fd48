"""Results in the channel by editing the post, opt-in messages to all participants, and
the Mini App links when PUBLIC_URL is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.contests.channels import ChannelRef
from app.db import draws
from app.db.tables import Notification
from app.telegram import publication
from tests.bot.flows import button_texts, buttons, published_contest
from tests.bot.harness import running_bot

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER = 1000


async def test_results_edit_the_post_and_everyone_is_told(db: str, state_dir: Path) -> None:
    async with running_bot(state_dir, public_url="https://contests.example.org") as h:
        h.emu.create_user(OWNER, "Olga")
        channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
        h.emu.set_bot_admin(channel.id)
        contest_id = await published_contest(
            h,
            OWNER,
            [ChannelRef(channel.id, "Alpha", "alpha")],
            [channel.id],
            title="Edited",
            results_mode="edit",
            notify_participants=True,
        )
        post = h.emu.bot_messages(channel.id)[0]
        assert button_texts(post) == ["Participate (0)", "Open in the app"]
        assert buttons(post)[1]["url"] == f"https://t.me/contest_test_bot?startapp=c{contest_id}"
        for uid in (2001, 2002, 2003):
            h.emu.create_user(uid, f"U{uid}")
            h.emu.add_member(channel.id, uid)
            await h.press(uid, channel.id, post.message_id, data=buttons(post)[0]["callback_data"])
        outcome = await draws.run(contest_id)

        assert await publication.announce(h.bot, contest_id, h.settings) == 1
        edited = h.emu.message(channel.id, post.message_id)
        assert edited.text.startswith("🎉 Results: Edited")
        assert edited.reply_markup is None
        assert len(h.emu.bot_messages(channel.id)) == 1  # no reply: the post itself shows it
        links = [e["url"] for e in edited.entities if e.get("type") == "text_link"]
        assert links[-2:] == [
            f"https://t.me/contest_test_bot?startapp=proof_{contest_id}",
            f"https://contests.example.org/api/public/contests/{contest_id}/proof",
        ]
        assert await publication.announce(h.bot, contest_id, h.settings) == 0  # unchanged

        rows = await Notification.select(Notification.key, Notification.kind)
        kinds = {row["key"]: row["kind"] for row in rows}
        (winner,) = outcome.winners
        assert kinds == {
            f"{'winner' if uid == winner else 'result'}:{contest_id}:{uid}": (
                "winner" if uid == winner else "result"
            )
            for uid in (2001, 2002, 2003)
        } | {f"owner_results:{contest_id}:0": "owner_results"}
        for uid in (2001, 2002, 2003):
            expected = "Congratulations" if uid == winner else "You didn't win this time"
            (told,) = await h.emu.wait_for(
                lambda uid=uid, expected=expected: [
                    m for m in h.emu.bot_messages(uid) if expected in (m.text or "")
                ],
                timeout=10,
            )
            assert told
