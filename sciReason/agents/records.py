"""Plain records that flow through a campaign: proposals in, scored records out.

A :class:`Proposal` is a candidate before scoring (its canonical key, who proposed it, its parents).
A :class:`Record` is a scored candidate: the unit of the campaign ledger, of the Optuna storage (one
trial each) and of ``candidates.csv``. ``call_index`` is the PMO call index: the 1-based position of the
candidate among the unique, valid candidates sent to the oracle, which defines the x-axis of every curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Proposal:
    """One candidate proposed for scoring.

    Attributes:
        key: canonical form (canonical SMILES for molecules, the upper-case sequence for proteins):
            the identity used for de-duplication and claims.
        proposer: name of the proposer that made it (``graph_ga``, ``model``, ``point_mutation`` ...).
        parents: keys of the parents it was made from (empty for start molecules).
    """

    key: str
    proposer: str
    parents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """One scored candidate.

    Attributes:
        key: canonical SMILES or sequence.
        call_index: 1-based oracle-call index (PMO counting: unique valid candidates only).
        value: aggregated desirability in [0, 1]; ``None`` when the oracle could not score it.
        desirabilities: per-term desirabilities (``Objective.term_names`` order), for Pareto selection.
        terms: raw per-term values, for reports.
        proposer: who proposed it.
        round: campaign round in which it was scored (0 = start population).
        worker: id of the worker process that scored it.
        parents: parent keys.
        feasible: False when the objective reported a hard-constraint violation (scored, counted).
        margin: the objective's secondary ranking key (:attr:`sciReason.oracles.base.Scored.margin`): among
            equal values, the record further past the target's thresholds ranks first.
    """

    key: str
    call_index: int
    value: float | None
    desirabilities: tuple[float | None, ...] = ()
    terms: Mapping[str, float | None] = field(default_factory=dict)
    proposer: str = ""
    round: int = 0
    worker: str = ""
    parents: tuple[str, ...] = ()
    margin: float = 0.0
    feasible: bool = True

    @property
    def score(self) -> float:
        """The value used for ranking: an unscorable candidate ranks as 0 (it is never selected as a parent)."""
        return 0.0 if self.value is None else float(self.value)

    def to_row(self) -> dict[str, Any]:
        """A flat dict for ``candidates.csv``."""
        row: dict[str, Any] = {
            "call_index": self.call_index,
            "key": self.key,
            "value": self.value,
            "proposer": self.proposer,
            "round": self.round,
            "worker": self.worker,
            "parents": ";".join(self.parents),
        }
        for name, raw in self.terms.items():
            row[f"term:{name}"] = raw
        return row


def rank_key(rec: Record) -> tuple[float, float, int]:
    """Sort key, best first: value, then the margin past the thresholds, then the earlier call."""
    return (-rec.score, -rec.margin, rec.call_index)
