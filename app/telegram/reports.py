"""What the organizer of a contest is told privately about its draw, through the outbox.

- `final_check_blocked`: a would-be winner's re-check cannot be made (the bot lost its
  admin rights, Telegram is unreachable); names the channel and what to fix, with a
  button to draw without the final check. Sent once per contest and condition.
- `pass_on_blocked`: the same for an unclaimed prize whose next candidates cannot be
  re-checked; it passes on by itself once they can. Once per contest and condition.
- `results`: the winners (name, @username, id, each a link), the reserves, the
  participant count and the proof link; once after the draw and once after each re-draw.
"""

from __future__ import annotations

from aiogram.utils.keyboard import InlineKeyboardBuilder

from app.db import contests, draws, users
from app.db.tables import Contest
from app.errors import FinalCheckUndecided
from app.locales import text
from app.telegram import cards, outbox
from app.telegram.callbacks import ManageAction, ManageButton


async def _language(contest: Contest) -> str:
    owner = await users.get(contest.owner_id)
    return owner.language if owner is not None else contest.language


async def final_check_blocked(contest_id: int, problem: FinalCheckUndecided) -> bool:
    """Tell the organizer the draw waits for a check; False if already told about it."""
    contest = await contests.get(contest_id)
    language = await _language(contest)
    channel = await _channel(contest_id, problem)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=text(language, "organizer.final_check_skip"),
        callback_data=ManageButton(action=ManageAction.skip_final_check, contest_id=contest_id),
    )
    message = text(
        language,
        "organizer.final_check_blocked",
        title=cards.quote(contest.title),
        channel=channel,
        reason=cards.quote(problem.reason),
    )
    return await outbox.enqueue(
        f"final_check:{contest_id}:{problem.condition}"[:128],
        contest.owner_id,
        "final_check",
        {"text": message, "reply_markup": builder.as_markup().model_dump(exclude_none=True)},
    )


async def pass_on_blocked(contest_id: int, problem: FinalCheckUndecided) -> bool:
    """Tell the organizer an unclaimed prize waits to pass on; False if already told."""
    contest = await contests.get(contest_id)
    language = await _language(contest)
    message = text(
        language,
        "organizer.pass_on_blocked",
        title=cards.quote(contest.title),
        channel=await _channel(contest_id, problem),
        reason=cards.quote(problem.reason),
    )
    return await outbox.enqueue(
        f"pass_on_blocked:{contest_id}:{problem.condition}"[:128],
        contest.owner_id,
        "pass_on_blocked",
        {"text": message},
    )


async def _channel(contest_id: int, problem: FinalCheckUndecided) -> str:
    """The required channel a check is about, as a link (else the condition, quoted)."""
    refs = {f"channel:{ref.chat_id}": ref for ref in await contests.required_channels(contest_id)}
    ref = refs.get(problem.condition)
    return cards.channel_link(ref) if ref is not None else cards.quote(problem.condition)


def _person(person: cards.Person) -> str:
    name = cards.quote(person.first_name or str(person.user_id))
    line = f'<a href="tg://user?id={person.user_id}">{name}</a>'
    if person.username:
        line += f" @{cards.quote(person.username)}"
    return f"{line} (id <code>{person.user_id}</code>)"


def results(
    contest: Contest,
    winners: list[cards.Person],
    reserves: list[cards.Person],
    participant_count: int,
    proof_link: str,
    language: str,
) -> str:
    """The organizer's results message."""
    lines = [text(language, "organizer.results_title", title=cards.quote(contest.title)), ""]
    if winners:
        lines.append(text(language, "organizer.results_winners"))
        lines += [f"{place}. {_person(person)}" for place, person in enumerate(winners, 1)]
    else:
        lines.append(text(language, "organizer.results_nobody"))
    if reserves:
        lines += ["", text(language, "organizer.results_reserves")]
        lines += [f"{place}. {_person(person)}" for place, person in enumerate(reserves, 1)]
    lines += [
        "",
        text(language, "organizer.results_count", count=participant_count),
        text(language, "organizer.results_proof", link=cards.quote(proof_link)),
    ]
    return "\n".join(lines)


async def results_message(
    contest: Contest,
    winners: list[cards.Person],
    reserves: list[cards.Person],
    participant_count: int,
    proof_link: str,
) -> tuple[str, str]:
    """The organizer's results message and its outbox key: one per draw and re-draw."""
    language = await _language(contest)
    redraws = len(await draws.replacements(contest.id))
    message = results(contest, winners, reserves, participant_count, proof_link, language)
    return f"owner_results:{contest.id}:{redraws}", message
