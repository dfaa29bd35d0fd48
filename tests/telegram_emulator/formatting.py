"""Message text formatting: parse_mode parsing into (text, entities), as Telegram does.

Offsets and lengths of entities are in UTF-16 code units; byte offsets in error texts
are UTF-8 offsets into the source text.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .errors import ApiError, bad_request

Entity = dict[str, Any]

HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
AUTO_ENTITIES = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{5,32})?)"
    r"|(?P<url>\bhttps?://[^\s<>\"]+)"
    r"|(?P<mention>(?<!\w)@[A-Za-z][A-Za-z0-9_]{3,31})"
    r"|(?P<hashtag>(?<![\w#])#\w*[A-Za-z_]\w*)"
)
NO_AUTO_INSIDE = frozenset({"code", "pre", "text_link", "url", "bot_command", "mention"})


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def parse_html(source: str) -> tuple[str, list[Entity]]:
    pieces: list[str] = []
    position = 0
    entities: list[Entity] = []
    stack: list[tuple[str, Entity, int]] = []
    index, size = 0, len(source)
    while index < size:
        char = source[index]
        if char == "<":
            end = source.find(">", index)
            if end == -1:
                raise _parse_error(
                    f"Unclosed start tag at byte offset {_byte_offset(source, index)}"
                )
            inner = source[index + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    offset = _byte_offset(source, index)
                    raise _parse_error(f"Unexpected end tag at byte offset {offset}")
                open_name, entity, start = stack.pop()
                if open_name != name:
                    offset = _byte_offset(source, index)
                    raise _parse_error(
                        f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                if position > start and entity:
                    entity["offset"], entity["length"] = start, position - start
                    entities.append(entity)
            else:
                stack.append(_open_tag(source, index, inner, position, stack))
            index = end + 1
        elif char == "&":
            match = HTML_ENTITY.match(source, index)
            text = html.unescape(match.group(0)) if match else "&"
            pieces.append(text)
            position += utf16_len(text)
            index = match.end() if match else index + 1
        else:
            stop = index + 1
            while stop < size and source[stop] not in "<&":
                stop += 1
            text = source[index:stop]
            pieces.append(text)
            position += utf16_len(text)
            index = stop
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda item: item["offset"])
    return "".join(pieces), entities


def _open_tag(
    source: str, index: int, inner: str, position: int, stack: list[tuple[str, Entity, int]]
) -> tuple[str, Entity, int]:
    name, _, rest = inner.strip().partition(" ")
    name = name.lower().rstrip("/")
    kind = HTML_TAGS.get(name)
    attributes = {
        match.group(1).lower(): match.group(2) or match.group(3) or match.group(4) or ""
        for match in ATTRIBUTE.finditer(rest)
    }
    offset = _byte_offset(source, index)
    if kind is None or (name == "span" and attributes.get("class") != "tg-spoiler"):
        raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
    entity: Entity = {"type": kind}
    if name == "a":
        href = attributes.get("href", "")
        if not href:
            entity = {}
        else:
            entity["url"] = href
    elif name == "tg-emoji":
        if "emoji-id" not in attributes:
            raise _parse_error(
                f'Custom emoji entity must have "emoji-id" attribute at byte offset {offset}'
            )
        entity["custom_emoji_id"] = attributes["emoji-id"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "code" and stack and stack[-1][0] == "pre":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1][1]["language"] = language.removeprefix("language-")
        entity = {}
    return name, entity, position


MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
MARKDOWN_V2_MARKS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
ENTITY_TITLES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    pieces: list[str] = []
    position = 0
    entities: list[Entity] = []
    open_marks: dict[str, tuple[int, int]] = {}
    link_start: tuple[int, int] | None = None
    index, size = 0, len(source)
    while index < size:
        char = source[index]
        if char == "\\" and index + 1 < size and ord(source[index + 1]) < 127:
            pieces.append(source[index + 1])
            position += 1
            index += 2
            continue
        if char == "`":
            fence = source.startswith("```", index)
            mark = "```" if fence else "`"
            close = source.find(mark, index + len(mark))
            if close == -1:
                title = "Pre" if fence else "Code"
                offset = _byte_offset(source, index)
                raise _parse_error(f"Can't find end of {title} entity at byte offset {offset}")
            body = source[index + len(mark) : close]
            entity: Entity = {"type": "pre" if fence else "code"}
            if fence and "\n" in body:
                language, body = body.split("\n", 1)
                if language.strip():
                    entity["language"] = language.strip()
            body = re.sub(r"\\([`\\])", r"\1", body)
            entity["offset"], entity["length"] = position, utf16_len(body)
            if body:
                entities.append(entity)
            pieces.append(body)
            position += utf16_len(body)
            index = close + len(mark)
            continue
        mark = source[index : index + 2] if source[index : index + 2] in ("__", "||") else char
        if mark in MARKDOWN_V2_MARKS:
            kind = MARKDOWN_V2_MARKS[mark]
            if kind in open_marks:
                start, _ = open_marks.pop(kind)
                if position > start:
                    entities.append({"type": kind, "offset": start, "length": position - start})
            else:
                open_marks[kind] = (position, index)
            index += len(mark)
            continue
        if char == "[" and link_start is None:
            link_start = (position, index)
            index += 1
            continue
        if char == "]" and link_start is not None:
            match = re.compile(r"\(((?:[^)\\]|\\.)*)\)").match(source, index + 1)
            if match is None:
                raise _parse_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, index)}"
                )
            start, _ = link_start
            link_start = None
            url = re.sub(r"\\(.)", r"\1", match.group(1))
            if position > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": position - start, "url": url}
                )
            index = match.end()
            continue
        if char == ">" and (index == 0 or source[index - 1] == "\n"):
            open_marks.setdefault("blockquote", (position, index))
            index += 1
            continue
        if char == "\n" and "blockquote" in open_marks and not source.startswith(">", index + 1):
            start, _ = open_marks.pop("blockquote")
            entities.append({"type": "blockquote", "offset": start, "length": position - start})
        if char in MARKDOWN_V2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        pieces.append(char)
        position += utf16_len(char)
        index += 1
    if link_start is not None:
        offset = _byte_offset(source, link_start[1])
        raise _parse_error(f"Can't find end of TextUrl entity at byte offset {offset}")
    quote = open_marks.pop("blockquote", None)
    if quote is not None and position > quote[0]:
        entities.append({"type": "blockquote", "offset": quote[0], "length": position - quote[0]})
    if open_marks:
        kind, (_, at) = min(open_marks.items(), key=lambda item: item[1][1])
        offset = _byte_offset(source, at)
        raise _parse_error(
            f"Can't find end of {ENTITY_TITLES[kind]} entity at byte offset {offset}"
        )
    entities.sort(key=lambda item: item["offset"])
    return "".join(pieces), entities


LEGACY_MARKS = {"*": "bold", "_": "italic"}


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    pieces: list[str] = []
    position = 0
    entities: list[Entity] = []
    index, size = 0, len(source)
    while index < size:
        char = source[index]
        if char == "\\" and index + 1 < size and source[index + 1] in "_*`[":
            pieces.append(source[index + 1])
            position += 1
            index += 2
            continue
        if char in "*_`[":
            fence = source.startswith("```", index)
            mark = "```" if fence else ("]" if char == "[" else char)
            close = source.find(mark, index + (3 if fence else 1))
            if close == -1:
                offset = _byte_offset(source, index)
                raise _parse_error(f"Can't find end of the entity starting at byte offset {offset}")
            body = source[index + (3 if fence else 1) : close]
            entity: Entity = {"type": "pre" if fence else LEGACY_MARKS.get(char, "code")}
            after = close + len(mark)
            if char == "[":
                match = re.compile(r"\(([^)]*)\)").match(source, after)
                if match is None:
                    pieces.append(body)
                    position += utf16_len(body)
                    index = after
                    continue
                entity = {"type": "text_link", "url": match.group(1)}
                after = match.end()
            if body:
                entity["offset"], entity["length"] = position, utf16_len(body)
                entities.append(entity)
            pieces.append(body)
            position += utf16_len(body)
            index = after
            continue
        pieces.append(char)
        position += utf16_len(char)
        index += 1
    return "".join(pieces), entities


PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def detect_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Add the entities Telegram finds by itself: commands, links, mentions, hashtags."""
    if not any(mark in text for mark in "/@#:"):
        return entities
    covered = [
        (entity["offset"], entity["offset"] + entity["length"])
        for entity in entities
        if entity["type"] in NO_AUTO_INSIDE
    ]
    found: list[Entity] = []
    for match in AUTO_ENTITIES.finditer(text):
        kind = match.lastgroup or ""
        if kind == "bot_command" and match.start() != 0 and not text[match.start() - 1].isspace():
            continue
        start = utf16_len(text[: match.start()])
        length = utf16_len(match.group(0))
        if any(start < end and start + length > begin for begin, end in covered):
            continue
        found.append({"type": kind, "offset": start, "length": length})
    if not found:
        return entities
    return sorted(entities + found, key=lambda item: item["offset"])


def format_text(
    source: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Parse, strip surrounding whitespace and auto-detect entities like Telegram."""
    if entities is not None:
        text, parsed = source, [dict(entity) for entity in entities]
    elif parse_mode:
        parser = PARSERS.get(parse_mode.lower())
        if parser is None:
            raise bad_request("unsupported parse_mode")
        text, parsed = parser(source)
    else:
        text, parsed = source, []
    stripped = text.strip()
    if stripped != text and stripped:
        shift = utf16_len(text[: len(text) - len(text.lstrip())])
        limit = utf16_len(stripped)
        clipped: list[Entity] = []
        for entity in parsed:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] - shift + entity["length"], limit)
            if end > start:
                clipped.append({**entity, "offset": start, "length": end - start})
        parsed = clipped
    return stripped, detect_entities(stripped, parsed)
