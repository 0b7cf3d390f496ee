"""Model proposer: the sciReason model generates candidates conditioned on the objective and parents.

Through the SDK (``Client(backend=...).generate(kind, n=..., condition=...)``), so any backend works:
the embedded tiny model, local weights, an OpenAI-compatible server, or ``ScriptedBackend`` in tests.
The condition text shows the current top candidates as parents ("improve on these"). In benchmark
mode (``benchmark_mode=True``) the prompt says nothing about the target: no task name, no target
SMILES, no objective description (PMO fairness rule: the oracle is a black box). Otherwise the
objective's name is included as a design brief.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Proposal, Record

__all__ = ["ModelProposer", "build_condition"]


def build_condition(view: CampaignView, parents: Sequence[str]) -> str:
    """The condition text for one generation request (see module docstring for benchmark mode)."""
    kind = "molecule" if view.objective.domain == "molecule" else "sequence"
    shown = "; ".join(parents)
    text = f"Propose a new {kind} that improves on these high-scoring examples: {shown}."
    if not view.benchmark_mode:
        text = f"Design goal: {view.objective.name}. " + text
    return text


class ModelProposer:
    """Asks a model for ``n`` candidates per round (``n_per_request`` samples per prompt).

    Args:
        client: a :class:`sciReason.client.Client` (or anything with the same ``generate`` method).
        n_per_request: completions per prompt.
        n_parents: parents shown in each prompt.
    """

    name = "model"

    def __init__(self, client: Any, n_per_request: int = 4, n_parents: int = 3) -> None:
        self.client = client
        self.n_per_request = n_per_request
        self.n_parents = n_parents
        self.n_requests = 0
        self.n_invalid = 0

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0 or not view.population:
            return []
        kind = "molecule" if view.objective.domain == "molecule" else "protein"
        top = [r.key for r in view.population[: max(10, self.n_parents)]]
        out: list[Proposal] = []
        seen: set[str] = set()
        n_prompts = max(1, -(-n // self.n_per_request))
        conditions, parent_sets = [], []
        for _ in range(n_prompts):
            parents = rng.sample(top, min(self.n_parents, len(top)))
            parent_sets.append(tuple(parents))
            conditions.append(build_condition(view, parents))
        temperature = float(view.knobs.get("temperature", 1.0))
        results = self.client.generate(
            kind,
            condition=conditions,
            n=self.n_per_request,
            temperature=temperature,
            seed=rng.randrange(2**31),
        )
        self.n_requests += len(conditions)
        for parents, res in zip(parent_sets, results, strict=True):
            cands = getattr(res, "candidates", None) or ([res] if hasattr(res, "value") else [])
            for c in cands:
                value = getattr(c, "value", None)
                if not getattr(c, "valid", False) or not isinstance(value, str):
                    self.n_invalid += 1
                    continue
                if value in seen or value in view.known:
                    continue
                seen.add(value)
                out.append(Proposal(value, self.name, parents))
        return out[:n]

    def learn(self, records: Sequence[Record]) -> None:
        return None
