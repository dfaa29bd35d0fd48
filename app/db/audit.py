"""The audit log: organizer actions and system decisions, kept for review."""

from __future__ import annotations

from typing import Any

from app.db.tables import AuditLog


async def record(
    action: str, contest_id: int | None = None, actor_id: int | None = None, **details: Any
) -> None:
    await AuditLog.insert(
        AuditLog(contest_id=contest_id, actor_id=actor_id, action=action, details=details)
    )


async def entries(contest_id: int) -> list[dict[str, Any]]:
    return (
        await AuditLog.select()
        .where(AuditLog.contest_id == contest_id)
        .order_by(AuditLog.id)
        .output(load_json=True)
    )
