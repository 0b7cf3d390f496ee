"""The in-process store (no persistence, one worker) and the worker identity helpers.

:class:`MemoryStore` has the same contract as :class:`~sciReason.agents.storage.OptunaStore`
(``claim``, ``write``, ``load_records``, ``adopt_orphans``, ``foreign_records``, ``load_state``), so the
engine never checks which one it has. Benchmarks and library callers without a storage URL use it.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Sequence
from typing import Any

from sciReason.agents.records import Record

__all__ = ["MemoryStore", "key_hash", "pid_alive", "worker_id"]


def worker_id() -> str:
    """``host:pid`` of this process (used to detect claims of dead local workers)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def key_hash(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()


def pid_alive(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host: only the timeout can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class MemoryStore:
    """In-process store with the same contract (no persistence, one worker)."""

    persistent = False

    def __init__(self, budget: int, worker: str | None = None) -> None:
        self.budget = budget
        self.worker = worker or worker_id()
        self._claimed: dict[str, int] = {}
        self.seconds = 0.0  # time spent in storage calls (none here)
        self.state: dict[str, Any] = {}

    def load_records(self) -> list[Record]:
        return []

    def adopt_orphans(self, known: set[str], timeout_s: float) -> list[tuple[str, int]]:
        return []

    def claim(self, keys: Sequence[str]) -> list[tuple[str, int]]:
        out = []
        for key in keys:
            if len(self._claimed) >= self.budget:
                break
            if key in self._claimed:
                continue
            self._claimed[key] = len(self._claimed) + 1
            out.append((key, self._claimed[key]))
        return out

    def n_claimed(self) -> int:
        return len(self._claimed)

    def write(self, records: Sequence[Record], state: dict[str, Any] | None = None) -> None:
        if state is not None:
            self.state = dict(state)

    def foreign_records(self, known_indices: set[int]) -> list[Record]:
        return []

    def load_state(self) -> dict[str, Any]:
        return dict(self.state)
