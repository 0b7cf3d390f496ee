"""Per-item RL rewards in [0, 1], defined by the SAME metric functions as ``sciReason eval``.

A task's reward follows its first (headline) metric, in one of three groups:

- ``matching``: the metric's own per-item score (exact / top-k match, label accuracy, set F1, ROUGE-L,
  normalised Smith-Waterman, ...). Molecule matches are softened: a wrong but valid molecule earns
  ``0.5 x`` Morgan-count Tanimoto to the gold, so the policy gets a gradient before it is exactly right.
- ``distance``: numeric answers, ``exp(-|pred - gold| / scale)`` with ``scale = 0.1 * max(|gold|, 1)``
  (or the task's ``reward_scale`` parameter); SMILES edit distance as ``1 - d / max(len)``.
- ``tool_verified``: generation tasks, 1 when the sample passes the same check as the metric (RDKit
  parse, SMACT rules, sequence alphabet), times the composition precision where the task has one.

An answer that does not parse scores 0 (the format is part of the task). ``None`` means the item cannot
be scored (its gold is unreadable): trainers should skip it, not treat it as 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sciReason.evaluation.metrics import chem, materials, seq, stats, text
from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricResult, as_floats
from sciReason.evaluation.registry import context_for
from sciReason.evaluation.scoring import parse_gold
from sciReason.parsing import parse_answer
from sciReason.representations import canonical_smiles
from sciReason.tasks import TaskSpec, get_task

__all__ = [
    "REWARD_GROUPS",
    "gold_usable",
    "item_reward",
    "make_reward",
    "needs_gold",
    "reward",
    "reward_group",
    "rewards",
]

MetricFn = Callable[[Sequence[EvalItem], MetricContext], MetricResult]

# metric name -> (reward group, the metric function whose per-item score is the reward)
_MATCHING: dict[str, MetricFn] = {
    "top1_exact_match": chem.top1_exact_match,
    "top5_exact_match": chem.top1_exact_match,
    "exact_match": chem.label_exact_match,
    "top1_element_match": chem.top1_element_match,
    "top1_split_match": chem.top1_split_match,
    "top5_split_match": chem.top1_split_match,
    "top1_accuracy": chem.top1_accuracy,
    "top3_accuracy": chem.top1_accuracy,
    "maxfrag_top1": chem.maxfrag_top1,
    "accuracy": stats.accuracy,
    "mcc": stats.accuracy,
    "f1": stats.accuracy,
    "precision": stats.accuracy,
    "recall": stats.accuracy,
    "auc": stats.accuracy,
    "auc_hard": stats.accuracy,
    "macro_auc_multilabel": stats.set_f1,
    "set_precision": stats.set_f1,
    "set_recall": stats.set_f1,
    "set_f1": stats.set_f1,
    "bleu2": text.rougeL,
    "bleu4": text.rougeL,
    "rouge1": text.rouge1,
    "rouge2": text.rouge2,
    "rougeL": text.rougeL,
    "rougeLsum": text.rougeLsum,
    "rougeL_stemmed": text.rougeL_stemmed,
    "meteor": text.meteor_metric,
    "bertscore_f1": text.bertscore_f1,
    "smith_waterman_blosum45": seq.smith_waterman_blosum45,
    "maccs_fts": chem.maccs_fts,
    "rdk_fts": chem.rdk_fts,
    "morgan_count_fts": chem.morgan_count_fts,
    "selfies_bleu": chem.morgan_count_fts,
    "element_precision": materials.element_precision,
}
_DISTANCE = frozenset(
    {
        "rmse",
        "mae",
        "mae_x1000",
        "mad_mae_ratio",
        "pearson_hk",
        "pearson_dev",
        "pearson_r2",
        "pearson_r2_mean",
        "spearman",
        "sirna_mixed_score",
        "levenshtein",
    }
)
_TOOL = frozenset(
    {
        "validity",
        "smact_validity",
        "uniqueness",
        "novelty",
        "diversity",
        "average_length",
        "average_mfe",
        "rfam_families",
        "average_plddt",
        "composition_precision",
        "invalid_rate",
    }
)

REWARD_GROUPS: dict[str, str] = {
    **dict.fromkeys(_MATCHING, "matching"),
    **dict.fromkeys(_DISTANCE, "distance"),
    **dict.fromkeys(_TOOL, "tool_verified"),
}


def reward_group(spec: TaskSpec) -> str:
    """The reward group of a task (by its headline metric)."""
    return REWARD_GROUPS[spec.metrics[0]]


def _distance(item: EvalItem, spec: TaskSpec, metric: str, scale: float | None) -> float:
    if metric == "levenshtein":
        pred = canonical_smiles(item.value, isomeric=False) if isinstance(item.value, str) else None
        golds = [canonical_smiles(g, isomeric=False) for g in item.gold if isinstance(g, str)]
        golds = [g for g in golds if g]
        if not pred or not golds:
            return 0.0
        return max(1 - chem.levenshtein_distance(pred, g) / max(len(pred), len(g)) for g in golds)
    p, g = as_floats(item.value), as_floats(item.gold[0])
    if p is None or g is None or len(p) < len(g):
        return 0.0
    terms = [
        math.exp(-abs(pv - gv) / (scale or 0.1 * max(abs(gv), 1.0))) for pv, gv in zip(p, g, strict=False)
    ]
    return sum(terms) / len(terms)


def _tool(item: EvalItem, spec: TaskSpec, ctx: MetricContext) -> float:
    if spec.output_kind == "material":
        els = materials._elements(item.value)
        if not els:
            return 0.0
        ok = 1.0 if materials.smact_valid(dict(Counter(els))) else 0.0
        if {"composition_precision", "element_precision"} & set(spec.metrics):
            req = materials.required_elements(item)
            if req:
                ok *= len(req & set(els)) / len(req)
        return ok
    return 1.0 if seq.is_valid(item.value, spec.output_kind) else 0.0


def needs_gold(spec: TaskSpec | str) -> bool:
    """Whether the task's reward compares with a gold answer (generation tasks are tool-verified)."""
    return REWARD_GROUPS[get_task(spec).metrics[0]] != "tool_verified"


def gold_usable(spec: TaskSpec | str, gold: Any) -> bool:
    """Whether ``gold`` can score a completion of this task (always True for tool-verified tasks).

    An unreadable gold means "skip this sample" in RL (reward ``None``), never a reward of 0.
    """
    spec = get_task(spec)
    return not needs_gold(spec) or bool(parse_gold(spec, gold))


def item_reward(spec: TaskSpec | str, item: EvalItem, params: dict[str, Any] | None = None) -> float | None:
    """Reward of one parsed item in [0, 1]; ``None`` when the gold cannot be read."""
    spec = get_task(spec)
    metric = spec.metrics[0]
    group = REWARD_GROUPS[metric]
    ctx = context_for(spec, metric, params)
    if group == "tool_verified":
        return _tool(item, spec, ctx)
    if not item.gold:
        return None
    if item.value is None:
        return 0.0
    if group == "distance":
        return _distance(item, spec, metric, ctx.params.get("reward_scale"))
    fn = _MATCHING[metric]
    if spec.output_kind == "smiles" and fn is chem.label_exact_match:
        fn = chem.top1_exact_match
    score = fn([item], ctx).per_item
    value = score[0] if score else None
    if value is None:
        value = 0.0
    if spec.output_kind == "smiles" and value < 1.0 and fn in (chem.top1_exact_match, chem.top1_accuracy):
        soft = chem.morgan_count_fts([item], ctx).per_item
        value = max(value, 0.5 * (soft[0] or 0.0)) if soft else value
    return float(min(1.0, max(0.0, value)))


def reward(
    task: TaskSpec | str,
    completion: str,
    gold: Any,
    *,
    input: Any = None,
    reasoning: str | None = None,
    finish_reason: str | None = "stop",
    params: dict[str, Any] | None = None,
) -> float | None:
    """Reward of one raw completion against its gold (parsed with the task's own rule)."""
    spec = get_task(task)
    parsed = parse_answer(spec, completion, reasoning, finish_reason).parsed
    item = EvalItem(
        id="0",
        task=spec.id,
        value=parsed.value if parsed.valid else None,
        gold=parse_gold(spec, gold),
        input=input,
    )
    return item_reward(spec, item, params)


def rewards(
    task: TaskSpec | str,
    completions: Sequence[str],
    golds: Sequence[Any],
    inputs: Sequence[Any] | None = None,
    finish_reasons: Sequence[str | None] | None = None,
    params: dict[str, Any] | None = None,
) -> list[float | None]:
    """Batch of rewards; one bad item never fails the batch (it scores 0, or ``None`` for a bad gold)."""
    out: list[float | None] = []
    for i, completion in enumerate(completions):
        fr = finish_reasons[i] if finish_reasons else "stop"
        inp = inputs[i] if inputs else None
        out.append(reward(task, completion, golds[i], input=inp, finish_reason=fr, params=params))
    return out


def make_reward(
    task: TaskSpec | str, params: dict[str, Any] | None = None
) -> Callable[..., list[float | None]]:
    """A trl-style reward callable: ``fn(completions, gold=[...], input=[...], **_) -> list[float | None]``."""
    spec = get_task(task)

    def fn(
        completions: Sequence[str],
        gold: Sequence[Any] | None = None,
        input: Sequence[Any] | None = None,
        **_: Any,
    ) -> list[float | None]:
        golds = gold if gold is not None else [None] * len(completions)
        return rewards(spec, completions, golds, inputs=input, params=params)

    fn.__name__ = f"reward_{spec.id}"
    return fn
