"""The frozen list stored as a participants file, read back in batches; old draws still verify."""

from __future__ import annotations

import gzip
import random

import pytest

from app.contests import draw, frozen, proof
from app.db import draws, participants
from app.db.tables import Draw, DrawList, Participant
from tests.test_storage import active_contest


async def _drawn_contest(user_ids: list[int]) -> int:
    contest_id = await active_contest(winners_count=3, reserve_count=2)
    rows = [Participant(contest=contest_id, user_id=uid) for uid in user_ids]
    for start in range(0, len(rows), 100):
        await Participant.insert(*rows[start : start + 100])
    await draws.run(contest_id)
    return contest_id


async def test_file_is_built_in_batches_and_verifies(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(participants, "FREEZE_BATCH", 7)  # 250 ids: 36 batches
    user_ids = random.Random(5).sample(range(1, 10**12), 250)
    contest_id = await _drawn_contest(user_ids)

    listed = await draws.frozen_list(contest_id)
    assert list(listed.ids) == sorted(user_ids) and listed.ascending
    text = gzip.decompress(await draws.participants_file(contest_id))
    assert text == "\n".join(str(uid) for uid in sorted(user_ids)).encode()
    row = await draws.get(contest_id)
    assert row.participants == [] and row.participant_count == 250  # not in the draw row

    document = await draws.proof(contest_id, "https://bot.example/list.txt")
    assert document.format == proof.FORMAT and document.participants == []
    assert document.list_hash == draw.list_hash(sorted(user_ids))
    assert document.participants_url == "https://bot.example/list.txt"
    assert proof.verify(document, listed) == []
    assert proof.verify(document) == ["the participants file is needed to check this proof"]
    tampered = frozen.of(sorted(user_ids)[1:])
    assert any("has 249 ids" in problem for problem in proof.verify(document, tampered))
    assert await draws.listed(contest_id, user_ids[0])
    assert not await draws.listed(contest_id, 3)


async def test_draw_made_before_the_file_keeps_its_inline_proof(db: str) -> None:
    user_ids = list(range(100, 140))
    contest_id = await _drawn_contest(user_ids)
    # What a draw stored before draw_list existed: the list inside the draw row.
    await DrawList.delete().where(DrawList.contest == contest_id)
    await Draw.update({Draw.participants: user_ids}).where(Draw.contest == contest_id)

    document = await draws.proof(contest_id)
    assert document.format == proof.FORMAT_INLINE and document.participants == user_ids
    assert proof.verify(document) == []
    assert list((await draws.frozen_list(contest_id)).ids) == user_ids
    assert (
        gzip.decompress(await draws.participants_file(contest_id))
        == "\n".join(map(str, user_ids)).encode()
    )
    again = await draws.replace_winner(contest_id, document.winners[0], "unreachable", None)
    assert document.winners[0] not in again.winners
