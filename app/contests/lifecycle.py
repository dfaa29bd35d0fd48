"""The contest lifecycle: draft → scheduled → active → drawing → finished.

Cancel is allowed from every status before finished. Each transition names the action
that causes it, so an error can say what was tried and why it is not allowed.
"""

from __future__ import annotations

from enum import StrEnum

from app.errors import TransitionError


class Status(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    active = "active"
    drawing = "drawing"
    finished = "finished"
    cancelled = "cancelled"


class Action(StrEnum):
    schedule = "schedule"
    publish = "publish"
    edit = "edit"
    close = "close"
    finish = "finish"
    cancel = "cancel"
    redraw = "redraw"


# action -> (statuses it is allowed from, status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.schedule: (frozenset({Status.draft, Status.scheduled}), Status.scheduled),
    Action.publish: (frozenset({Status.draft, Status.scheduled}), Status.active),
    Action.edit: (frozenset({Status.draft, Status.scheduled}), None),
    Action.close: (frozenset({Status.active}), Status.drawing),
    Action.finish: (frozenset({Status.drawing}), Status.finished),
    Action.cancel: (
        frozenset({Status.draft, Status.scheduled, Status.active, Status.drawing}),
        Status.cancelled,
    ),
    Action.redraw: (frozenset({Status.finished}), None),
}

JOINABLE = frozenset({Status.active})


def next_status(contest_id: int, current: Status | str, action: Action) -> Status:
    """The status after `action`, or a `TransitionError` saying why it is not allowed."""
    current = Status(current)
    allowed_from, target = TRANSITIONS[action]
    if current not in allowed_from:
        allowed = ", ".join(sorted(allowed_from))
        raise TransitionError(
            f"cannot {action} contest {contest_id}: it is {current}; "
            f"{action} is only possible when it is {allowed}"
        )
    return target or current
