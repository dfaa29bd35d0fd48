"""Participant endpoints: who am I, a contest card, joining, my contests, results."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.utils.web_app import WebAppUser
from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter

from app.api import answers, auth, deps, problems, public, views
from app.api.card_cache import CardCache, SharedCard
from app.api.deps import BotDep, CardCacheDep, JoinLimitsDep, MemberCacheDep, SettingsDep, UserDep
from app.api.problems import ApiProblem
from app.api.schemas import (
    CaptchaAnswer,
    ClaimView,
    ContestCard,
    Inclusion,
    JoinAnswer,
    Me,
    MyContest,
    Results,
    UserProfile,
    ViewerStatus,
)
from app.config import Settings
from app.contests import proof as proofs
from app.contests import rules
from app.contests.lifecycle import Status
from app.db import claims, contests, draws, participants, users
from app.db.captchas import Outcome, Pending
from app.db.participants import JoinResult, JoinStatus
from app.db.tables import Contest
from app.errors import NotFoundError
from app.telegram import gate, joining
from app.telegram.member_cache import MemberCache

ContestPath = Parameter(title="Contest id", ge=1, le=rules.ID_MAX)
ReferrerQuery = Parameter(
    title="Referrer",
    description="Telegram user id from an invitation link",
    ge=1,
    le=2**53 - 1,
    default=None,
    required=False,
)


async def visible_contest(contest_id: int, user_id: int, settings: SettingsDep) -> Contest:
    """The contest, unless it is not published yet and the user may not manage it (404)."""
    contest = await contests.get(contest_id)
    if Status(contest.status) in views.HIDDEN_FROM_PARTICIPANTS and not (
        await contests.may_manage(contest, user_id, settings.admin_ids)
    ):
        raise NotFoundError(f"contest {contest_id} does not exist")
    return contest


async def _viewable(
    card_cache: CardCache, contest_id: int, user_id: int, settings: Settings
) -> SharedCard:
    shared = await card_cache.get(contest_id)
    if views.hidden(shared) and not shared.may_manage(user_id, frozenset(settings.admin_ids)):
        raise NotFoundError(f"contest {contest_id} does not exist")
    return shared


async def _join(
    bot: Bot,
    settings: Settings,
    user: WebAppUser,
    contest_id: int,
    member_cache: MemberCache,
    **options: Any,
) -> JoinResult:
    """`joining.join` from the Mini App (with the bot's membership cache); `options`: its
    `limits`, or `captcha_passed` and the pending join's `referrer`."""
    return await joining.join(
        bot,
        contest_id,
        auth.telegram_user(user),
        "miniapp",
        settings.default_language,
        member_cache,
        **options,
    )


async def _answer(
    settings: Settings,
    user: WebAppUser,
    contest: Contest,
    result: JoinResult,
    question: Pending | None = None,
) -> JoinAnswer:
    language = users.pick_language(user.language_code, settings.default_language)
    required = await contests.required_channels(contest.id)
    count = result.count if result.count else await participants.count(contest.id)
    return answers.join_answer(
        result,
        required,
        count,
        language,
        title=contest.title,
        question=question,
        work=gate.work_for(settings, question) if question else None,
    )


class ParticipantController(Controller):
    """What every Mini App user can do."""

    path = "/api"
    tags = ("participant",)
    security = auth.SECURITY

    @get("/me", operation_id="getMe", responses=problems.responses(400, 401))
    async def me(self, user: UserDep, settings: SettingsDep) -> Me:
        """The signed-in user, and whether they organize contests."""
        stored = await users.remember(
            user.id, user.first_name, user.username, user.language_code, settings.default_language
        )
        organizer = user.id in settings.admin_ids or bool(
            await contests.managed_by(user.id, settings.admin_ids)
        )
        return Me(
            user=UserProfile(
                id=user.id,
                first_name=stored.first_name,
                username=stored.username,
                language=users.pick_language(stored.language, settings.default_language),  # type: ignore[arg-type]
                timezone=stored.timezone or settings.default_timezone,
            ),
            is_organizer=organizer,
        )

    @get("/me/contests", operation_id="listMyContests", responses=problems.responses(400, 401))
    async def my_contests(self, user: UserDep) -> list[MyContest]:
        """Contests the user takes part in, newest first."""
        return await views.my_contests(await participants.contests_of(user.id))

    @get(
        "/contests/{contest_id:int}",
        operation_id="getContest",
        responses=problems.responses(400, 401, 404),
    )
    async def contest(
        self,
        user: UserDep,
        settings: SettingsDep,
        card_cache: CardCacheDep,
        contest_id: int = ContestPath,
    ) -> ContestCard:
        """A contest card with its participant count (a second or two old at most)."""
        shared = await _viewable(card_cache, contest_id, user.id, settings)
        return await views.viewer_card(shared, user.id, frozenset(settings.admin_ids))

    @get(
        "/contests/{contest_id:int}/status",
        operation_id="getViewerStatus",
        responses=problems.responses(400, 401, 404),
    )
    async def status(
        self, request: deps.MiniAppRequest, contest_id: int = ContestPath
    ) -> ViewerStatus:
        """The viewer's own part of the card (joined, may manage, tickets and invitation
        links): the Mini App shows it over the public card
        (`/api/public/contests/{id}/card`), which nginx caches."""
        # The route every opened card calls takes its parts from the request, not as
        # dependencies: Litestar resolves two or more of them in an anyio task group per
        # request (litestar-org/litestar#4563), a sixth of this route's CPU.
        user, state = request.user, request.app.state
        settings: Settings = state.settings
        shared = await _viewable(state.card_cache, contest_id, user.id, settings)
        return await views.viewer_status(shared, user.id, frozenset(settings.admin_ids), state.bot)

    @post(
        "/contests/{contest_id:int}/join",
        operation_id="joinContest",
        status_code=200,
        responses=problems.responses(400, 401, 404, 503),
    )
    async def join(
        self,
        user: UserDep,
        settings: SettingsDep,
        bot: BotDep,
        member_cache: MemberCacheDep,
        join_limits: JoinLimitsDep,
        contest_id: int = ContestPath,
        referrer: int | None = ReferrerQuery,
    ) -> JoinAnswer:
        """Join a contest (idempotent): the same checks and answers as the bot's button;
        `captcha_required` carries the question to answer at `/captcha`. `referrer`: the
        participant whose invitation link opened the Mini App."""
        contest = await visible_contest(contest_id, user.id, settings)
        result = await _join(
            bot, settings, user, contest_id, member_cache, limits=join_limits, referrer=referrer
        )
        question = None
        if result.status is JoinStatus.captcha_required:
            question = await gate.ask(settings, contest_id, user.id, "miniapp", referrer)
        return await _answer(settings, user, contest, result, question)

    @post(
        "/contests/{contest_id:int}/captcha",
        operation_id="answerCaptcha",
        status_code=200,
        responses=problems.responses(400, 401, 404, 409, 503),
    )
    async def captcha(
        self,
        user: UserDep,
        settings: SettingsDep,
        bot: BotDep,
        member_cache: MemberCacheDep,
        join_limits: JoinLimitsDep,
        data: JSONBody[CaptchaAnswer],
        contest_id: int = ContestPath,
    ) -> JoinAnswer:
        """Answer a join's captcha: a right answer (with the proof of work) records the
        join; a wrong or expired one gets a new question (`captcha_failed`)."""
        contest = await visible_contest(contest_id, user.id, settings)
        verdict = await gate.solve(
            settings, join_limits, data.token, user.id, data.choice, data.work
        )
        if verdict.outcome is Outcome.unknown or verdict.contest_id != contest_id:
            raise ApiProblem(409, "captcha_unknown", "this question is no longer valid; join again")
        if verdict.refused is not None:
            return await _answer(settings, user, contest, verdict.refused)
        if verdict.next_question is not None:
            failed = JoinResult(JoinStatus.captcha_failed)
            return await _answer(settings, user, contest, failed, verdict.next_question)
        result = await _join(
            bot,
            settings,
            user,
            contest_id,
            member_cache,
            captcha_passed=True,
            referrer=verdict.referrer,
        )
        return await _answer(settings, user, contest, result)

    @get(
        "/contests/{contest_id:int}/results",
        operation_id="getResults",
        responses=problems.responses(400, 401, 404, 409),
    )
    async def results(
        self,
        user: UserDep,
        settings: SettingsDep,
        contest_id: int = ContestPath,
    ) -> Results:
        """Winners, reserves, the user's place in the draw, and the proof document."""
        contest = await visible_contest(contest_id, user.id, settings)
        if contest.status != Status.finished.value:
            raise ApiProblem(
                409, "not_drawn", f"contest {contest_id} is {contest.status}; no results yet"
            )
        proof = await public.published_proof(contest_id, settings)
        place = proofs.inclusion(proof, user.id, await draws.listed(contest_id, user.id))
        claim = await claims.of_winner(contest_id, user.id)
        return Results(
            status=contest.status,  # type: ignore[arg-type]
            winners=proof.winners,
            reserves=proof.reserves,
            people=await views.people([*proof.winners, *proof.reserves]),
            you=Inclusion(included=place.included, role=place.role),  # type: ignore[arg-type]
            proof=proof,
            claim=None if claim is None else views.claim_view(claim),
        )

    @post(
        "/contests/{contest_id:int}/claim",
        operation_id="claimPrize",
        status_code=200,
        responses=problems.responses(400, 401, 404, 422),
    )
    async def claim(
        self, user: UserDep, settings: SettingsDep, contest_id: int = ContestPath
    ) -> ClaimView:
        """A winner claims the prize before the deadline (again is harmless); 404 for
        someone who is not a winner, 422 once the prize has passed on."""
        await visible_contest(contest_id, user.id, settings)
        return views.claim_view(await claims.claim(contest_id, user.id))
