"""Redis clients whose connection pool waits for a free connection instead of failing.

redis-py's default pool raises `MaxConnectionsError` the moment it runs dry, which in a
burst of joins turned into lost updates. A `BlockingConnectionPool` makes the caller wait
(up to `POOL_TIMEOUT_SECONDS`) instead: a busy pool delays a join, it never drops it.
Pools are sized from the concurrency Telegram is allowed (WEBHOOK_MAX_CONNECTIONS) plus
a few connections for the process's own background work.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

from app.config import Settings

POOL_TIMEOUT_SECONDS = 10.0
SPARE_CONNECTIONS = 10


def pool_size(settings: Settings) -> int:
    """Connections one process may hold: one per update in flight, plus spares."""
    return settings.webhook_max_connections + SPARE_CONNECTIONS


def connect(settings: Settings) -> Redis:
    """A client for REDIS_URL with a waiting pool of `pool_size` connections."""
    assert settings.redis_dsn is not None
    pool = BlockingConnectionPool.from_url(
        settings.redis_dsn, max_connections=pool_size(settings), timeout=POOL_TIMEOUT_SECONDS
    )
    return Redis.from_pool(pool)
