"""Publishing a contest when its organizer asks (the wizard's button, the Mini App).

Open it now and kick posting it in its target channels; a contest whose publish time
is still ahead is scheduled instead, and the scheduler opens it then.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.db import contests
from app.db.tables import Contest
from app.telegram import background


async def publish(contest: Contest, actor_id: int) -> Contest:
    """Publish (or schedule) `contest` for `actor_id`; the contest as it is afterwards."""
    if contest.publish_at is not None and contest.publish_at > datetime.now(UTC):
        return await contests.schedule(contest.id, contest.publish_at, actor_id)
    published = await contests.publish(contest.id, actor_id)
    await background.queue().post_contest(published.id)
    return published
