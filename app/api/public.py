"""Public endpoints, no authentication: the proof document of a finished draw."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter

from app.api import auth, problems
from app.api.problems import ApiProblem
from app.contests import rules
from app.contests.lifecycle import Status
from app.contests.proof import Proof
from app.db import contests, draws


class PublicController(Controller):
    """What anyone may fetch, e.g. to run `contest-bot verify` on a draw."""

    path = "/api/public"
    tags = ("public",)
    opt = auth.OPEN

    @get(
        "/contests/{contest_id:int}/proof",
        operation_id="getProof",
        responses=problems.responses(400, 404, 409),
    )
    async def proof(self, contest_id: int = Parameter(ge=1, le=rules.ID_MAX)) -> Proof:
        """The proof document of a drawn contest (the seed is revealed with it)."""
        contest = await contests.get(contest_id)
        if contest.status != Status.finished.value:
            raise ApiProblem(
                409, "not_drawn", f"contest {contest_id} is {contest.status}; no proof yet"
            )
        return await draws.proof(contest_id)
