"""A reference to a Telegram channel as contests use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel by id, with what a participant needs to find it."""

    chat_id: int
    title: str = ""
    username: str | None = None
    invite_link: str | None = None

    @property
    def name(self) -> str:
        """How people are shown the channel: its title, else @username, else its id."""
        return self.title or (f"@{self.username}" if self.username else str(self.chat_id))

    @property
    def link(self) -> str | None:
        if self.username:
            return f"https://t.me/{self.username}"
        return self.invite_link
