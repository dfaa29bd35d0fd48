"""The answer to a join from the Mini App: status, count, missing channels and a message.

The message is plain text in the user's language (ru or en); the Mini App shows it as
is, and may also render its own text from `status`.
"""

from __future__ import annotations

from app.api.schemas import ChannelLink, JoinAnswer
from app.contests.channels import ChannelRef
from app.db.participants import JoinResult, JoinStatus

MESSAGES: dict[str, dict[JoinStatus, str]] = {
    "en": {
        JoinStatus.joined: "You are in! Participants: {count}.",
        JoinStatus.already_joined: "You are already taking part. Participants: {count}.",
        JoinStatus.conditions_missing: "Subscribe to {channels}, then press Join again.",
        JoinStatus.undecided: (
            "Your subscription could not be checked right now; the organizer has been told. "
            "Please try again later."
        ),
        JoinStatus.not_open: "This contest is not open for joining.",
        JoinStatus.full: "This contest has reached its participant limit.",
    },
    "ru": {
        JoinStatus.joined: "Вы участвуете! Участников: {count}.",
        JoinStatus.already_joined: "Вы уже участвуете. Участников: {count}.",
        JoinStatus.conditions_missing: "Подпишитесь на {channels} и нажмите «Участвовать» снова.",
        JoinStatus.undecided: (
            "Сейчас не удалось проверить подписку; организатор уже знает. Попробуйте позже."
        ),
        JoinStatus.not_open: "Этот конкурс сейчас не принимает участников.",
        JoinStatus.full: "В этом конкурсе уже набрано максимальное число участников.",
    },
}


def join_answer(
    result: JoinResult, required: list[ChannelRef], count: int, language: str
) -> JoinAnswer:
    """`count` is the current participant count (a refused join's result carries 0)."""
    by_key = {f"channel:{ref.chat_id}": ref for ref in required}
    missing = [by_key[item.condition] for item in result.missing if item.condition in by_key]
    names = ", ".join(ref.title or (f"@{ref.username}" if ref.username else "") for ref in missing)
    template = MESSAGES.get(language, MESSAGES["en"])[result.status]
    return JoinAnswer(
        status=result.status.value,  # type: ignore[arg-type]
        participant_count=count,
        missing=[
            ChannelLink(chat_id=ref.chat_id, title=ref.title, link=ref.link) for ref in missing
        ],
        message=template.format(count=count, channels=names),
    )
