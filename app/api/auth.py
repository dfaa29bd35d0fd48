"""Authentication of Mini App requests: `Authorization: tma <initData>`.

The middleware validates the header on every route except those marked `opt=OPEN`
(ops probes, `/api/public/`, `/api/dev/`, the Mini App files) and the OpenAPI docs,
and puts the Telegram user on `request.user` (the whole initData on `request.auth`).
Handlers get the user through the `user` dependency.
"""

from __future__ import annotations

from aiogram.types import User
from aiogram.utils.web_app import WebAppUser
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.spec import Components, SecurityScheme

from app.api import init_data
from app.config import Settings

SCHEME = "tma"
OPEN_PATHS = [r"^/schema"]
OPEN = {"exclude_from_auth": True}
"""`opt` of the controllers that need no initData (ops, public, dev, the Mini App files)."""

SECURITY_COMPONENTS = Components(
    security_schemes={
        SCHEME: SecurityScheme(
            type="apiKey",
            name="Authorization",
            security_scheme_in="header",
            description="`tma <initData>`: the raw Telegram.WebApp.initData string.",
        )
    }
)
SECURITY: tuple[dict[str, list[str]], ...] = ({SCHEME: []},)


class InitDataAuthentication(AbstractAuthenticationMiddleware):
    """Validates `Authorization: tma <initData>` against the bot token and its max age."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        settings: Settings = connection.app.state.settings
        header = connection.headers.get("Authorization", "")
        if not header:
            raise NotAuthorizedException("missing Authorization header (expected: tma <initData>)")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != SCHEME or not raw.strip():
            raise NotAuthorizedException(
                "malformed Authorization header (expected: tma <initData>)"
            )
        try:
            parsed = init_data.validate(
                raw.strip(),
                settings.bot_token.get_secret_value(),
                settings.init_data_max_age,
                signature=settings.init_data_signature,
                public_key=settings.init_data_public_key,
            )
        except init_data.InitDataError as exc:
            raise NotAuthorizedException(str(exc)) from None
        return AuthenticationResult(user=parsed.user, auth=parsed)


def middleware() -> DefineMiddleware:
    return DefineMiddleware(InitDataAuthentication, exclude=OPEN_PATHS)


def telegram_user(user: WebAppUser) -> User:
    """The aiogram `User` the shared join flow takes, from the Mini App user."""
    return User(
        id=user.id,
        is_bot=False,
        first_name=user.first_name or "",
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
        is_premium=user.is_premium,  # signed in initData: the "Premium only" rule reads it
    )
