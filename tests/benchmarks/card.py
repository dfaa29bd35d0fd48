"""The Mini App contest card under load, through nginx, next to nginx serving a file.

    uv run python -m tests.benchmarks.card [--connections 100] [--seconds 10] [--apis 1]

Starts the production stack (as `tests.benchmarks.joins` does), publishes a contest and
has `wrk` (Debian: `apt-get install wrk`) GET what the Mini App's contest screen asks
for over `--connections` keep-alive connections: the public card (the same for every
viewer, nginx keeps it a second), the viewer's own status (valid signed initData, always
the API) and, for comparison, the whole card in one authenticated request. The limit,
measured in the same run: nginx serving a static file the size of the public card from
the Mini App's root. Prints requests/s, p99, the ratio and CPU per request. `--apis N`
starts N API processes behind nginx (the NixOS module's `api.instances`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.benchmarks.draw import hardware
from tests.benchmarks.report import _table as table
from tests.benchmarks.report import sample_all
from tests.conftest import TEST_TOKEN
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import MINIAPP_DIST, Stack, StackOptions
from tests.stack.scenario import ApiUser, make_world, publish_contest
from tests.telegram_emulator import TelegramEmulator

STATIC = "bench-card.json"
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


async def wrk(
    url: str, connections: int, seconds: int, headers: dict[str, str]
) -> dict[str, float]:
    """Requests/s, p99 (ms) and failures of one wrk run.

    wrk runs beside this event loop, never blocking it: the Bot API emulator answers
    from this loop (a blocked loop left every getMe of a cold API unanswered).
    """
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
    output = (await process.communicate())[0].decode()
    if process.returncode != 0:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{output}")
    rate, p99 = _RATE.search(output), _P99.search(output)
    if rate is None or p99 is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    failed = _NON_2XX.search(output)
    errors = _ERRORS.search(output)
    return {
        "rate": float(rate.group(1)),
        "p99": float(p99.group(1)) * _UNIT[p99.group(2)],
        "failed": float(failed.group(1)) if failed else 0.0,
        "socket_errors": float(sum(int(n) for n in errors.groups())) if errors else 0.0,
    }


async def run(connections: int, seconds: int, apis: int, root: Path) -> list[list[str]]:
    miniapp = root / "miniapp"
    shutil.copytree(MINIAPP_DIST, miniapp)
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        options = StackOptions(
            telegram_api_url=emulator.base_url,
            bot_token=TEST_TOKEN,
            log_dir=root / "logs",
            admin_ids=(ORGANIZER_ID,),
            miniapp_dir=miniapp,
            apis=apis,
        )
        async with Stack(options) as stack:
            world = make_world(emulator, stack, ORGANIZER_ID, members=10, outsiders=0)
            await publish_contest(
                world, title="Benchmark", deadline_in=3600, winners=1, notify=False
            )
            viewer = ApiUser(stack, world.members[0])
            auth = {"Authorization": f"tma {viewer.init_data}"}
            card = f"/api/contests/{world.contest_id}"
            targets = [  # (what, path, headers): what the Mini App's contest screen asks
                (
                    "public card (nginx micro-cache)",
                    f"/api/public/contests/{world.contest_id}/card",
                    {},
                ),
                ("viewer status (API)", f"{card}/status", auth),
                ("whole card (API, not cached)", card, auth),
            ]
            body = (await viewer.call("GET", targets[0][1])).content
            (miniapp / STATIC).write_bytes(body)
            (miniapp / STATIC).chmod(0o644)
            measured = []
            for what, path, headers in targets:
                before = sample_all(stack.pids())
                got = await wrk(stack.base_url + path, connections, seconds, headers)
                after = sample_all(stack.pids())
                served = max(got["rate"] * seconds, 1)
                got["cpu"] = {
                    name: (after[name].cpu_seconds - before[name].cpu_seconds) * 1000 / served
                    for name in after
                    if name in before
                    and (name in ("api", "nginx", "postgres") or name.startswith("api-"))
                }
                measured.append((what, got))
            static = await wrk(f"{stack.base_url}/{STATIC}", connections, seconds, {})
    rows = [["request", "requests/s", "p99", "failed", "/ static", "CPU per request"]]
    for what, got in [*measured, (f"limit: nginx, static file of {len(body)} B", static)]:
        rows.append(
            [
                what,
                f"{got['rate']:,.0f}",
                f"{got['p99']:.1f} ms",
                f"{got['failed']:.0f}, {got['socket_errors']:.0f}",
                f"{got['rate'] / static['rate']:.2f}",
                ", ".join(f"{name} {ms:.2f} ms" for name, ms in got.get("cpu", {}).items()),
            ]
        )
    rows.append(["target", "≥ 3,000", "≤ 30 ms", "0, 0", "", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--apis", type=int, default=1, help="API processes behind nginx")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="card-bench-") as scratch:
        root = Path(scratch)
        os.chmod(root, 0o755)
        rows = asyncio.run(run(args.connections, args.seconds, args.apis, root))
    print(
        f"== contest card, {args.connections} connections, {args.seconds} s each, "
        f"{args.apis} API process(es)"
    )
    print(table(rows))
    print(f"hardware: {hardware()}; shared with other work, so figures are noisy")


if __name__ == "__main__":
    main()
