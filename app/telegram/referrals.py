"""A participant's referral links: the bot's deep link and the Mini App's `startapp`.

Both carry `c<contest>r<referrer>`; a join through either records the referral with the
entry (`app.db.tickets.refer`).
"""

from __future__ import annotations

from app.telegram.cards import mini_app_link


def start_param(contest_id: int, user_id: int) -> str:
    return f"c{contest_id}r{user_id}"


def bot_link(bot_username: str, contest_id: int, user_id: int) -> str:
    return f"https://t.me/{bot_username}?start={start_param(contest_id, user_id)}"


def app_link(bot_username: str, contest_id: int, user_id: int) -> str:
    return mini_app_link(bot_username, start_param(contest_id, user_id))
