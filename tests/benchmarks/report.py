"""Measuring and printing: latency percentiles, process memory and CPU, a plain table."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ProcessSample:
    rss_kib: int
    cpu_seconds: float
    kernel_seconds: float = 0.0  # the part of `cpu_seconds` spent in the kernel (syscalls)


def sample(pid: int) -> ProcessSample | None:
    """Resident memory and CPU time used so far by `pid` (None if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return ProcessSample(rss, cpu, int(fields[12]) / CLOCK_TICKS)


def sample_all(pids: dict[str, list[int]]) -> dict[str, ProcessSample]:
    """Per component, the sum over its processes (nginx workers, PostgreSQL backends)."""
    totals: dict[str, ProcessSample] = {}
    for name, group in pids.items():
        found = [s for s in (sample(pid) for pid in group) if s is not None]
        totals[name] = ProcessSample(
            sum(s.rss_kib for s in found),
            sum(s.cpu_seconds for s in found),
            sum(s.kernel_seconds for s in found),
        )
    return totals


@dataclass
class BurstResult:
    """What one burst measured."""

    title: str
    users: int
    latencies: list[float]
    elapsed: float
    errors: dict[str, int]
    participants: int
    recorded_after: float  # seconds from the first press until the last participant row
    before: dict[str, ProcessSample]
    after: dict[str, ProcessSample]
    notes: list[str] = field(default_factory=list)

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


def notes(
    participants: int, users: int, load_before: float, load_after: float, log_dir: Path
) -> list[str]:
    """The lines under every burst table: completeness, machine load, where the logs are."""
    return [
        f"participants stopped growing at {participants} of {users}"
        if participants != users
        else "every press became exactly one participant",
        f"load average (1 min) before/after: {load_before:.1f}/{load_after:.1f}"
        f" on {os.cpu_count()} CPUs",
        f"logs: {log_dir}",
    ]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(result: BurstResult) -> str:
    ms = [value * 1000 for value in result.latencies]
    figures = [["measure", "value"]]
    figures.append(["users pressing Participate", str(result.users)])
    figures.append(["answered", str(len(ms))])
    if ms:
        for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            figures.append([f"answer latency {label}", f"{percentile(ms, fraction):.0f} ms"])
        figures.append(["answer latency max", f"{max(ms):.0f} ms"])
    figures.append(["first press to last answer", f"{result.elapsed:.2f} s"])
    figures.append(["answers per second", f"{len(ms) / max(result.elapsed, 1e-3):.0f}"])
    figures.append(["first press to last participant row", f"{result.recorded_after:.2f} s"])
    figures.append(
        [
            "joins recorded per second",
            f"{result.participants / max(result.recorded_after, 1e-3):.0f}",
        ]
    )
    figures.append(["errors", str(result.error_total)])
    figures += [[f"  {kind}", str(count)] for kind, count in sorted(result.errors.items())]
    figures.append(["participants in the database", str(result.participants)])
    memory = [
        ["process", "RSS before", "RSS after", "CPU during burst", "CPU per join", "in kernel"]
    ]
    joins = max(result.participants, 1)
    for name in result.before:
        before, after = result.before[name], result.after.get(name)
        cpu = after.cpu_seconds - before.cpu_seconds if after else None
        kernel = after.kernel_seconds - before.kernel_seconds if after else None
        memory.append(
            [
                name,
                f"{before.rss_kib / 1024:.0f} MiB",
                f"{after.rss_kib / 1024:.0f} MiB" if after else "gone",
                f"{cpu:.1f} s" if cpu is not None else "-",
                f"{cpu * 1000 / joins:.2f} ms" if cpu is not None else "-",
                f"{kernel / cpu:.0%}" if cpu and kernel is not None else "-",
            ]
        )
    bots = [name for name in result.before if name.startswith("bot") and name in result.after]
    if len(bots) > 1:
        cpu = sum(result.after[n].cpu_seconds - result.before[n].cpu_seconds for n in bots)
        memory.append(
            ["bot processes together", "", "", f"{cpu:.1f} s", f"{cpu * 1000 / joins:.2f} ms", ""]
        )
    parts = [f"== {result.title}", _table(figures), "", _table(memory)]
    parts += result.notes
    return "\n".join(parts)
