"""The auth matrix: every way initData can be wrong is a 401, every foreign contest a 403."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.api import init_data
from tests.api.conftest import ORGANIZER, OUTSIDER, PARTICIPANT, Api, auth_header
from tests.conftest import TEST_TOKEN

OTHER_BOT_TOKEN = "987654321:OTHERtokenOTHERtokenOTHERtokenOTHER00"
MAX_AGE = 86400


def tampered() -> str:
    """A correctly signed initData whose user id was changed afterwards."""
    fields = dict(parse_qsl(auth_header(PARTICIPANT)["Authorization"].removeprefix("tma ")))
    fields["user"] = fields["user"].replace(str(PARTICIPANT), str(ORGANIZER))
    return "tma " + urlencode(fields)


def without_user() -> str:
    fields = {"auth_date": str(int(time.time())), "query_id": "AAH"}
    fields["hash"] = init_data.compute_hash(fields, TEST_TOKEN)
    return "tma " + urlencode(fields)


CASES: dict[str, tuple[Callable[[], dict[str, str]], str]] = {
    "missing": (lambda: {}, "missing Authorization header"),
    "other scheme": (lambda: {"Authorization": "Bearer abc"}, "malformed Authorization"),
    "empty initData": (lambda: {"Authorization": "tma "}, "malformed Authorization"),
    "malformed": (lambda: {"Authorization": "tma %%%not=a&query"}, "signature is invalid"),
    "wrong hash": (lambda: {"Authorization": tampered()}, "signature is invalid"),
    "other bot's token": (
        lambda: auth_header(PARTICIPANT, token=OTHER_BOT_TOKEN),
        "signature is invalid",
    ),
    "expired": (
        lambda: auth_header(PARTICIPANT, auth_date=int(time.time()) - MAX_AGE - 5),
        "initData expired",
    ),
    "replayed old": (
        lambda: auth_header(PARTICIPANT, auth_date=int(time.time()) - 30 * 86400),
        "initData expired",
    ),
    "from the future": (
        lambda: auth_header(PARTICIPANT, auth_date=int(time.time()) + 3600),
        "in the future",
    ),
    "no user": (lambda: {"Authorization": without_user()}, "carries no user"),
    "too long": (lambda: {"Authorization": "tma " + "a" * 9000}, "longer than"),
}


@pytest.fixture
async def bare(make_client: Callable[..., Any]) -> AsyncIterator[Api]:
    """The API without a database: authentication fails before any query."""
    async with make_client(None) as built:
        yield built


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/me"), ("POST", "/api/contests/1/join"), ("GET", "/api/organizer/contests")],
)
async def test_bad_init_data_is_401(bare: Api, case: str, method: str, path: str) -> None:
    headers, expected = CASES[case]
    response = await bare.client.request(method, path, headers=headers())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "tma"
    body = response.json()
    assert body["type"] == "urn:contest-bot:problem:unauthorized"
    assert body["status"] == 401
    assert body["title"] == "Unauthorized"
    assert expected in body["detail"]


def test_init_data_just_inside_max_age_is_valid() -> None:
    fresh = auth_header(PARTICIPANT, auth_date=int(time.time()) - MAX_AGE + 60)
    validated = init_data.validate(fresh["Authorization"][4:], TEST_TOKEN, MAX_AGE)
    assert validated.user is not None and validated.user.id == PARTICIPANT
    assert validated.query_id == "AAH-dev-login"


def test_a_checked_init_data_is_checked_once_but_its_age_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A session's requests share one signature check; expiry, forgeries and other bots'
    tokens are judged as if nothing had been checked before."""
    checks: list[str] = []
    parse = init_data.safe_parse_webapp_init_data

    def counted(token: str, raw: str) -> Any:
        checks.append(raw)
        return parse(token, raw)

    monkeypatch.setattr(init_data, "safe_parse_webapp_init_data", counted)
    issued = int(time.time())
    raw = auth_header(PARTICIPANT, auth_date=issued, query_id="cache-1")["Authorization"][4:]
    for _ in range(3):
        assert init_data.validate(raw, TEST_TOKEN, MAX_AGE).user.id == PARTICIPANT  # type: ignore[union-attr]
    assert checks == [raw]
    with pytest.raises(init_data.InitDataError, match="expired"):
        init_data.validate(raw, TEST_TOKEN, MAX_AGE, now=issued + MAX_AGE + 1)
    with pytest.raises(init_data.InitDataError, match="signature is invalid"):
        init_data.validate(raw, OTHER_BOT_TOKEN, MAX_AGE)
    forged = raw.replace(f"%22id%22%3A{PARTICIPANT}", f"%22id%22%3A{OUTSIDER}")
    assert forged != raw
    for _ in range(2):
        with pytest.raises(init_data.InitDataError, match="signature is invalid"):
            init_data.validate(forged, TEST_TOKEN, MAX_AGE)
    assert checks == [raw, raw, forged, forged]  # refusals are not kept


def test_signer_matches_aiogram_check() -> None:
    from aiogram.utils.web_app import check_webapp_signature

    signed = init_data.sign(TEST_TOKEN, init_data.dev_user(7, "Имя"), start_param="c42")
    assert check_webapp_signature(TEST_TOKEN, signed)
    assert not check_webapp_signature(OTHER_BOT_TOKEN, signed)


ORGANIZER_ROUTES = [
    ("GET", "/api/organizer/contests/{id}", None),
    ("PATCH", "/api/organizer/contests/{id}", {"title": "Mine now"}),
    ("POST", "/api/organizer/contests/{id}/publish", None),
    ("POST", "/api/organizer/contests/{id}/cancel", {"reason": "because"}),
    ("GET", "/api/organizer/contests/{id}/stats", None),
    ("GET", "/api/organizer/contests/{id}/participants.csv", None),
    ("POST", "/api/organizer/contests/{id}/redraw", {"userId": 5, "reason": "x"}),
]


async def test_non_organizer_gets_403_on_organizer_routes(api: Api) -> None:
    contest_id = (await api.create_contest())["id"]
    for method, path, body in ORGANIZER_ROUTES:
        response = await api.client.request(
            method, path.format(id=contest_id), json=body, headers=api.as_user(OUTSIDER)
        )
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == "forbidden"
        assert problem["detail"] == f"you may not manage contest {contest_id}"
    listed = await api.client.get("/api/organizer/contests", headers=api.as_user(OUTSIDER))
    assert listed.json() == []
    # the draft stays invisible to participants
    card = await api.client.get(f"/api/contests/{contest_id}", headers=api.as_user(OUTSIDER))
    assert card.status_code == 404


TELEGRAM_KEY = Ed25519PrivateKey.generate()
TELEGRAM_PUBLIC = TELEGRAM_KEY.public_key().public_bytes_raw().hex()


def signed(key: Ed25519PrivateKey | None) -> dict[str, str]:
    return auth_header(PARTICIPANT, signing_key=key)


@pytest.mark.parametrize(
    ("mode", "header", "expected"),
    [
        ("verify", lambda: signed(TELEGRAM_KEY), None),
        ("verify", lambda: signed(None), None),
        ("verify", lambda: signed(Ed25519PrivateKey.generate()), "does not verify"),
        ("require", lambda: signed(TELEGRAM_KEY), None),
        ("require", lambda: signed(None), "carries no Ed25519 signature"),
        # a field whose name ends in "signature" is not Telegram's signature
        (
            "require",
            lambda: auth_header(PARTICIPANT, extra={"chat_signature": "x"}),
            "carries no Ed25519 signature",
        ),
        ("ignore", lambda: signed(Ed25519PrivateKey.generate()), None),
    ],
)
async def test_ed25519_signature_modes(
    make_client: Callable[..., Any],
    mode: str,
    header: Callable[[], dict[str, str]],
    expected: str | None,
) -> None:
    async with make_client(
        None, init_data_signature=mode, init_data_public_key=TELEGRAM_PUBLIC
    ) as built:
        response = await built.client.get("/api/public/contests/1/proof", headers=header())
        assert response.status_code != 401  # the public route never asks
        response = await built.client.get("/api/me", headers=header())
    if expected is None:
        assert response.status_code != 401, response.text
    else:
        assert response.status_code == 401
        assert expected in response.json()["detail"]
