"""Keeping a contest's suspicion signals current, in the background (a worker task).

A pass asks Telegram for the profile photos of entrants whose status is unknown or
stale (`getUserProfilePhotos` with limit 1: only `total_count` matters), at most
`PHOTOS_PER_PASS` of them, then recomputes the contest's assessments if anything
changed. A photo Telegram does not answer about stays unknown (no signal) and is asked
again on the next pass; a 429 is waited out by the bot's limiter (`app.telegram.limits`)
and, should it give up, ends the pass early. Nothing here is on the join path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from app.db import suspicion

log = logging.getLogger(__name__)

PHOTOS_PER_PASS = 200
"""Photo checks in one pass; reads are not metered by the send limiter, so keep it modest."""


@dataclass(frozen=True, slots=True)
class Pass:
    photos_checked: int
    photos_failed: int
    assessed: int  # entries whose stored assessment changed


async def has_photo(bot: Bot, user_id: int) -> bool:
    photos = await bot.get_user_profile_photos(user_id, limit=1)
    return photos.total_count > 0


async def assess_contest(bot: Bot, contest_id: int) -> Pass:
    """One background pass over a contest (see the module docstring)."""
    now = datetime.now(UTC)
    checked = failed = 0
    for user_id in await suspicion.stale_photos(contest_id, now, PHOTOS_PER_PASS):
        try:
            found = await has_photo(bot, user_id)
        except TelegramRetryAfter as exc:
            log.info(
                "photo checks of contest %s paused: flood control (%s s)",
                contest_id,
                exc.retry_after,
            )
            failed += 1
            break
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.info("profile photos of user %s unknown for now: %s", user_id, exc)
            failed += 1
            continue
        except TelegramAPIError as exc:  # a definite refusal: unknown until the cache ages
            log.info("profile photos of user %s unknown: %s", user_id, exc)
            await suspicion.record_photo(user_id, None, now)
            failed += 1
            continue
        await suspicion.record_photo(user_id, found, now)
        checked += 1
    assessed = 0
    if checked or await suspicion.needs_assessment(contest_id):
        assessed = await suspicion.assess(contest_id, now)
    return Pass(checked, failed, assessed)
