"""Sequence proposers: point mutations and recombination over the objective's alphabet.

Both respect an objective's feasibility structure when it exposes one: an Ehrlich function's banned
transitions (``is_feasible`` / ``transition_matrix``) are checked before a child is proposed, so the
budget is not spent on sequences that score -inf by construction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.pool import sequence_alphabet
from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Proposal, Record
from sciReason.agents.selection import sample_parents
from sciReason.errors import OracleError

__all__ = ["PointMutationProposer", "RecombinationProposer", "feasible"]


def feasible(objective: Any, seq: str) -> bool:
    """The objective's own feasibility test when it has one, else True.

    Raises:
        OracleError: the objective's ``is_feasible`` raised. A crashing test is a bug to fix, not an
            infeasible sequence (answering False would silently starve the campaign of children).
    """
    instance, encode = getattr(objective, "instance", None), getattr(objective, "encode", None)
    if callable(encode) and callable(getattr(instance, "is_feasible", None)):
        states = encode(seq)
        return states is not None and bool(instance.is_feasible(states[None, :])[0])
    check = getattr(objective, "is_feasible", None)
    if callable(check):
        try:
            return bool(check(seq))
        except Exception as exc:
            name = getattr(objective, "name", type(objective).__name__)
            raise OracleError(
                f"{name}.is_feasible({seq[:40]!r}) raised {type(exc).__name__}: {exc}; a feasibility test "
                "must answer True or False"
            ) from exc
    return True


class PointMutationProposer:
    """Children with 1..``max_mutations`` substitutions (count ~ geometric with the mutation-rate knob)."""

    name = "point_mutation"

    def __init__(self, max_mutations: int = 3) -> None:
        self.max_mutations = max_mutations

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0 or not view.population:
            return []
        alphabet = sequence_alphabet(view.objective)
        rate = float(view.knobs.get("mutation_rate", 0.1))
        parents = sample_parents(view.population, n, rng, str(view.knobs.get("parent_selection", "quantile")))
        out: list[Proposal] = []
        seen: set[str] = set()
        for attempt in range(4 * n):
            if len(out) >= n:
                break
            parent = parents[attempt % len(parents)]
            child = list(parent)
            k = 1
            while k < self.max_mutations and rng.random() < rate * 3:
                k += 1
            for pos in rng.sample(range(len(child)), min(k, len(child))):
                child[pos] = rng.choice([a for a in alphabet if a != child[pos]] or list(alphabet))
            text = "".join(child)
            if text in seen or text in view.known or not feasible(view.objective, text):
                continue
            seen.add(text)
            out.append(Proposal(text, self.name, (parent,)))
        return out

    def learn(self, records: Sequence[Record]) -> None:
        return None


class RecombinationProposer:
    """Uniform or one-point crossover of two parents of equal length."""

    name = "recombination"

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0 or len(view.population) < 2:
            return []
        parents = sample_parents(
            view.population, 2 * n, rng, str(view.knobs.get("parent_selection", "quantile"))
        )
        out: list[Proposal] = []
        seen: set[str] = set()
        for attempt in range(4 * n):
            if len(out) >= n:
                break
            a, b = parents[(2 * attempt) % len(parents)], parents[(2 * attempt + 1) % len(parents)]
            if a == b or len(a) != len(b):
                continue
            if rng.random() < 0.5:
                cut = rng.randrange(1, len(a))
                text = a[:cut] + b[cut:]
            else:
                text = "".join(x if rng.random() < 0.5 else y for x, y in zip(a, b, strict=True))
            if text in seen or text in view.known or not feasible(view.objective, text):
                continue
            seen.add(text)
            out.append(Proposal(text, self.name, (a, b)))
        return out

    def learn(self, records: Sequence[Record]) -> None:
        return None
