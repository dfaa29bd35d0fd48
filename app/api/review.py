"""The organizer's review of suspicious entries before the draw: flagged entries with
their signals (`app.contests.suspicion`), excluding them with a reason and undoing it
(`app.db.exclusions`). Like every organizer route, 403/404 for contests the user may
not manage; 409 once the contest no longer takes entries."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody, Parameter

from app.api import auth, views
from app.api.deps import UserDep
from app.api.organizer import MANAGED_CONTEST, ORGANIZER_PROBLEMS, ManagedContest
from app.api.schemas import ExcludeInput, Exclusion, Review, ReviewEntry, UserId
from app.contests import suspicion as signals
from app.contests.lifecycle import Status
from app.db import exclusions, suspicion

PAGE = Parameter(ge=1, le=suspicion.FLAGGED_PAGE_MAX, default=50)
OFFSET = Parameter(ge=0, le=10_000_000, default=0)
EXCLUSIONS_SHOWN = 200
"""The newest exclusions listed (flagged entries show theirs in every page)."""


async def review(contest_id: int, can_exclude: bool, limit: int = 50, offset: int = 0) -> Review:
    summary = await suspicion.summary(contest_id)
    flagged = await suspicion.flagged(contest_id, limit, offset)
    excluded = await exclusions.of_contest(contest_id, newest=EXCLUSIONS_SHOWN)
    scores = await suspicion.scores(contest_id, list(excluded))
    people = {p.id: p for p in await views.people([*(f.user_id for f in flagged), *excluded])}

    def entry(
        user_id: int, score: int, codes: list[str], found: exclusions.Excluded | None
    ) -> ReviewEntry:
        return ReviewEntry(
            person=people.get(user_id) or views.unknown_person(user_id),
            score=score,
            signals=codes,  # type: ignore[arg-type]
            exclusion=Exclusion(reason=found.reason, at=found.at) if found else None,
        )

    return Review(
        assessed=summary.assessed,
        flagged=summary.flagged,
        excluded=summary.excluded,
        flag_score=signals.FLAG_SCORE,
        by_signal=summary.by_signal,
        can_exclude=can_exclude,
        entries=[entry(f.user_id, f.score, f.signals, f.excluded) for f in flagged],
        exclusions=[
            entry(uid, *scores.get(uid, (0, [])), excluded[uid])
            for uid in sorted(excluded, key=lambda uid: (excluded[uid].at, uid))
        ],
    )


class ReviewController(Controller):
    """Flagged entries of a contest, and exclusions before the draw."""

    path = "/api/organizer/contests/{contest_id:int}/review"
    tags = ("organizer",)
    security = auth.SECURITY
    dependencies = MANAGED_CONTEST

    @get("/", operation_id="getEntryReview", responses=ORGANIZER_PROBLEMS)
    async def get_review(
        self, contest: ManagedContest, limit: int = PAGE, offset: int = OFFSET
    ) -> Review:
        """Flagged entries with their signals and score, and the exclusions made so far."""
        return await review(contest.id, contest.status == Status.active.value, limit, offset)

    @post(
        "/exclusions",
        operation_id="excludeEntries",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def exclude(
        self, user: UserDep, data: JSONBody[ExcludeInput], contest: ManagedContest
    ) -> Review:
        """Exclude entries from the draw with a reason (shown in the proof)."""
        await exclusions.exclude(contest.id, data.user_ids, data.reason, user.id)
        return await review(contest.id, True)

    @delete(
        "/exclusions/{user_id:int}",
        operation_id="includeEntry",
        responses=ORGANIZER_PROBLEMS,
        status_code=200,
    )
    async def include(self, user: UserDep, contest: ManagedContest, user_id: UserId) -> Review:
        """Undo an exclusion while the contest takes entries."""
        await exclusions.undo(contest.id, user_id, user.id)
        return await review(contest.id, True)
