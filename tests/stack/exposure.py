"""Which sockets the stack's processes listen on, read from /proc (what `ss -ltnpx` shows).

A socket belongs to a process when one of its /proc/<pid>/fd links is `socket:[inode]`;
/proc/net/{tcp,tcp6,unix} give each inode's state and address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

TCP_LISTEN = "0A"
UNIX_LISTENING_FLAG = 0x10000  # __SO_ACCEPTCON
UNIX_STREAM = 1


@dataclass(frozen=True)
class Listener:
    """One listening socket of one component."""

    owner: str
    kind: str  # "tcp", "tcp6" or "unix"
    address: str  # "127.0.0.1:8080", "[::1]:80" or a socket path

    @property
    def host(self) -> str:
        return self.address.rsplit(":", 1)[0].strip("[]")


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    with contextlib.suppress(OSError):
        for fd in fd_dir.iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def _ipv4(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)[::-1]
    return str(ipaddress.IPv4Address(raw))


def _ipv6(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def tcp_listeners() -> dict[int, tuple[str, str]]:
    """inode -> (kind, "host:port") for every listening TCP socket of the machine."""
    found: dict[int, tuple[str, str]] = {}
    for kind, decode in (("tcp", _ipv4), ("tcp6", _ipv6)):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/net/{kind}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] != TCP_LISTEN:
                    continue
                host, port = fields[1].split(":")
                shown = decode(host) if kind == "tcp" else f"[{decode(host)}]"
                found[int(fields[9])] = (kind, f"{shown}:{int(port, 16)}")
    return found


def unix_listeners() -> dict[int, str]:
    """inode -> path for every listening unix stream socket of the machine."""
    found: dict[int, str] = {}
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        flags, kind, inode = int(fields[3], 16), int(fields[4], 16), int(fields[6])
        if flags & UNIX_LISTENING_FLAG and kind == UNIX_STREAM:
            found[inode] = fields[7] if len(fields) > 7 else "(unnamed)"
    return found


def listeners(pids_by_owner: dict[str, list[int]]) -> list[Listener]:
    """Every listening socket held by the given processes, labelled with their owner."""
    tcp, unix = tcp_listeners(), unix_listeners()
    found: set[Listener] = set()
    for owner, pids in pids_by_owner.items():
        for pid in pids:
            for inode in socket_inodes(pid):
                if inode in tcp:
                    kind, address = tcp[inode]
                    found.add(Listener(owner, kind, address))
                elif inode in unix:
                    found.add(Listener(owner, "unix", unix[inode]))
    return sorted(found, key=lambda item: (item.owner, item.kind, item.address))
