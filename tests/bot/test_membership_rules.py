"""The anti-fraud rules against the Bot API emulator: chat_member updates of a required
channel become the membership history; a farm that joins, presses and leaves is excluded
at the draw, in the proof that `contest-bot verify` accepts; Premium only and new
subscribers only answer the button with the rule that keeps someone out."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.contests import proof
from app.contests.channels import ChannelRef
from app.contests.rules import ContestFields
from app.db import contests, draws, memberships
from app.db.participants import utc_time
from app.db.tables import MembershipEvent
from app.telegram import publication
from app.telegram.membership import recheck_for
from tests.bot.flows import buttons
from tests.bot.harness import BotHarness, running_bot
from tests.test_draw import run_verify

OWNER = 1000
REAL = [2001, 2002, 2003]
FARM = list(range(5001, 5021))
COME_BACK = FARM[:5]  # farm accounts that re-join before the draw


async def _contest(h: BotHarness, channel_id: int, **rules: object) -> tuple[int, str, int]:
    """A published contest requiring `channel_id`, posted there: (id, button data, post)."""
    contest = await contests.create(
        OWNER,
        ContestFields(
            title="Farmed",
            winners_count=2,
            reserve_count=3,
            ends_at=datetime.now(UTC) + timedelta(days=1),
            **rules,  # type: ignore[arg-type]
        ),
        required=[ChannelRef(channel_id, "Alpha", "alpha")],
        targets=[channel_id],
    )
    await contests.publish(contest.id, OWNER)
    await publication.post(h.bot, contest.id, h.settings)
    post = h.emu.bot_messages(channel_id)[-1]
    return contest.id, buttons(post)[0]["callback_data"], post.message_id


async def _recorded(count: int, joined: bool) -> None:
    """Wait until the bot has recorded `count` subscribes (or leaves)."""
    deadline = time.monotonic() + 20
    while await MembershipEvent.count().where(MembershipEvent.joined == joined) < count:
        assert time.monotonic() < deadline, "chat_member updates were not recorded"
        await asyncio.sleep(0.05)


def _channel(h: BotHarness) -> int:
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    return channel.id


async def test_a_farm_that_joins_presses_and_leaves_is_excluded_in_the_proof(
    db: str, state_dir: Path, tmp_path: Path
) -> None:
    async with running_bot(state_dir, "webhook") as h:
        channel_id = _channel(h)
        contest_id, data, post = await _contest(h, channel_id, exclude_leavers=True)
        for user_id in REAL + FARM:
            h.emu.create_user(user_id, f"U{user_id}")
            h.emu.add_member(channel_id, user_id)
        await _recorded(len(REAL + FARM), joined=True)
        answers = await asyncio.gather(
            *(h.press(user_id, channel_id, post, data=data) for user_id in REAL + FARM)
        )
        assert all(answer.text.startswith("You're in") for answer, _ in answers)
        for user_id in FARM:
            h.emu.remove_member(channel_id, user_id)
        for user_id in COME_BACK:
            h.emu.add_member(channel_id, user_id)
        await _recorded(len(FARM), joined=False)
        await _recorded(len(REAL + FARM + COME_BACK), joined=True)

        outcome = await draws.run(contest_id, recheck_for(h.bot, contest_id))
        # two winners and three reserves wanted, three real people: the draw walks the
        # whole ranking, so every farm account meets the rule
        assert sorted(outcome.winners + outcome.reserves) == REAL
        excluded = {item.user_id: item for item in outcome.excluded}
        assert sorted(excluded) == FARM
        assert {item.code for item in excluded.values()} == {proof.LEFT_CHANNEL}
        for user_id in COME_BACK:  # re-joining is recorded, and does not undo the leave
            assert "re-joined at" in excluded[user_id].reason
        leaves = {
            row["user_id"]: row["at"]
            for row in await MembershipEvent.select().where(MembershipEvent.joined.eq(False))
        }
        for user_id, item in excluded.items():
            assert item.at == utc_time(leaves[user_id]).isoformat(timespec="seconds")

        document = await draws.proof(contest_id)
        path, listed = tmp_path / "proof.json", tmp_path / "participants.txt"
        path.write_bytes(proof.encode(document))
        listed.write_bytes(gzip.decompress(await draws.participants_file(contest_id)))
        result = run_verify(str(path), "--participants", str(listed), "--user", str(FARM[0]))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "left a required channel after joining" in result.stdout
        assert f"user {FARM[0]} is in the participant list; result: excluded" in result.stdout
        print(
            f"\nfarm of {len(FARM)} ({len(COME_BACK)} re-joined) and {len(REAL)} real: "
            f"{len(excluded)} excluded as leavers, winners {outcome.winners}, "
            f"reserves {outcome.reserves}; verify: {result.stdout.splitlines()[-1]}"
        )


async def test_premium_only_and_new_subscribers_only_answer_the_button(
    db: str, state_dir: Path
) -> None:
    async with running_bot(state_dir, "webhook") as h:
        channel_id = _channel(h)
        h.emu.create_user(REAL[0], "Plain")
        h.emu.create_user(REAL[1], "Star", is_premium=True)
        h.emu.create_user(REAL[2], "Early")
        h.emu.create_user(FARM[0], "Quiet")
        h.emu.add_member(channel_id, REAL[2])  # no contest requires Alpha yet: not recorded
        premium, data, post = await _contest(h, channel_id, premium_only=True)
        for user_id in REAL[:2]:
            h.emu.add_member(channel_id, user_id)
        await _recorded(2, joined=True)
        answer, _ = await h.press(REAL[0], channel_id, post, data=data)
        assert answer.text == "This contest is for Telegram Premium accounts only."
        answer, _ = await h.press(REAL[1], channel_id, post, data=data)
        assert answer.text.startswith("You're in")

        newcomers, data, post = await _contest(h, channel_id, new_subscribers="unknown_refused")
        answer, _ = await h.press(REAL[2], channel_id, post, data=data)  # no record of Early
        assert answer.text.startswith("This contest is for new subscribers only, and I haven't")
        started = (await contests.get(newcomers)).published_at
        await memberships.record(channel_id, REAL[2], True, started - timedelta(hours=1))
        answer, _ = await h.press(REAL[2], channel_id, post, data=data)
        assert answer.text == (
            "This contest is for new subscribers only: you subscribed to Alpha before it started."
        )
        answer, _ = await h.press(FARM[0], channel_id, post, data=data)  # not subscribed
        assert answer.text.startswith("Not yet: subscribe to Alpha")
        h.emu.add_member(channel_id, FARM[0])
        await _recorded(4, joined=True)  # Plain, Star, Early (recorded by hand), Quiet
        answer, _ = await h.press(FARM[0], channel_id, post, data=data)
        assert answer.text.startswith("You're in")
        assert premium != newcomers


async def test_a_change_the_database_cannot_take_is_sent_again_and_then_recorded(
    db: str, state_dir: Path
) -> None:
    """The update is answered 2xx only after its change is recorded: while the table is
    unreachable the webhook fails, Telegram redelivers, and the change lands once."""
    async with running_bot(state_dir, "webhook") as h:
        channel_id = _channel(h)
        await _contest(h, channel_id, exclude_leavers=True)
        h.emu.create_user(REAL[0], "Ann")
        await MembershipEvent.raw("ALTER TABLE membership_event RENAME TO membership_away")
        try:
            h.emu.add_member(channel_id, REAL[0])
            failed = await h.emu.wait_for(
                lambda: h.emu.bot.webhook and h.emu.bot.webhook.last_error_message, timeout=10
            )
        finally:
            await MembershipEvent.raw("ALTER TABLE membership_away RENAME TO membership_event")
        await _recorded(1, joined=True)
        assert await MembershipEvent.count() == 1
        print(f"\nwhile the table was away the webhook answered: {failed!r}; recorded after")
