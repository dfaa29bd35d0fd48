"""Participant endpoints on both databases: me, card, join, my contests, results, proof."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import altcha

from app.contests import frozen
from app.contests import proof as proofs
from app.db import contests, draws, participants, users
from app.db.tables import CaptchaChallenge
from app.locales import text
from tests.api.conftest import ADMIN, ORGANIZER, OUTSIDER, PARTICIPANT, Api


async def test_me_reports_profile_and_organizer_role(api: Api) -> None:
    response = await api.client.get("/api/me", headers=api.as_user(PARTICIPANT))
    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": PARTICIPANT,
            "firstName": "User200",
            "username": "user200",
            "language": "en",
            "timezone": "UTC",
        },
        "isOrganizer": False,
    }
    await users.set_timezone(PARTICIPANT, "Europe/Berlin")
    again = await api.client.get("/api/me", headers=api.as_user(PARTICIPANT))
    assert again.json()["user"]["timezone"] == "Europe/Berlin"
    admin = await api.client.get("/api/me", headers=api.as_user(ADMIN))
    assert admin.json()["isOrganizer"] is True
    await api.create_contest()
    organizer = await api.client.get("/api/me", headers=api.as_user(ORGANIZER))
    assert organizer.json()["isOrganizer"] is True


async def test_card_shows_live_state(api: Api) -> None:
    contest_id = await api.published_contest(maxParticipants=50)
    response = await api.client.get(f"/api/contests/{contest_id}", headers=api.as_user(PARTICIPANT))
    assert response.status_code == 200
    card = response.json()
    assert card["status"] == "active"
    assert card["participantCount"] == 0
    assert card["maxParticipants"] == 50
    assert card["joined"] is False
    assert card["canManage"] is False
    assert len(card["seedCommitment"]) == 64
    assert card["requiredChannels"] == [
        {
            "chatId": card["requiredChannels"][0]["chatId"],
            "title": "News",
            "username": "news",
            "link": "https://t.me/news",
        }
    ]
    assert card["endsAt"].endswith("Z") and card["serverTime"].endswith("Z")


async def test_unknown_contest_is_404_problem(api: Api) -> None:
    response = await api.client.get("/api/contests/999", headers=api.as_user(PARTICIPANT))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "contest 999 does not exist"
    assert response.json()["type"] == "urn:contest-bot:problem:not_found"


async def test_join_needs_subscription_then_succeeds_once(api: Api) -> None:
    contest_id = await api.published_contest()
    join = f"/api/contests/{contest_id}/join"
    missing = await api.client.post(join, headers=api.as_user(PARTICIPANT))
    assert missing.status_code == 200
    answer = missing.json()
    assert answer["status"] == "conditions_missing"
    assert [channel["link"] for channel in answer["missing"]] == ["https://t.me/news"]
    assert "News" in answer["message"]

    api.emulator.add_member("@news", PARTICIPANT)
    joined = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert joined["status"] == "joined"
    assert joined["participantCount"] == 1
    again = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert again["status"] == "already_joined"
    assert again["participantCount"] == 1

    card = await api.client.get(f"/api/contests/{contest_id}", headers=api.as_user(PARTICIPANT))
    assert card.json()["joined"] is True
    mine = await api.client.get("/api/me/contests", headers=api.as_user(PARTICIPANT))
    assert mine.json() == [
        {
            "id": contest_id,
            "title": "Win a bike",
            "status": "active",
            "endsAt": card.json()["endsAt"],
            "participantCount": 1,
            "role": "participant",
        }
    ]


async def test_join_shares_the_bots_membership_cache(api: Api) -> None:
    first, second = await api.published_contest(), await api.published_contest(title="Second")
    news = api.emulator.world.chat("@news").id
    api.emulator.add_member("@news", PARTICIPANT)

    def checks() -> int:
        return api.emulator.call_counts().get("getChatMember", 0)

    before = checks()
    joined = await api.client.post(f"/api/contests/{first}/join", headers=api.as_user(PARTICIPANT))
    assert joined.json()["status"] == "joined"
    assert checks() == before + 1
    again = await api.client.post(f"/api/contests/{second}/join", headers=api.as_user(PARTICIPANT))
    assert again.json()["status"] == "joined"
    assert checks() == before + 1  # the "yes" of a moment ago was reused

    # what the bot's chat_member handler records for a fresh subscriber
    await api.app.state.member_cache.remember(news, OUTSIDER, 3600)
    api.emulator.add_member("@news", OUTSIDER)
    outsider = await api.client.post(f"/api/contests/{first}/join", headers=api.as_user(OUTSIDER))
    assert outsider.json()["status"] == "joined"
    assert checks() == before + 1


async def test_join_message_follows_user_language(api: Api) -> None:
    from app.api import init_data

    contest_id = await api.published_contest()
    signed = init_data.sign(
        api.settings.bot_token.get_secret_value(), init_data.dev_user(OUTSIDER, "Ru", "ru")
    )
    response = await api.client.post(
        f"/api/contests/{contest_id}/join", headers={"Authorization": f"tma {signed}"}
    )
    assert response.json()["message"] == text("ru", "bot.join_missing", channels="News")
    assert "подпишитесь на News" in response.json()["message"]


async def test_join_when_the_bot_lost_admin_is_undecided_and_reported(api: Api) -> None:
    contest_id = await api.published_contest()
    # The rights go after the post is out (else posting fails first and is what is reported).
    await api.emulator.wait_for_bot_messages("@news", timeout=30)
    api.emulator.revoke_bot_admin("@news")
    answer = (
        await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(PARTICIPANT))
    ).json()
    assert answer["status"] == "undecided"
    stats = await api.client.get(
        f"/api/organizer/contests/{contest_id}/stats", headers=api.as_user(ORGANIZER)
    )
    assert "subscription checks fail" in stats.json()["lastError"]


async def test_join_of_a_draft_is_404_and_of_a_cancelled_one_not_open(api: Api) -> None:
    draft = (await api.create_contest())["id"]
    response = await api.client.post(
        f"/api/contests/{draft}/join", headers=api.as_user(PARTICIPANT)
    )
    assert response.status_code == 404
    contest_id = await api.published_contest()
    await api.client.post(
        f"/api/organizer/contests/{contest_id}/cancel",
        json={"reason": "sponsor left"},
        headers=api.as_user(ORGANIZER),
    )
    api.emulator.add_member("@news", PARTICIPANT)
    answer = await api.client.post(
        f"/api/contests/{contest_id}/join", headers=api.as_user(PARTICIPANT)
    )
    assert answer.json()["status"] == "not_open"


async def test_results_before_and_after_the_draw(api: Api) -> None:
    contest_id = await api.published_contest(winnersCount=1, reserveCount=1)
    results = f"/api/contests/{contest_id}/results"
    early = await api.client.get(results, headers=api.as_user(PARTICIPANT))
    assert early.status_code == 409
    assert early.json()["code"] == "not_drawn"
    public = f"/api/public/contests/{contest_id}/proof"
    assert (await api.client.get(public)).status_code == 409
    listed_early = f"/api/public/contests/{contest_id}/participants.txt"
    assert (await api.client.get(listed_early)).status_code == 409

    api.emulator.add_member("@news", PARTICIPANT)
    await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(PARTICIPANT))
    await draws.run(contest_id)

    body = (await api.client.get(results, headers=api.as_user(PARTICIPANT))).json()
    assert body["status"] == "finished"
    assert body["winners"] == [PARTICIPANT]
    assert body["people"] == [
        {"id": PARTICIPANT, "firstName": f"User{PARTICIPANT}", "username": f"user{PARTICIPANT}"}
    ]
    assert body["you"] == {"included": True, "role": "winner"}
    document = proofs.decode((await api.client.get(public)).content)
    listed = await api.client.get(document.participants_url)
    assert listed.headers["content-encoding"] == "gzip"  # stored packed, sent as is
    assert listed.text == str(PARTICIPANT)
    plain = await api.client.get(document.participants_url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == str(PARTICIPANT)
    assert proofs.verify(document, frozen.of([int(listed.text)])) == []
    assert proofs.to_dict(document) == body["proof"]
    outsider = (await api.client.get(results, headers=api.as_user(OUTSIDER))).json()
    assert outsider["you"] == {"included": False, "role": "absent"}


async def test_premium_only_and_new_subscribers_only_answer_why(api: Api) -> None:
    """The Mini App join applies the contest's rules: `is_premium` from the signed initData
    user, subscription times from the recorded chat_member history."""
    from app.api import init_data
    from app.db import memberships

    contest_id = await api.published_contest(premiumOnly=True)
    join = f"/api/contests/{contest_id}/join"
    api.emulator.add_member("@news", PARTICIPANT)
    refused = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert refused["status"] == "not_eligible" and refused["missing"] == []
    assert refused["message"] == text("en", "bot.join_premium_only")
    premium = init_data.sign(
        api.settings.bot_token.get_secret_value(),
        {**init_data.dev_user(PARTICIPANT, "Pat"), "is_premium": True},
    )
    joined = await api.client.post(join, headers={"Authorization": f"tma {premium}"})
    assert joined.json()["status"] == "joined"

    contest_id = await api.published_contest(title="New only", newSubscribers="unknown_refused")
    join = f"/api/contests/{contest_id}/join"
    news = api.emulator.world.chat("@news").id
    unknown = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert unknown["status"] == "not_eligible"
    assert unknown["message"] == text("en", "bot.join_new_unknown", channels="News")
    started = (await contests.get(contest_id)).published_at
    await memberships.record(news, PARTICIPANT, True, started - timedelta(days=3))
    earlier = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert earlier["message"] == text("en", "bot.join_not_new", channels="News")
    api.emulator.add_member("@news", OUTSIDER)
    await memberships.record(news, OUTSIDER, True, datetime.now(UTC))
    fresh = (await api.client.post(join, headers=api.as_user(OUTSIDER))).json()
    assert fresh["status"] == "joined"
    ru = init_data.sign(
        api.settings.bot_token.get_secret_value(), init_data.dev_user(PARTICIPANT, "Pat", "ru")
    )
    answer = (await api.client.post(join, headers={"Authorization": f"tma {ru}"})).json()
    assert "до его начала" in answer["message"]


async def _solve(question: dict, choice: int) -> str:
    """What the Mini App does: find the proof of work (altcha-lib in the browser)."""
    challenge = altcha.Challenge.from_dict(question["work"])
    solution = await asyncio.to_thread(altcha.solve_challenge, challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


async def test_a_join_needing_the_captcha_is_recorded_only_after_it(api: Api) -> None:
    """Captcha "everyone": the join answers with a question (pictures with names, an
    ALTCHA challenge); a wrong picture, or a right one without the proof of work, gets a
    new question; the right picture with the work records the join."""
    contest_id = await api.published_contest(captchaMode="everyone")
    api.emulator.add_member("@news", PARTICIPANT)
    join = f"/api/contests/{contest_id}/join"
    captcha = f"/api/contests/{contest_id}/captcha"
    asked = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert asked["status"] == "captcha_required"
    assert await participants.count(contest_id) == 0
    question = asked["captcha"]
    assert len(question["options"]) == 6 and question["work"]["parameters"]["data"]
    row = await CaptchaChallenge.objects().get(CaptchaChallenge.token == question["token"])
    right = row.answer
    label = question["options"][right]["label"]
    assert label in asked["message"]  # "tap the <name>"

    work = await _solve(question, right)
    wrong = {"token": question["token"], "choice": (right + 1) % 6, "work": work}
    failed = (await api.client.post(captcha, json=wrong, headers=api.as_user(PARTICIPANT))).json()
    assert failed["status"] == "captcha_failed" and failed["captcha"]["token"] != question["token"]
    replay = await api.client.post(
        captcha, json={**wrong, "choice": right}, headers=api.as_user(PARTICIPANT)
    )
    assert replay.status_code == 409  # the old question (and its work) is gone

    question = failed["captcha"]
    row = await CaptchaChallenge.objects().get(CaptchaChallenge.token == question["token"])
    no_work = {"token": question["token"], "choice": row.answer, "work": work}  # old work
    failed = await api.client.post(captcha, json=no_work, headers=api.as_user(PARTICIPANT))
    assert failed.json()["status"] == "captcha_failed"
    assert await participants.count(contest_id) == 0

    question = failed.json()["captcha"]
    row = await CaptchaChallenge.objects().get(CaptchaChallenge.token == question["token"])
    stolen = {"token": question["token"], "choice": row.answer, "work": ""}
    other = await api.client.post(captcha, json=stolen, headers=api.as_user(OUTSIDER))
    assert other.status_code == 409  # a question is its user's alone
    body = {**stolen, "work": await _solve(question, row.answer)}
    joined = (await api.client.post(captcha, json=body, headers=api.as_user(PARTICIPANT))).json()
    assert joined["status"] == "joined" and joined["participantCount"] == 1
    again = (await api.client.post(join, headers=api.as_user(PARTICIPANT))).json()
    assert again["status"] == "already_joined"  # no second question for someone already in
    print(f"\nMini App captcha: {asked['message']!r}; work solved in Python like a script would")


async def test_captcha_answers_are_checked_for_shape(api: Api) -> None:
    contest_id = await api.published_contest(captchaMode="everyone")
    captcha = f"/api/contests/{contest_id}/captcha"
    for body in ({"token": "", "choice": 0}, {"token": "x", "choice": 6}, {"token": "x"}):
        response = await api.client.post(captcha, json=body, headers=api.as_user(PARTICIPANT))
        assert response.status_code == 400, body
    unknown = {"token": "nosuchtoken", "choice": 0}
    response = await api.client.post(captcha, json=unknown, headers=api.as_user(PARTICIPANT))
    assert response.status_code == 409 and response.json()["code"] == "captcha_unknown"


async def test_invitation_link_join_and_tickets_in_the_status(api: Api) -> None:
    """The Mini App joins with the referrer from its `startapp`; the status shows each
    participant's tickets and invitation links; the settings come back in the form."""
    contest_id = await api.published_contest(ticketMode="both", referralCap=2, boostCap=1)
    settings = await api.client.get(
        f"/api/organizer/contests/{contest_id}", headers=api.as_user(ORGANIZER)
    )
    assert settings.json()["ticketMode"] == "both"
    assert (settings.json()["referralCap"], settings.json()["boostCap"]) == (2, 1)
    for user_id in (PARTICIPANT, OUTSIDER):
        api.emulator.add_member("@news", user_id)
    api.emulator.add_boost("@news", OUTSIDER)
    join = f"/api/contests/{contest_id}/join"
    first = await api.client.post(join, headers=api.as_user(PARTICIPANT))
    assert first.json()["status"] == "joined"
    invited = await api.client.post(f"{join}?referrer={PARTICIPANT}", headers=api.as_user(OUTSIDER))
    assert invited.json()["status"] == "joined"
    status = await api.client.get(
        f"/api/contests/{contest_id}/status", headers=api.as_user(PARTICIPANT)
    )
    tickets = status.json()["tickets"]
    username = (await api.app.state.bot.me()).username
    assert tickets == {
        "total": 2,
        "referrals": 1,
        "boosts": 0,
        "botLink": f"https://t.me/{username}?start=c{contest_id}r{PARTICIPANT}",
        "appLink": f"https://t.me/{username}?startapp=c{contest_id}r{PARTICIPANT}",
    }
    other = await api.client.get(
        f"/api/contests/{contest_id}/status", headers=api.as_user(OUTSIDER)
    )
    assert other.json()["tickets"]["boosts"] == 1 and other.json()["tickets"]["total"] == 2
    bad = await api.client.post(f"{join}?referrer=0", headers=api.as_user(ADMIN))
    assert bad.status_code == 400
    plain = await api.published_contest(title="No tickets")
    await api.client.post(f"/api/contests/{plain}/join", headers=api.as_user(PARTICIPANT))
    status = await api.client.get(f"/api/contests/{plain}/status", headers=api.as_user(PARTICIPANT))
    assert status.json().get("tickets") is None
