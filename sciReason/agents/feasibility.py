"""Adjacent-pair feasibility for sequence campaigns: declared by the user, or learned from results.

Some sequence objectives reject candidates that contain a forbidden adjacent pair (an Ehrlich function's
banned transitions; holo returns -inf). Proposals that are known to be infeasible waste oracle calls, so
the engine keeps a :class:`TransitionModel` and the sequence proposers consult it:

* **declared** (outside benchmark mode): an objective that exposes its own transition mask (Ehrlich:
  ``instance.transition_mask``) is the user's declared constraint and is used for free;
* **learned** (benchmark mode, and every objective without a declared mask): the model sees only what
  the campaign's results say. Every pair of a feasible sequence is allowed. An infeasible sequence whose
  pairs are all proven allowed except one proves that one banned; with several unknown pairs it is kept
  as a clause ("at least one of these is banned") and resolved when the others are proven allowed. Until
  the objective has returned one infeasible result, nothing is ever treated as risky.

The working hypothesis (infeasibility comes from adjacent pairs) is checked: a feasible result that
contains a pair believed banned un-bans it and counts a contradiction, so a wrong hypothesis degrades to
"no filtering" instead of blocking the search.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from sciReason.agents.records import Record

__all__ = ["TransitionModel", "build_transition_model"]


class TransitionModel:
    """Allowed / banned / unknown status of every ordered letter pair (see module docstring).

    Args:
        alphabet: the letters of the search space.
        declared: optional (v, v) boolean mask, ``declared[a, b]`` iff letter b may follow letter a.
    """

    def __init__(self, alphabet: str, declared: Any = None) -> None:
        self.alphabet = alphabet
        self.index = {ch: i for i, ch in enumerate(alphabet)}
        v = len(alphabet)
        self.v = v
        self.declared = declared is not None
        if declared is not None:
            mask = np.asarray(declared, dtype=bool)
            self.allowed, self.banned = mask.copy(), ~mask
        else:
            self.allowed = np.zeros((v, v), dtype=bool)
            self.banned = np.zeros((v, v), dtype=bool)
        self._clauses: list[set[int]] = []
        self.n_infeasible_seen = 0
        self.contradictions = 0
        self._tests = [0, 0]  # single-unknown-pair outcomes: [allowed, banned] (for the ban-rate prior)

    # --- queries -----------------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True when pairs can be risky: a declared mask, or at least one infeasible result seen."""
        return self.declared or self.n_infeasible_seen > 0

    def _pairs(self, seq: str) -> list[int] | None:
        idx = self.index
        try:
            codes = [idx[ch] for ch in seq]
        except KeyError:
            return None
        v = self.v
        return [a * v + b for a, b in zip(codes, codes[1:], strict=False)]

    def status(self, seq: str) -> tuple[int, int]:
        """``(known banned pairs, unknown pairs)`` in ``seq`` (``(0, 0)`` while the model is inactive)."""
        if not self.active:
            return 0, 0
        pairs = self._pairs(seq)
        if pairs is None:
            return 0, 0
        banned, allowed = self.banned.ravel(), self.allowed.ravel()
        n_banned = sum(1 for p in pairs if banned[p])
        n_unknown = sum(1 for p in set(pairs) if not allowed[p] and not banned[p])
        return n_banned, n_unknown

    def known_infeasible(self, seq: str) -> bool:
        return self.status(seq)[0] > 0

    def ban_rate(self) -> float:
        """Estimated chance that an unknown pair is banned (0 while no infeasible result was seen)."""
        if self.declared or not self.active:
            return 0.0
        ok, bad = self._tests
        return (bad + 1.0) / (ok + bad + 4.0)

    def p_feasible(self, seq: str) -> float:
        """Probability that ``seq`` is feasible: 0 with a known banned pair, (1 - ban rate)^unknown else."""
        banned, unknown = self.status(seq)
        if banned:
            return 0.0
        return (1.0 - self.ban_rate()) ** unknown

    def may_follow(self, left: str | None, right: str | None) -> list[str]:
        """Letters c with ``left -> c`` and ``c -> right`` not known to be banned (None = no neighbour)."""
        ok = np.ones(self.v, dtype=bool)
        if self.active:
            if left is not None and left in self.index:
                ok &= ~self.banned[self.index[left]]
            if right is not None and right in self.index:
                ok &= ~self.banned[:, self.index[right]]
        return [self.alphabet[i] for i in np.flatnonzero(ok)]

    # --- learning ----------------------------------------------------------------------------------------
    def observe(self, records: Iterable[Record]) -> None:
        """Learn from scored records (declared models learn nothing)."""
        if self.declared:
            return
        infeasible: list[list[int]] = []
        for rec in records:
            if rec.value is None and rec.feasible:
                continue  # could not be scored at all: says nothing about pairs
            pairs = self._pairs(rec.key)
            if pairs is None:
                continue
            if rec.feasible:
                self._mark_allowed(pairs)
            else:
                self.n_infeasible_seen += 1
                infeasible.append(pairs)
        for pairs in infeasible:
            unknown = {p for p in pairs if not self.allowed.ravel()[p]}
            if not unknown:
                self.contradictions += 1  # infeasible with only proven pairs: not a pair constraint
                continue
            if any(self.banned.ravel()[p] for p in unknown):
                continue  # already explained
            if len(unknown) == 1:
                self._tests[1] += 1
            self._clauses.append(unknown)
        self._resolve()

    def _mark_allowed(self, pairs: list[int]) -> None:
        allowed, banned = self.allowed.ravel(), self.banned.ravel()
        new = [p for p in set(pairs) if not allowed[p]]
        for p in new:
            if banned[p]:
                banned[p] = False
                self.contradictions += 1
            allowed[p] = True
        if len(new) == 1 and self.n_infeasible_seen:
            self._tests[0] += 1

    def _resolve(self) -> None:
        allowed, banned = self.allowed.ravel(), self.banned.ravel()
        changed = True
        while changed:
            changed = False
            keep: list[set[int]] = []
            for clause in self._clauses:
                clause = {p for p in clause if not allowed[p]}
                if not clause or any(banned[p] for p in clause):
                    continue
                if len(clause) == 1:
                    banned[next(iter(clause))] = True
                    changed = True
                    continue
                keep.append(clause)
            self._clauses = keep[-5000:]  # bound memory on very long campaigns

    def summary(self) -> dict[str, Any]:
        """Counts for summary.json."""
        return {
            "mode": "declared" if self.declared else "learned",
            "pairs_allowed": int(self.allowed.sum()),
            "pairs_banned": int(self.banned.sum()),
            "open_clauses": len(self._clauses),
            "infeasible_results": self.n_infeasible_seen,
            "contradictions": self.contradictions,
        }


def build_transition_model(objective: Any, alphabet: str, benchmark_mode: bool) -> TransitionModel:
    """Declared from the objective outside benchmark mode when it exposes a mask; learned otherwise."""
    declared = None
    if not benchmark_mode:
        instance = getattr(objective, "instance", None)
        mask = getattr(instance, "transition_mask", None)
        obj_alphabet = getattr(objective, "alphabet", None)
        if mask is not None and obj_alphabet is not None and "".join(obj_alphabet) == alphabet:
            declared = mask
    return TransitionModel(alphabet, declared)
