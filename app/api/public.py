"""Public endpoints, no authentication: a published contest's card (what every viewer
sees the same; nginx keeps it a second), the proof of a finished draw and its participants.

The proof names the participants file by hash and size; the file is served next to it,
as stored: gzip, sent as `Content-Encoding: gzip` to clients that accept it (every
browser and HTTP library does) and unpacked on the way for those that do not.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Response, Stream

from app.api import auth, problems, views
from app.api.deps import CardCacheDep, SettingsDep
from app.api.problems import ApiProblem
from app.api.schemas import PublicCard
from app.config import Settings
from app.contests import rules
from app.contests.lifecycle import Status
from app.contests.proof import Proof
from app.db import contests, draws
from app.errors import NotFoundError

ContestId = Parameter(ge=1, le=rules.ID_MAX)
PLAIN_CHUNK = 1 << 16


async def published_proof(contest_id: int, settings: Settings) -> Proof:
    return await draws.proof(contest_id, draws.participants_url(contest_id, settings.public_url))


async def _drawn(contest_id: int) -> None:
    contest = await contests.get(contest_id)
    if contest.status != Status.finished.value:
        raise ApiProblem(
            409, "not_drawn", f"contest {contest_id} is {contest.status}; no proof yet"
        )


async def _unpacked(body: bytes) -> AsyncIterator[bytes]:
    unpacker = zlib.decompressobj(draws.GZIP_WBITS)
    for start in range(0, len(body), PLAIN_CHUNK):
        yield unpacker.decompress(body[start : start + PLAIN_CHUNK])
    yield unpacker.flush()


class PublicController(Controller):
    """What anyone may fetch, e.g. to run `contest-bot verify` on a draw."""

    path = "/api/public"
    tags = ("public",)
    opt = auth.OPEN

    @get(
        "/contests/{contest_id:int}/card",
        operation_id="getPublicCard",
        responses=problems.responses(400, 404),
    )
    async def card(self, card_cache: CardCacheDep, contest_id: int = ContestId) -> PublicCard:
        """The card of a published contest without anything personal (a second or two old
        at most); the viewer's own part is `GET /api/contests/{id}/status`."""
        shared = await card_cache.get(contest_id)
        if views.hidden(shared):
            raise NotFoundError(f"contest {contest_id} does not exist")
        return views.public_card(shared)

    @get(
        "/contests/{contest_id:int}/proof",
        operation_id="getProof",
        responses=problems.responses(400, 404, 409),
    )
    async def proof(self, settings: SettingsDep, contest_id: int = ContestId) -> Proof:
        """The proof document of a drawn contest (the seed is revealed with it)."""
        await _drawn(contest_id)
        return await published_proof(contest_id, settings)

    @get(
        "/contests/{contest_id:int}/participants.txt",
        operation_id="getParticipantsFile",
        responses=problems.responses(400, 404, 409),
        media_type="text/plain",
        response_description="The frozen list: one user id a line, ascending; its sha256 "
        "is the proof's list_hash.",
    )
    async def participants(
        self, request: Request, contest_id: int = ContestId
    ) -> Response[bytes] | Stream:
        """The participants file of a drawn contest."""
        await _drawn(contest_id)
        body = await draws.participants_file(contest_id)
        headers = {"Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                body,
                media_type="text/plain; charset=utf-8",
                headers={**headers, "Content-Encoding": "gzip"},
            )
        return Stream(_unpacked(body), media_type="text/plain; charset=utf-8", headers=headers)
