"""Every contest rule is defined once (app.contests.rules) and read by the API schema,
the bot's wizard and the Mini App's form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.api.app import create_app
from app.config import load_settings
from app.contests import rules
from app.errors import ChannelProblem, ValidationError
from tests import miniapp_rules
from tests.conftest import TEST_TOKEN


def test_the_mini_app_copy_of_the_limits_is_current() -> None:
    assert miniapp_rules.TARGET.read_text() == miniapp_rules.render(), (
        "run `uv run python -m tests.miniapp_rules`"
    )


def test_the_openapi_schema_shows_the_domain_limits(tmp_path: Path) -> None:
    app = create_app(load_settings(bot_token=TEST_TOKEN, state_dir=tmp_path))
    schemas = app.openapi_schema.to_schema()["components"]["schemas"]
    contest = schemas["ContestInput"]["properties"]
    assert contest["title"]["maxLength"] == rules.TITLE_MAX
    assert contest["description"]["maxLength"] == rules.DESCRIPTION_MAX
    assert contest["winnersCount"]["maximum"] == rules.WINNERS_MAX
    assert contest["reserveCount"]["maximum"] == rules.RESERVE_MAX
    assert contest["maxParticipants"]["maximum"] == rules.PARTICIPANTS_MAX
    claim = contest["claimHours"]
    assert (claim["minimum"], claim["maximum"]) == (rules.CLAIM_HOURS_MIN, rules.CLAIM_HOURS_MAX)
    for field in ("requiredChannels", "targetChannels"):
        assert contest[field]["maxItems"] == rules.CHANNELS_MAX
    assert "reserveCount" not in schemas["ContestInput"].get("required", [])
    for field in ("referralCap", "boostCap"):
        assert contest[field]["maximum"] == rules.TICKET_CAP_MAX
    assert contest["ticketMode"]["enum"] == list(rules.TICKET_MODES)
    assert schemas["RedrawInput"]["properties"]["reason"]["maxLength"] == rules.REASON_MAX
    assert schemas["CancelInput"]["properties"]["reason"]["maxLength"] == rules.REASON_MAX
    assert contest["captchaMode"]["enum"] == list(rules.CAPTCHA_MODES)


def test_the_captcha_switch_cycles_through_every_mode_and_refuses_others() -> None:
    assert [rules.next_captcha_mode(mode) for mode in rules.CAPTCHA_MODES] == [
        "suspicious",
        "everyone",
        "off",
    ]
    assert rules.check_captcha_mode("everyone") == "everyone"
    with pytest.raises(ValidationError, match="captcha mode must be one of"):
        rules.check_captcha_mode("sometimes")


@pytest.mark.parametrize(("winners", "reserves"), [(1, 3), (3, 3), (7, 7), (100, 100)])
def test_reserves_default_to_one_per_winner_and_at_least_three(winners: int, reserves: int) -> None:
    assert rules.default_reserve(winners) == reserves
    assert rules.ContestFields(title="t", winners_count=winners).reserve_count == reserves
    assert rules.ContestFields(title="t", winners_count=winners, reserve_count=0).reserve_count == 0


def test_a_target_channel_is_needed_unless_a_bot_admin_creates_the_contest() -> None:
    with pytest.raises(ChannelProblem) as refused:
        rules.check_targets(0, by_bot_admin=False)
    assert refused.value.code == "not_channel_admin"
    assert refused.value.key == "organizer.targets_needed"
    rules.check_targets(0, by_bot_admin=True)
    rules.check_targets(rules.CHANNELS_MAX, by_bot_admin=False)
    with pytest.raises(ValidationError):
        rules.check_targets(rules.CHANNELS_MAX + 1, by_bot_admin=True)


def test_reasons_are_trimmed_and_bounded() -> None:
    assert rules.check_reason("  left the channel ") == "left the channel"
    assert rules.check_reason(" ", required=False) == ""
    assert rules.check_reason("x" * rules.REASON_MAX) == "x" * rules.REASON_MAX
    with pytest.raises(ValidationError):
        rules.check_reason("   ")
    with pytest.raises(ValidationError):
        rules.check_reason("x" * (rules.REASON_MAX + 1), required=False)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("none", 1), ("referrals", 1 + 3), ("boosts", 1 + 2), ("both", 1 + 3 + 2)],
)
def test_tickets_follow_the_mode_and_the_caps(mode: str, expected: int) -> None:
    assert rules.tickets(mode, referrals=7, boosts=2, referral_cap=3, boost_cap=5) == expected
    assert rules.tickets(mode, referrals=0, boosts=0, referral_cap=3, boost_cap=5) == 1


def test_ticket_settings_are_checked() -> None:
    rules.check_fields(
        rules.ContestFields(
            title="t", max_participants=10, ticket_mode="both", referral_cap=1, boost_cap=100
        )
    )
    with pytest.raises(ValidationError) as refused:
        rules.check_fields(
            rules.ContestFields(
                title="t", max_participants=10, ticket_mode="friends", referral_cap=0
            )
        )
    assert "ticket mode must be one of none, referrals, boosts, both" in str(refused.value)
    assert f"referral ticket cap must be between 1 and {rules.TICKET_CAP_MAX}" in str(refused.value)


def test_claim_hours_are_optional_and_bounded() -> None:
    fields = rules.ContestFields(title="t", max_participants=10)
    assert fields.claim_hours is None
    rules.check_fields(fields)
    for hours in (rules.CLAIM_HOURS_MIN, 48, rules.CLAIM_HOURS_MAX):
        rules.check_fields(rules.ContestFields(title="t", max_participants=10, claim_hours=hours))
    for hours in (0, -1, rules.CLAIM_HOURS_MAX + 1):
        with pytest.raises(ValidationError, match="claim deadline must be between 1 and 720"):
            rules.check_fields(
                rules.ContestFields(title="t", max_participants=10, claim_hours=hours)
            )


def test_new_subscribers_rule_takes_only_its_choices() -> None:
    ends = datetime.now(UTC) + timedelta(days=1)
    for choice in rules.NEW_SUBSCRIBERS:
        rules.check_fields(rules.ContestFields(title="T", ends_at=ends, new_subscribers=choice))
    with pytest.raises(ValidationError, match="new subscribers rule must be one of off"):
        rules.check_fields(rules.ContestFields(title="T", ends_at=ends, new_subscribers="maybe"))
