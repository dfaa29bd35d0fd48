"""Winner claims through the API: the setting (rule in app.contests.rules), claiming, the
organizer's prize list and handing over."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.contests import proof as proofs
from app.contests import rules
from app.db import claims, contests, draws
from app.db.tables import WinnerClaim
from tests.api.conftest import ORGANIZER, OUTSIDER, PARTICIPANT, Api
from tests.test_draw import run_verify

CREATE = "/api/organizer/contests"


async def test_claim_hours_are_created_edited_cleared_and_bounded(api: Api) -> None:
    card = await api.create_contest(claimHours=48)
    assert card["claimHours"] == 48
    assert (await contests.get(card["id"])).claim_hours == 48
    url = f"{CREATE}/{card['id']}"
    headers = api.as_user(ORGANIZER)
    assert (await api.client.get(url, headers=headers)).json()["claimHours"] == 48

    for wrong in (0, rules.CLAIM_HOURS_MAX + 1, 1.5):
        refused = await api.client.patch(url, json={"claimHours": wrong}, headers=headers)
        assert refused.status_code == 400, refused.text
        assert "claimHours" in refused.json()["detail"]
    assert (await contests.get(card["id"])).claim_hours == 48

    edited = await api.client.patch(url, json={"claimHours": 2}, headers=headers)
    assert edited.json()["claimHours"] == 2
    unchanged = await api.client.patch(url, json={"title": "Renamed"}, headers=headers)
    assert unchanged.json()["claimHours"] == 2
    cleared = await api.client.patch(url, json={"claimHours": None}, headers=headers)
    assert cleared.json()["claimHours"] is None
    assert (await contests.get(card["id"])).claim_hours is None


async def test_claim_results_pass_on_and_hand_over_through_the_api(api: Api) -> None:
    """A winner claims from the Mini App's results; a prize left unclaimed passes on (422
    to a late claim); the organizer lists the prizes and marks one handed over."""
    contest_id = await api.published_contest(winnersCount=1, reserveCount=1, claimHours=24)
    for user_id in (PARTICIPANT, OUTSIDER):
        api.emulator.add_member("@news", user_id)
        await api.client.post(f"/api/contests/{contest_id}/join", headers=api.as_user(user_id))
    drawn = await draws.run(contest_id)
    winner, reserve = drawn.winners[0], drawn.reserves[0]
    results = f"/api/contests/{contest_id}/results"
    mine = (await api.client.get(results, headers=api.as_user(winner))).json()
    assert mine["claim"]["state"] == "pending" and mine["claim"]["deadline"]
    assert (await api.client.get(results, headers=api.as_user(reserve))).json()["claim"] is None

    claim = f"/api/contests/{contest_id}/claim"
    stranger = await api.client.post(claim, headers=api.as_user(reserve))
    assert stranger.status_code == 404, stranger.text
    await WinnerClaim.update({WinnerClaim.deadline: datetime.now(UTC)}).where(
        WinnerClaim.contest == contest_id
    )
    late = await api.client.post(claim, headers=api.as_user(winner))
    assert late.status_code == 422 and "passed" in late.json()["detail"], late.text
    assert await draws.pass_on(contest_id, winner)
    late = await api.client.post(claim, headers=api.as_user(winner))
    assert late.status_code == 422, late.text
    claimed = await api.client.post(claim, headers=api.as_user(reserve))
    assert claimed.status_code == 200 and claimed.json()["state"] == "claimed", claimed.text
    again = await api.client.post(claim, headers=api.as_user(reserve))
    assert again.json()["state"] == "claimed"

    listed = f"{CREATE}/{contest_id}/claims"
    assert (await api.client.get(listed, headers=api.as_user(OUTSIDER))).status_code == 403
    prizes = (await api.client.get(listed, headers=api.as_user(ORGANIZER))).json()
    assert [(p["person"]["id"], p["state"]) for p in prizes] == [
        (winner, "passed_on"),
        (reserve, "claimed"),
    ]
    refused = await api.client.post(
        f"{listed}/{winner}/handed-over", headers=api.as_user(ORGANIZER)
    )
    assert refused.status_code == 422, refused.text
    handed = await api.client.post(
        f"{listed}/{reserve}/handed-over", headers=api.as_user(ORGANIZER)
    )
    assert handed.status_code == 200, handed.text
    assert [p["state"] for p in handed.json()] == ["passed_on", "handed_over"]
    mine = (await api.client.get(results, headers=api.as_user(reserve))).json()
    assert mine["claim"]["state"] == "handed_over" and mine["winners"] == [reserve]
    print(f"\nAPI prizes: {handed.json()}")


async def test_a_passed_on_prize_is_in_a_proof_that_verifies_and_a_redraw_replaces_a_claim(
    api: Api, tmp_path: Path
) -> None:
    """The pass-on is an exclusion the verifier recomputes (`contest-bot verify`, code
    `not_claimed`); an organizer's re-draw marks the replaced winner's claim `replaced`
    and gives the next one a pending claim with its own deadline."""
    contest_id = await api.published_contest(winnersCount=2, reserveCount=2, claimHours=6)
    joined = [PARTICIPANT, OUTSIDER, 400, 401, 402, 403]
    for user_id in joined:
        if user_id >= 400:
            api.emulator.create_user(user_id, f"User{user_id}")
        api.emulator.add_member("@news", user_id)
        response = await api.client.post(
            f"/api/contests/{contest_id}/join", headers=api.as_user(user_id)
        )
        assert response.status_code == 200, response.text
    drawn = await draws.run(contest_id)
    first, second = drawn.winners
    await WinnerClaim.update({WinnerClaim.deadline: datetime.now(UTC)}).where(
        WinnerClaim.user_id == first
    )
    assert await draws.pass_on(contest_id, first)
    await draws.replace_winner(contest_id, second, "asked for another prize", ORGANIZER)
    states = {c.user_id: c for c in await claims.of_contest(contest_id)}
    row = await draws.get(contest_id)
    assert states[first].state.value == "passed_on"
    assert states[second].state.value == "replaced"
    assert row.winners == drawn.reserves
    for uid in row.winners:
        assert states[uid].state.value == "pending"
        assert states[uid].deadline > datetime.now(UTC) + timedelta(hours=5)

    proof_path = tmp_path / "proof.json"
    proof = await draws.proof(contest_id)
    proof_path.write_bytes(proofs.encode(proof))
    listed = tmp_path / "participants.txt"
    listed.write_bytes(gzip.decompress(await draws.participants_file(contest_id)))
    result = run_verify(str(proof_path), "--participants", str(listed))
    print(f"\nverify after a pass-on and a re-draw: {result.stdout.strip()[-300:]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "did not claim the prize in time" in result.stdout
    assert [(e.user_id, e.code) for e in proof.excluded] == [
        (first, "not_claimed"),
        (second, "replaced"),
    ]
