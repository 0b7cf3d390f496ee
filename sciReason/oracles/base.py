"""The oracle contract.

An oracle is a callable over a batch: candidates (SMILES or sequences) in, ``float | None`` out, one per
candidate. ``None`` means "could not score" (never a silent 0 for an error). It has a ``name``, a
``direction`` ("maximize"/"minimize") and a ``description``, and says which ``domain`` it scores.

An :class:`Objective` is what a design campaign optimises: built from a target string by
:func:`sciReason.oracles.parse_target`, it returns :class:`Scored` records with the aggregated
desirability in [0, 1] (always maximised), the per-term desirabilities (for Pareto selection) and the raw
per-term values (for reports).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Direction = Literal["maximize", "minimize"]
Domain = Literal["molecule", "protein", "dna", "rna", "any"]


@runtime_checkable
class Oracle(Protocol):
    name: str
    direction: Direction
    description: str
    domain: Domain

    def __call__(self, candidates: Sequence[str]) -> list[float | None]: ...


@dataclass(frozen=True)
class Scored:
    """One candidate's score under an objective.

    Attributes:
        value: aggregated desirability in [0, 1] (higher is better); ``None`` if it could not be scored.
        desirabilities: per-term desirabilities in [0, 1], in ``Objective.term_names`` order.
        terms: raw per-term values (e.g. ``{"qed": 0.71, "sa": 2.3}``), ``None`` where a term failed.
        feasible: False when the objective scored the candidate but it violates the objective's own hard
            constraint (an Ehrlich function's banned transition: holo's -inf). The call happened and counts;
            ``value`` is then the objective's infeasible value. Objectives without constraints leave it True.
        margin: the secondary ranking key among equal values: the summed distance past the thresholds of
            the ``>``/``<`` terms, each in units of its scale and times its weight (``qed>0.8`` at 0.9 with
            scale 0.1 adds 1.0);
            ``>=``/``<=`` terms and other shapes add nothing. 0 for objectives without thresholds.
    """

    value: float | None
    desirabilities: tuple[float | None, ...] = ()
    terms: Mapping[str, float | None] = field(default_factory=dict)
    margin: float = 0.0
    feasible: bool = True


@runtime_checkable
class Objective(Protocol):
    """A (possibly multi-term) design objective."""

    name: str
    domain: Domain
    term_names: tuple[str, ...]
    # True when the campaign should keep a Pareto front over the term desirabilities
    # (the target asked for several objectives), False for one scalarised value.
    multi_objective: bool

    def score(self, candidates: Sequence[str]) -> list[Scored]: ...

    def __call__(self, candidates: Sequence[str]) -> list[float | None]: ...
