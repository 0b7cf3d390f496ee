"""Process-parallel scoring for slow objectives (docking, big MPOs, model ensembles on CPU).

RDKit objects and closures do not pickle, so workers do not receive the objective: each worker builds it
once from a *recipe* (a target string, or a picklable zero-argument factory) and then scores chunks of
candidates. Results come back in input order. For the pure-RDKit PMO objectives one process is usually
faster than shipping SMILES around (see ``docs/benchmarks.md``); use this when a candidate takes
milliseconds or more.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sciReason.errors import InputError
from sciReason.oracles.base import Scored

__all__ = ["ParallelObjective"]

logger = logging.getLogger(__name__)

_WORKER_OBJECTIVE: Any = None


def _build(recipe: str | Callable[[], Any]) -> Any:
    if isinstance(recipe, str):
        from sciReason.oracles.target import parse_target

        return parse_target(recipe)
    return recipe()


def _init_worker(recipe: str | Callable[[], Any]) -> None:
    global _WORKER_OBJECTIVE
    _WORKER_OBJECTIVE = _build(recipe)


def _score_chunk(chunk: list[str]) -> list[Scored]:
    obj = _WORKER_OBJECTIVE
    if hasattr(obj, "score"):
        return list(obj.score(chunk))
    return [Scored(v) for v in obj(chunk)]


class ParallelObjective:
    """An objective whose batches are scored by ``n_workers`` processes.

    Args:
        recipe: a target string (``"pmo:deco_hop"``, ``"qed>0.8, dock(6CM4)>7"``) or a picklable
            zero-argument callable returning an objective/oracle (a module-level function).
        n_workers: worker processes (>= 1).
        chunk_size: candidates per task sent to a worker; default splits a batch evenly over the workers.
        mp_context: multiprocessing start method ("spawn" is safe with threads and torch; "fork" starts faster).

    Use as a context manager (or call :meth:`close`) to stop the workers.
    """

    def __init__(
        self,
        recipe: str | Callable[[], Any],
        n_workers: int = 2,
        *,
        chunk_size: int | None = None,
        mp_context: str = "spawn",
    ) -> None:
        if n_workers < 1:
            raise InputError(f"n_workers must be >= 1, got {n_workers}")
        if chunk_size is not None and chunk_size < 1:
            raise InputError(f"chunk_size must be >= 1, got {chunk_size}")
        import multiprocessing

        local = _build(recipe)  # validates the recipe here, with a clear error, before any worker starts
        self.name: str = getattr(local, "name", str(recipe))
        self.domain = getattr(local, "domain", "molecule")
        self.direction = getattr(local, "direction", "maximize")
        self.description = f"{getattr(local, 'description', self.name)} ({n_workers} processes)"
        self.term_names: tuple[str, ...] = tuple(getattr(local, "term_names", (self.name,)))
        self.multi_objective: bool = bool(getattr(local, "multi_objective", False))
        self.n_workers = n_workers
        self.chunk_size = chunk_size
        self._pool = ProcessPoolExecutor(
            max_workers=n_workers,
            mp_context=multiprocessing.get_context(mp_context),
            initializer=_init_worker,
            initargs=(recipe,),
        )

    def score(self, candidates: Sequence[str]) -> list[Scored]:
        cands = list(candidates)
        if not cands:
            return []
        size = self.chunk_size or max(1, math.ceil(len(cands) / self.n_workers))
        chunks = [cands[i : i + size] for i in range(0, len(cands), size)]
        out: list[Scored] = []
        for part in self._pool.map(_score_chunk, chunks):
            out.extend(part)
        return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [s.value for s in self.score(candidates)]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParallelObjective:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ParallelObjective({self.name!r}, n_workers={self.n_workers})"
