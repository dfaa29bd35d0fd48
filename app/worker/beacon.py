"""Fetching drand rounds from the configured relays, trusting only the pinned group key.

Relays are interchangeable: the first that answers with a round whose BLS signature
verifies against `BEACON_PUBLIC_KEY` wins; a relay that errs, times out or serves a bad
signature is skipped. The chain's `/info` must name the configured chain hash and key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiohttp

from app.config import Settings
from app.contests import beacon
from app.errors import BeaconUnavailable

log = logging.getLogger(__name__)

REQUEST_SECONDS = 10.0
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Pauses between passes over the relays before a draw gives up for this run (~15 s)."""
MAX_WAIT_SECONDS = 75.0
"""A task waits at most this long for a round that is not out yet (it is at most 60 s)."""
POLL_SECONDS = 5.0
"""While a round is not out, ask again this often (not once at its due time by this
machine's clock, which may be behind or ahead of drand's)."""


@dataclass(frozen=True, slots=True)
class Round:
    number: int
    signature: str


class _NotYet(Exception):
    """The relay says the round is not out yet."""


class Relays:
    """The drand relays of the settings, for one chain and key."""

    def __init__(self, settings: Settings) -> None:
        self.urls = [str(url).rstrip("/") for url in settings.beacon_urls]
        self.chain_hash = settings.beacon_chain_hash
        self.public_key = settings.beacon_public_key
        self._chain: beacon.Chain | None = None

    async def _get(self, session: aiohttp.ClientSession, url: str) -> dict[str, object]:
        async with session.get(url) as response:
            if response.status == 404:
                raise _NotYet(f"{response.status} {(await response.text())[:100]}")
            if response.status != 200:
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=response.reason
                )
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")
        return data

    def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_SECONDS))

    async def chain(self) -> beacon.Chain:
        """The chain's timing from the first relay whose `/info` matches hash and key."""
        if self._chain is not None:
            return self._chain
        problems: list[str] = []
        async with self._session() as session:
            for base in self.urls:
                try:
                    info = await self._get(session, f"{base}/{self.chain_hash}/info")
                    self._chain = self._checked(info)
                    return self._chain
                except (aiohttp.ClientError, TimeoutError, ValueError, _NotYet, KeyError) as exc:
                    problems.append(f"{base}: {exc or type(exc).__name__}")
        raise BeaconUnavailable("no drand relay gave the chain info: " + "; ".join(problems))

    def _checked(self, info: dict[str, object]) -> beacon.Chain:
        if info.get("hash") != self.chain_hash:
            raise ValueError(f"chain hash is {info.get('hash')!r}, not the configured one")
        if info.get("public_key") != self.public_key:
            raise ValueError("the chain's public key is not BEACON_PUBLIC_KEY")
        if info.get("schemeID") != beacon.SCHEME:
            raise ValueError(f"scheme {info.get('schemeID')!r} is not {beacon.SCHEME}")
        genesis, period = info.get("genesis_time"), info.get("period")
        if not isinstance(genesis, int) or not isinstance(period, int) or period < 1:
            raise ValueError("genesis_time and period must be integers")
        return beacon.Chain(self.chain_hash, self.public_key, genesis, period)

    async def _fetch(self, number: int) -> tuple[Round | None, list[str], bool]:
        """One pass over the relays: the round, what went wrong, and whether it is not out."""
        problems: list[str] = []
        not_yet = False
        async with self._session() as session:
            for base in self.urls:
                try:
                    data = await self._get(session, f"{base}/{self.chain_hash}/public/{number}")
                except _NotYet as exc:
                    not_yet = True
                    problems.append(f"{base}: not out yet ({exc})")
                    continue
                except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                    problems.append(f"{base}: {exc or type(exc).__name__}")
                    continue
                signature = data.get("signature")
                if data.get("round") != number or not isinstance(signature, str):
                    problems.append(f"{base}: the answer is not round {number}")
                    continue
                wrong = beacon.signature_problem(self.public_key, number, signature)
                if wrong:
                    log.warning("drand relay %s served a bad round %s: %s", base, number, wrong)
                    problems.append(f"{base}: {wrong}")
                    continue
                return Round(number, signature), problems, False
        return None, problems, not_yet

    async def wait_for(self, number: int) -> Round:
        """Round `number`, verified; waits while it is not out, retries the relays a while.

        Raises `BeaconUnavailable` when no relay gave it after the retries (the caller
        tells the organizer and tries again later).
        """
        chain = await self.chain()
        delays = iter(RETRY_DELAYS)
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while True:
            found, problems, not_yet = await self._fetch(number)
            if found is not None:
                return found
            early = chain.time_of(number) - time.time()
            left = deadline - time.monotonic()
            if not_yet and early > -chain.period and left > 0:
                await asyncio.sleep(min(max(early, 0.0) + 0.5, POLL_SECONDS, left))
                continue
            delay = next(delays, None)
            if delay is None:
                raise BeaconUnavailable(
                    f"no drand relay gave round {number}: " + "; ".join(problems)
                )
            log.warning("drand round %s unavailable (%s); retry in %.0f s", number, problems, delay)
            await asyncio.sleep(delay)
