"""PMO's oracle budget and counting rule, and its AUC metrics (Gao et al. 2022, ``mol_opt``).

Counting rule (``mol_opt`` ``Oracle.score_smi``): a call is one *new canonical* SMILES scored.
Duplicates are answered from the buffer and not counted; invalid SMILES score 0 and are not counted;
each new candidate's 1-based call index is recorded for the AUC curve. Differences, on purpose:

* the budget is hard: at most ``budget`` candidates are ever scored (``mol_opt`` checks
  ``len(buffer) > budget`` and so lets a ``budget + 1``-th molecule through);
* a duplicate asked for after the budget is spent still gets its buffered score (``mol_opt`` answers
  0), since answering it costs nothing;
* a valid candidate the objective could not score is counted (the call happened) and its ``None``
  is kept; the metrics count it as 0, PMO's value for a failure.

The buffer can be pre-loaded with candidates scored in an earlier session (:meth:`BudgetedOracle.preload`)
so a resumed campaign neither re-scores nor double-counts them.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sciReason.errors import BudgetExhaustedError, InputError
from sciReason.oracles.base import Scored

__all__ = ["BudgetedOracle", "pmo_metrics", "top_auc"]


def _score(entry: Any) -> float:
    s = entry[0]
    return 0.0 if s is None else float(s)


def _top_mean(scores: Iterable[float], top_n: int) -> float:
    best = heapq.nlargest(top_n, scores)
    return sum(best) / len(best) if best else 0.0


def top_auc(
    buffer: Mapping[str, Sequence[Any]],
    top_n: int,
    finish: bool,
    freq_log: int = 100,
    max_oracle_calls: int = 10_000,
) -> float:
    """Area under the top-``top_n`` mean vs. oracle calls, normalised by the budget (``mol_opt``).

    Every ``freq_log`` calls the mean of the best ``top_n`` among the first calls is taken; the curve is
    integrated with the trapezoid rule; when ``finish`` and fewer than ``max_oracle_calls`` were used, the
    last value is extended flat to the budget. ``buffer`` maps a candidate to ``(score, call_index)``.
    """
    items = sorted(buffer.values(), key=lambda v: v[1])
    n = len(items)
    if n == 0:
        return 0.0
    scores = [_score(v) for v in items]
    total = prev = 0.0
    called = 0
    for idx in range(freq_log, min(n, max_oracle_calls), freq_log):
        now = _top_mean(scores[:idx], top_n)
        total += freq_log * (now + prev) / 2
        prev, called = now, idx
    now = _top_mean(scores, top_n)
    total += (n - called) * (now + prev) / 2
    if finish and n < max_oracle_calls:
        total += (max_oracle_calls - n) * now
    return total / max_oracle_calls


def pmo_metrics(
    buffer: Mapping[str, Sequence[Any]], *, finish: bool, freq_log: int = 100, max_oracle_calls: int = 10_000
) -> dict[str, float]:
    """PMO's logged numbers: AUC top-1/10/100 and the average top-1/10/100 within the budget."""
    within = sorted(buffer.values(), key=lambda v: v[1])[:max_oracle_calls]
    scores = [_score(v) for v in within]
    out = {f"auc_top{k}": top_auc(buffer, k, finish, freq_log, max_oracle_calls) for k in (1, 10, 100)}
    out.update({f"avg_top{k}": _top_mean(scores, k) for k in (1, 10, 100)})
    out["n_calls"] = float(len(buffer))
    return out


class BudgetedOracle:
    """Wrap an objective (or any batch oracle) with PMO's cache, counting rule and hard budget.

    Args:
        objective: an :class:`~sciReason.oracles.base.Objective` (its ``score`` is used, so per-term
            records are kept) or a plain batch oracle (``__call__``).
        budget: the maximum number of oracle calls (unique valid candidates).
        invalid_score: what an unparsable candidate gets (PMO: 0, not counted).
        exhausted_score: what a *new* candidate gets once the budget is spent (PMO: 0).
        raise_when_exhausted: raise :class:`~sciReason.errors.BudgetExhaustedError` instead.
        freq_log: the AUC sampling step (PMO: 100).

    Attributes:
        buffer: canonical candidate -> ``(score, call_index)``, call indices 1-based in scoring order.
        records: canonical candidate -> the full :class:`Scored` record (when the objective gives one).
    """

    def __init__(
        self,
        objective: Any,
        budget: int = 10_000,
        *,
        invalid_score: float | None = 0.0,
        exhausted_score: float | None = 0.0,
        raise_when_exhausted: bool = False,
        freq_log: int = 100,
    ) -> None:
        if not isinstance(budget, int) or budget < 1:
            raise InputError(f"budget must be a positive integer, got {budget!r}")
        self.objective = objective
        self.budget = budget
        self.invalid_score = invalid_score
        self.exhausted_score = exhausted_score
        self.raise_when_exhausted = raise_when_exhausted
        self.freq_log = freq_log
        self.domain: str = getattr(objective, "domain", "molecule") or "molecule"
        self.name: str = getattr(objective, "name", "objective")
        self.direction = "maximize"
        self.description = f"{self.name} under a {budget}-call PMO budget"
        self.buffer: dict[str, tuple[float | None, int]] = {}
        self.records: dict[str, Scored] = {}
        self.n_invalid = 0
        self.n_duplicates = 0
        self._lock = threading.RLock()

    # --- bookkeeping --------------------------------------------------------------------------------
    @property
    def n_calls(self) -> int:
        """Oracle calls used so far (unique valid candidates scored, pre-loaded ones included)."""
        return len(self.buffer)

    @property
    def remaining(self) -> int:
        return max(0, self.budget - len(self.buffer))

    @property
    def exhausted(self) -> bool:
        """PMO's ``finish``: the budget is used up."""
        return len(self.buffer) >= self.budget

    def key(self, candidate: str) -> str | None:
        """The cache key of a candidate (canonical SMILES / normalised sequence), or ``None`` if invalid."""
        from sciReason.representations import canonical_smiles, normalize_sequence, sequence_problem

        if not isinstance(candidate, str):
            return None
        if self.domain == "molecule":
            return canonical_smiles(candidate)
        if self.domain in ("protein", "dna", "rna"):
            seq = normalize_sequence(candidate)
            return None if sequence_problem(seq, self.domain) else seq
        return candidate.strip() or None

    def preload(self, scored: Iterable[tuple[str, float | None]] | Mapping[str, float | None]) -> int:
        """Add candidates scored in an earlier session, in their original call order.

        They take call indices ``n_calls + 1, ...`` and count towards the budget (they *were* calls);
        duplicates and invalid ones are skipped, so loading the same history twice changes nothing.
        Returns the number added. Raises :class:`InputError` if they exceed the budget.
        """
        pairs = scored.items() if isinstance(scored, Mapping) else scored
        added = 0
        with self._lock:
            for cand, value in pairs:
                k = self.key(cand)
                if k is None or k in self.buffer:
                    continue
                if len(self.buffer) >= self.budget:
                    raise InputError(
                        f"pre-loaded history has more than the budget of {self.budget} candidates"
                    )
                self.buffer[k] = (None if value is None else float(value), len(self.buffer) + 1)
                added += 1
        return added

    # --- scoring ------------------------------------------------------------------------------------
    def _score_new(self, keys: list[str]) -> list[Scored]:
        if not keys:
            return []
        if hasattr(self.objective, "score"):
            return list(self.objective.score(keys))
        return [Scored(None if v is None else float(v)) for v in self.objective(keys)]

    def score(self, candidates: Sequence[str]) -> list[Scored | None]:
        """Score a batch under the budget; ``None`` in place of invalid or over-budget candidates."""
        with self._lock:
            keys = [self.key(c) for c in candidates]
            new: list[str] = []
            seen: set[str] = set()
            for k in keys:
                if k is None:
                    self.n_invalid += 1
                elif k in self.buffer or k in seen:
                    self.n_duplicates += 1
                else:
                    seen.add(k)
                    new.append(k)
            allowed = new[: self.remaining]
            if len(allowed) < len(new) and self.raise_when_exhausted:
                raise BudgetExhaustedError(
                    f"oracle budget of {self.budget} calls is spent ({len(new) - len(allowed)} new candidates refused)"
                )
            for k, rec in zip(allowed, self._score_new(allowed), strict=True):
                self.buffer[k] = (rec.value, len(self.buffer) + 1)
                self.records[k] = rec
            out: list[Scored | None] = []
            for k in keys:
                if k is None or k not in self.buffer:
                    out.append(None)
                else:
                    out.append(self.records.get(k) or Scored(self.buffer[k][0]))
            return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        """PMO semantics: scores, with ``invalid_score`` / ``exhausted_score`` for the refused ones."""
        keys = [self.key(c) for c in candidates]
        recs = self.score(candidates)
        out: list[float | None] = []
        for k, rec in zip(keys, recs, strict=True):
            if k is None:
                out.append(self.invalid_score)
            elif rec is None:
                out.append(self.exhausted_score)
            else:
                out.append(rec.value)
        return out

    # --- metrics ------------------------------------------------------------------------------------
    def top_auc(self, top_n: int = 10, finish: bool | None = None) -> float:
        """PMO AUC of the top-``top_n`` mean; ``finish`` defaults to "the run is over" (flat extension)."""
        return top_auc(self.buffer, top_n, True if finish is None else finish, self.freq_log, self.budget)

    def metrics(self, finish: bool = True) -> dict[str, float]:
        return pmo_metrics(self.buffer, finish=finish, freq_log=self.freq_log, max_oracle_calls=self.budget)

    def best(self, n: int = 10) -> list[tuple[str, float, int]]:
        """The ``n`` best candidates as ``(candidate, score, call_index)``."""
        ranked = sorted(self.buffer.items(), key=lambda kv: (-_score(kv[1]), kv[1][1]))
        return [(k, _score(v), v[1]) for k, v in ranked[:n]]
