"""The proposer contract: ``propose(view, n, rng) -> list[Proposal]`` and ``learn(records)``.

A proposer sees the campaign through a read-only :class:`CampaignView` (the current population, the
set of known keys, the objective, the knob values of this round) and returns up to ``n`` proposals;
the engine de-duplicates, filters, screens and claims them. ``learn`` is called after every scored
batch with the new records (RL proposers update their policy there; genetic ones need nothing).
"""

from __future__ import annotations

import random
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sciReason.agents.records import Proposal, Record

__all__ = ["CampaignView", "Proposer"]


@dataclass(frozen=True)
class CampaignView:
    """What a proposer may look at.

    Attributes:
        objective: the campaign objective (for its domain/alphabet; never its target identity in prompts).
        population: the selected parents, best first.
        known: canonical keys already scored or claimed (proposing them again is wasted work).
        knobs: this round's proposal knobs (mutation rate, parent selection, temperature ...).
        round: the round number (1-based after the start population).
        benchmark_mode: when True, prompts must not name the target.
        constraint: sequence campaigns: the :class:`~sciReason.agents.feasibility.TransitionModel`
            (declared by the user, or learned from infeasible results); None for molecules.
        sites: sequence campaigns: the :class:`~sciReason.agents.sites.SiteModel` (sites whose edits
            lowered the value before), or None.
    """

    objective: Any
    population: Sequence[Record]
    known: Container[str]
    knobs: Mapping[str, Any] = field(default_factory=dict)
    round: int = 0
    benchmark_mode: bool = False
    constraint: Any = None
    sites: Any = None


@runtime_checkable
class Proposer(Protocol):
    name: str

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]: ...

    def learn(self, records: Sequence[Record]) -> None: ...
