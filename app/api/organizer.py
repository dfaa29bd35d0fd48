"""Organizer endpoints: list, create, edit, publish, cancel, stats, export, re-draw, and
drawing without an unreachable beacon.

Every route on one contest asks for `contest` (`ManagedContest`): the dependency loads it
with `contests.get_managed`, so a user who may not manage it gets 403 (and 404 when it
does not exist) before the handler runs.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, TypeAlias

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter
from litestar.response import Stream

from app.api import auth, problems, views
from app.api.deps import BotDep, SettingsDep, UserDep
from app.api.schemas import (
    CancelInput,
    ContestCard,
    ContestInput,
    ContestPatch,
    ContestSettings,
    OrganizerContest,
    RedrawInput,
    RedrawOutcome,
    Stats,
    WinnerClaim,
)
from app.contests import rules
from app.contests.lifecycle import Action, next_status
from app.contests.rules import ContestFields
from app.db import claims, contests, draws, export, participants, users
from app.db.tables import Contest
from app.telegram import background, publishing
from app.telegram.channels import Purpose, resolve_all
from app.telegram.membership import recheck_for

ORGANIZER_PROBLEMS = problems.responses(400, 401, 403, 404, 409, 422, 503)
ContestPath = Parameter(title="Contest id", ge=1, le=rules.ID_MAX)
LIST_MAX = 200


def _changes(data: ContestInput | ContestPatch) -> dict[str, Any]:
    """The contest fields `data` sets (absent ones are left out)."""
    names = {field.name for field in fields(ContestFields)}
    return {
        name: value
        for name, value in msgspec.structs.asdict(data).items()
        if name in names and value is not msgspec.UNSET
    }


ManagedContest: TypeAlias = NamedDependency[Contest]


async def _managed_contest(
    user: UserDep, settings: SettingsDep, contest_id: int = ContestPath
) -> Contest:
    """The contest in the path, if this user may manage it (else 403, or 404)."""
    return await contests.get_managed(contest_id, user.id, settings.admin_ids)


MANAGED_CONTEST = {"contest": Provide(_managed_contest)}


class OrganizerController(Controller):
    """What contest owners, co-owners and bot admins can do."""

    path = "/api/organizer/contests"
    tags = ("organizer",)
    security = auth.SECURITY
    dependencies = MANAGED_CONTEST

    @get("/", operation_id="listOrganizerContests", responses=ORGANIZER_PROBLEMS)
    async def list_contests(
        self,
        user: UserDep,
        settings: SettingsDep,
        before: int | None = Parameter(
            title="Only contests with a smaller id (the next page)",
            ge=1,
            le=2**31 - 1,
            default=None,
        ),
        limit: int = Parameter(title="Page size", ge=1, le=LIST_MAX, default=LIST_MAX),
    ) -> list[OrganizerContest]:
        """Contests the user manages, newest first, a page at a time."""
        found = await contests.managed_by(user.id, settings.admin_ids, before=before, limit=limit)
        return await views.organizer_rows(found)

    @post("/", operation_id="createContest", responses=ORGANIZER_PROBLEMS)
    async def create(
        self, user: UserDep, settings: SettingsDep, bot: BotDep, data: JSONBody[ContestInput]
    ) -> ContestCard:
        """Create a draft; needs being a bot admin or an admin of every target channel."""
        is_admin = user.id in settings.admin_ids
        rules.check_targets(len(data.target_channels), is_admin)
        targets = await resolve_all(bot, data.target_channels, Purpose.target, user.id, is_admin)
        required = await resolve_all(
            bot, data.required_channels, Purpose.required, user.id, is_admin
        )
        stored = await users.remember(
            user.id, user.first_name, user.username, user.language_code, settings.default_language
        )
        contest = await contests.create(
            user.id,
            ContestFields(**_changes(data)),
            required=required,
            targets=[ref.chat_id for ref in targets],
            language=stored.language,
            notify_participants=data.notify_participants,
            results_mode=data.results_mode,
            captcha_mode=data.captcha_mode,
        )
        return await views.card(contest, user.id, settings.admin_ids)

    @get("/{contest_id:int}", operation_id="getContestSettings", responses=ORGANIZER_PROBLEMS)
    async def settings_of(self, contest: ManagedContest) -> ContestSettings:
        """Everything the edit form shows."""
        return await views.contest_settings(contest)

    @patch("/{contest_id:int}", operation_id="updateContest", responses=ORGANIZER_PROBLEMS)
    async def update(
        self,
        user: UserDep,
        settings: SettingsDep,
        bot: BotDep,
        data: JSONBody[ContestPatch],
        contest: ManagedContest,
    ) -> ContestCard:
        """Change a contest before it starts; absent fields keep their value."""
        next_status(contest.id, contest.status, Action.edit)  # 409 before asking Telegram
        is_admin = user.id in settings.admin_ids
        targets = required = None
        if data.target_channels is not msgspec.UNSET:
            rules.check_targets(len(data.target_channels), is_admin)
            checked = await resolve_all(
                bot, data.target_channels, Purpose.target, user.id, is_admin
            )
            targets = [ref.chat_id for ref in checked]
        if data.required_channels is not msgspec.UNSET:
            required = await resolve_all(
                bot, data.required_channels, Purpose.required, user.id, is_admin
            )
        options = {
            name: getattr(data, name)
            for name in ("notify_participants", "results_mode", "captcha_mode")
            if getattr(data, name) is not msgspec.UNSET
        }
        updated = await contests.update(
            contest.id,
            user.id,
            replace(contests.fields_of(contest), **_changes(data)),
            required=required,
            targets=targets,
            **options,
        )
        return await views.card(updated, user.id, settings.admin_ids)

    @post(
        "/{contest_id:int}/publish",
        operation_id="publishContest",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def publish(
        self,
        user: UserDep,
        settings: SettingsDep,
        contest: ManagedContest,
    ) -> ContestCard:
        """Publish now, or schedule it when the contest has a future publish time."""
        contest = await publishing.publish(contest, user.id)
        return await views.card(contest, user.id, settings.admin_ids)

    @post(
        "/{contest_id:int}/cancel",
        operation_id="cancelContest",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def cancel(
        self,
        user: UserDep,
        settings: SettingsDep,
        data: JSONBody[CancelInput],
        contest: ManagedContest,
    ) -> ContestCard:
        """Cancel a contest that has not finished, with an optional reason."""
        contest = await contests.cancel(contest.id, user.id, data.reason)
        return await views.card(contest, user.id, settings.admin_ids)

    @post(
        "/{contest_id:int}/draw",
        operation_id="drawContestNow",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def draw_now(
        self, user: UserDep, settings: SettingsDep, contest: ManagedContest
    ) -> ContestCard:
        """Close an open contest now and draw its winners (as the bot's Draw now)."""
        closed = await contests.close(contest.id)
        await background.queue().draw(contest.id)
        return await views.card(closed, user.id, settings.admin_ids)

    @post(
        "/{contest_id:int}/skip-final-check",
        operation_id="drawWithoutFinalCheck",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def skip_final_check(
        self, user: UserDep, settings: SettingsDep, contest: ManagedContest
    ) -> ContestCard:
        """While the draw waits for Telegram to re-check the winners: draw without that
        check (recorded in the proof), as the bot's button offers."""
        await draws.skip_final_check(contest.id, user.id)
        await background.queue().draw(contest.id)
        return await views.card(contest, user.id, settings.admin_ids)

    @get("/{contest_id:int}/stats", operation_id="getContestStats", responses=ORGANIZER_PROBLEMS)
    async def stats(self, contest: ManagedContest) -> Stats:
        """Participants over time (running total), status and the last error."""
        return Stats(
            participant_count=await participants.count(contest.id),
            series=await views.series(contest.id),
            status=contest.status,  # type: ignore[arg-type]
            last_error=contest.last_error,
        )

    @get(
        "/{contest_id:int}/participants.csv",
        operation_id="exportParticipants",
        responses=ORGANIZER_PROBLEMS,
        media_type="text/csv",
        response_description="Participants in joining order, one CSV row each.",
    )
    async def export(self, contest: ManagedContest) -> Stream:
        """The participant list as CSV, streamed (a lost database: 503, or a cut response)."""
        return Stream(
            await export.answered_csv(contest.id),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename(contest.id)}"'
            },
        )

    @post(
        "/{contest_id:int}/redraw",
        operation_id="redrawWinner",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def redraw(
        self,
        user: UserDep,
        settings: SettingsDep,
        bot: BotDep,
        data: JSONBody[RedrawInput],
        contest: ManagedContest,
    ) -> RedrawOutcome:
        """Replace a winner (logged with the reason) from the same ranking; re-announce."""
        outcome = await draws.replace_winner(
            contest.id, data.user_id, data.reason, user.id, recheck_for(bot, contest.id)
        )
        await background.queue().announce(contest.id)
        return RedrawOutcome(
            winners=outcome.winners,
            reserves=outcome.reserves,
            people=await views.people([*outcome.winners, *outcome.reserves]),
            replaced=await views.person(data.user_id),
        )

    @post(
        "/{contest_id:int}/draw-without-beacon",
        operation_id="drawWithoutBeacon",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def draw_without_beacon(
        self, user: UserDep, settings: SettingsDep, contest_id: int = ContestPath
    ) -> ContestCard:
        """Draw a contest whose drand round cannot be had, without it (recorded in the proof)."""
        contest = await contests.get_managed(contest_id, user.id, settings.admin_ids)
        await draws.fallback(contest_id, user.id)
        await background.queue().draw(contest_id)
        return await views.card(contest, user.id, settings.admin_ids)

    @get("/{contest_id:int}/claims", operation_id="listClaims", responses=ORGANIZER_PROBLEMS)
    async def claims_of(self, contest: ManagedContest) -> list[WinnerClaim]:
        """Every winner's prize: pending (with its deadline), claimed, passed on, handed over."""
        return await views.winner_claims(contest.id)

    @post(
        "/{contest_id:int}/claims/{user_id:int}/handed-over",
        operation_id="markHandedOver",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def handed_over(
        self,
        user: UserDep,
        contest: ManagedContest,
        user_id: int = Parameter(title="The winner's Telegram user id", ge=1, le=2**53 - 1),
    ) -> list[WinnerClaim]:
        """Mark a winner's prize handed over (again is harmless); the prizes as they are now."""
        await claims.hand_over(contest.id, user_id, user.id)
        return await views.winner_claims(contest.id)
