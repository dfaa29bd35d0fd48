"""Development only: a login for opening the Mini App in a normal browser, and serving it.

Both are mounted by `create_app` only when `DEV_LOGIN=true` (the login) or when a Mini
App build directory is given (`contest-bot dev`). The login answers loopback clients
only: initData signed with the bot token is as good as a Telegram session.
"""

from __future__ import annotations

import mimetypes
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated

from litestar import Controller, Request, Router, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import File

from app.api import auth, init_data, problems
from app.api.deps import SettingsDep
from app.api.problems import ApiProblem
from app.api.schemas import DevInitData, Language

BUNDLED_MINIAPP = Path(__file__).resolve().parent.parent / "miniapp" / "dist"


def loopback_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: the client must be on this machine (no proxy in front in dev)."""
    host = connection.client.host if connection.client else ""
    try:
        loopback = ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ApiProblem(403, "dev_login_loopback_only", "the dev login answers loopback only")


class DevLoginController(Controller):
    """Signs initData for any user, for development in a normal browser."""

    path = "/api/dev"
    tags = ("dev",)
    opt = auth.OPEN
    guards = [loopback_only]  # noqa: RUF012 - Litestar reads the list

    @get("/init-data", operation_id="devInitData", responses=problems.responses(400, 403))
    async def init_data(
        self,
        request: Request,
        settings: SettingsDep,
        user_id: Annotated[int, QueryParameter(name="userId", ge=1, le=2**53 - 1)] = 1,
        first_name: Annotated[
            str, QueryParameter(name="firstName", min_length=1, max_length=64)
        ] = "Dev",
        language: Annotated[Language, QueryParameter(name="language")] = "en",
    ) -> DevInitData:
        """initData for the given user, signed with the configured bot token."""
        signed = init_data.sign(
            settings.bot_token.get_secret_value(),
            init_data.dev_user(user_id, first_name, language),
        )
        return DevInitData(init_data=signed)


def miniapp_dir(settings: SettingsDep) -> Path:
    return settings.miniapp_dir or BUNDLED_MINIAPP


def _file(path: Path, cache: str) -> File:
    """A build file with its content type (browsers refuse untyped module scripts)."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return File(
        path,
        filename=path.name,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Cache-Control": cache},
    )


def miniapp_router(directory: Path) -> Router:
    """The Mini App build at `/`; paths that are no file get index.html (client routes)."""
    root = directory.resolve()

    def page(path: str) -> File:
        if path == "api" or path.startswith("api/"):
            raise NotFoundException(f"no route /{path}")
        candidate = (root / path).resolve()
        if path and candidate.is_relative_to(root) and candidate.is_file():
            cache = "public, max-age=31536000, immutable" if "assets/" in path else "no-cache"
            return _file(candidate, cache)
        index = root / "index.html"
        if not index.is_file():
            raise NotFoundException(f"the Mini App is not built ({index} is missing)")
        return _file(index, "no-cache")

    @get("/", include_in_schema=False, name="miniapp-index", sync_to_thread=False)
    def index() -> File:
        return page("")

    @get("/{path:path}", include_in_schema=False, name="miniapp", sync_to_thread=False)
    def file(path: FromPath[str]) -> File:
        return page(path.lstrip("/"))

    return Router(path="/", route_handlers=[index, file], opt=auth.OPEN)
