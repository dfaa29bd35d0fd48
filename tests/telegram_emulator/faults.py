"""Faults a test injects into the next Bot API calls: 429s, 5xx, dropped or slow answers."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ApiError, too_many_requests

FAULT_KINDS = ("flood", "server_error", "drop", "drop_after", "error", "slow")


@dataclass(slots=True)
class Fault:
    """One injected failure.

    kinds: flood (429 retry_after), server_error (5xx), drop (connection closed before
    the call runs), drop_after (the call runs, then the connection is closed without an
    answer), error (any error_code and description).
    """

    kind: str
    method: str | None = None
    token: str | None = None
    retry_after: int = 1
    error_code: int = 500
    description: str = "Internal Server Error"
    delay: float = 0.0

    def matches(self, token: str, method: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.token is None or self.token == token
        )

    def to_error(self) -> ApiError:
        if self.kind == "flood":
            return too_many_requests(self.retry_after)
        return ApiError(self.error_code, self.description)


class FaultInjector:
    """A FIFO of faults; each matching call consumes one."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def __len__(self) -> int:
        return len(self._faults)

    def inject(
        self,
        kind: str,
        count: int = 1,
        *,
        method: str | None = None,
        token: str | None = None,
        retry_after: int = 1,
        error_code: int = 500,
        description: str = "Internal Server Error",
        delay: float = 0.0,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        fault = Fault(
            kind,
            method.lower() if method else None,
            token,
            retry_after,
            error_code,
            description,
            delay,
        )
        self._faults.extend([fault] * count)

    def take(self, token: str, method: str) -> Fault | None:
        if not self._faults:
            return None
        for index, fault in enumerate(self._faults):
            if fault.matches(token, method):
                del self._faults[index]
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()
