"""Channels the bot has checked: what it last learned about each from Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

from app.db.tables import Channel


async def remember(
    chat_id: int, title: str, username: str | None, invite_link: str | None, bot_is_admin: bool
) -> None:
    """Store (or refresh) a channel as Telegram just described it."""
    await Channel.insert(
        Channel(
            id=chat_id,
            title=title,
            username=username,
            invite_link=invite_link,
            bot_is_admin=bot_is_admin,
            checked_at=datetime.now(UTC),
        )
    ).on_conflict(
        target=Channel.id,
        action="DO UPDATE",
        values=[
            Channel.title,
            Channel.username,
            Channel.invite_link,
            Channel.bot_is_admin,
            Channel.checked_at,
        ],
    )


async def get(chat_id: int) -> Channel | None:
    """The channel as last checked, or None if the bot never checked it."""
    return await Channel.objects().where(Channel.id == chat_id).first()
