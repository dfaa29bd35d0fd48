"""Inline keyboards of the bot's private conversations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from app.contests.captcha import PICTURES, Question
from app.contests.channels import ChannelRef
from app.contests.claims import HANDABLE
from app.contests.lifecycle import Status
from app.db.claims import Claim
from app.db.tables import Contest
from app.locales import Texts
from app.telegram.callbacks import (
    CaptchaButton,
    ForgetAction,
    ForgetButton,
    HandOverButton,
    JoinButton,
    Language,
    LanguageButton,
    ManageAction,
    ManageButton,
    ManagePage,
    RedrawButton,
    ReferredJoinButton,
    ResultsButton,
    WizardAction,
    WizardButton,
)
from app.telegram.cards import Person


def join(contest_id: int, texts: Texts, referrer: int | None = None) -> InlineKeyboardMarkup:
    """The Join button; from a referral link it carries the referrer."""
    builder = InlineKeyboardBuilder()
    data: JoinButton | ReferredJoinButton = JoinButton(contest_id=contest_id)
    if referrer is not None:
        data = ReferredJoinButton(contest_id=contest_id, referrer=referrer)
    builder.button(text=texts("bot.join_button"), callback_data=data)
    return builder.as_markup()


def captcha(question: Question, token: str) -> InlineKeyboardMarkup:
    """The pictures of a captcha question, three to a row."""
    builder = InlineKeyboardBuilder()
    for position, name in enumerate(question.options):
        builder.button(
            text=PICTURES[name], callback_data=CaptchaButton(token=token, choice=position)
        )
    builder.adjust(3)
    return builder.as_markup()


def subscribe(contest_id: int, missing: Sequence[ChannelRef], texts: Texts) -> InlineKeyboardMarkup:
    """One button per channel still to subscribe to, then 'Check again'."""
    builder = InlineKeyboardBuilder()
    for ref in missing:
        if ref.link:
            builder.button(text=texts("bot.subscribe_button", title=ref.title), url=ref.link)
    builder.button(text=texts("bot.check_again"), callback_data=JoinButton(contest_id=contest_id))
    builder.adjust(1)
    return builder.as_markup()


def languages() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="English", callback_data=LanguageButton(language=Language.en))
    builder.button(text="Русский", callback_data=LanguageButton(language=Language.ru))
    return builder.as_markup()


def forget(texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts("bot.forget_yes"), callback_data=ForgetButton(action=ForgetAction.confirm)
    )
    builder.button(
        text=texts("bot.forget_no"), callback_data=ForgetButton(action=ForgetAction.keep)
    )
    return builder.as_markup()


def my_contests(contests: Sequence[Contest], texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for contest in contests:
        if contest.status == Status.finished.value:
            builder.button(
                text=texts("bot.did_i_win_button", title=contest.title[:40]),
                callback_data=ResultsButton(contest_id=contest.id),
            )
    builder.adjust(1)
    return builder.as_markup()


def wizard(texts: Texts, *actions: WizardAction) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(
            text=texts(f"organizer.wizard_{action.value}"),
            callback_data=WizardButton(action=action),
        )
    builder.adjust(1)
    return builder.as_markup()


def preview(texts: Texts, results_mode: str, notify: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts(f"organizer.results_mode_{results_mode}"),
        callback_data=WizardButton(action=WizardAction.results_mode),
    )
    builder.button(
        text=texts("organizer.notify_on" if notify else "organizer.notify_off"),
        callback_data=WizardButton(action=WizardAction.notify),
    )
    for action in (
        WizardAction.publish,
        WizardAction.schedule,
        WizardAction.back,
        WizardAction.discard,
    ):
        builder.button(
            text=texts(f"organizer.wizard_{action.value}"),
            callback_data=WizardButton(action=action),
        )
    builder.adjust(1)
    return builder.as_markup()


def managed(contests: Sequence[Contest], texts: Texts, more: bool) -> InlineKeyboardMarkup:
    """One button per contest; `more` adds a button to the next (older) page."""
    builder = InlineKeyboardBuilder()
    for contest in contests:
        builder.button(
            text=f"#{contest.id} {contest.title[:40]} · {contest.status}",
            callback_data=ManageButton(action=ManageAction.open, contest_id=contest.id),
        )
    if more and contests:
        builder.button(
            text=texts("organizer.manage_more"), callback_data=ManagePage(before=contests[-1].id)
        )
    builder.adjust(1)
    return builder.as_markup()


_EDITS = (
    ManageAction.edit_title,
    ManageAction.edit_description,
    ManageAction.edit_winners,
    ManageAction.edit_reserve,
    ManageAction.edit_deadline,
    ManageAction.edit_limit,
    ManageAction.edit_claim,
    ManageAction.edit_required,
    ManageAction.edit_targets,
    ManageAction.toggle_results_mode,
    ManageAction.toggle_notify,
    ManageAction.toggle_captcha,
    ManageAction.toggle_leavers,
    ManageAction.toggle_new_subscribers,
    ManageAction.toggle_premium,
    ManageAction.toggle_tickets,
    ManageAction.edit_referral_cap,
    ManageAction.edit_boost_cap,
)
_ACTIONS_BY_STATUS: dict[Status, tuple[ManageAction, ...]] = {
    Status.draft: (*_EDITS, ManageAction.cancel),
    Status.scheduled: (*_EDITS, ManageAction.edit_publish_at, ManageAction.cancel),
    Status.active: (
        ManageAction.stats,
        ManageAction.draw,
        ManageAction.export,
        ManageAction.review,
        ManageAction.cancel,
    ),
    Status.drawing: (ManageAction.stats, ManageAction.export, ManageAction.no_beacon),
    Status.finished: (
        ManageAction.stats,
        ManageAction.export,
        ManageAction.redraw,
        ManageAction.claims,
    ),
    Status.cancelled: (ManageAction.stats, ManageAction.export),
}


def _manage_label(contest: Contest, action: ManageAction, texts: Texts) -> str:
    """The toggles show the current setting, in the wizard's preview words."""
    if action is ManageAction.toggle_notify:
        return texts(
            "organizer.notify_on" if contest.notify_participants else "organizer.notify_off"
        )
    if action is ManageAction.toggle_results_mode:
        return texts(f"organizer.results_mode_{contest.results_mode}")
    if action is ManageAction.toggle_captcha:
        return texts(f"organizer.captcha_{contest.captcha_mode}")
    if action is ManageAction.toggle_leavers:
        return texts("organizer.leavers_" + ("on" if contest.exclude_leavers else "off"))
    if action is ManageAction.toggle_new_subscribers:
        return texts(f"organizer.newsubs_{contest.new_subscribers}")
    if action is ManageAction.toggle_premium:
        return texts("organizer.premium_" + ("on" if contest.premium_only else "off"))
    if action is ManageAction.toggle_tickets:
        return texts(f"organizer.tickets_{contest.ticket_mode}")
    if action is ManageAction.edit_referral_cap:
        return texts("organizer.manage_refcap", cap=contest.referral_cap)
    if action is ManageAction.edit_boost_cap:
        return texts("organizer.manage_boostcap", cap=contest.boost_cap)
    return texts(_label_key(action))


_AREAS = {
    ManageAction.edit_claim: "claims",
    ManageAction.clear_claim: "claims",
    ManageAction.claims: "claims",
    ManageAction.review: "review",
    ManageAction.exclude_flagged: "review",
}
"""Features whose button labels live in their own locale file (else `organizer`)."""


def _label_key(action: ManageAction) -> str:
    return f"{_AREAS.get(action, 'organizer')}.manage_{action.value}"


def manage(contest: Contest, texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in _ACTIONS_BY_STATUS[Status(contest.status)]:
        builder.button(
            text=_manage_label(contest, action, texts),
            callback_data=ManageButton(action=action, contest_id=contest.id),
        )
    builder.adjust(2)
    return builder.as_markup()


def button(contest_id: int, action: ManageAction, texts: Texts) -> InlineKeyboardMarkup:
    """One /manage button under a question (e.g. «No deadline»)."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts(_label_key(action)),
        callback_data=ManageButton(action=action, contest_id=contest_id),
    )
    return builder.as_markup()


def confirm(contest_id: int, action: ManageAction, texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts("organizer.confirm_yes"),
        callback_data=ManageButton(action=action, contest_id=contest_id),
    )
    builder.button(
        text=texts("organizer.confirm_no"),
        callback_data=ManageButton(action=ManageAction.open, contest_id=contest_id),
    )
    return builder.as_markup()


def winners(contest_id: int, people: Sequence[Person]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for person in people:
        label = (
            f"@{person.username}" if person.username else (person.first_name or str(person.user_id))
        )
        builder.button(
            text=f"{label} ({person.user_id})",
            callback_data=RedrawButton(contest_id=contest_id, user_id=person.user_id),
        )
    builder.adjust(1)
    return builder.as_markup()


def hand_over(
    contest_id: int, found: Sequence[Claim], people: Mapping[int, Person], texts: Texts
) -> InlineKeyboardMarkup:
    """A «Handed over» button for each winner whose prize is still to hand over."""
    builder = InlineKeyboardBuilder()
    for item in found:
        if item.state in HANDABLE:
            person = people[item.user_id]
            name = f"@{person.username}" if person.username else (person.first_name or "?")
            builder.button(
                text=texts("claims.hand_over_button", name=f"{name} ({item.user_id})"),
                callback_data=HandOverButton(contest_id=contest_id, user_id=item.user_id),
            )
    builder.adjust(1)
    return builder.as_markup()
