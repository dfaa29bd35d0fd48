"""Dependencies handlers ask for by name: the settings, the Bot, the membership cache,
the join limits and the signed-in user."""

from __future__ import annotations

from typing import TypeAlias

from aiogram import Bot
from aiogram.utils.web_app import WebAppInitData, WebAppUser
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from app.api.card_cache import CardCache
from app.config import Settings
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import MemberCache

SettingsDep: TypeAlias = NamedDependency[Settings]
CardCacheDep: TypeAlias = NamedDependency[CardCache]
BotDep: TypeAlias = NamedDependency[Bot]
MemberCacheDep: TypeAlias = NamedDependency[MemberCache]
UserDep: TypeAlias = NamedDependency[WebAppUser]
JoinLimitsDep: TypeAlias = NamedDependency[JoinLimits]
MiniAppRequest: TypeAlias = Request[WebAppUser, WebAppInitData, State]
"""A request the auth middleware let in: `user` and `auth` (the initData) are set."""


def _settings(state: State) -> Settings:
    return state.settings


def _card_cache(state: State) -> CardCache:
    return state.card_cache


def _bot(state: State) -> Bot:
    return state.bot


def _member_cache(state: State) -> MemberCache:
    return state.member_cache


def _join_limits(state: State) -> JoinLimits:
    return state.join_limits


def _user(request: Request) -> WebAppUser:
    """The user the auth middleware validated (see `app.api.auth`)."""
    return request.user


DEPENDENCIES = {
    "settings": Provide(_settings, sync_to_thread=False),
    "bot": Provide(_bot, sync_to_thread=False),
    "card_cache": Provide(_card_cache, sync_to_thread=False),
    "member_cache": Provide(_member_cache, sync_to_thread=False),
    "user": Provide(_user, sync_to_thread=False),
    "join_limits": Provide(_join_limits, sync_to_thread=False),
}
