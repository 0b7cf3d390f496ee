"""Graph GA proposer: crossover and mutation on RDKit molecular graphs.

The operators are Jensen's Graph GA (ring/non-ring fragment crossover; atom/bond insertion, deletion,
ring changes, element changes) as packaged in ``mol_ga.graph_ga``; this module adds the parts a
campaign needs: parent selection from the campaign population, parent tracking for every child,
canonical keys, and a knob-controlled blend of mutation-only and crossover children (mol_ga's
``graph_ga_blended_generation`` logic, 10 % mutation by default).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Proposal, Record
from sciReason.agents.selection import sample_parents
from sciReason.representations import canonical_smiles, rdkit_quiet

__all__ = ["GraphGAProposer", "crossover", "mutate"]


def crossover(a: str, b: str, rng: random.Random, mutation_rate: float = 0.01) -> str | None:
    """One child of two parent SMILES (crossover, then mutation with ``mutation_rate``); None on failure."""
    from mol_ga.graph_ga.gen_candidates import reproduce

    with rdkit_quiet():
        try:
            child = reproduce(a, b, mutation_rate, rng)
        except Exception:  # RDKit raises assorted errors on odd graphs; a failed child is just None
            return None
    return canonical_smiles(child) if child else None


def mutate(smiles: str, rng: random.Random) -> str | None:
    """One Graph GA mutation of a SMILES; None on failure."""
    from mol_ga.graph_ga.gen_candidates import mutate as _mutate

    with rdkit_quiet():
        try:
            child = _mutate(smiles, rng)
        except Exception:
            return None
    return canonical_smiles(child) if child else None


class GraphGAProposer:
    """Crossover + mutation children of parents drawn from the population.

    Knobs read from the view: ``mutation_rate`` (fraction of mutation-only children),
    ``crossover_mutation_rate``, ``parent_selection`` ('quantile', 'rank', 'uniform').
    """

    name = "graph_ga"

    def __init__(
        self,
        mutation_rate: float = 0.1,
        crossover_mutation_rate: float = 0.01,
        parent_selection: str = "quantile",
    ) -> None:
        self.defaults = {
            "mutation_rate": mutation_rate,
            "crossover_mutation_rate": crossover_mutation_rate,
            "parent_selection": parent_selection,
        }

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        knobs = {**self.defaults, **{k: v for k, v in view.knobs.items() if k in self.defaults}}
        if n <= 0 or not view.population:
            return []
        parents = sample_parents(view.population, 2 * n, rng, str(knobs["parent_selection"]))
        out: list[Proposal] = []
        seen: set[str] = set()
        attempts = 0
        while len(out) < n and attempts < 3 * n:
            attempts += 1
            a = parents[attempts % len(parents)]
            if rng.random() < float(knobs["mutation_rate"]):
                child, origin = mutate(a, rng), (a,)
            else:
                b = parents[(attempts * 7 + 1) % len(parents)] if len(parents) > 1 else a
                child, origin = crossover(a, b, rng, float(knobs["crossover_mutation_rate"])), (a, b)
            if child is None or child in seen or child in view.known:
                continue
            seen.add(child)
            out.append(Proposal(child, self.name, origin))
        return out

    def learn(self, records: Sequence[Record]) -> None:
        return None
