"""The metric registry: every metric name used in ``TaskSpec.metrics``, with its function and honesty flags.

Dispatch is by exact name (and, for per-task parameters, by exact task id): names are never split or
pattern-matched, so a task cannot silently fall back to another metric (the reference's OPI key bug).
``comparable_to_reference`` says whether the value is computed like the SciReasoner reference evaluation;
when it is False the note says how it differs, and the report prints it beside the number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sciReason.errors import InputError
from sciReason.evaluation.metrics import chem, materials, seq, stats, text
from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricFn, MetricResult

_FAIL_MISS = "unparsed/invalid answers count as misses (0)"
_FAIL_WRONG = "unparsed answers are forced wrong"
_FAIL_REG = (
    "unparsed answers are penalised as the worst in-range guess; reference drops them (details.over_parsed)"
)
_FAIL_CORR = "correlation over parsed pairs times coverage (as the reference)"
_TOK = "tokenised by lower-case words and punctuation, not SciBERT WordPiece"


@dataclass(frozen=True)
class MetricSpec:
    """One metric: the function, its direction, and whether it matches the reference computation."""

    name: str
    fn: MetricFn
    higher_is_better: bool = True
    comparable_to_reference: bool = True
    note: str = ""
    unit: str = "fraction"  # fraction (0..1), correlation, error (task units), count, ratio, characters
    # True when the value differs from the reference ONLY in how failures are counted: with every answer
    # parsed, both give the same number and the line is marked comparable.
    differs_only_on_failures: bool = False


def _exact_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Exact match by output kind: InChI for SMILES, composition + space group for materials, else the
    normalised label (sets of labels compared as sets)."""
    if ctx.output_kind == "smiles":
        return chem.molecule_exact_match(items, ctx)
    if ctx.output_kind == "material":
        return materials.material_exact_match(items, ctx)
    return chem.label_exact_match(items, ctx)


def _m(
    name: str,
    fn: MetricFn,
    higher: bool = True,
    comparable: bool = True,
    note: str = "",
    unit: str = "fraction",
) -> MetricSpec:
    return MetricSpec(name, fn, higher, comparable, note, unit)


_SPECS = [
    _m(
        "top1_exact_match",
        chem.top1_exact_match,
        note=f"set of standard InChIs of the components; {_FAIL_MISS}",
    ),
    _m("top5_exact_match", chem.top5_exact_match, note=f"any of the first 5 candidates; {_FAIL_MISS}"),
    _m(
        "maccs_fts",
        chem.maccs_fts,
        comparable=False,
        note="invalid answers score 0 (reference averages over valid answers: details.mean_over_parsed)",
    ),
    _m(
        "rdk_fts",
        chem.rdk_fts,
        comparable=False,
        note="RDKit path fingerprint; invalid answers score 0 (reference: valid only); identical molecules score 1",
    ),
    _m(
        "morgan_count_fts",
        chem.morgan_count_fts,
        comparable=False,
        note="unhashed Morgan COUNT fingerprint, radius 2; invalid answers score 0 (reference: valid only)",
    ),
    _m("validity", seq.validity, note="valid samples / all samples (RDKit for SMILES, A/C/G/U for RNA)"),
    _m("top1_element_match", chem.top1_element_match, note=f"element-count dict equality; {_FAIL_MISS}"),
    _m("top1_split_match", chem.top1_split_match, note=f"sorted ';'-split names; {_FAIL_MISS}"),
    _m("top5_split_match", chem.top5_split_match, note=f"any of the first 5 candidates; {_FAIL_MISS}"),
    _m("rmse", stats.rmse, higher=False, comparable=False, note=_FAIL_REG, unit="error"),
    _m("mae", stats.mae, higher=False, comparable=False, note=_FAIL_REG, unit="error"),
    _m(
        "mae_x1000",
        stats.mae_x1000,
        higher=False,
        comparable=False,
        note=_FAIL_REG + " (the reference reads a reply without a number as 0)",
        unit="error",
    ),
    _m(
        "mad_mae_ratio",
        stats.mad_mae_ratio,
        comparable=False,
        note="MAD of all gold values / MAE with unparsed answers penalised; reference drops them",
        unit="ratio",
    ),
    _m(
        "accuracy",
        stats.accuracy,
        note=f"{_FAIL_WRONG}; labels compared case-insensitively, label lists as sets",
    ),
    _m(
        "auc",
        stats.auc,
        comparable=False,
        note="hard 0/1 answers (= balanced accuracy) over all items, unparsed forced wrong; reference: valid only",
    ),
    _m(
        "auc_hard",
        stats.auc_hard,
        comparable=False,
        note="hard 0/1 answers over all items, unparsed forced wrong; reference drops unparsed answers",
    ),
    _m(
        "f1",
        stats.f1,
        comparable=False,
        note=f"positive class = yes/true/positive; {_FAIL_WRONG}; reference: valid only",
    ),
    _m(
        "mcc",
        stats.mcc,
        unit="correlation",
        note=f"{_FAIL_WRONG} (GUE reference: counted negative; SMolInstruct reference: dropped)",
    ),
    _m("precision", stats.precision, comparable=False, note=f"{_FAIL_WRONG}; no LLM judge"),
    _m("recall", stats.recall, comparable=False, note=f"{_FAIL_WRONG}; no LLM judge"),
    _m(
        "top1_accuracy",
        chem.top1_accuracy,
        note="canonical SMILES, atom maps cleared; duplicates never demote a hit",
    ),
    _m(
        "top3_accuracy",
        chem.top3_accuracy,
        note="any of the first 3 candidates; duplicates never demote a hit",
    ),
    _m("maxfrag_top1", chem.maxfrag_top1, note="largest fragment of the top-1 candidate"),
    _m(
        "invalid_rate", chem.invalid_rate, higher=False, note="first candidate missing or invalid / all items"
    ),
    _m("pearson_hk", stats.pearson_hk, unit="correlation", note=_FAIL_CORR),
    _m("pearson_dev", stats.pearson_dev, unit="correlation", note=_FAIL_CORR),
    _m("pearson_r2", stats.pearson_r2, note="squared Pearson r (not sklearn R2) times coverage"),
    _m(
        "pearson_r2_mean",
        stats.pearson_r2_mean,
        note="mean over value columns of squared Pearson r times coverage",
    ),
    _m(
        "spearman",
        stats.spearman,
        unit="correlation",
        note=_FAIL_CORR
        + "; answers above the task's max_pred count as unparsed (the reference drops them from the "
        "correlation but not from the coverage: details.reference_value)",
    ),
    _m("sirna_mixed_score", stats.sirna_mixed_score, note="reference mixed score times coverage"),
    _m(
        "macro_auc_multilabel",
        stats.macro_auc_multilabel,
        comparable=False,
        note="hard multi-hot answers; unparsed: every label flipped; classes with constant gold skipped; no NLI fallback",
    ),
    _m(
        "bleu2",
        text.bleu2,
        comparable=False,
        note=f"corpus BLEU-2; {_TOK}; empty answers kept as empty hypotheses",
    ),
    _m(
        "bleu4",
        text.bleu4,
        comparable=False,
        note=f"corpus BLEU-4; {_TOK}; empty answers kept as empty hypotheses",
    ),
    _m(
        "rouge1",
        text.rouge1,
        note="rouge_score tokenisation, mean F (HF evaluate reports a bootstrap median)",
    ),
    _m("rouge2", text.rouge2, note="rouge_score tokenisation, mean F"),
    _m("rougeL", text.rougeL, note="rouge_score tokenisation, mean F"),
    _m("rougeLsum", text.rougeLsum, note="summary-level LCS over newline-split sentences, mean F"),
    _m(
        "rougeL_stemmed",
        text.rougeL_stemmed,
        note="ROUGE-L with Porter stemming (original algorithm), mean F",
    ),
    _m(
        "meteor",
        text.meteor_metric,
        comparable=False,
        note=f"exact + stem matches only (no WordNet synonyms); {_TOK}",
    ),
    _m(
        "exact_match",
        _exact_match,
        comparable=False,
        note="over ALL items (reference divides by valid answers; OPI compared raw strings; material match was always 0)",
    ),
    _m(
        "selfies_bleu",
        chem.selfies_bleu,
        comparable=False,
        note="corpus BLEU-4 on SELFIES characters; invalid answers are empty hypotheses (reference drops them)",
    ),
    _m(
        "levenshtein",
        chem.levenshtein,
        higher=False,
        comparable=False,
        unit="characters",
        note="non-isomeric canonical SMILES; invalid answers count as '' (reference drops them)",
    ),
    _m(
        "smith_waterman_blosum45",
        seq.smith_waterman_blosum45,
        note="BLOSUM45, gap -10/-0.5, normalised, clipped to [0,1]; sequences upper-cased before scoring",
    ),
    _m("set_precision", stats.set_precision, note="per-item set precision, mean over items; unparsed = 0"),
    _m("set_recall", stats.set_recall, note="per-item set recall, mean over items; unparsed = 0"),
    _m("set_f1", stats.set_f1, note="per-item set F1, mean over items; unparsed = 0"),
    _m(
        "bertscore_f1",
        text.bertscore_f1,
        comparable=False,
        note="BERTScore needs roberta-large weights (not available offline): value is SQuAD-style token F1",
    ),
    _m(
        "smact_validity",
        materials.smact_validity,
        note="SMACT 3.0.2 rules on vendored icsd24 data, over all samples (details.over_format_valid)",
    ),
    _m(
        "composition_precision",
        materials.composition_precision,
        comparable=False,
        note="required elements from the gold material (else element symbols in the input); unparsed = 0",
    ),
    _m(
        "element_precision",
        materials.element_precision,
        note="gold elements found in the answer; unparsed = 0",
    ),
    _m(
        "novelty",
        seq.novelty,
        comparable=False,
        note="valid and not in the reference set / ALL samples; molecules canonicalised, materials by composition+space group",
    ),
    _m(
        "average_mfe",
        seq.average_mfe,
        higher=False,
        unit="kcal/mol",
        note="ViennaRNA RNAfold over valid sequences",
    ),
    _m(
        "rfam_families",
        seq.rfam_families,
        comparable=False,
        unit="count",
        note="needs Infernal + Rfam; not computed offline",
    ),
    _m("average_length", seq.average_length, unit="residues", note="over valid samples"),
    _m(
        "diversity",
        seq.diversity,
        comparable=False,
        note="greedy clusters at 99% global-alignment identity / valid (reference: equal lengths only)",
    ),
    _m(
        "average_plddt",
        seq.average_plddt,
        comparable=False,
        unit="pLDDT",
        note="needs a structure predictor; not computed offline",
    ),
    _m(
        "uniqueness",
        seq.uniqueness,
        comparable=False,
        note="distinct CANONICAL valid samples / valid samples",
    ),
]

_FAILURE_ONLY = (
    "mae_x1000",
    "maccs_fts",
    "morgan_count_fts",
    "rmse",
    "mae",
    "mad_mae_ratio",
    "auc",
    "auc_hard",
    "f1",
    "selfies_bleu",
    "levenshtein",
)
METRICS: dict[str, MetricSpec] = {
    s.name: replace(s, differs_only_on_failures=s.name in _FAILURE_ONLY) for s in _SPECS
}

# Per-task metric parameters, by exact task id.
TASK_PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "Isoform": {"pearson_r2": {"max_pred": 80.0}},
    "CRISPROnTarget": {"spearman": {"max_pred": 300.0}},
    "sirnaEfficiency": {"sirna_mixed_score": {"threshold": 30.0}},
    "ProgrammableRNASwitches": {"pearson_r2_mean": {"n_values": 3}},
}

_SMOL_SMILES = (
    "smol_forward_synthesis",
    "smol_retrosynthesis",
    "smol_molecule_generation",
    "smol_name_conversion-i2s",
)
_SMOL_BOOLEAN = tuple(f"smol_property_prediction-{p}" for p in ("bbbp", "clintox", "hiv", "sider"))
_GUE = tuple(
    [f"cpd-prom_core_{s}" for s in ("all", "notata", "tata")]
    + [f"pd-prom_300_{s}" for s in ("all", "notata", "tata")]
    + [f"tf-h-{i}" for i in range(5)]
)
_OPI_EC = ("EC_number_CLEAN_EC_number_new", "EC_number_CLEAN_EC_number_price")
_OPI_LISTS = (
    "GO_CASPSimilarSeq_go",
    "GO_IDFilterSeq_go",
    "GO_UniProtSeq_go",
    "Keywords_CASPSimilarSeq_keywords",
    "Keywords_IDFilterSeq_keywords",
    "Keywords_UniProtSeq_keywords",
    "gName2Cancer_gene_name_to_cancer",
    "gSymbol2Cancer_gene_symbol_to_cancer",
    "gSymbol2Tissue_gene_symbol_to_tissue",
)
_MOLINST_PROTEIN_TEXT = (
    "mol_instruction_catalytic_activity",
    "mol_instruction_domain_motif",
    "mol_instruction_general_function",
    "mol_instruction_protein_function",
)

# OPI compares multi-label answers case-sensitively (sklearn MultiLabelBinarizer on the raw terms).
for _t in _OPI_LISTS:
    TASK_PARAMS[_t] = {m: {"case_sensitive": True} for m in ("set_precision", "set_recall", "set_f1")}

# Per-task comparability overrides, by exact task id: (comparable, extra note).
TASK_NOTES: dict[tuple[str, str], tuple[bool, str]] = {
    **{
        (t, m): (False, "no LLM judge (the reference asks GPT-4 about every unread or wrong answer)")
        for t in ("solubility", "stability", "human_ppi", "yeast_ppi")
        for m in ("accuracy", "precision", "recall", "f1")
    },
    **{
        (t, "accuracy"): (False, "answer tag parsed (reference compared whole raw strings: OPI key bug)")
        for t in (*_OPI_EC, "Fold_type_fold_type", "Subcellular_localization_subcell_loc")
    },
    **{
        (t, "set_f1"): (False, "not computed by the reference (OPI key bug: whole-string accuracy only)")
        for t in _OPI_EC
    },
    **{
        (t, "validity"): (
            False,
            "the reference reports no validity rate (its canonicaliser returns an unparsable SMILES "
            "unchanged, so only empty answers count as invalid there)",
        )
        for t in _SMOL_SMILES
    },
    **{
        (t, m): (False, "the reference reports HF evaluate's bootstrap median of the item scores")
        for t in _MOLINST_PROTEIN_TEXT
        for m in ("rouge1", "rouge2", "rougeL", "rougeLsum")
    },
}

# (task, metric) pairs that differ from the reference only in how unparsed answers count (as the
# metric-level ``differs_only_on_failures``): with every answer parsed the values agree.
TASK_FAILURE_ONLY: frozenset[tuple[str, str]] = frozenset(
    [(t, "mcc") for t in (*_GUE, *_SMOL_BOOLEAN)]
    + [("smol_molecule_captioning", m) for m in ("rouge1", "rouge2", "rougeL")]
)


def get_metric(name: str) -> MetricSpec:
    try:
        return METRICS[name]
    except KeyError:
        raise InputError(f"unknown metric {name!r}; known metrics: {', '.join(sorted(METRICS))}") from None


def context_for(spec: Any, metric: str, params: Mapping[str, Any] | None = None) -> MetricContext:
    """The context of ``metric`` on task ``spec`` (a TaskSpec), with per-task parameters merged in."""
    merged: dict[str, Any] = dict(TASK_PARAMS.get(spec.id, {}).get(metric, {}))
    if metric == "pearson_r2_mean" and getattr(spec, "n_values", 1) > 1:
        merged.setdefault("n_values", spec.n_values)
    merged.update(params or {})
    return MetricContext(
        task=spec.id, output_kind=spec.output_kind, options=tuple(spec.options), params=merged
    )


def _reading_note(items: Sequence[EvalItem]) -> tuple[dict[str, int], str]:
    """Counts of answers the reference would read differently (or hand to a model), with a note."""
    n_diff = sum(1 for it in items if it.reference == "different")
    n_model = sum(1 for it in items if it.reference == "model")
    parts = []
    if n_diff:
        parts.append(f"{n_diff} of {len(items)} answers read differently from the reference")
    if n_model:
        parts.append(f"{n_model} would go to the reference's NLI model / LLM judge")
    counts = {"n_read_differently": n_diff, "n_reference_model_fallback": n_model}
    return counts, ("; ".join(parts) + " (see docs/evaluation.md, deviations)") if parts else ""


def compute(
    metric: str, items: Sequence[EvalItem], spec: Any, params: Mapping[str, Any] | None = None
) -> MetricResult:
    """Run one metric on the items of one task and stamp its honesty flags.

    ``comparable`` starts from the metric's (and task's) static flag; it becomes False whenever any
    answer is read differently from the reference or would go to a reference model, and when the
    metric's own reference-style value (``details["reference_value"]``) differs from its value.
    """
    mspec = get_metric(metric)
    res = mspec.fn(items, context_for(spec, metric, params))
    res.metric = metric
    comparable, note = mspec.comparable_to_reference, mspec.note
    override = TASK_NOTES.get((spec.id, metric))
    if override:
        comparable, note = override[0], f"{note}; {override[1]}" if note else override[1]
    failure_only = mspec.differs_only_on_failures or (spec.id, metric) in TASK_FAILURE_ONLY
    if failure_only and not override and res.n and res.n_parsed == res.n:
        if not comparable or (spec.id, metric) in TASK_FAILURE_ONLY:
            note = f"{note} (every answer parsed: same value as the reference policy)"
        comparable = True
    elif (spec.id, metric) in TASK_FAILURE_ONLY:
        comparable = False
        note = f"{note}; the reference counts unparsed answers differently for this task"
    counts, reading = _reading_note(items)
    if any(it.reference for it in items):
        res.details.update(counts)
    if reading:
        comparable, note = False, f"{note}; {reading}" if note else reading
    ref_value = res.details.get("reference_value")
    if ref_value is not None and res.value is not None and abs(ref_value - res.value) > 1e-12:
        comparable = False
        note = f"{note}; the reference's own arithmetic gives {ref_value:.6g} here (details.reference_value)"
    if res.value is None:
        comparable = False
    return replace(res, comparable=comparable, note=note)


__all__ = ["METRICS", "TASK_PARAMS", "MetricSpec", "compute", "context_for", "get_metric"]
