"""The oracle contract as reusable checks (run them on any oracle or objective, e.g. in a plug-in's tests).

``check_oracle(oracle, valid=[...], invalid=[...])`` and ``check_objective(objective, valid=[...],
invalid=[...])`` raise ``AssertionError`` naming the broken rule. The rules:

* metadata: ``name``/``description`` strings, ``direction`` maximize|minimize, a known ``domain``;
* a batch in gives exactly one ``float | None`` per candidate out, finite floats only;
* an empty batch gives an empty list;
* invalid candidates give ``None`` ("could not score"), never a made-up number, and do not disturb
  the scores of the valid candidates in the same batch;
* at least one valid example is scored (a None-for-everything oracle is broken);
* scoring is deterministic and independent of batch composition and order;
* objectives: ``score`` gives :class:`Scored` records with ``value`` in [0, 1], one desirability in
  [0, 1] per ``term_names`` entry, raw ``terms`` keyed by the term names, and ``__call__`` equal to the
  values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["DOMAINS", "check_objective", "check_oracle"]

DOMAINS = ("molecule", "protein", "dna", "rna", "any")


def _same(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _check_values(who: str, values: Any, n: int) -> list[float | None]:
    assert isinstance(values, list), f"{who} must return a list, got {type(values).__name__}"
    assert len(values) == n, f"{who} returned {len(values)} values for {n} candidates"
    for v in values:
        assert v is None or (isinstance(v, float) and math.isfinite(v)), (
            f"{who} returned {v!r}; want a finite float or None"
        )
    return values


def check_oracle(
    oracle: Any,
    valid: Sequence[str],
    invalid: Sequence[str] = (),
    *,
    invalid_value: float | None = None,
    tol: float = 1e-9,
) -> None:
    """Check the batch-oracle contract (module docstring).

    Args:
        oracle: the oracle under test.
        valid: candidates it must be able to score (at least one must give a float).
        invalid: candidates that must give ``invalid_value`` (``None``; ``valid`` itself uses 0.0).
        invalid_value: the expected value for invalid candidates.
        tol: tolerance for comparing repeated scores.
    """
    name = getattr(oracle, "name", None)
    assert isinstance(name, str) and name, f"oracle {oracle!r} needs a non-empty str name"
    assert getattr(oracle, "direction", None) in ("maximize", "minimize"), (
        f"{name}: direction must be maximize|minimize"
    )
    assert isinstance(getattr(oracle, "description", None), str), f"{name}: description must be a str"
    assert getattr(oracle, "domain", None) in DOMAINS, f"{name}: domain must be one of {DOMAINS}"
    assert callable(oracle), f"{name} is not callable"
    assert list(valid), "check_oracle needs at least one valid example"

    assert _check_values(name, oracle([]), 0) == [], f"{name}: an empty batch must give []"
    batch = list(valid) + list(invalid)
    values = _check_values(name, oracle(batch), len(batch))
    good, bad = values[: len(valid)], values[len(valid) :]
    assert any(v is not None for v in good), f"{name} scored none of the valid examples {list(valid)[:3]}"
    for cand, v in zip(invalid, bad, strict=True):
        assert _same(v, invalid_value, tol), (
            f"{name}: invalid candidate {cand!r} gave {v!r}, want {invalid_value!r}"
        )

    again = _check_values(name, oracle(batch), len(batch))
    for cand, a, b in zip(batch, values, again, strict=True):
        assert _same(a, b, tol), f"{name} is not deterministic on {cand!r}: {a!r} then {b!r}"
    rev = _check_values(name, oracle(batch[::-1]), len(batch))[::-1]
    for cand, a, b in zip(batch, values, rev, strict=True):
        assert _same(a, b, tol), f"{name}: the score of {cand!r} depends on batch order ({a!r} vs {b!r})"
    alone = _check_values(name, oracle(list(valid)), len(valid))
    for cand, a, b in zip(valid, good, alone, strict=True):
        assert _same(a, b, tol), f"{name}: invalid batch-mates changed the score of {cand!r} ({b!r} -> {a!r})"
    single = _check_values(name, oracle([valid[0]]), 1)
    assert _same(single[0], good[0], tol), (
        f"{name}: a batch of one gives {single[0]!r}, in a batch {good[0]!r}"
    )


def check_objective(
    objective: Any, valid: Sequence[str], invalid: Sequence[str] = (), *, tol: float = 1e-9
) -> None:
    """Check the objective contract: the oracle rules plus :class:`Scored` records in [0, 1]."""
    from sciReason.oracles.base import Scored

    name = getattr(objective, "name", None)
    assert isinstance(name, str) and name, f"objective {objective!r} needs a non-empty str name"
    assert getattr(objective, "domain", None) in DOMAINS, f"{name}: domain must be one of {DOMAINS}"
    assert isinstance(getattr(objective, "multi_objective", None), bool), (
        f"{name}: multi_objective must be a bool"
    )
    term_names = getattr(objective, "term_names", None)
    assert isinstance(term_names, tuple) and term_names, f"{name}: term_names must be a non-empty tuple"
    assert all(isinstance(t, str) for t in term_names), f"{name}: term names must be str"
    assert len(set(term_names)) == len(term_names), f"{name}: duplicate term names {term_names}"

    batch = list(valid) + list(invalid)
    records = objective.score(batch)
    assert isinstance(records, list) and len(records) == len(batch), (
        f"{name}.score must return one record per candidate"
    )
    for cand, rec in zip(batch, records, strict=True):
        assert isinstance(rec, Scored), f"{name}.score gave {type(rec).__name__} for {cand!r}, want Scored"
        assert rec.value is None or 0.0 <= rec.value <= 1.0, (
            f"{name}: value {rec.value!r} for {cand!r} is outside [0, 1]"
        )
        assert len(rec.desirabilities) == len(term_names), (
            f"{name}: {len(rec.desirabilities)} desirabilities for {len(term_names)} terms"
        )
        for d in rec.desirabilities:
            assert d is None or 0.0 <= d <= 1.0, f"{name}: desirability {d!r} for {cand!r} is outside [0, 1]"
        assert set(rec.terms) <= set(term_names) or not rec.terms, (
            f"{name}: raw terms {sorted(rec.terms)} are not term names {term_names}"
        )
    for cand, rec in zip(invalid, records[len(valid) :], strict=True):
        assert rec.value is None, f"{name}: invalid candidate {cand!r} got value {rec.value!r}, want None"
    values = _check_values(name, objective(batch), len(batch))
    for cand, rec, v in zip(batch, records, values, strict=True):
        assert _same(rec.value, v, tol), (
            f"{name}: __call__ gives {v!r} but score() gives {rec.value!r} for {cand!r}"
        )
    if hasattr(objective, "direction"):  # objectives are oracles too when they declare a direction
        check_oracle(objective, valid, invalid, tol=tol)
