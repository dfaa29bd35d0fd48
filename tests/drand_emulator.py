"""A drand HTTP relay for tests, signing quicknet-style rounds with its own test key.

It speaks the public relay API the bot uses (drand's HTTP API, unchained G1 scheme):

    GET /{chain_hash}/info            public_key, period, genesis_time, hash, groupHash,
                                      schemeID, metadata.beaconID
    GET /{chain_hash}/public/latest   {"round", "randomness", "signature"}
    GET /{chain_hash}/public/{round}  the same for one round; 404 while it is not out yet

Rounds are real BLS signatures (`bls-unchained-g1-rfc9380`) by a secret key the test
picks, so the bot verifies them exactly as it verifies quicknet's. Test controls:
`ahead` (seconds this relay's clock runs ahead of the machine's, so a round committed
60 s in the future is served at once), `down` (every request answers 503, as a relay
behind a failing gateway does), `forger` (a compromised relay: it serves the chain's
info but signs rounds with another key), and `requests` (what was asked, in order).

    async with DrandEmulator(ahead=120) as relay:
        settings = load_settings(beacon_urls=[relay.url], beacon_public_key=relay.public_key, …)

Standalone (for a local stack): `python -m tests.drand_emulator --port 8090 --ahead 120`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import time
from typing import Any

from aiohttp import web
from py_arkworks_bls12381 import G1Point, G2Point, Scalar

from app.contests import beacon

TEST_SECRET = 0x5EED_D4A9_D0_7E57


class TestChain:
    """A drand chain with a known secret key: its info, and its signature of any round."""

    __test__ = False  # not a pytest class

    def __init__(self, secret: int = TEST_SECRET, period: int = 3, genesis_time: int = 0) -> None:
        self._secret = Scalar(secret)
        self.period = period
        self.genesis_time = genesis_time or int(time.time()) - 3600
        self.public_key = (G2Point() * self._secret).to_compressed_bytes().hex()
        self.chain_hash = hashlib.sha256(
            f"{self.public_key}|{self.period}|{self.genesis_time}".encode()
        ).hexdigest()

    @property
    def chain(self) -> beacon.Chain:
        return beacon.Chain(self.chain_hash, self.public_key, self.genesis_time, self.period)

    def signature(self, round_number: int) -> str:
        point = G1Point.hash_to_curve(beacon.message(round_number), beacon.DST) * self._secret
        return point.to_compressed_bytes().hex()

    def info(self) -> dict[str, Any]:
        return {
            "public_key": self.public_key,
            "period": self.period,
            "genesis_time": self.genesis_time,
            "hash": self.chain_hash,
            "groupHash": hashlib.sha256(self.public_key.encode()).hexdigest(),
            "schemeID": beacon.SCHEME,
            "metadata": {"beaconID": "quicknet-test"},
        }

    def round_json(self, round_number: int) -> dict[str, Any]:
        signature = self.signature(round_number)
        return {
            "round": round_number,
            "randomness": beacon.randomness(signature),
            "signature": signature,
        }


class DrandEmulator:
    """An aiohttp server serving one `TestChain` on 127.0.0.1."""

    def __init__(
        self,
        chain: TestChain | None = None,
        *,
        ahead: float = 0,
        port: int = 0,
        forger: TestChain | None = None,
    ) -> None:
        self.chain = chain or TestChain()
        self.ahead = ahead
        self.forger = forger
        self.down = False
        self.requests: list[str] = []
        self._port = port
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def public_key(self) -> str:
        return self.chain.public_key

    @property
    def chain_hash(self) -> str:
        return self.chain.chain_hash

    def current_round(self) -> int:
        return self.chain.chain.round_at(time.time() + self.ahead)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{chain}/info", self._info)
        app.router.add_get("/{chain}/public/latest", self._latest)
        app.router.add_get("/{chain}/public/{round}", self._round)
        app.middlewares.append(self._record)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(request.path)
        if self.down:
            return web.Response(status=503, text="service unavailable")
        if request.match_info.get("chain") not in (None, self.chain.chain_hash):
            return web.Response(status=404, text="unknown chain hash")
        return await handler(request)

    async def _info(self, _: web.Request) -> web.Response:
        return web.json_response(self.chain.info())

    async def _latest(self, _: web.Request) -> web.Response:
        return web.json_response((self.forger or self.chain).round_json(self.current_round()))

    async def _round(self, request: web.Request) -> web.Response:
        text = request.match_info["round"]
        if not text.isdigit() or int(text) < 1:
            return web.Response(status=400, text="invalid round number")
        if int(text) > self.current_round():
            return web.Response(status=404, text="requested future beacon")
        return web.json_response((self.forger or self.chain).round_json(int(text)))

    async def start(self) -> DrandEmulator:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DrandEmulator:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()


async def _serve(port: int, ahead: float) -> None:
    relay = await DrandEmulator(ahead=ahead, port=port).start()
    print(f"drand emulator on {relay.url}/{relay.chain_hash} key {relay.public_key}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--ahead", type=float, default=0.0)
    options = parser.parse_args()
    asyncio.run(_serve(options.port, options.ahead))
