"""Organizer flows besides creation: scheduling, editing, stats, export, draw now, cancel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.contests.channels import ChannelRef
from app.contests.rules import ContestFields
from app.db import audit, contests
from app.db.tables import Publication
from app.telegram import cards
from tests.bot.flows import (
    button_texts,
    buttons,
    open_contest,
    press_in_private,
    published_contest,
)
from tests.bot.harness import BOT_ADMIN, BotHarness

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER, ADMIN, FAN = 1000, BOT_ADMIN, 3000


def _world(h: BotHarness) -> int:
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    return channel.id


async def test_schedule_then_edit_title(harness: BotHarness) -> None:
    _world(harness)
    h = harness
    await h.say(OWNER, "/new")
    await h.say(OWNER, "Autumn draw")
    await h.say(OWNER, "Prizes")
    await press_in_private(h, OWNER, "Skip")
    await h.say(OWNER, "1")
    (far,) = await h.say(OWNER, "31.12.2099 18:00")
    assert "at most a year" in far.text
    await h.say(OWNER, "in 30 days")
    await press_in_private(h, OWNER, "Skip")
    await h.say(OWNER, "@alpha")
    await press_in_private(h, OWNER, "Done")
    await h.say(OWNER, "@alpha")
    await press_in_private(h, OWNER, "Done", replies=3)
    (mode,) = [
        m for m in h.emu.bot_messages(OWNER) if "Results: reply to the post" in button_texts(m)
    ]
    answer, _ = await h.press(OWNER, OWNER, mode.message_id, text="Results: reply to the post")
    assert answer.text == "Results: edit the post"
    (asked,) = await press_in_private(h, OWNER, "Schedule")
    assert "Europe/Berlin" in asked.text
    (bad,) = await h.say(OWNER, "yesterday")
    assert bad.text.startswith("That didn't work")
    (done,) = await h.say(OWNER, "in 2 days")
    assert "will be published at" in done.text
    contest = (await contests.managed_by(OWNER))[0]
    assert (contest.status, contest.results_mode) == ("scheduled", "edit")
    assert timedelta(days=29) < contest.ends_at - datetime.now(UTC) <= timedelta(days=30)

    summary = await open_contest(h, OWNER, "Autumn draw")
    assert "Status: scheduled" in summary.text
    (asked,) = await press_in_private(h, OWNER, "✏️ Title")
    (too_long,) = await h.say(OWNER, "x" * 200)
    assert "at most 120" in too_long.text
    (saved,) = await h.say(OWNER, "Winter draw")
    assert saved.text.startswith("Saved.")
    assert (await contests.get(contest.id)).title == "Winter draw"


async def test_stats_export_and_draw_now(harness: BotHarness) -> None:
    h = harness
    channel_id = _world(h)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel_id, "Alpha", "alpha")], [channel_id], title="Quick"
    )
    post = h.emu.bot_messages(channel_id)[0]
    for uid in range(5000, 5005):
        h.emu.create_user(uid, f"=cmd|{uid}")  # looks like a spreadsheet formula
        h.emu.add_member(channel_id, uid)
        await h.press(uid, channel_id, post.message_id, data=buttons(post)[0]["callback_data"])
    summary = await open_contest(h, OWNER, "Quick")
    assert "Participants: 5" in summary.text
    (stats,) = await press_in_private(h, OWNER, "📊 Stats")
    assert "Joined in the last hour: 5, last day: 5" in stats.text
    (document,) = await press_in_private(h, OWNER, "⬇️ Export CSV")
    rows = list(
        csv.DictReader(io.StringIO(h.emu.file_bytes(document.document.file_id).decode("utf-8-sig")))
    )
    assert [row["user_id"] for row in rows] == [str(uid) for uid in range(5000, 5005)]
    assert rows[0]["first_name"] == "'=cmd|5000"
    (confirm,) = await press_in_private(h, OWNER, "🎲 Draw now")
    assert "draw the winners" in confirm.text
    await h.press(OWNER, OWNER, confirm.message_id, text="Yes")
    results = await h.emu.wait_for(
        lambda: [m for m in h.emu.bot_messages(channel_id) if m.reply_to is not None], timeout=10
    )
    assert "Results: Quick" in results[0].text
    assert (await contests.get(contest_id)).status == "finished"


async def test_cancel_by_a_bot_admin(harness: BotHarness) -> None:
    h = harness
    channel_id = _world(h)
    h.emu.create_user(ADMIN, "Admin")
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel_id, "Alpha", "alpha")], [channel_id], title="Oops"
    )
    h.emu.create_user(FAN, "Fan")
    (none,) = await h.say(FAN, "/manage")
    assert "don't manage any contests" in none.text
    await open_contest(h, ADMIN, "Oops")
    (confirm,) = await press_in_private(h, ADMIN, "✖️ Cancel contest")
    answer, _ = await h.press(ADMIN, ADMIN, confirm.message_id, text="Yes")
    assert answer.text == "The contest is cancelled."
    assert (await contests.get(contest_id)).status == "cancelled"
    assert any(
        e["action"] == "cancel" and e["actor_id"] == ADMIN for e in await audit.entries(contest_id)
    )


async def test_manage_list_pages_for_a_bot_admin(harness: BotHarness) -> None:
    h = harness
    h.emu.create_user(ADMIN, "Ada")
    h.emu.create_user(OWNER, "Olga")
    ends = datetime.now(UTC) + timedelta(days=1)
    for number in range(45):
        await contests.create(
            OWNER + number % 3,
            ContestFields(title=f"Contest {number}", description="", ends_at=ends),
        )
    (first,) = await h.say(ADMIN, "/manage")
    labels = button_texts(first)
    assert len(labels) == 21 and labels[-1] == "Older contests ›"
    assert labels[0].startswith("#45 Contest 44") and labels[19].startswith("#26 Contest 25")
    (second,) = await press_in_private(h, ADMIN, "Older contests ›")
    labels = button_texts(second)
    assert labels[0].startswith("#25 ") and labels[19].startswith("#6 ")
    assert labels[-1] == "Older contests ›"
    (last,) = await press_in_private(h, ADMIN, "Older contests ›")
    assert [label.split()[0] for label in button_texts(last)] == ["#5", "#4", "#3", "#2", "#1"]
    (owner_view,) = await h.say(OWNER, "/manage")  # an owner sees only their own 15
    assert len(button_texts(owner_view)) == 15


async def _wizard_up_to_targets(h: BotHarness, user_id: int, title: str) -> None:
    await h.say(user_id, "/new")
    await h.say(user_id, title)
    await h.say(user_id, "Prizes")
    await press_in_private(h, user_id, "Skip")  # no photo
    await h.say(user_id, "5")
    await h.say(user_id, "in 2 days")
    await press_in_private(h, user_id, "Skip")
    await press_in_private(h, user_id, "Done")  # no required channel


async def test_wizard_needs_a_target_channel_unless_a_bot_admin_creates(
    harness: BotHarness,
) -> None:
    """The rule of app.contests.rules.check_targets, as the API applies it too."""
    h = harness
    _world(h)
    h.emu.create_user(ADMIN, "Ada")
    await _wizard_up_to_targets(h, OWNER, "Nowhere")
    done = next(m for m in reversed(h.emu.bot_messages(OWNER)) if "Done" in button_texts(m))
    answer, _ = await h.press(OWNER, OWNER, done.message_id, text="Done")
    assert (answer.text, answer.show_alert) == ("Add at least one channel to post in.", True)

    await _wizard_up_to_targets(h, ADMIN, "Mini App only")
    _intro, card, _actions = await press_in_private(h, ADMIN, "Done", replies=3)
    assert "Mini App only" in card.text
    (published,) = await press_in_private(h, ADMIN, "Publish now")
    assert "is live" in published.text, published.text
    contest = (await contests.managed_by(ADMIN))[0]
    assert (contest.title, contest.status) == ("Mini App only", "active")
    assert (contest.winners_count, contest.reserve_count) == (5, 5)  # one reserve per winner


async def test_wizard_refuses_a_too_close_deadline_at_its_step_and_goes_back_from_preview(
    harness: BotHarness,
) -> None:
    """The deadline rule of app.contests.rules, asked at the deadline step, not at Publish."""
    h = harness
    _world(h)
    await h.say(OWNER, "/new")
    await h.say(OWNER, "Quick one")
    await h.say(OWNER, "Prizes")
    await press_in_private(h, OWNER, "Skip")  # no photo
    await h.say(OWNER, "2")
    (refused,) = await h.say(OWNER, "in 30 seconds")
    (accepted,) = await h.say(OWNER, "in 2 days")
    await press_in_private(h, OWNER, "Skip")
    await press_in_private(h, OWNER, "Done")  # no required channel
    await h.say(OWNER, "@alpha")
    _intro, _card, actions = await press_in_private(h, OWNER, "Done", replies=3)
    (back,) = await press_in_private(h, OWNER, "‹ Back")
    _intro, _card, again = await press_in_private(h, OWNER, "Done", replies=3)
    (published,) = await press_in_private(h, OWNER, "Publish now")
    print(
        f"\nwizard: 'in 30 seconds' -> {refused.text!r}; 'in 2 days' -> {accepted.text[:40]!r}; "
        f"preview buttons {button_texts(actions)}; back -> {back.text!r}; {published.text!r}"
    )
    assert "too soon" in refused.text
    assert "Ends at" in accepted.text
    assert "‹ Back" in button_texts(actions)
    assert back.text.startswith("The contest will be posted in: Alpha")
    assert "Publish now" in button_texts(again)
    assert "is live" in published.text


async def test_draw_without_the_beacon_is_the_organizers_explicit_choice(
    harness: BotHarness,
) -> None:
    from app.db import draws
    from tests.drand_emulator import TestChain

    h = harness
    channel_id = _world(h)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel_id, "Alpha", "alpha")], [channel_id], title="Stuck"
    )
    await draws.freeze(contest_id, TestChain().chain)  # committed; the round never comes
    await open_contest(h, OWNER, "Stuck")
    (confirm,) = await press_in_private(h, OWNER, "🎲 Draw without the beacon")
    refused, _ = await h.press(OWNER, OWNER, confirm.message_id, text="Yes")
    assert "not waiting for an unreachable beacon" in (refused.text or "")  # never missed
    assert (await draws.frozen(contest_id)).fallback == {}  # type: ignore[union-attr]

    await contests.record_error(contest_id, f"{draws.BEACON_WAIT}: no drand relay answered")
    summary = await open_contest(h, OWNER, "Stuck")
    assert "the draw waits for the drand beacon" in summary.text
    (confirm,) = await press_in_private(h, OWNER, "🎲 Draw without the beacon")
    assert "cannot be reached" in confirm.text
    chosen, _ = await h.press(OWNER, OWNER, confirm.message_id, text="Yes")
    assert "recorded in the proof" in (chosen.text or "")
    results = await h.emu.wait_for(
        lambda: [m for m in h.emu.bot_messages(channel_id) if m.reply_to is not None], timeout=10
    )
    assert "Drawn without the public randomness beacon" in results[0].text
    document = await draws.proof(contest_id)
    assert document.fallback is not None
    assert document.fallback.by == OWNER


async def _edit(h: BotHarness, contest_id: int, button: str, bad: str, good: str):  # type: ignore[no-untyped-def]
    """Press an edit button, send a bad value (refused, nothing changes), then a good one."""
    before = contests.fields_of(await contests.get(contest_id))
    (asked,) = await press_in_private(h, OWNER, button)
    (refused,) = await h.say(OWNER, bad)
    assert contests.fields_of(await contests.get(contest_id)) == before
    (saved,) = await h.say(OWNER, good)
    assert saved.text.startswith("Saved."), saved.text
    return asked, refused, saved


async def test_edit_counts_deadline_and_limit_before_the_start(harness: BotHarness) -> None:
    """The bot's edit changes what the API's PATCH and the Mini App's form change, and
    refuses at that step what `rules.check_fields` refuses there."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER,
        ContestFields(
            title="Spring", winners_count=3, ends_at=datetime.now(UTC) + timedelta(days=5)
        ),
    )
    summary = await open_contest(h, OWNER, "Spring")
    assert "Winners: 3, reserve: 3" in summary.text
    assert {"🏆 Winners", "🪑 Reserve", "⏰ Deadline", "👥 Participant limit"} <= set(
        button_texts(summary)
    )

    (asked,) = await press_in_private(h, OWNER, "🏆 Winners")
    (unreadable,) = await h.say(OWNER, "many")
    assert "whole number" in unreadable.text
    (refused,) = await h.say(OWNER, "500")
    assert "winners must be between 1 and 100" in refused.text
    (saved,) = await h.say(OWNER, "7")
    assert "Winners: 7, reserve: 3" in saved.text
    assert (await contests.get(contest.id)).winners_count == 7

    _, refused, saved = await _edit(h, contest.id, "🪑 Reserve", "101", "0")
    assert "reserve winners must be between 0 and 100" in refused.text
    assert "Winners: 7, reserve: 0" in saved.text
    assert (await contests.get(contest.id)).reserve_count == 0

    berlin = ZoneInfo("Europe/Berlin")
    local = (datetime.now(berlin) + timedelta(days=10)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    (asked,) = await press_in_private(h, OWNER, "⏰ Deadline")
    assert "Europe/Berlin" in asked.text
    (unreadable,) = await h.say(OWNER, "whenever")
    assert "Europe/Berlin" in unreadable.text
    _, refused, saved = await _edit(
        h, contest.id, "⏰ Deadline", "in 30 seconds", f"{local:%d.%m.%Y %H:%M}"
    )
    assert "deadline must be at least a minute after the start" in refused.text
    assert (await contests.get(contest.id)).ends_at == local.astimezone(UTC)
    assert cards.when(local.astimezone(UTC)) in saved.text

    asked, refused, saved = await _edit(h, contest.id, "👥 Participant limit", "2", "50")
    assert "at least the number of winners, 7" in asked.text
    assert "participant limit must be between the number of winners" in refused.text
    assert "Ends when 50 people have joined" in saved.text
    assert (await contests.get(contest.id)).max_participants == 50
    print(f"\nedit: refused {refused.text!r}; saved {saved.text!r}")


async def test_toggle_results_mode_and_notify_before_the_start(harness: BotHarness) -> None:
    """The preview's two switches are on /manage too, saved through `contests.update` like the
    API's PATCH; once the contest is no longer editable a stale button changes nothing."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER, ContestFields(title="Toggles", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    summary = await open_contest(h, OWNER, "Toggles")
    assert {"Results: reply to the post", "Message all participants the results: no"} <= set(
        button_texts(summary)
    )

    (saved,) = await press_in_private(h, OWNER, "Results: reply to the post")
    assert saved.text.startswith("Saved.")
    assert "Results: edit the post" in button_texts(saved)
    (saved,) = await press_in_private(h, OWNER, "Message all participants the results: no")
    assert {"Results: edit the post", "Message all participants the results: yes"} <= set(
        button_texts(saved)
    )
    stored = await contests.get(contest.id)
    assert (stored.results_mode, stored.notify_participants) == ("edit", True)
    (saved,) = await press_in_private(h, OWNER, "Captcha: off")
    (saved,) = await press_in_private(h, OWNER, "Captcha: suspicious entries only")
    assert "Captcha: everyone" in button_texts(saved)
    assert (await contests.get(contest.id)).captcha_mode == "everyone"

    await contests.cancel(contest.id, OWNER)
    answer, replies = await h.press(
        OWNER, OWNER, saved.message_id, text="Message all participants the results: yes"
    )
    assert answer.show_alert and "cancelled" in (answer.text or "")
    assert replies == []
    stored = await contests.get(contest.id)
    assert (stored.results_mode, stored.notify_participants) == ("edit", True)
    print(f"\ntoggle after cancel refused: {answer.text!r}")


async def test_remove_deadline_or_limit_unless_nothing_would_end_it(harness: BotHarness) -> None:
    """«No deadline» / «No participant limit» under the question set the field to none, as the
    API's PATCH with null does; `rules.check_fields` refuses leaving no end condition."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    ends_at = datetime.now(UTC) + timedelta(days=5)
    contest = await contests.create(
        OWNER, ContestFields(title="Either", ends_at=ends_at, max_participants=50)
    )
    await open_contest(h, OWNER, "Either")
    (asked,) = await press_in_private(h, OWNER, "⏰ Deadline")
    assert "✖️ No deadline" in button_texts(asked)
    (saved,) = await press_in_private(h, OWNER, "✖️ No deadline")
    assert saved.text.startswith("Saved.")
    assert cards.when(ends_at) not in saved.text
    assert "Ends when 50 people have joined" in saved.text
    assert (await contests.get(contest.id)).ends_at is None

    (asked,) = await press_in_private(h, OWNER, "👥 Participant limit")
    (refused,) = await press_in_private(h, OWNER, "✖️ No participant limit")
    assert "an end condition is needed" in refused.text
    assert (await contests.get(contest.id)).max_participants == 50
    (saved,) = await h.say(OWNER, "60")
    assert "Ends when 60 people have joined" in saved.text
    print(f"\nremoving the last end condition refused: {refused.text!r}")


async def test_edit_publish_time_of_a_scheduled_contest(harness: BotHarness) -> None:
    """A scheduled contest's publish time is read in the organizer's zone as the wizard reads
    it and saved through `rules.check_fields` (the deadline must still come after it)."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER, ContestFields(title="Later", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    summary = await open_contest(h, OWNER, "Later")
    assert "🗓 Publish time" not in button_texts(summary)  # a draft is published by hand
    await contests.schedule(contest.id, datetime.now(UTC) + timedelta(days=1), OWNER)
    berlin = ZoneInfo("Europe/Berlin")
    local = (datetime.now(berlin) + timedelta(days=2)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    await open_contest(h, OWNER, "Later")
    (asked,) = await press_in_private(h, OWNER, "🗓 Publish time")
    assert "Europe/Berlin" in asked.text
    (unreadable,) = await h.say(OWNER, "soonish")
    assert "Europe/Berlin" in unreadable.text
    before = (await contests.get(contest.id)).publish_at
    (refused,) = await h.say(OWNER, "in 6 days")
    assert "deadline must be at least a minute after the start" in refused.text
    assert (await contests.get(contest.id)).publish_at == before
    (saved,) = await h.say(OWNER, f"{local:%d.%m.%Y %H:%M}")
    assert f"Publishes at: {cards.when(local.astimezone(UTC))}" in saved.text
    stored = await contests.get(contest.id)
    assert (stored.status, stored.publish_at) == ("scheduled", local.astimezone(UTC))
    print(f"\npublish time after the deadline refused: {refused.text!r}")


async def test_edit_required_and_target_channels(harness: BotHarness) -> None:
    """The wizard's channel steps on /manage: each channel checked as the wizard (and the
    API's PATCH) checks it, Done replaces the contest's list."""
    h = harness
    channel_id = _world(h)
    contest = await contests.create(
        OWNER, ContestFields(title="Chans", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    await open_contest(h, OWNER, "Chans")
    (asked,) = await press_in_private(h, OWNER, "📢 Required channels")
    assert "subscribed" in asked.text
    (unknown,) = await h.say(OWNER, "@nosuchchannel")
    assert "I can't find @nosuchchannel" in unknown.text
    (added,) = await h.say(OWNER, "@alpha")
    assert "Required channels: Alpha" in added.text
    assert await contests.required_channels(contest.id) == []  # saved only on Done
    (saved,) = await press_in_private(h, OWNER, "Done")
    assert saved.text.startswith("Saved.")
    assert [ref.chat_id for ref in await contests.required_channels(contest.id)] == [channel_id]

    await press_in_private(h, OWNER, "📣 Post in")
    (added,) = await h.say(OWNER, "@alpha")
    assert "posted in: Alpha" in added.text
    (saved,) = await press_in_private(h, OWNER, "Done")
    assert saved.text.startswith("Saved.")
    posts = await Publication.select(Publication.chat_id).where(
        (Publication.contest == contest.id) & (Publication.kind == "post")
    )
    assert posts == [{"chat_id": channel_id}]
    print(f"\nunknown channel refused: {unknown.text!r}")


async def test_anti_fraud_rules_are_switched_on_manage(harness: BotHarness) -> None:
    """The leavers, new subscribers and Premium rules: one button each, the current value on
    it, the rule named in the summary; the new subscribers rule goes round its choices."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER, ContestFields(title="Rules", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    summary = await open_contest(h, OWNER, "Rules")
    assert {
        "🚪 Exclude who leaves a channel: no",
        "🆕 New subscribers only: no",
        "⭐ Premium only: no",
    } <= set(button_texts(summary))
    (saved,) = await press_in_private(h, OWNER, "🚪 Exclude who leaves a channel: no")
    assert "whoever leaves a required channel after joining is excluded" in saved.text
    (saved,) = await press_in_private(h, OWNER, "⭐ Premium only: no")
    assert "Telegram Premium accounts only" in saved.text
    (saved,) = await press_in_private(h, OWNER, "🆕 New subscribers only: no")
    assert "🆕 New subscribers only: yes (unknown: refused)" in button_texts(saved)
    assert "subscription time is unknown are refused" in saved.text
    (saved,) = await press_in_private(h, OWNER, "🆕 New subscribers only: yes (unknown: refused)")
    assert "🆕 New subscribers only: yes (unknown: allowed)" in button_texts(saved)
    stored = await contests.get(contest.id)
    assert (stored.exclude_leavers, stored.new_subscribers, stored.premium_only) == (
        True,
        "unknown_allowed",
        True,
    )
    (saved,) = await press_in_private(h, OWNER, "🆕 New subscribers only: yes (unknown: allowed)")
    assert "🆕 New subscribers only: no" in button_texts(saved)
    assert (await contests.get(contest.id)).new_subscribers == "off"


async def test_ticket_mode_and_caps_on_manage(harness: BotHarness) -> None:
    """The ticket mode goes round its choices; each cap is asked for and checked against
    `rules.TICKET_CAP_MAX`; the summary says what gives tickets."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER, ContestFields(title="Tickets", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    summary = await open_contest(h, OWNER, "Tickets")
    assert {
        "🎟 Extra tickets: none",
        "🎟 Most for friends: 10",
        "🎟 Most for boosts: 10",
    } <= set(button_texts(summary))
    (saved,) = await press_in_private(h, OWNER, "🎟 Extra tickets: none")
    assert "🎟 Extra tickets: invited friends" in button_texts(saved)
    assert "Extra tickets for invited friends (at most 10)" in saved.text
    await press_in_private(h, OWNER, "🎟 Extra tickets: invited friends")
    (saved,) = await press_in_private(h, OWNER, "🎟 Extra tickets: channel boosts")
    assert "🎟 Extra tickets: friends and boosts" in button_texts(saved)
    (asked,) = await press_in_private(h, OWNER, "🎟 Most for boosts: 10")
    assert "(1–100)" in asked.text
    (refused,) = await h.say(OWNER, "101")
    assert "boost ticket cap must be between 1 and 100" in refused.text
    (saved,) = await h.say(OWNER, "3")
    assert "channel boosts (at most 3)" in saved.text
    stored = await contests.get(contest.id)
    assert (stored.ticket_mode, stored.referral_cap, stored.boost_cap) == ("both", 10, 3)
