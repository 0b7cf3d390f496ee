"""Populations of a campaign: selection policy, islands, stagnation level and restarts.

Molecule campaigns keep one population, the top ``population_size`` records (ties: oldest first) or an
NSGA-II front, exactly as :func:`~sciReason.agents.selection.select_population` defines it.

Sequence campaigns add what keeps a search from stalling on a plateau:

* **newest first among ties** (``tie_break``): candidates as good as the population's members replace
  the oldest ones, so the population drifts along a plateau instead of freezing on the first members
  that reached it;
* **niching** (``niche_distance``): members must differ in at least that many positions;
* **islands** (``islands``): round r (r >= 2; round 1 scores the start set, shared by all) belongs to
  island ``(r - 2) % islands``; each island selects its population from its own records, so several
  lineages evolve side by side, and its proposers also see the best ``migrants`` members of every other
  island (as crossover partners and segment donors). The island of a record follows from its round,
  which the store keeps, so resuming needs no extra state;
* **stagnation level** (``intensity``): 0 while an island's best improves, +1 each time its wait (in
  its own calls) since the last new best doubles, in units of ``stall_window``; proposers enlarge their
  edits with it;
* **restarts** (``restart_after``): an island that waited that many of its own calls without a new best
  starts a new epoch from the start set; its older records stay known (never re-scored) but no longer
  feed its population.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sciReason.agents.records import Record
from sciReason.agents.selection import select_population

__all__ = ["Lineages", "niched"]


@dataclass
class _Island:
    epoch_call: int = 0  # records with a larger call index (and the start set) feed this island
    calls: int = 0  # records this island has scored
    best: float = -math.inf  # best value in the current epoch
    best_at: int = 0  # ``calls`` when that best was found
    restarts: int = 0


class Lineages:
    """Selection, islands and restarts (see module docstring).

    Args:
        config: the campaign's :class:`~sciReason.agents.config.DesignConfig`.
        domain: the objective's domain ("molecule" keeps the plain population).
        multi: multi-objective (NSGA-II selection; islands and niching are then off).
    """

    def __init__(self, config: Any, domain: str, multi: bool) -> None:
        self.config = config
        self.sequences = domain != "molecule"
        self.multi = multi
        n = int(getattr(config, "islands", 1) or 1) if self.sequences and not multi else 1
        self.islands = [_Island() for _ in range(max(1, n))]
        tie = config.tie_break
        self.newest = tie == "newest" or (tie == "auto" and self.sequences)
        self.populations: list[list[Record]] = [[] for _ in self.islands]
        self._ranked: list[list[Record]] = [[] for _ in self.islands]

    # --- bookkeeping -------------------------------------------------------------------------------------
    def island_of(self, rec: Record) -> int | None:
        """The island a record belongs to; None for the start set (shared by all)."""
        if len(self.islands) == 1:
            return 0
        if rec.proposer == "start" or rec.round <= 1:
            return None
        return (rec.round - 2) % len(self.islands)

    def island_for_round(self, round_number: int) -> int:
        return 0 if len(self.islands) == 1 else max(0, round_number - 2) % len(self.islands)

    def observe(self, new: Iterable[Record]) -> None:
        """Count calls and track each island's best (in its current epoch)."""
        for rec in new:
            home = self.island_of(rec)
            members = range(len(self.islands)) if home is None else (home,)
            for i in members:
                isl = self.islands[i]
                if home is not None or len(self.islands) == 1:
                    isl.calls += 1
                if rec.call_index <= isl.epoch_call and rec.proposer != "start":
                    continue
                if rec.value is not None and rec.feasible and rec.score > isl.best:
                    isl.best, isl.best_at = rec.score, isl.calls

    def intensity(self, island: int) -> int:
        isl = self.islands[island]
        waited = max(0, isl.calls - isl.best_at) / self.config.stall_window
        return int(math.log2(1.0 + waited))

    # --- selection -----------------------------------------------------------------------------------------
    def _eligible(self, records: Iterable[Record], island: int) -> list[Record]:
        isl = self.islands[island]
        return [
            r
            for r in records
            if r.feasible
            and self.island_of(r) in (None, island)
            and (r.call_index > isl.epoch_call or r.proposer == "start")
        ]

    def select(self, records: Iterable[Record], island: int) -> list[Record]:
        """Island ``island``'s population from all records; infeasible ones never become parents."""
        recs = self._eligible(records, island)
        if self.newest and not self.multi:
            self._ranked[island] = []
            return self._rank(recs, island)
        pop = select_population(recs, self.config.population_size, self.multi)
        return self._set(pop, recs, island)

    def add(self, new: Sequence[Record], records: Iterable[Record], island: int) -> list[Record]:
        """The population after ``new`` records: incremental for newest-first ranking (the best
        ``20 * population_size`` of an island never need re-sorting), a full selection otherwise."""
        if not (self.newest and not self.multi):
            return self.select(records, island)
        return self._rank(self._eligible(new, island), island)

    def _rank(self, recs: list[Record], island: int) -> list[Record]:
        k = self.config.population_size
        pool = self._ranked[island] + [r for r in recs if r.value is not None]
        ranked = sorted(pool, key=lambda r: (-r.score, -r.margin, -r.call_index))[: 20 * k]
        self._ranked[island] = ranked
        distance = int(getattr(self.config, "niche_distance", 0) or 0)
        pop = niched(ranked, k, distance) if distance > 0 and self.sequences else ranked[:k]
        return self._set(pop, recs, island)

    def _set(self, pop: list[Record], recs: list[Record], island: int) -> list[Record]:
        if not pop and self.sequences:  # a user's start sequences the objective could not score
            pop = [r for r in recs if r.proposer == "start"][: self.config.population_size]
        self.populations[island] = pop
        return pop

    def with_migrants(self, island: int) -> list[Record]:
        """Island ``island``'s population plus the best ``migrants`` members of every other island."""
        pop = list(self.populations[island])
        n = int(getattr(self.config, "migrants", 0) or 0)
        if n <= 0 or len(self.islands) == 1:
            return pop
        have = {r.key for r in pop}
        for j, other in enumerate(self.populations):
            if j == island:
                continue
            pop.extend(r for r in other[:n] if r.key not in have)
        return pop

    def maybe_restart(self, island: int, records: Iterable[Record], n_calls: int) -> bool:
        """Start a new epoch on ``island`` when it waited ``restart_after`` of its calls; True if it did."""
        after = getattr(self.config, "restart_after", None)
        isl = self.islands[island]
        if not after or not self.sequences or isl.calls - isl.best_at < after:
            return False
        isl.restarts += 1
        isl.epoch_call = n_calls
        isl.best, isl.best_at = -math.inf, isl.calls
        self.select(records, island)
        return True

    @property
    def restarts(self) -> int:
        return sum(isl.restarts for isl in self.islands)

    # --- persistence ---------------------------------------------------------------------------------------
    def state(self) -> list[int]:
        return [isl.epoch_call for isl in self.islands]

    def load_state(self, epochs: Sequence[int] | int | None) -> None:
        if epochs is None:
            return
        values = [epochs] if isinstance(epochs, int) else list(epochs)
        for isl, value in zip(self.islands, values, strict=False):
            isl.epoch_call = int(value)


def niched(ranked: Sequence[Record], k: int, min_distance: int) -> list[Record]:
    """Greedy niching: walk ``ranked`` (best first) and keep a record only if it differs in at least
    ``min_distance`` positions from every record kept so far; fill up with the skipped ones if needed."""
    import numpy as np

    pool = list(ranked[: 20 * k])
    length = len(pool[0].key) if pool else 0
    if not pool or any(len(r.key) != length for r in pool):
        return list(ranked[:k])
    codes = np.frombuffer("".join(r.key for r in pool).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.reshape(len(pool), length)
    kept: list[int] = []
    skipped: list[int] = []
    for i in range(len(pool)):
        if len(kept) >= k:
            break
        if kept and int((codes[kept] != codes[i]).sum(axis=1).min()) < min_distance:
            skipped.append(i)
            continue
        kept.append(i)
    kept.extend(skipped[: k - len(kept)])
    return [pool[i] for i in sorted(kept)]
