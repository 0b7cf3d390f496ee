"""Composite objectives: several oracle terms, each turned into a desirability, aggregated to one value.

This is what :func:`sciReason.oracles.parse_target` builds for ``"qed>0.8, sa<3"``. Each term keeps its
raw value and its desirability (for Pareto selection and reports); the scalar ``value`` is the weighted
geometric (default) or arithmetic mean of the desirabilities. A candidate that fails the domain check
(unparsable SMILES, foreign letters in a protein) or any term is ``None`` ("could not score").
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sciReason.errors import OracleError
from sciReason.oracles.base import Domain, Oracle, Scored
from sciReason.oracles.failures import FailureCounter
from sciReason.oracles.modifiers import Identity, Modifier, arithmetic_mean, geometric_mean

__all__ = ["CompositeObjective", "Term", "call_oracle", "validate_candidates"]

logger = logging.getLogger(__name__)

Aggregate = Literal["geometric", "arithmetic"]


@dataclass(frozen=True)
class Term:
    """One term of an objective.

    Attributes:
        name: key of the raw value in :attr:`Scored.terms` (e.g. ``"qed"``, ``"sim(CCO)"``).
        oracle: the batch callable producing the raw value.
        transform: raw value -> desirability in [0, 1].
        weight: relative weight in the aggregation.
        source: the term as written in the target string (for messages).
    """

    name: str
    oracle: Oracle
    transform: Modifier = Identity()
    weight: float = 1.0
    source: str = ""


def _clean(x: Any) -> float | None:
    """A float, or None for None/NaN/inf/non-numbers (never a made-up value)."""
    if x is None or isinstance(x, bool):
        return None if x is None else float(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def call_oracle(
    oracle: Any, items: Sequence[Any], *, use_mols: bool = False, failures: FailureCounter | None = None
) -> list[float | None]:
    """Call a batch oracle robustly: one failing item must not sink the batch.

    Uses ``oracle.score_mols`` when ``use_mols`` (items are RDKit mols). If the batch call raises, the
    items are retried one by one and the ones that still raise become ``None``; if every item raises,
    the first error is re-raised as :class:`OracleError` (a broken oracle is not "could not score").
    Item errors are counted in ``failures`` when given.
    """
    fn = oracle.score_mols if use_mols else oracle
    name = getattr(oracle, "name", type(oracle).__name__)
    if not items:
        return []
    try:
        out = list(fn(list(items)))
    except Exception as batch_exc:  # noqa: BLE001 - isolate the failing items
        logger.warning(
            "oracle %s failed on a batch of %d (%s); retrying item by item", name, len(items), batch_exc
        )
        out = []
        first: BaseException | None = None
        for item in items:
            try:
                out.extend(fn([item]))
            except Exception as exc:  # noqa: BLE001
                first = first or exc
                if failures is not None:
                    failures.record(exc, item)
                out.append(None)
        if first is not None and all(o is None for o in out):
            raise OracleError(f"oracle {name!r} failed on every candidate: {first}") from first
    if len(out) != len(items):
        raise OracleError(f"oracle {name!r} returned {len(out)} scores for {len(items)} candidates")
    return [_clean(v) for v in out]


def validate_candidates(candidates: Sequence[Any], domain: str) -> list[Any | None]:
    """Per candidate: the parsed form the oracles get (RDKit mol / normalised sequence) or None.

    Molecules become RDKit mols; protein/dna/rna sequences are normalised (upper-case, no whitespace)
    and checked against the alphabet (``sciReason.representations``).
    """
    from sciReason.representations import mol_from_smiles, normalize_sequence, sequence_problem

    out: list[Any | None] = []
    for c in candidates:
        if not isinstance(c, str):
            out.append(None)
        elif domain == "molecule":
            out.append(mol_from_smiles(c))
        elif domain in ("protein", "dna", "rna"):
            seq = normalize_sequence(c)
            out.append(None if sequence_problem(seq, domain) else seq)
        else:
            out.append(c if c.strip() else None)
    return out


def _margin(terms: Sequence[Term], values: Sequence[float | None]) -> float:
    """The secondary ranking key of one candidate (see :attr:`Scored.margin`)."""
    total = 0.0
    for term, v in zip(terms, values, strict=True):
        fn = getattr(term.transform, "margin", None)
        if fn is not None and v is not None:
            total += term.weight * fn(v)
    return total


class CompositeObjective:
    """Weighted aggregation of term desirabilities (see module docstring).

    Args:
        terms: the terms, in the order of ``term_names``/``desirabilities``.
        name: a readable name (the normalised target string).
        domain: what the candidates are ("molecule", "protein", ...).
        aggregate: "geometric" (default; one zero vetoes) or "arithmetic".
        multi_objective: True when the campaign should keep a Pareto front over the desirabilities.
    """

    direction = "maximize"

    def __init__(
        self,
        terms: Sequence[Term],
        *,
        name: str,
        domain: Domain = "molecule",
        aggregate: Aggregate = "geometric",
        multi_objective: bool = False,
        description: str = "",
    ) -> None:
        if not terms:
            raise OracleError("an objective needs at least one term")
        names = [t.name for t in terms]
        if len(set(names)) != len(names):
            raise OracleError(f"duplicate term names in objective: {names}")
        if aggregate not in ("geometric", "arithmetic"):
            raise OracleError(f"aggregate must be 'geometric' or 'arithmetic', got {aggregate!r}")
        self.terms = tuple(terms)
        self.name = name
        self.domain = domain
        self.aggregate = aggregate
        self.multi_objective = multi_objective
        self.term_names = tuple(names)
        self.weights = tuple(float(t.weight) for t in terms)
        self.failure_counts = FailureCounter(name)
        self.description = description or f"{aggregate} mean of: " + ", ".join(
            t.source or t.name for t in terms
        )

    def __repr__(self) -> str:
        return f"CompositeObjective({self.name!r}, domain={self.domain!r}, multi_objective={self.multi_objective})"

    def score(self, candidates: Sequence[str]) -> list[Scored]:
        """Score a batch; each term oracle is called once on the valid candidates."""
        parsed = validate_candidates(candidates, self.domain)
        idx = [i for i, p in enumerate(parsed) if p is not None]
        raw: list[list[float | None]] = []
        for term in self.terms:
            use_mols = self.domain == "molecule" and hasattr(term.oracle, "score_mols")
            items = (
                [parsed[i] for i in idx]
                if use_mols or self.domain != "molecule"
                else [candidates[i] for i in idx]
            )
            raw.append(call_oracle(term.oracle, items, use_mols=use_mols, failures=self.failure_counts))
        agg = geometric_mean if self.aggregate == "geometric" else arithmetic_mean
        out: list[Scored] = [
            Scored(None, (None,) * len(self.terms), dict.fromkeys(self.term_names)) for _ in candidates
        ]
        for j, i in enumerate(idx):
            values = [r[j] for r in raw]
            des: list[float | None] = []
            for term, v in zip(self.terms, values, strict=True):
                d = _clean(term.transform(v)) if v is not None else None
                des.append(None if d is None else min(1.0, max(0.0, d)))
            total = (
                None if any(d is None for d in des) else agg([d for d in des if d is not None], self.weights)
            )
            margin = _margin(self.terms, values) if total is not None else 0.0
            out[i] = Scored(total, tuple(des), dict(zip(self.term_names, values, strict=True)), margin)
        return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [s.value for s in self.score(candidates)]
