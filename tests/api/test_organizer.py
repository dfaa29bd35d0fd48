"""Organizer endpoints on both databases: create, edit, publish, cancel, stats, export,
re-draw, and the channel checks behind creating."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

from app.contests.proof import to_dict
from app.db import audit, contests, draws, participants
from tests.api.conftest import ADMIN, ORGANIZER, OUTSIDER, PARTICIPANT, Api

CREATE = "/api/organizer/contests"


async def _problem(api: Api, user_id: int, **fields: object) -> tuple[int, dict]:
    body = {
        "title": "T",
        "endsAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "targetChannels": ["@news"],
        **fields,
    }
    response = await api.client.post(CREATE, json=body, headers=api.as_user(user_id))
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, response.json()


async def test_create_returns_a_draft_card_and_settings(api: Api) -> None:
    card = await api.create_contest(
        notifyParticipants=True, resultsMode="edit", captchaMode="everyone"
    )
    assert card["status"] == "draft" and card["canManage"] is True
    assert card["seedCommitment"] is None
    settings = await api.client.get(f"{CREATE}/{card['id']}", headers=api.as_user(ORGANIZER))
    body = settings.json()
    assert body["targetChannels"] == [
        {
            "chatId": card["requiredChannels"][0]["chatId"],
            "title": "News",
            "username": "news",
            "link": "https://t.me/news",
        }
    ]
    assert body["notifyParticipants"] is True and body["resultsMode"] == "edit"
    assert body["captchaMode"] == "everyone"
    changed = await api.client.patch(
        f"{CREATE}/{card['id']}", json={"captchaMode": "suspicious"}, headers=api.as_user(ORGANIZER)
    )
    assert changed.status_code == 200, changed.text
    assert (await contests.get(card["id"])).captcha_mode == "suspicious"
    refused = await api.client.patch(
        f"{CREATE}/{card['id']}", json={"captchaMode": "sometimes"}, headers=api.as_user(ORGANIZER)
    )
    assert refused.status_code == 400 and "captchaMode" in refused.text
    listed = await api.client.get(CREATE, headers=api.as_user(ORGANIZER))
    assert [row["id"] for row in listed.json()] == [card["id"]]
    assert listed.json()[0]["lastError"] is None


async def test_anti_fraud_rules_are_set_edited_and_shown(api: Api) -> None:
    card = await api.create_contest(excludeLeavers=True, newSubscribers="unknown_allowed")
    path = f"{CREATE}/{card['id']}"
    body = (await api.client.get(path, headers=api.as_user(ORGANIZER))).json()
    assert (body["excludeLeavers"], body["newSubscribers"], body["premiumOnly"]) == (
        True,
        "unknown_allowed",
        False,
    )
    edited = await api.client.patch(
        path, json={"premiumOnly": True, "newSubscribers": "off"}, headers=api.as_user(ORGANIZER)
    )
    assert edited.status_code == 200, edited.text
    body = (await api.client.get(path, headers=api.as_user(ORGANIZER))).json()
    assert (body["excludeLeavers"], body["newSubscribers"], body["premiumOnly"]) == (
        True,
        "off",
        True,
    )
    wrong = await api.client.patch(
        path, json={"newSubscribers": "sometimes"}, headers=api.as_user(ORGANIZER)
    )
    assert wrong.status_code == 400 and "newSubscribers" in wrong.json()["detail"]


async def test_create_refusals_name_the_channel_and_the_missing_right(api: Api) -> None:
    status, body = await _problem(api, OUTSIDER, targetChannels=["@news"])
    assert (status, body["code"]) == (403, "not_channel_admin")
    assert "@news" in body["detail"]

    status, body = await _problem(api, PARTICIPANT, targetChannels=[])
    assert (status, body["code"]) == (403, "not_channel_admin")

    status, body = await _problem(api, ORGANIZER, targetChannels=["@nosuchchannel"])
    assert (status, body["code"]) == (400, "channel_unavailable")
    assert "@nosuchchannel" in body["detail"]

    status, body = await _problem(api, ORGANIZER, targetChannels=["not a channel"])
    assert (status, body["code"]) == (400, "invalid_channel")

    api.emulator.create_channel("Quiet", username="quiet", creator=ORGANIZER)
    status, body = await _problem(api, ORGANIZER, targetChannels=["@quiet"])
    assert (status, body["code"]) == (400, "bot_not_admin")
    assert "@quiet" in body["detail"] and "post messages" in body["detail"]
    assert body["params"] == {"title": "Quiet"}

    api.emulator.set_bot_admin("@quiet", {"can_post_messages": False, "can_edit_messages": True})
    status, body = await _problem(api, ORGANIZER, targetChannels=["@quiet"])
    assert (status, body["code"]) == (400, "bot_cannot_post")

    api.emulator.create_channel("Closed", username="closed", creator=ORGANIZER)
    status, body = await _problem(api, ORGANIZER, requiredChannels=["@closed"])
    assert (status, body["code"]) == (400, "bot_not_admin")
    assert "check subscriptions" in body["detail"]


async def test_channels_by_link_or_id_and_only_ones_the_organizer_administers(api: Api) -> None:
    card = await api.create_contest(
        targetChannels=["https://t.me/news"], requiredChannels=["t.me/news"]
    )
    chat_id = card["requiredChannels"][0]["chatId"]
    card = await api.create_contest(targetChannels=[chat_id], requiredChannels=[str(chat_id)])
    assert [c["chatId"] for c in card["requiredChannels"]] == [chat_id]

    status, body = await _problem(api, ORGANIZER, targetChannels=["https://t.me/+AbCdEf"])
    assert (status, body["code"]) == (400, "invalid_channel")
    assert "invite link" in body["detail"]
    status, body = await _problem(api, ORGANIZER, requiredChannels=["@other_channel"])
    assert (status, body["code"]) == (403, "not_channel_admin")
    assert "@other_channel" in body["detail"]


async def test_bot_admin_may_create_anywhere_the_bot_can_post(api: Api) -> None:
    card = await api.create_contest(ADMIN, targetChannels=["@other_channel"], requiredChannels=[])
    assert card["status"] == "draft"
    card = await api.create_contest(ADMIN, targetChannels=[], requiredChannels=[])
    assert card["requiredChannels"] == []


async def test_invalid_bodies_are_4xx_with_a_message(api: Api) -> None:
    status, body = await _problem(api, ORGANIZER, winnersCount=0)
    assert (status, body["code"]) == (400, "invalid_request")
    assert "winnersCount" in body["detail"]
    status, body = await _problem(api, ORGANIZER, endsAt=None)
    assert (status, body["code"]) == (422, "invalid_contest")
    assert "end condition" in body["detail"]
    status, body = await _problem(api, ORGANIZER, endsAt="2030-01-01T00:00:00")
    assert status == 400 and "timezone" in body["detail"].lower()
    status, body = await _problem(api, ORGANIZER, unknownField=1)
    assert status == 400 and "unknownField" in body["detail"]
    raw = await api.client.post(
        CREATE,
        content=b"{not json",
        headers={**api.as_user(ORGANIZER), "content-type": "application/json"},
    )
    assert raw.status_code == 400 and raw.headers["content-type"] == "application/problem+json"


async def test_request_body_size_is_limited(api: Api) -> None:
    response = await api.client.post(
        CREATE,
        json={"title": "x", "description": "y" * 100_000},
        headers=api.as_user(ORGANIZER),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


async def test_edit_before_start_only(api: Api) -> None:
    contest_id = (await api.create_contest())["id"]
    path = f"{CREATE}/{contest_id}"
    edited = await api.client.patch(
        path, json={"title": "A new bike", "maxParticipants": 10}, headers=api.as_user(ORGANIZER)
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "A new bike"
    assert edited.json()["maxParticipants"] == 10
    assert edited.json()["description"] == "Join and win"  # untouched

    cleared = await api.client.patch(
        path, json={"requiredChannels": []}, headers=api.as_user(ORGANIZER)
    )
    assert cleared.json()["requiredChannels"] == []
    await api.client.post(f"{path}/publish", headers=api.as_user(ORGANIZER))
    late = await api.client.patch(path, json={"title": "Too late"}, headers=api.as_user(ORGANIZER))
    assert late.status_code == 409
    assert late.json()["code"] == "invalid_transition"
    assert "it is active" in late.json()["detail"]


async def test_publish_now_posts_and_future_publish_schedules(api: Api) -> None:
    contest_id = await api.published_contest()
    await api.emulator.wait_for_bot_messages("@news", 1, timeout=5)
    assert "Win a bike" in api.emulator.bot_messages("@news")[0].text

    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    ends = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    scheduled = await api.create_contest(publishAt=later, endsAt=ends)
    response = await api.client.post(
        f"{CREATE}/{scheduled['id']}/publish", headers=api.as_user(ORGANIZER)
    )
    assert response.json()["status"] == "scheduled"
    again = await api.client.post(f"{CREATE}/{contest_id}/publish", headers=api.as_user(ORGANIZER))
    assert again.status_code == 409


async def test_draw_now_closes_an_open_contest_and_draws_it(api: Api) -> None:
    contest_id = await api.published_contest(maxParticipants=None)
    api.emulator.add_member("@news", PARTICIPANT)
    await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(PARTICIPANT))
    draw = f"{CREATE}/{contest_id}/draw"
    refused = await api.client.post(draw, headers=api.as_user(OUTSIDER))
    assert refused.status_code == 403
    response = await api.client.post(draw, headers=api.as_user(ORGANIZER))
    assert response.status_code == 200, response.text
    assert response.json()["status"] in ("drawing", "finished")
    for _ in range(100):  # the draw task runs in the in-process broker
        settings = await api.client.get(f"{CREATE}/{contest_id}", headers=api.as_user(ORGANIZER))
        if settings.json()["status"] == "finished":
            break
        await asyncio.sleep(0.1)
    assert (await draws.proof(contest_id)).winners == [PARTICIPANT]
    again = await api.client.post(draw, headers=api.as_user(ORGANIZER))
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


async def test_draw_without_final_check_only_while_the_draw_waits(api: Api) -> None:
    contest_id = await api.published_contest()
    skip = f"{CREATE}/{contest_id}/skip-final-check"
    early = await api.client.post(skip, headers=api.as_user(ORGANIZER))
    assert (early.status_code, early.json()["code"]) == (422, "invalid_contest")
    await contests.close(contest_id)
    refused = await api.client.post(skip, headers=api.as_user(OUTSIDER))
    assert refused.status_code == 403
    response = await api.client.post(skip, headers=api.as_user(ORGANIZER))
    assert response.status_code == 200, response.text
    skipped = await draws.final_check_skip(contest_id)
    assert skipped is not None and skipped.by == ORGANIZER


async def test_cancel_records_the_reason(api: Api) -> None:
    contest_id = await api.published_contest()
    response = await api.client.post(
        f"{CREATE}/{contest_id}/cancel",
        json={"reason": "sponsor left"},
        headers=api.as_user(ORGANIZER),
    )
    assert response.json()["status"] == "cancelled"
    reasons = [
        e["details"] for e in await audit.entries(contest_id) if e["action"] == "cancel_reason"
    ]
    assert reasons == [{"reason": "sponsor left"}]


async def test_stats_and_csv_export(api: Api) -> None:
    contest_id = await api.published_contest()
    for user_id in (PARTICIPANT, OUTSIDER):
        api.emulator.add_member("@news", user_id)
        await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(user_id))
    stats = (
        await api.client.get(f"{CREATE}/{contest_id}/stats", headers=api.as_user(ORGANIZER))
    ).json()
    assert stats["participantCount"] == 2
    assert [point["count"] for point in stats["series"]] == [1, 2]
    assert stats["status"] == "active"

    export = await api.client.get(
        f"{CREATE}/{contest_id}/participants.csv", headers=api.as_user(ORGANIZER)
    )
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in export.headers["content-disposition"]
    assert export.content.startswith("\ufeff".encode()), "the byte-order mark spreadsheets need"
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["user_id"], r["username"], r["source"]) for r in rows] == [
        (str(PARTICIPANT), "user200", "miniapp"),
        (str(OUTSIDER), "user300", "miniapp"),
    ]


async def test_redraw_replaces_a_winner_with_a_logged_reason(api: Api) -> None:
    contest_id = await api.published_contest(winnersCount=1, reserveCount=1)
    for user_id in (PARTICIPANT, OUTSIDER):
        api.emulator.add_member("@news", user_id)
        await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(user_id))
    before = await draws.run(contest_id)
    winner = before.winners[0]
    redraw = f"{CREATE}/{contest_id}/redraw"

    empty = await api.client.post(
        redraw, json={"userId": winner, "reason": ""}, headers=api.as_user(ORGANIZER)
    )
    assert empty.status_code == 400
    not_winner = await api.client.post(
        redraw, json={"userId": 424242, "reason": "x"}, headers=api.as_user(ORGANIZER)
    )
    assert not_winner.status_code == 422

    response = await api.client.post(
        redraw, json={"userId": winner, "reason": "did not answer"}, headers=api.as_user(ORGANIZER)
    )
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["winners"] == before.reserves
    assert winner not in outcome["winners"]
    assert outcome["replaced"] == {
        "id": winner,
        "firstName": f"User{winner}",
        "username": f"user{winner}",
    }
    assert [(p["id"], p["firstName"]) for p in outcome["people"]] == [
        (uid, f"User{uid}") for uid in before.reserves
    ]
    proof = await draws.proof(contest_id)
    excluded = to_dict(proof)["excluded"]
    assert [(item["user_id"], item["reason"]) for item in excluded] == [(winner, "did not answer")]


async def test_contest_list_pages_with_counts(api: Api) -> None:
    ids = [(await api.create_contest(title=f"Bike {n}"))["id"] for n in range(5)]
    first = await api.published_contest(title="Busy")
    for user_id in (PARTICIPANT, OUTSIDER):
        await participants.join(first, user_id, [])
    listed = (await api.client.get(CREATE, headers=api.as_user(ORGANIZER))).json()
    assert [row["id"] for row in listed] == [first, *reversed(ids)]
    assert [row["participantCount"] for row in listed] == [2, 0, 0, 0, 0, 0]
    page = await api.client.get(
        CREATE, params={"before": ids[3], "limit": 2}, headers=api.as_user(ORGANIZER)
    )
    assert [row["id"] for row in page.json()] == [ids[2], ids[1]]
    too_big = await api.client.get(CREATE, params={"limit": 201}, headers=api.as_user(ORGANIZER))
    assert too_big.status_code == 400


async def test_draw_without_beacon_only_when_the_beacon_is_missing(api: Api) -> None:
    from app.db import contests
    from tests.drand_emulator import TestChain

    contest_id = await api.published_contest()
    fallback = f"{CREATE}/{contest_id}/draw-without-beacon"
    chain = TestChain().chain
    row, _ = await draws.freeze(contest_id, chain)
    card = await api.client.get(f"/api/contests/{contest_id}", headers=api.as_user(PARTICIPANT))
    committed = row.beacon["round"]
    assert card.json()["status"] == "drawing"
    assert card.json()["beacon"]["round"] == committed
    expected = datetime.fromisoformat(card.json()["beacon"]["expectedAt"])
    assert expected.timestamp() == chain.time_of(committed)
    assert card.json()["beacon"]["unreachable"] is False
    refused = await api.client.post(fallback, headers=api.as_user(ORGANIZER))
    assert refused.status_code == 422, refused.text  # the beacon was never missed
    assert "not waiting for an unreachable beacon" in refused.json()["detail"]

    await contests.record_error(contest_id, f"{draws.BEACON_WAIT}: no drand relay answered")
    settings = await api.client.get(f"{CREATE}/{contest_id}", headers=api.as_user(ORGANIZER))
    assert settings.json()["beacon"]["unreachable"] is True
    stranger = await api.client.post(fallback, headers=api.as_user(OUTSIDER))
    assert stranger.status_code == 403
    response = await api.client.post(fallback, headers=api.as_user(ORGANIZER))
    assert response.status_code == 200, response.text
    row = await draws.frozen(contest_id)
    assert row is not None
    assert row.fallback["by"] == ORGANIZER
    assert row.fallback["reason"].startswith(draws.BEACON_WAIT)
    assert "beacon_fallback" in [entry["action"] for entry in await audit.entries(contest_id)]
    settings = await api.client.get(f"{CREATE}/{contest_id}", headers=api.as_user(ORGANIZER))
    assert settings.json()["beacon"] is None  # drawn without it: nothing to wait for
