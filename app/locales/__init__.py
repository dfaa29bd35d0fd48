"""Participant- and organizer-facing texts in Russian and English.

Texts live in `app/locales/<language>/<area>.json` as flat `{"key": "text"}` maps and are
addressed as `"<area>.<key>"`, e.g. `text("ru", "bot.joined", count=3)`. Parameters are
filled with `str.format`. A missing key or language falls back to English.

Operators override any text without touching code: `load(overrides_dir)` reads the same
layout (`<dir>/<language>/<area>.json`) and also whole-language files
(`<dir>/<language>.json` mapping `"<area>.<key>"` to text) on top of the bundled ones.
Texts are HTML (the bot's parse mode); parameters carrying user input must be escaped
by the caller.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from string import Formatter

log = logging.getLogger(__name__)

LANGUAGES = ("en", "ru")
FALLBACK = "en"
BUNDLED = Path(__file__).parent

_catalog: dict[str, dict[str, str]] = {}


def _read_tree(root: Path) -> dict[str, dict[str, str]]:
    catalog: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        entries: dict[str, str] = {}
        for path in sorted((root / language).glob("*.json")):
            for key, value in _read_json(path).items():
                entries[f"{path.stem}.{key}"] = value
        whole = root / f"{language}.json"
        if whole.is_file():
            entries.update(_read_json(whole))
        catalog[language] = entries
    return catalog


def _read_json(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: a locale file must map text keys to strings")
    return data


def load(overrides: Path | None = None) -> None:
    """(Re)load the bundled texts, then the operator's overrides from `overrides`."""
    catalog = _read_tree(BUNDLED)
    if overrides is not None:
        if not overrides.is_dir():
            raise FileNotFoundError(f"LOCALES_DIR {overrides} is not a directory")
        for language, entries in _read_tree(overrides).items():
            unknown = sorted(set(entries) - set(catalog[FALLBACK]))
            if unknown:
                log.warning("locale overrides for unknown keys ignored: %s", ", ".join(unknown))
            catalog[language].update({k: v for k, v in entries.items() if k not in unknown})
        log.info("locale overrides loaded from %s", overrides)
    _catalog.clear()
    _catalog.update(catalog)


def catalog() -> Mapping[str, Mapping[str, str]]:
    if not _catalog:
        load()
    return _catalog


def text(language: str, key: str, **params: object) -> str:
    """The text for `key` in `language` (English if missing there), filled with `params`."""
    texts = catalog()
    template = texts.get(language, {}).get(key) or texts[FALLBACK].get(key)
    if template is None:
        raise KeyError(f"no text {key!r}")
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.exception("text %r in %s does not fit its parameters; using English", key, language)
        return texts[FALLBACK][key].format(**params)


def placeholders(template: str) -> set[str]:
    """The `{names}` a text uses (for checking that translations agree)."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


class Texts:
    """Texts in one language, handed to handlers as `texts`: `texts("bot.joined", count=3)`."""

    __slots__ = ("language",)

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else FALLBACK

    def __call__(self, key: str, **params: object) -> str:
        return text(self.language, key, **params)
