"""Regression, correlation and classification metrics with explicit failure policies.

- Regression (``rmse``, ``mae``, ``mae_x1000``, ``mad_mae_ratio``): an unparsed answer is scored as the
  worst guess inside the gold range of the evaluated set, error = max(g - min(gold), max(gold) - g)
  (``|g|``, i.e. answering 0, when all gold values are equal). The reference drops such items;
  ``details["over_parsed"]`` keeps that number.
- Correlations (``pearson_*``, ``spearman``): computed over parsed pairs and multiplied by the coverage,
  as the reference does, so unparsed items pull the value towards 0. Undefined correlations (fewer than
  2 pairs, constant values) score 0 and say so in ``details``.
- Classification (``accuracy``, ``mcc``, ``f1``, ``precision``, ``recall``, ``auc``, ``auc_hard``,
  ``macro_auc_multilabel``): an unparsed answer is forced wrong (the opposite label; for multi-label,
  every label flipped). ``details["over_parsed"]`` is the value over parsed answers only.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from sciReason.evaluation.metrics.base import (
    EvalItem,
    MetricContext,
    MetricResult,
    as_binary,
    as_floats,
    as_label_set,
    mean_of,
    same_label,
)

NAN = float("nan")

# ---------------------------------------------------------------- regression


def _pairs(
    items: Sequence[EvalItem],
    index: int | None = None,
    max_abs: float | None = None,
    max_pred: float | None = None,
) -> tuple[list[float | None], list[float], int]:
    """(predictions or None, gold values, number of items without usable gold) for numeric items."""
    preds: list[float | None] = []
    golds: list[float] = []
    bad_gold = 0
    for it in items:
        g_all = as_floats(it.gold[0]) if it.gold else None
        if g_all is None or (index is not None and len(g_all) <= index):
            bad_gold += 1
            continue
        golds.append(g_all[index or 0])
        p_all = as_floats(it.value) if it.value is not None else None
        p = p_all[index or 0] if p_all is not None and len(p_all) > (index or 0) else None
        if p is not None and (
            (max_abs is not None and abs(p) > max_abs) or (max_pred is not None and p > max_pred)
        ):
            p = None
        preds.append(p)
    return preds, golds, bad_gold


def _errors(preds: list[float | None], golds: list[float]) -> list[float]:
    lo, hi = min(golds), max(golds)
    out = []
    for p, g in zip(preds, golds, strict=False):
        if p is not None:
            out.append(abs(p - g))
        else:
            out.append(max(g - lo, hi - g) if hi > lo else abs(g))
    return out


def _regression(
    items: Sequence[EvalItem], name: str, agg: Callable[[list[float]], float], scale: float = 1.0
) -> MetricResult:
    preds, golds, bad = _pairs(items)
    n_parsed = sum(p is not None for p in preds)
    if not golds:
        return MetricResult(name, None, 0, 0, reason="no items with a numeric gold value")
    errs = _errors(preds, golds)
    parsed_errs = [e for e, p in zip(errs, preds, strict=False) if p is not None]
    details: dict[str, Any] = {
        "over_parsed": agg(parsed_errs) * scale if parsed_errs else None,
        "n_penalised": len(golds) - n_parsed,
    }
    if bad:
        details["n_gold_unusable"] = bad
    per_item = [e * scale if p is not None else None for e, p in zip(errs, preds, strict=False)]
    return MetricResult(name, agg(errs) * scale, len(golds), n_parsed, per_item=per_item, details=details)


def _mae(errs: list[float]) -> float:
    return sum(errs) / len(errs)


def _rmse(errs: list[float]) -> float:
    return math.sqrt(sum(e * e for e in errs) / len(errs))


def rmse(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _regression(items, "rmse", _rmse)


def mae(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _regression(items, "mae", _mae)


def mae_x1000(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _regression(items, "mae_x1000", _mae, scale=1000.0)


def mad_mae_ratio(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """MAD / MAE (higher is better): how much better than always answering the gold mean."""
    res = _regression(items, "mad_mae_ratio", _mae)
    if res.value is None:
        return res
    _, golds, _ = _pairs(items)
    mean_g = sum(golds) / len(golds)
    mad = sum(abs(g - mean_g) for g in golds) / len(golds)
    mae_all, mae_parsed = res.value, res.details["over_parsed"]
    res.details.update(mad=mad, mae=mae_all, mae_over_parsed=mae_parsed)
    res.details["over_parsed"] = mad / mae_parsed if mae_parsed else None
    res.per_item = None
    if mae_all == 0:
        res.value, res.reason = None, "MAE is 0, the ratio is unbounded"
    else:
        res.value = mad / mae_all
    return res


# ---------------------------------------------------------------- correlations


def _corr(x: list[float], y: list[float], kind: str) -> float | None:
    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    from scipy import stats

    r = stats.pearsonr(x, y)[0] if kind == "pearson" else stats.spearmanr(x, y)[0]
    return float(r) if math.isfinite(r) else None


def _scaled_corr(
    items: Sequence[EvalItem],
    ctx: MetricContext,
    name: str,
    kind: str,
    index: int | None = None,
    square: bool = False,
) -> MetricResult:
    max_pred = ctx.params.get("max_pred")
    preds, golds, bad = _pairs(items, index=index, max_pred=max_pred)
    pairs = [(p, g) for p, g in zip(preds, golds, strict=False) if p is not None]
    n = len(golds)
    r = _corr([p for p, _ in pairs], [g for _, g in pairs], kind) if pairs else None
    coverage = len(pairs) / n if n else 0.0
    base = (r * r if square else r) if r is not None else None
    details: dict[str, Any] = {"over_parsed": base, "coverage_scale": coverage}
    if max_pred is not None:
        details["max_pred"] = max_pred
    if bad:
        details["n_gold_unusable"] = bad
    if r is None:
        details["undefined"] = "fewer than 2 parsed pairs or constant values; scored 0"
    value = (base or 0.0) * coverage if n else None
    return MetricResult(name, value, n, len(pairs), details=details)


def pearson_r2(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _scaled_corr(items, ctx, "pearson_r2", "pearson", square=True)


def pearson_hk(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _scaled_corr(items, ctx, "pearson_hk", "pearson", index=0)


def pearson_dev(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _scaled_corr(items, ctx, "pearson_dev", "pearson", index=1)


def pearson_r2_mean(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Mean over the value columns (ON, OFF, ON/OFF) of coverage-scaled Pearson r squared."""
    width = int(ctx.params.get("n_values", 3))
    parts = [
        _scaled_corr(items, ctx, "pearson_r2_mean", "pearson", index=i, square=True) for i in range(width)
    ]
    values = [p.value for p in parts]
    if any(v is None for v in values):
        return MetricResult("pearson_r2_mean", None, parts[0].n, parts[0].n_parsed, reason="no usable gold")
    details = {f"r2_col{i}": p.value for i, p in enumerate(parts)}
    return MetricResult(
        "pearson_r2_mean",
        sum(values) / width,
        parts[0].n,  # type: ignore[arg-type]
        min(p.n_parsed for p in parts),
        details=details,
    )


def spearman(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Spearman rho over parsed pairs times coverage; an answer above ``max_pred`` counts as unparsed.

    ``details["reference_value"]``: the reference's rule, which drops such answers from the correlation
    but still counts them as valid in the coverage factor (equal unless an answer exceeds ``max_pred``).
    """
    res = _scaled_corr(items, ctx, "spearman", "spearman")
    max_pred = ctx.params.get("max_pred")
    if max_pred is not None and res.value is not None:
        preds, golds, _ = _pairs(items)
        parsed = [(p, g) for p, g in zip(preds, golds, strict=False) if p is not None]
        kept = [(p, g) for p, g in parsed if p <= max_pred]
        r = _corr([p for p, _ in kept], [g for _, g in kept], "spearman") if kept else None
        res.details["reference_value"] = (r or 0.0) * len(parsed) / len(golds) if golds else None
    return res


def sirna_mixed_score(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """0.5 (1 - MAE/100) + 0.5 (1 - rangeMAE/100) F1, times coverage (reference definition, 0..1)."""
    threshold = float(ctx.params.get("threshold", 30.0))
    preds, golds, bad = _pairs(items, max_abs=1000.0)
    pairs = [(p, g) for p, g in zip(preds, golds, strict=False) if p is not None]
    n = len(golds)
    if not n:
        return MetricResult("sirna_mixed_score", None, 0, 0, reason="no items with a numeric gold value")
    if not pairs:
        return MetricResult("sirna_mixed_score", 0.0, n, 0, details={"undefined": "no parsed answers"})
    from sklearn.metrics import f1_score

    err = min(100.0, sum(abs(p - g) for p, g in pairs) / len(pairs))
    in_range = [(p, g) for p, g in pairs if 0 <= p <= threshold]
    range_err = min(100.0, sum(abs(p - g) for p, g in in_range) / len(in_range)) if in_range else 100.0
    f1 = float(
        f1_score(
            [int(g < threshold) for _, g in pairs], [int(p < threshold) for p, _ in pairs], zero_division=0
        )
    )
    score = 0.5 * (1 - err / 100) + 0.5 * (1 - range_err / 100) * f1
    details = {"over_parsed": score, "mae": err, "range_mae": range_err, "f1": f1}
    if bad:
        details["n_gold_unusable"] = bad
    return MetricResult("sirna_mixed_score", score * len(pairs) / n, n, len(pairs), details=details)


# ---------------------------------------------------------------- classification


def label_scores(items: Sequence[EvalItem]) -> list[float | None]:
    """Per item: 1/0 for a label that matches any gold, None when unparsed, NaN when the gold is unreadable."""
    scores: list[float | None] = []
    for it in items:
        golds = [g for g in it.gold if g is not None]
        if not golds:
            scores.append(NAN)
        elif it.value is None:
            scores.append(None)
        else:
            scores.append(1.0 if any(same_label(it.value, g) for g in golds) else 0.0)
    return scores


def accuracy(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return mean_of("accuracy", items, label_scores(items))


def _binary_labels(items: Sequence[EvalItem]) -> tuple[list[int], list[int], list[bool], int]:
    y_true, y_pred, parsed, bad = [], [], [], 0
    for it in items:
        g = as_binary(it.gold[0]) if it.gold else None
        if g is None:
            bad += 1
            continue
        p = as_binary(it.value)
        y_true.append(g)
        y_pred.append(p if p is not None else 1 - g)  # unparsed: forced wrong
        parsed.append(p is not None)
    return y_true, y_pred, parsed, bad


def _binary_metric(
    items: Sequence[EvalItem],
    name: str,
    fn: Callable[[list[int], list[int]], float],
    needs_both_classes: bool = False,
) -> MetricResult:
    y_true, y_pred, parsed, bad = _binary_labels(items)
    details: dict[str, Any] = {}
    if bad:
        details["n_gold_unusable"] = bad
    n, n_parsed = len(y_true), sum(parsed)
    if not n:
        return MetricResult(name, None, 0, 0, details=details, reason="no items with a binary gold label")

    def safe(t: list[int], p: list[int]) -> float | None:
        if not t or (needs_both_classes and len(set(t)) < 2):
            return None
        with warnings.catch_warnings():  # sklearn warns on a single class; the value (e.g. MCC 0) is right
            warnings.simplefilter("ignore", UserWarning)
            return float(fn(t, p))

    value = safe(y_true, y_pred)
    keep = [i for i, ok in enumerate(parsed) if ok]
    details["over_parsed"] = safe([y_true[i] for i in keep], [y_pred[i] for i in keep])
    reason = None if value is not None else "gold labels contain a single class; the metric is undefined"
    return MetricResult(name, value, n, n_parsed, details=details, reason=reason)


def mcc(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    from sklearn.metrics import matthews_corrcoef

    return _binary_metric(items, "mcc", matthews_corrcoef)


def f1(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    from sklearn.metrics import f1_score

    return _binary_metric(items, "f1", lambda t, p: f1_score(t, p, zero_division=0))


def precision(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    from sklearn.metrics import precision_score

    return _binary_metric(items, "precision", lambda t, p: precision_score(t, p, zero_division=0))


def recall(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    from sklearn.metrics import recall_score

    return _binary_metric(items, "recall", lambda t, p: recall_score(t, p, zero_division=0))


def auc(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """ROC AUC of hard 0/1 answers (= balanced accuracy; the model gives no scores)."""
    from sklearn.metrics import roc_auc_score

    res = _binary_metric(items, "auc", roc_auc_score, needs_both_classes=True)
    return res


def auc_hard(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    res = auc(items, ctx)
    res.metric = "auc_hard"
    return res


def macro_auc_multilabel(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Macro ROC AUC over classes of multi-hot hard predictions; classes whose gold column is constant
    are skipped (sklearn would fail) and counted in ``details``. Unparsed: every label flipped."""
    from sklearn.metrics import roc_auc_score

    rows = [(it, as_label_set(it.gold[0]) if it.gold else None) for it in items]
    bad = sum(1 for _, g in rows if g is None)
    rows = [(it, g) for it, g in rows if g is not None]
    classes = sorted({o.casefold() for o in ctx.options} | {c for _, g in rows for c in g})
    if not rows or not classes:
        return MetricResult("macro_auc_multilabel", None, len(rows), 0, reason="no usable gold label sets")
    truth = [[int(c in g) for c in classes] for _, g in rows]
    preds, n_parsed = [], 0
    for (it, _g), t in zip(rows, truth, strict=False):
        # an empty label list is an answer (no label asserted), not a parse failure
        p = (as_label_set(it.value) or frozenset()) if it.value is not None else None
        n_parsed += p is not None
        preds.append([int(c in p) for c in classes] if p is not None else [1 - x for x in t])
    aucs, skipped = [], []
    for j, c in enumerate(classes):
        col_t = [row[j] for row in truth]
        if len(set(col_t)) < 2:
            skipped.append(c)
            continue
        aucs.append(float(roc_auc_score(col_t, [row[j] for row in preds])))
    details: dict[str, Any] = {"classes_scored": len(aucs), "classes_skipped_constant_gold": skipped}
    if bad:
        details["n_gold_unusable"] = bad
    value = sum(aucs) / len(aucs) if aucs else None
    return MetricResult(
        "macro_auc_multilabel",
        value,
        len(rows),
        n_parsed,
        details=details,
        reason=None if aucs else "every class has a constant gold column",
    )


# ---------------------------------------------------------------- sets (extraction, multi-label)


def _exact_label_set(value: Any) -> frozenset[str] | None:
    """Labels compared as written (only surrounding whitespace dropped), as OPI's reference does."""
    if value is None:
        return None
    parts = re.split(r"[;,，；]\s*", value) if isinstance(value, str) else [str(v) for v in value]
    return frozenset(p.strip() for p in parts if p.strip()) or None


def _set_prf(pred: Any, gold: Any, case_sensitive: bool = False) -> tuple[float, float, float] | None:
    as_set = _exact_label_set if case_sensitive else as_label_set
    g = as_set(gold)
    if not g:
        return None
    p = as_set(pred)
    if not p:
        return (0.0, 0.0, 0.0)
    tp = len(p & g)
    prec, rec = tp / len(p), tp / len(g)
    return prec, rec, (2 * prec * rec / (prec + rec) if tp else 0.0)


def _set_metric(items: Sequence[EvalItem], name: str, which: int, ctx: MetricContext) -> MetricResult:
    scores: list[float | None] = []
    exact = bool(ctx.params.get("case_sensitive"))
    for it in items:
        prf = _set_prf(it.value, it.gold[0], exact) if it.gold else None
        if prf is None:
            scores.append(NAN)
        else:
            scores.append(None if it.value is None else prf[which])
    return mean_of(name, items, scores)


def set_precision(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _set_metric(items, "set_precision", 0, ctx)


def set_recall(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _set_metric(items, "set_recall", 1, ctx)


def set_f1(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _set_metric(items, "set_f1", 2, ctx)
