# The names the NixOS test driver gives a test script besides its machines, with their
# types, as nixpkgs' nixos/lib/test-script-prepend.py declares them (NixOS/nixpkgs at
# cd4a975d50b6ba93d5e3e70a8d0370de4c91e7fb) for the driver's own mypy check.
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from test_driver.driver import Driver
from test_driver.logger import Logger
from test_driver.machine import Machine
from test_driver.vlan import VLan

class RetryProtocol(Protocol):
    def __call__(self, fn: Callable[..., Any], timeout: int = 900) -> None: ...

class PollingConditionProtocol(Protocol):
    def __call__(
        self,
        fun_: Callable[..., Any] | None = None,
        *,
        seconds_interval: float = 2.0,
        description: str | None = None,
    ) -> (
        Callable[[Callable[..., Any]], AbstractContextManager[Any]] | AbstractContextManager[Any]
    ): ...

start_all: Callable[[], None]
subtest: Callable[[str], AbstractContextManager[None]]
retry: RetryProtocol
test_script: Callable[[], None]
machines: list[Machine]
vlans: list[VLan]
driver: Driver
log: Logger
create_machine: Callable[[dict[str, Any]], Machine]
run_tests: Callable[[], None]
join_all: Callable[[], None]
serial_stdout_off: Callable[[], None]
serial_stdout_on: Callable[[], None]
polling_condition: PollingConditionProtocol
