"""Rendering contests: escaping, limits, buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from app.contests.channels import ChannelRef
from app.db.tables import Contest
from app.telegram import cards
from app.telegram.callbacks import JoinButton
from tests.telegram_emulator.formatting import parse_html


def _contest(**values: object) -> Contest:
    base: dict[str, object] = {
        "id": 7,
        "owner_id": 1,
        "title": "<Bike> & co",
        "description": "Win <script>alert(1)</script>",
        "winners_count": 2,
        "ends_at": datetime(2026, 12, 31, 18, 0, tzinfo=UTC),
        "seed_commitment": "ab" * 32,
    }
    return Contest(**(base | values))


def test_card_escapes_organizer_text() -> None:
    card = cards.card_text(_contest(), [ChannelRef(-1001, "A&B", "ab_news")], "en")
    assert "&lt;Bike&gt; &amp; co" in card
    assert "<script>" not in card
    assert '<a href="https://t.me/ab_news">A&amp;B</a>' in card
    assert "2026-12-31 18:00 UTC" in card
    text, _ = parse_html(card)
    assert text.startswith("<Bike> & co\n\nWin <script>")


def test_visible_length_counts_what_telegram_counts() -> None:
    assert cards.visible_length("<b>a&amp;b</b>") == 3
    assert cards.visible_length("😀") == 2  # UTF-16 code units


def test_participate_button() -> None:
    markup = cards.participate_markup(7, 12, "ru", "contest_bot")
    join, app_link = (row[0] for row in markup.inline_keyboard)
    assert join.text == "Участвовать (12)"
    assert JoinButton.unpack(join.callback_data).contest_id == 7
    assert app_link.url == "https://t.me/contest_bot?startapp=c7"
    assert len(markup.inline_keyboard) == 2
    assert len(cards.participate_markup(7, 0, "en").inline_keyboard) == 1


def test_results_mentions() -> None:
    people = [cards.Person(1, "Ann <3"), cards.Person(2, "Bob", "bob")]
    text = cards.results_text(_contest(), people, 10, "https://t.me/b?start=proof_7", "en")
    assert '<a href="tg://user?id=1">Ann &lt;3</a>' in text
    assert "@bob" in text
    assert "Participants: 10" in text


def test_card_tells_the_anti_fraud_rules_up_front() -> None:
    plain = cards.card_text(_contest(), [], "en")
    assert "Premium" not in plain and "New subscribers" not in plain
    strict = _contest(premium_only=True, new_subscribers="unknown_refused", exclude_leavers=True)
    card = cards.card_text(strict, [], "en")
    assert "⭐ Telegram Premium accounts only" in card
    assert "🆕 New subscribers only: subscribe after the start" in card
    assert "🚪 Leaving a required channel before the draw disqualifies" in card
    assert "Только аккаунты Telegram Premium" in cards.card_text(strict, [], "ru")
