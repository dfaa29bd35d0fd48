"""Errors as RFC 9457 problem documents (`application/problem+json`).

Every error response of the API is a `Problem` with a stable `type` URI
(`urn:contest-bot:problem:<code>`) and the same `<code>` in `code`, so clients branch
on the code and show `detail` to people. Domain errors map by class; Litestar's own
(validation, routing, size limits) keep their status; anything unexpected is logged
and answered with a bare 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from app.api.schemas import Problem
from app.errors import (
    ChannelProblem,
    DatabaseUnavailable,
    DomainError,
    FinalCheckUndecided,
    JoinRefused,
    NotFoundError,
    PermissionDenied,
    ProofError,
    TelegramUnavailable,
    TransitionError,
    ValidationError,
)
from app.retries import backoff_for

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:contest-bot:problem:"

_DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFoundError: 404,
    PermissionDenied: 403,
    TransitionError: 409,
    JoinRefused: 409,
    ValidationError: 422,
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "unavailable",
}


_DESCRIPTIONS = {
    400: "Malformed request or a refused value; `detail` says which",
    401: "Missing, malformed, forged or expired initData",
    403: "Not allowed for this user",
    404: "No such contest",
    409: "Not possible in the contest's current state",
    422: "Contest fields that do not make sense together",
    503: "A dependency (database, Redis, Telegram) is not available",
}


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem responses a route can give."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            generate_examples=False,
            description=_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            media_type=MEDIA_TYPE,
        )
        for status in statuses
    }


class ApiProblem(HTTPException):
    """An HTTP error with a problem code, raised by handlers for API-level refusals."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail=detail, status_code=status)
        self.code = code


def problem_response(
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Response[bytes]:
    body = Problem(
        type=TYPE_PREFIX + code,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        params=params or {},
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _domain(_: Request, exc: Exception) -> Response[bytes]:
    assert isinstance(exc, DomainError)
    status = next((s for cls, s in _DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
    return problem_response(status, exc.code, str(exc))


def _channel(_: Request, exc: Exception) -> Response[bytes]:
    assert isinstance(exc, ChannelProblem)
    status = 403 if exc.code == "not_channel_admin" else 400
    params = {name: str(value) for name, value in exc.params.items()}
    return problem_response(status, exc.code, str(exc), params=params)


def _proof(_: Request, exc: Exception) -> Response[bytes]:
    return problem_response(422, "invalid_proof", str(exc))


def _telegram(_: Request, exc: Exception) -> Response[bytes]:
    log.warning("Telegram unavailable: %s (caused by %r)", exc, exc.__cause__)
    return problem_response(503, "telegram_unavailable", str(exc))


def _database(_: Request, exc: Exception) -> Response[bytes]:
    log.warning("database unavailable: %s (caused by %r)", exc, exc.__cause__)
    return problem_response(503, "database_unavailable", "the database is not available; try again")


def _validation(_: Request, exc: Exception) -> Response[bytes]:
    assert isinstance(exc, ValidationException)
    messages = []
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict) and item.get("message"):
                where = item.get("key") or item.get("source") or ""
                messages.append(f"{where}: {item['message']}" if where else str(item["message"]))
    detail = "; ".join(messages) or exc.detail or "the request is not valid"
    return problem_response(exc.status_code, "invalid_request", detail)


def _http(_: Request, exc: Exception) -> Response[bytes]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500 and not isinstance(exc, ApiProblem):
        log.error("HTTP %s: %s", status, exc.detail)
    code = getattr(exc, "code", None) or _HTTP_CODES.get(status, f"http_{status}")
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", "tma")
    return problem_response(status, code, exc.detail or HTTPStatus(status).phrase, headers)


def _unexpected(request: Request, exc: Exception) -> Response[bytes]:
    where = f"{request.method} {request.scope['path']}"
    if backoff_for(exc):  # the database, Redis or the network blipped: worth trying again
        log.warning("%s: a service was unavailable: %r", where, exc)
        return problem_response(
            503,
            "temporarily_unavailable",
            "a service this needs is not available right now; try again",
            {"Retry-After": "1"},
        )
    log.exception("unhandled error in %s", where)
    return problem_response(500, "internal_error", "an internal error occurred; it was logged")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _domain,
    ChannelProblem: _channel,
    ProofError: _proof,
    TelegramUnavailable: _telegram,
    FinalCheckUndecided: _telegram,
    DatabaseUnavailable: _database,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}
