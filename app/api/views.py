"""Turning stored contests into the API's response bodies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec
from aiogram import Bot

from app.api import card_cache, schemas
from app.contests.channels import ChannelRef
from app.contests.lifecycle import Status
from app.db import claims, contests, draws, participants, tickets, users
from app.db.tables import Channel, Contest
from app.telegram import client, referrals

SERIES_MAX_POINTS = 200
HIDDEN_FROM_PARTICIPANTS = frozenset({Status.draft, Status.scheduled})


def channel_link(ref: ChannelRef) -> schemas.ChannelLink:
    return schemas.ChannelLink(
        chat_id=ref.chat_id, title=ref.title, username=ref.username, link=ref.link
    )


async def people(user_ids: list[int]) -> list[schemas.Person]:
    """Names of `user_ids`, in that order; users the bot does not know are left out."""
    known = await users.names(user_ids)
    return [
        schemas.Person(id=uid, first_name=known[uid][0], username=known[uid][1])
        for uid in dict.fromkeys(user_ids)
        if uid in known
    ]


def unknown_person(user_id: int) -> schemas.Person:
    """A user the bot has no name for."""
    return schemas.Person(id=user_id, first_name="", username=None)


async def person(user_id: int) -> schemas.Person:
    found = await people([user_id])
    return found[0] if found else unknown_person(user_id)


async def card(contest: Contest, user_id: int, admin_ids: Iterable[int]) -> schemas.ContestCard:
    """The card as it is now (after an organizer's change)."""
    return await viewer_card(await card_cache.load(contest), user_id, frozenset(admin_ids))


def hidden(shared: card_cache.SharedCard) -> bool:
    """Not published yet: only the contest's managers see it."""
    return Status(shared.contest.status) in HIDDEN_FROM_PARTICIPANTS


def public_card(shared: card_cache.SharedCard) -> schemas.PublicCard:
    """The part of a card every viewer sees the same."""
    contest = shared.contest
    return schemas.PublicCard(
        id=contest.id,
        title=contest.title,
        description=contest.description,
        status=contest.status,  # type: ignore[arg-type]
        participant_count=shared.participant_count,
        ends_at=contest.ends_at,
        max_participants=contest.max_participants,
        winners_count=contest.winners_count,
        reserve_count=contest.reserve_count,
        publish_at=contest.publish_at,
        required_channels=[channel_link(ref) for ref in shared.required],
        seed_commitment=contest.seed_commitment,
        claim_hours=contest.claim_hours,
        beacon=beacon_view(shared.beacon),
        exclude_leavers=contest.exclude_leavers,
        new_subscribers=contest.new_subscribers,  # type: ignore[arg-type]
        premium_only=contest.premium_only,
    )


async def viewer_status(
    shared: card_cache.SharedCard,
    user_id: int,
    admin_ids: frozenset[int],
    bot: Bot | None = None,
) -> schemas.ViewerStatus:
    """What only this viewer sees: whether they joined and may manage the contest, and
    (given the bot, whose username the links carry) their tickets. Telegram is asked
    for that username only for a participant holding tickets, and once per process."""
    contest = shared.contest
    joined = await participants.is_participant(contest.id, user_id)
    held = None
    if joined and bot is not None and contest.ticket_mode != "none":
        found = await tickets.of(contest, user_id)
        bot_username = await client.username(bot)
        held = schemas.Tickets(
            total=found.total,
            referrals=found.referrals,
            boosts=found.boosts,
            bot_link=referrals.bot_link(bot_username, contest.id, user_id),
            app_link=referrals.app_link(bot_username, contest.id, user_id),
        )
    return schemas.ViewerStatus(
        joined=joined,
        can_manage=shared.may_manage(user_id, admin_ids),
        server_time=datetime.now(UTC),
        tickets=held,
    )


async def viewer_card(
    shared: card_cache.SharedCard, user_id: int, admin_ids: frozenset[int]
) -> schemas.ContestCard:
    """A card for one viewer: the shared part plus whether they joined and may manage."""
    status = await viewer_status(shared, user_id, admin_ids)
    return schemas.ContestCard(
        **msgspec.structs.asdict(public_card(shared)), **msgspec.structs.asdict(status)
    )


def beacon_view(wait: draws.BeaconWait | None) -> schemas.BeaconWait | None:
    if wait is None:
        return None
    return schemas.BeaconWait(
        round=wait.round, expected_at=wait.expected_at, unreachable=wait.unreachable
    )


def claim_view(claim: claims.Claim) -> schemas.ClaimView:
    return schemas.ClaimView(state=claim.state.value, deadline=claim.deadline)  # type: ignore[arg-type]


async def winner_claims(contest_id: int) -> list[schemas.WinnerClaim]:
    """Every winner's prize, in the order they became winners, with their names."""
    found = await claims.of_contest(contest_id)
    known = {p.id: p for p in await people([c.user_id for c in found])}
    return [
        schemas.WinnerClaim(
            person=known.get(c.user_id)
            or schemas.Person(id=c.user_id, first_name="", username=None),
            state=c.state.value,  # type: ignore[arg-type]
            deadline=c.deadline,
            changed_at=c.changed_at,
        )
        for c in found
    ]


async def target_channels(contest_id: int) -> list[schemas.ChannelLink]:
    chat_ids = [row.chat_id for row in await contests.publications(contest_id)]
    known = {
        row["id"]: ChannelRef(row["id"], row["title"], row["username"], row["invite_link"])
        for row in await Channel.select(
            Channel.id, Channel.title, Channel.username, Channel.invite_link
        ).where(Channel.id.is_in(chat_ids or [0]))
    }
    return [channel_link(known.get(cid, ChannelRef(cid))) for cid in chat_ids]


async def contest_settings(contest: Contest) -> schemas.ContestSettings:
    required = await contests.required_channels(contest.id)
    return schemas.ContestSettings(
        id=contest.id,
        title=contest.title,
        description=contest.description,
        status=contest.status,  # type: ignore[arg-type]
        winners_count=contest.winners_count,
        reserve_count=contest.reserve_count,
        ends_at=contest.ends_at,
        max_participants=contest.max_participants,
        publish_at=contest.publish_at,
        required_channels=[channel_link(ref) for ref in required],
        target_channels=await target_channels(contest.id),
        notify_participants=contest.notify_participants,
        results_mode=contest.results_mode,  # type: ignore[arg-type]
        captcha_mode=contest.captcha_mode,  # type: ignore[arg-type]
        ticket_mode=contest.ticket_mode,  # type: ignore[arg-type]
        referral_cap=contest.referral_cap,
        boost_cap=contest.boost_cap,
        exclude_leavers=contest.exclude_leavers,
        new_subscribers=contest.new_subscribers,  # type: ignore[arg-type]
        premium_only=contest.premium_only,
        participant_count=await participants.count(contest.id),
        seed_commitment=contest.seed_commitment,
        last_error=contest.last_error,
        claim_hours=contest.claim_hours,
        beacon=beacon_view(await draws.beacon_wait(contest)),
    )


async def organizer_rows(found: list[Contest]) -> list[schemas.OrganizerContest]:
    """List rows; the participant counts of the whole list come from one query."""
    counts = await participants.counts([contest.id for contest in found])
    return [
        schemas.OrganizerContest(
            id=contest.id,
            title=contest.title,
            status=contest.status,  # type: ignore[arg-type]
            participant_count=counts[contest.id],
            ends_at=contest.ends_at,
            publish_at=contest.publish_at,
            last_error=contest.last_error,
        )
        for contest in found
    ]


async def my_contests(found: list[Contest]) -> list[schemas.MyContest]:
    counts = await participants.counts([contest.id for contest in found])
    return [
        schemas.MyContest(
            id=contest.id,
            title=contest.title,
            status=contest.status,  # type: ignore[arg-type]
            ends_at=contest.ends_at,
            participant_count=counts[contest.id],
        )
        for contest in found
    ]


async def series(contest_id: int) -> list[schemas.SeriesPoint]:
    """The running total after each join, thinned to at most `SERIES_MAX_POINTS` points."""
    points = await participants.running_total(contest_id, SERIES_MAX_POINTS)
    return [schemas.SeriesPoint(at=at, count=n) for at, n in points]
