"""Site screen for sequence campaigns: do not spend calls on edits of sites that proved essential.

Most children of a good sequence are worse than their parent because an edit hit a site the value depends
on (in an Ehrlich function, a motif element; in a protein, a conserved residue). The campaign's own
results say which sites those are, with no access to the objective: a child that differs from its parent
at exactly one site and scores lower marks that (site, parent letter) as **essential**; a child that
differs at several sites and scores at least as well as its parent marks all of them **free**. A later
child that would change an essential site of its parent (and no free evidence says otherwise) is
screened out before scoring, except for a small ``explore`` share, so that sites can be re-tested when
the context has changed.

Only small edits are judged (at most ``max_changes`` differing sites, same length): a shift or a
crossover changes many sites without destroying what they carry. Evidence older than ``horizon`` calls is
forgotten, since the value of a site depends on the rest of the sequence.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from sciReason.agents.records import Record

__all__ = ["SiteModel"]


def _changed(child: str, parent: str) -> list[int] | None:
    if len(child) != len(parent):
        return None
    return [i for i, (a, b) in enumerate(zip(child, parent, strict=True)) if a != b]


class SiteModel:
    """Learned essential sites (see module docstring).

    Args:
        max_changes: judge only children within this many substitutions of their parent.
        explore: share of screened children let through anyway.
        horizon: evidence from the last this many scored children is kept.
    """

    def __init__(self, max_changes: int = 4, explore: float = 0.1, horizon: int = 3000) -> None:
        self.max_changes = max_changes
        self.explore = explore
        self.horizon = horizon
        self._events: deque[tuple[tuple[int, str], int]] = deque()  # ((site, letter), +1 essential / -1 free)
        self._counts: dict[tuple[int, str], list[int]] = {}
        self.screened = 0

    def _add(self, key: tuple[int, str], kind: int) -> None:
        self._events.append((key, kind))
        entry = self._counts.setdefault(key, [0, 0])
        entry[0 if kind > 0 else 1] += 1
        while len(self._events) > self.horizon:
            old, old_kind = self._events.popleft()
            counts = self._counts[old]
            counts[0 if old_kind > 0 else 1] -= 1
            if counts == [0, 0]:
                del self._counts[old]

    def observe(self, new: Iterable[Record], records: Mapping[str, Record]) -> None:
        """Learn from scored children whose first parent is known and scored."""
        for rec in new:
            if not rec.parents or not rec.feasible or rec.value is None:
                continue
            parent = records.get(rec.parents[0])
            if parent is None or parent.value is None:
                continue
            sites = _changed(rec.key, parent.key)
            if not sites or len(sites) > self.max_changes:
                continue
            if rec.score < parent.score - 1e-12:
                if len(sites) == 1:
                    self._add((sites[0], parent.key[sites[0]]), +1)
            else:
                for site in sites:
                    self._add((site, parent.key[site]), -1)

    def essential(self, site: int, letter: str) -> bool:
        counts = self._counts.get((site, letter))
        return counts is not None and counts[0] > 0 and counts[1] == 0

    def risky(self, child: str, parent: str) -> bool:
        sites = _changed(child, parent)
        if not sites or len(sites) > self.max_changes:
            return False
        return any(self.essential(s, parent[s]) for s in sites)

    def keep(self, child: str, parents: tuple[str, ...], rng: random.Random, intensity: int = 0) -> bool:
        """False when the child edits an essential site of its first parent (and is not let through:
        the ``explore`` share doubles with each stagnation level, since a stalled search may need
        exactly such an edit)."""
        if not parents or not self.risky(child, parents[0]):
            return True
        if rng.random() < min(1.0, self.explore * 2**intensity):
            return True
        self.screened += 1
        return False

    def summary(self) -> dict[str, Any]:
        return {
            "essential_sites": sum(1 for c in self._counts.values() if c[0] > 0 and c[1] == 0),
            "screened": self.screened,
        }
