"""Callback data of every inline button, with versioned prefixes.

Here, below the bot, because the Telegram layer renders buttons too: the channel post's
Participate button and the organizer's messages from the outbox.

Telegram gives callback data back as a string of at most 64 bytes; the prefixes carry a
version (`v1…`) so buttons from an older release are recognised as stale instead of
being misread. Anything that does not parse is answered by the fallback in `errors`.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class JoinButton(CallbackData, prefix="v1j"):
    """Participate in a contest (channel posts and the bot's own card)."""

    contest_id: int


class ReferredJoinButton(CallbackData, prefix="v1jr"):
    """Join through a participant's referral link (the bot's card opened from it)."""

    contest_id: int
    referrer: int


class CaptchaButton(CallbackData, prefix="v1q"):
    """One picture of a captcha question: the question's random token and a position;
    which position is right is known only to the server (`app.db.captchas`)."""

    token: str
    choice: int


class Language(StrEnum):
    en = "en"
    ru = "ru"


class LanguageButton(CallbackData, prefix="v1l"):
    language: Language


class ForgetAction(StrEnum):
    confirm = "confirm"
    keep = "keep"


class ForgetButton(CallbackData, prefix="v1f"):
    action: ForgetAction


class WizardAction(StrEnum):
    skip = "skip"
    done = "done"
    results_mode = "mode"
    notify = "notify"
    publish = "publish"
    schedule = "schedule"
    discard = "discard"
    back = "back"


class WizardButton(CallbackData, prefix="v1w"):
    """Buttons of the creation wizard; they act on the user's own wizard state."""

    action: WizardAction


class ManageAction(StrEnum):
    open = "open"
    stats = "stats"
    edit_title = "title"
    edit_description = "desc"
    edit_winners = "winners"
    edit_reserve = "reserve"
    edit_deadline = "deadline"
    edit_limit = "limit"
    edit_publish_at = "publishat"
    edit_required = "required"
    edit_targets = "targets"
    clear_deadline = "nodeadline"
    clear_limit = "nolimit"
    toggle_notify = "notify"
    toggle_results_mode = "mode"
    toggle_captcha = "captcha"
    toggle_leavers = "leavers"
    toggle_new_subscribers = "newsubs"
    toggle_premium = "premium"
    toggle_tickets = "tickets"
    edit_referral_cap = "refcap"
    edit_boost_cap = "boostcap"
    cancel = "cancel"
    cancel_confirm = "cancel_ok"
    draw = "draw"
    draw_confirm = "draw_ok"
    export = "export"
    redraw = "redraw"
    skip_final_check = "nocheck"
    no_beacon = "nobeacon"
    no_beacon_confirm = "nobeacon_ok"
    edit_claim = "claim"
    clear_claim = "noclaim"
    review = "review"
    exclude_flagged = "exclude"
    claims = "claims"


class ManageButton(CallbackData, prefix="v1m"):
    """An organizer's action on one contest; the handler checks who presses it."""

    action: ManageAction
    contest_id: int


class ManagePage(CallbackData, prefix="v1p"):
    """The next page of /manage: contests with ids below `before`."""

    before: int


class RedrawButton(CallbackData, prefix="v1r"):
    """Pick the winner to replace."""

    contest_id: int
    user_id: int


class ResultsButton(CallbackData, prefix="v1d"):
    """'Did I win?' for one contest."""

    contest_id: int


class ClaimButton(CallbackData, prefix="v1c"):
    """A winner claims the prize of a contest (from the winner's message)."""

    contest_id: int


class HandOverButton(CallbackData, prefix="v1h"):
    """The organizer marks a winner's prize handed over."""

    contest_id: int
    user_id: int
