"""Every setting of Contest Bot, in one place.

The field names below, upper-cased, are the environment variable names; `.env.example`
lists exactly these (a test keeps the two in step). Secrets (`BOT_TOKEN`,
`WEBHOOK_SECRET`, passwords inside URLs) are `SecretStr` so they never reach a log line.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.contests.beacon import QUICKNET_CHAIN_HASH, QUICKNET_PUBLIC_KEY
from app.errors import ConfigError

BOT_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


FREE_BROADCAST_RATE = 30.0
"""Messages a second Telegram lets a bot send without paying."""
PAID_BROADCAST_RATE = 1000.0
"""Messages a second with `allow_paid_broadcast` (each message above 30/s costs Stars)."""


class BotMode(StrEnum):
    polling = "polling"
    webhook = "webhook"


class SignatureCheck(StrEnum):
    ignore = "ignore"
    verify = "verify"
    require = "require"


# drand's public relays of quicknet; any one that answers will do, the signature is what counts.
DRAND_RELAYS = (
    "https://api.drand.sh",
    "https://api2.drand.sh",
    "https://api3.drand.sh",
    "https://drand.cloudflare.com",
)


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class Settings(BaseSettings):
    """The configuration of every role; read from the environment and an optional `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Telegram
    bot_token: SecretStr = Field(description="Bot token from @BotFather (<digits>:<secret>).")
    telegram_api_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://api.telegram.org"),
        description="Bot API base URL: Telegram, a self-hosted Bot API server or an emulator.",
    )
    bot_mode: BotMode = Field(default=BotMode.polling, description="polling or webhook.")
    webhook_base_url: AnyHttpUrl | None = Field(
        default=None, description="Public https base URL Telegram posts updates to."
    )
    webhook_path: str = Field(default="/telegram/webhook", description="Webhook path.")
    webhook_secret: SecretStr | None = Field(
        default=None, description="X-Telegram-Bot-Api-Secret-Token value (A-Za-z0-9_-)."
    )
    webhook_max_connections: int = Field(
        default=40,
        ge=1,
        le=100,
        description="Updates Telegram delivers at once (setWebhook max_connections); the"
        " bot's concurrency and pool sizes follow it.",
    )
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Comma-separated Telegram user ids of bot admins."
    )

    # Storage
    state_dir: Path = Field(
        default=Path("state"), description="Directory for the SQLite file and local state."
    )
    database_url: SecretStr | None = Field(
        default=None, description="postgresql://… URL; empty means SQLite under STATE_DIR."
    )
    redis_url: SecretStr | None = Field(
        default=None, description="redis:// or unix:// URL; empty means in-process broker."
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=200, description="PostgreSQL connections per process (at most)."
    )

    # HTTP
    public_url: AnyHttpUrl | None = Field(
        default=None, description="Public base URL of the Mini App and proof pages."
    )
    api_host: str = Field(default="127.0.0.1", description="API listen address (dev).")
    api_port: int = Field(default=8080, ge=1, le=65535, description="API listen port.")
    api_socket: Path | None = Field(
        default=None, description="Unix socket for the API (production); overrides host/port."
    )
    bot_socket: Path | None = Field(
        default=None, description="Unix socket for the bot's webhook server (production)."
    )
    bot_port: int = Field(
        default=8081, ge=1, le=65535, description="Bot webhook listen port when no socket."
    )
    miniapp_dir: Path | None = Field(
        default=None, description="Mini App production build to serve; default: the bundled one."
    )
    init_data_max_age: int = Field(
        default=86400, ge=60, description="Seconds a Mini App initData stays valid."
    )
    init_data_signature: SignatureCheck = Field(
        default=SignatureCheck.verify,
        description="Telegram's Ed25519 initData signature: ignore, verify or require.",
    )
    init_data_public_key: str = Field(
        default="",
        description="Hex Ed25519 key Telegram signs initData with; empty: the production key.",
    )
    dev_login: bool = Field(
        default=False, description="Allow the loopback-only development login (dev only)."
    )
    card_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Seconds each API process keeps what every viewer of a card sees the same.",
    )

    # Worker
    metrics_dir: Path | None = Field(
        default=None,
        description="Prometheus multiprocess dir shared by the roles; the API serves it.",
    )
    scheduler_lease_seconds: int = Field(
        default=15, ge=3, le=600, description="Scheduler leadership lease in Redis."
    )
    telegram_rate_limit: float = Field(
        default=30.0,
        gt=0,
        le=PAID_BROADCAST_RATE,
        description="Messages per second to Telegram from all workers together.",
    )
    allow_paid_broadcast: bool = Field(
        default=False,
        description="Send private messages as paid broadcasts (up to 1000/s, billed in Stars).",
    )

    # Fair draws: the drand beacon (contest-bot-draw/v2)
    beacon_enabled: bool | None = Field(
        default=None,
        description="Mix a drand quicknet round into every draw; empty: on, except in dev.",
    )
    beacon_urls: Annotated[tuple[AnyHttpUrl, ...], NoDecode] = Field(
        default=tuple(AnyHttpUrl(url) for url in DRAND_RELAYS),
        min_length=1,
        description="Comma-separated drand HTTP relays; any one that answers suffices.",
    )
    beacon_chain_hash: str = Field(
        default=QUICKNET_CHAIN_HASH, description="Hex hash of the drand chain (quicknet)."
    )
    beacon_public_key: str = Field(
        default=QUICKNET_PUBLIC_KEY,
        description="Hex BLS group key the chain's rounds are checked against (quicknet).",
    )

    # Anti-fraud: per-user and per-contest limits (Redis, shared by the bot and API
    # processes; in memory without REDIS_URL) and the captcha (app.telegram.gate)
    join_user_burst: int = Field(
        default=10, ge=1, le=10_000, description="Join presses one user may make at once."
    )
    join_user_per_minute: float = Field(
        default=30.0, gt=0, le=60_000, description="Join presses per minute per user after that."
    )
    join_contest_burst: int = Field(
        default=2000, ge=1, le=1_000_000, description="Joins one contest takes at once."
    )
    join_contest_per_second: float = Field(
        default=500.0, gt=0, le=100_000, description="Joins per second per contest after that."
    )
    captcha_user_burst: int = Field(
        default=5, ge=1, le=1000, description="Captcha answers one user may give at once."
    )
    captcha_user_per_hour: float = Field(
        default=30.0, gt=0, le=360_000, description="Captcha answers per hour per user after that."
    )
    captcha_contest_per_second: float = Field(
        default=200.0, gt=0, le=100_000, description="Captcha answers per second per contest."
    )
    captcha_seconds: int = Field(
        default=600, ge=30, le=86_400, description="How long a captcha challenge stays valid."
    )
    captcha_work: int = Field(
        default=50_000,
        ge=1,
        le=10_000_000,
        description="Mini App proof of work: hashes to try, at most (half on average).",
    )

    # People and texts
    default_language: str = Field(default="en", description="ru or en.")
    default_timezone: str = Field(default="UTC", description="IANA time zone for deadlines.")
    locales_dir: Path | None = Field(
        default=None,
        description="Directory with locale overrides (<lang>/<area>.json or <lang>.json).",
    )

    # Logging
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: LogFormat = Field(default=LogFormat.json, description="json or text.")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not BOT_TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must look like <digits>:<secret>, as @BotFather gives it")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("init_data_public_key")
    @classmethod
    def _public_key_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"[0-9a-fA-F]{64}", value):
            raise ValueError("must be 64 hex characters (an Ed25519 public key)")
        return value.lower()

    @field_validator("beacon_chain_hash")
    @classmethod
    def _chain_hash_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-fA-F]{64}", value):
            raise ValueError("must be 64 hex characters (a drand chain hash)")
        return value.lower()

    @field_validator("beacon_public_key")
    @classmethod
    def _beacon_key_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-fA-F]{192}", value):
            raise ValueError("must be 192 hex characters (a BLS12-381 G2 public key)")
        return value.lower()

    @field_validator("beacon_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("webhook_path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9_/-]*", value):
            raise ValueError("must start with / and hold only A-Z, a-z, 0-9, _, - and /")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdigit() for part in parts):
                raise ValueError("must be comma-separated numeric Telegram user ids")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """An empty variable (as in .env.example) means "not set" for optional settings."""
        field = cls.model_fields[info.field_name or ""]
        return None if value == "" and field.default is None and not field.is_required() else value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// URL (leave empty for SQLite)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("ru", "en"):
            raise ValueError("must be ru or en")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @model_validator(mode="after")
    def _paid_rate(self) -> Settings:
        if self.telegram_rate_limit > FREE_BROADCAST_RATE and not self.allow_paid_broadcast:
            raise ValueError(
                f"TELEGRAM_RATE_LIMIT above {FREE_BROADCAST_RATE:.0f}/s needs "
                "ALLOW_PAID_BROADCAST=true (Telegram bills paid broadcasts in Stars)"
            )
        return self

    @model_validator(mode="after")
    def _webhook_needs(self) -> Settings:
        if self.bot_mode is BotMode.webhook and (
            self.webhook_base_url is None or self.webhook_secret is None
        ):
            raise ValueError("BOT_MODE=webhook needs WEBHOOK_BASE_URL and WEBHOOK_SECRET to be set")
        return self

    @property
    def beacon_on(self) -> bool:
        """Whether draws use the beacon; unset means on (`contest-bot dev` turns it off)."""
        return self.beacon_enabled is not False

    @property
    def bot_id(self) -> int:
        return int(self.bot_token.get_secret_value().split(":", 1)[0])

    @property
    def database_dsn(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def redis_dsn(self) -> str | None:
        return self.redis_url.get_secret_value() if self.redis_url else None

    def secrets(self) -> tuple[str, ...]:
        """Values no log line may show: the token, the webhook secret, URL passwords."""
        values = [self.bot_token.get_secret_value()]
        if self.webhook_secret is not None:
            values.append(self.webhook_secret.get_secret_value())
        for url in (self.database_dsn, self.redis_dsn):
            password = urlsplit(url).password if url else None
            if password:
                values += [password, unquote(password)]
        return tuple(values)

    @property
    def sqlite_path(self) -> Path:
        return self.state_dir / "contest-bot.sqlite3"

    @property
    def webhook_url(self) -> str | None:
        if self.webhook_base_url is None:
            return None
        return str(self.webhook_base_url).rstrip("/") + self.webhook_path


def env_names() -> list[str]:
    """The environment variable names the settings read, in declaration order."""
    return [name.upper() for name in Settings.model_fields]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable `ConfigError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is required but not set"
            problems.append(f"{name} {message}" if error["loc"] else message)
        raise ConfigError("; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
