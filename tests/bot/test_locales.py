"""The texts: both languages complete and consistent, and operator overrides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import locales
from tests.telegram_emulator import ApiError
from tests.telegram_emulator.formatting import parse_html


@pytest.fixture(autouse=True)
def bundled() -> Iterator[None]:
    locales.load()
    yield
    locales.load()


def test_same_keys_and_placeholders_in_every_language() -> None:
    catalog = locales.catalog()
    english, russian = catalog["en"], catalog["ru"]
    assert set(english) == set(russian)
    for key, template in english.items():
        assert locales.placeholders(template) == locales.placeholders(russian[key]), key


def test_every_text_is_valid_telegram_html() -> None:
    """Parsed as Telegram parses parse_mode=HTML (the emulator's parser raises on errors)."""
    for language, entries in locales.catalog().items():
        for key, template in entries.items():
            filled = template.format(**dict.fromkeys(locales.placeholders(template), "1"))
            try:
                parse_html(filled)
            except ApiError as exc:
                raise AssertionError(f"{language} {key}: {exc}") from None


def test_text_fills_and_falls_back() -> None:
    assert locales.text("ru", "bot.join_joined", count=5).startswith("Вы участвуете! Участников: 5")
    assert locales.text("de", "bot.join_joined", count=5).startswith("You're in!")
    assert locales.Texts("xx").language == "en"
    with pytest.raises(KeyError):
        locales.text("en", "bot.no_such_text")


def test_operator_overrides(tmp_path: Path) -> None:
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "bot.json").write_text(
        json.dumps({"join_joined": "Есть! Нас уже {count}.", "made_up": "x"}), encoding="utf-8"
    )
    (tmp_path / "en.json").write_text(
        json.dumps({"cards.participate": "Join the giveaway ({count})"}), encoding="utf-8"
    )
    locales.load(tmp_path)
    assert locales.text("ru", "bot.join_joined", count=7) == "Есть! Нас уже 7."
    assert locales.text("en", "cards.participate", count=2) == "Join the giveaway (2)"
    assert locales.text("en", "bot.join_joined", count=1).startswith("You're in!")
    with pytest.raises(KeyError):
        locales.text("ru", "bot.made_up")


def test_override_with_wrong_placeholder_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "bot.json").write_text(
        json.dumps({"join_joined": "Участников: {total}"}), encoding="utf-8"
    )
    locales.load(tmp_path)
    assert locales.text("ru", "bot.join_joined", count=3).startswith("You're in! Participants: 3")


def test_missing_override_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="LOCALES_DIR"):
        locales.load(tmp_path / "absent")
