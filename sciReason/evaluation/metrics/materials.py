"""Material generation metrics: SMACT validity, composition / element precision, exact match.

SMACT validity is SMACT 3.0.2's ``smact_validity`` (charge neutrality over ICSD-2024 oxidation states,
Pauling electronegativity ordering, all-metal alloys valid) run on vendored element data, so it needs
neither SMACT nor pymatgen. The materials are parsed once by :func:`sciReason.parsing.parse_material_answer`,
which accepts both ``<sg>`` and ``⟨sg⟩`` spellings. Every metric uses ALL samples as denominator.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from functools import reduce
from math import gcd
from typing import Any

from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricResult, mean_of
from sciReason.evaluation.metrics.seq import material_key
from sciReason.representations import ELEMENT_SET, parse_material

NAN = float("nan")


def _elements(value: Any) -> list[str] | None:
    if isinstance(value, dict) and value.get("elements"):
        return [str(e) for e in value["elements"]]
    if isinstance(value, str):
        body = re.sub(r"</?\s*material\s*>", "", value, flags=re.I)
        mat, _ = parse_material(body)
        return list(mat.elements) if mat else None
    return None


def smact_valid(
    composition: dict[str, int], use_pauling_test: bool = True, include_alloys: bool = True
) -> bool:
    """SMACT 3.0.2 ``smact_validity`` with its default (icsd24) oxidation states."""
    from sciReason.evaluation.metrics.smact_data import ELEMENTS, METALS

    symbols = tuple(composition)
    if any(s not in ELEMENTS for s in symbols):
        return False
    if len(set(symbols)) == 1:
        return True
    if include_alloys and all(s in METALS for s in symbols):
        return True
    counts = [int(composition[s]) for s in symbols]
    g = reduce(gcd, counts)
    counts = [c // g for c in counts]
    enegs = [ELEMENTS[s][0] for s in symbols]
    for ox_states in itertools.product(*(ELEMENTS[s][1] for s in symbols)):
        if sum(o * c for o, c in zip(ox_states, counts, strict=False)) != 0:
            continue
        if not use_pauling_test or _pauling_ok(ox_states, enegs):
            return True
    return False


def _pauling_ok(ox_states: Sequence[int], enegs: Sequence[float | None]) -> bool:
    """Every cation is less electronegative than every anion (SMACT ``eneg_states_test``)."""
    for (ox1, e1), (ox2, e2) in itertools.combinations(zip(ox_states, enegs, strict=False), 2):
        if e1 is None or e2 is None:
            return False
        if (ox1 > 0 and ox2 < 0 and e1 >= e2) or (ox1 < 0 and ox2 > 0 and e1 <= e2):
            return False
    return True


def smact_validity(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    flags = []
    for it in items:
        els = _elements(it.value)
        flags.append(1.0 if els and smact_valid(dict(Counter(els))) else 0.0)
    n_format = sum(1 for it in items if _elements(it.value))
    details = {"over_format_valid": sum(flags) / n_format if n_format else None}
    return MetricResult(
        "smact_validity",
        sum(flags) / len(flags) if flags else None,
        len(items),
        n_format,
        per_item=flags,
        details=details,
    )


_WORD_ELEMENT = re.compile(r"(?<![A-Za-z])([A-Z][a-z]?)(?![a-z])")


def required_elements(item: EvalItem) -> set[str] | None:
    """Elements the answer must contain: those of the gold material, else element symbols in the input."""
    for g in item.gold:
        els = _elements(g)
        if els:
            return set(els)
    if isinstance(item.input, str):
        found = {m for m in _WORD_ELEMENT.findall(item.input) if m in ELEMENT_SET}
        return found or None
    return None


def _precision(items: Sequence[EvalItem], name: str) -> MetricResult:
    scores: list[float | None] = []
    for it in items:
        req = required_elements(it)
        if not req:
            scores.append(NAN)
            continue
        els = _elements(it.value)
        scores.append(len(req & set(els)) / len(req) if els else None)
    return mean_of(name, items, scores)


def composition_precision(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _precision(items, "composition_precision")


def element_precision(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _precision(items, "element_precision")


def material_exact_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Same element multiset and space group as a gold material."""
    scores: list[float | None] = []
    for it in items:
        golds = {material_key(g) for g in it.gold if _elements(g)}
        if not golds:
            scores.append(NAN)
        elif not _elements(it.value):
            scores.append(None)
        else:
            scores.append(1.0 if material_key(it.value) in golds else 0.0)
    return mean_of("exact_match", items, scores)
