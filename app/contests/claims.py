"""Winners claiming their prize: the states of a winner's claim and its deadline.

When a contest asks winners to claim (`ContestFields.claim_hours`), each winner has that
many hours from becoming a winner to press Claim; a claim still pending at its deadline
passes on: the winner is excluded with the reason `NOT_CLAIMED` and the ranking
continues, so the next reserve becomes a winner with a deadline of their own. Without a
claim deadline a winner simply has won. Either way the organizer may mark the prize
handed over.

    pending ──Claim before the deadline──▶ claimed ──organizer──▶ handed_over
       │  └──────────────organizer─────────────────────────────▶ handed_over
       └──deadline passed──▶ passed_on
    won ──organizer──▶ handed_over
    pending / won / claimed ──organizer's re-draw──▶ replaced
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class ClaimState(StrEnum):
    pending = "pending"
    won = "won"
    claimed = "claimed"
    handed_over = "handed_over"
    passed_on = "passed_on"
    replaced = "replaced"


HOLDING = (ClaimState.pending, ClaimState.won, ClaimState.claimed)
"""States of someone who is a winner now (the draw's winners list has them)."""
HANDABLE = HOLDING
"""States from which the organizer may mark the prize handed over."""
NOT_CLAIMED = "not claimed in time"
"""The reason recorded (proof, audit log, messages) when a claim passes on."""


def first_state(claim_hours: int | None) -> ClaimState:
    """The state of a new winner's claim."""
    return ClaimState.won if claim_hours is None else ClaimState.pending


def deadline(claim_hours: int | None, since: datetime) -> datetime | None:
    """When a new winner's claim passes on; None when the contest asks for no claim."""
    return None if claim_hours is None else since + timedelta(hours=claim_hours)
