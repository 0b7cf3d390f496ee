"""Text metrics implemented offline: BLEU-2/4, ROUGE-1/2/L/Lsum (optionally stemmed), METEOR, token F1.

No model, tokenizer or corpus is downloaded:

- ROUGE follows ``rouge_score`` exactly (lower-case, non-alphanumerics to spaces, Porter stemming of
  tokens longer than 3 letters when stemmed, LCS and summary-level union-LCS). Values are the MEAN
  F-measure over items (HF ``evaluate`` reports a bootstrap median; the mean is what its docs promise).
- BLEU / METEOR use :func:`word_tokenize` (lower-case words and single punctuation marks) instead of the
  SciBERT WordPiece tokenizer of the reference, so absolute values differ from published ones.
- METEOR uses exact and Porter-stem matches only: WordNet synonyms would need a corpus download.

Failure policy: an empty or unparsed answer is the empty string (0 for ROUGE/METEOR/F1, and an empty
hypothesis that lowers corpus BLEU's brevity penalty), never dropped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricResult, mean_of
from sciReason.evaluation.metrics.porter import stem

NAN = float("nan")
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def word_tokenize(text: str) -> list[str]:
    """Lower-cased, accent-stripped words and single punctuation marks (BERT basic tokenisation, no
    WordPiece): ``"C6H6-based, ring."`` -> ``['c6h6', '-', 'based', ',', 'ring', '.']``."""
    norm = unicodedata.normalize("NFD", text.lower())
    norm = "".join(ch for ch in norm if unicodedata.category(ch) != "Mn")
    return _WORD.findall(norm)


def rouge_tokenize(text: str, stemmed: bool = False) -> list[str]:
    """The ``rouge_score`` default tokenizer."""
    tokens = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    if stemmed:
        tokens = [stem(t) if len(t) > 3 else t for t in tokens]
    return tokens


# ---------------------------------------------------------------- BLEU


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(
    references: Sequence[Sequence[Sequence[str]]],
    hypotheses: Sequence[Sequence[str]],
    weights: Sequence[float],
) -> float:
    """Corpus BLEU as ``nltk.translate.bleu_score.corpus_bleu`` without smoothing (0 when any n-gram
    order has no match). ``references[i]`` lists the reference token lists of hypothesis ``i``."""
    max_n = len(weights)
    num = [0] * max_n
    den = [0] * max_n
    hyp_len = ref_len = 0
    for refs, hyp in zip(references, hypotheses, strict=False):
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            max_ref: Counter[tuple[str, ...]] = Counter()
            for ref in refs:
                for gram, c in _ngrams(ref, n).items():
                    max_ref[gram] = max(max_ref[gram], c)
            num[n - 1] += sum(min(c, max_ref[g]) for g, c in counts.items())
            den[n - 1] += max(1, sum(counts.values()))
        hyp_len += len(hyp)
        ref_lens = [len(r) for r in refs] or [0]
        ref_len += min(ref_lens, key=lambda rl: (abs(rl - len(hyp)), rl))
    if num[0] == 0 or any(x == 0 for x in num):
        return 0.0
    bp = 1.0 if hyp_len > ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len else 0.0)
    return bp * math.exp(sum(w * math.log(p / d) for w, p, d in zip(weights, num, den, strict=False)))


# ---------------------------------------------------------------- ROUGE


def _f(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_n(pred: list[str], gold: list[str], n: int) -> float:
    pc, gc = _ngrams(pred, n), _ngrams(gold, n)
    if not pc or not gc:
        return 0.0
    overlap = sum((pc & gc).values())
    return _f(overlap / sum(pc.values()), overlap / sum(gc.values()))


def _lcs_table(a: Sequence[str], b: Sequence[str]) -> list[list[int]]:
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(t[i - 1][j], t[i][j - 1])
    return t


def rouge_l(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return 0.0
    lcs = _lcs_table(gold, pred)[-1][-1]
    return _f(lcs / len(pred), lcs / len(gold))


def _lcs_indices(ref: Sequence[str], can: Sequence[str]) -> list[int]:
    t = _lcs_table(ref, can)
    i, j, out = len(ref), len(can), []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            out.insert(0, i - 1)
            i, j = i - 1, j - 1
        elif t[i][j - 1] > t[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return out


def rouge_lsum(pred: str, gold: str, stemmed: bool = False) -> float:
    """Summary-level ROUGE-L over newline-separated sentences (union LCS), as ``rouge_score``."""
    refs = [rouge_tokenize(s, stemmed) for s in gold.split("\n") if s.strip()]
    cans = [rouge_tokenize(s, stemmed) for s in pred.split("\n") if s.strip()]
    m, n = sum(map(len, refs)), sum(map(len, cans))
    if not m or not n:
        return 0.0
    cnt_r: Counter[str] = Counter(t for s in refs for t in s)
    cnt_c: Counter[str] = Counter(t for s in cans for t in s)
    hits = 0
    for r in refs:
        union = sorted(set().union(*(_lcs_indices(r, c) for c in cans)))
        for tok in (r[i] for i in union):
            if cnt_c[tok] > 0 and cnt_r[tok] > 0:
                hits += 1
                cnt_c[tok] -= 1
                cnt_r[tok] -= 1
    return _f(hits / n, hits / m)


# ---------------------------------------------------------------- METEOR


def _align(hyp: list[str], ref: list[str]) -> list[tuple[int, int]]:
    """nltk's greedy alignment: exact matches, then Porter-stem matches, right to left."""
    eh = list(enumerate(hyp))
    er = list(enumerate(ref))
    matches: list[tuple[int, int]] = []
    for key in (lambda w: w, stem):
        eh2 = [(i, key(w)) for i, w in eh]
        er2 = [(j, key(w)) for j, w in er]
        for a in range(len(eh2))[::-1]:
            for b in range(len(er2))[::-1]:
                if eh2[a][1] == er2[b][1]:
                    matches.append((eh2[a][0], er2[b][0]))
                    eh2.pop(a)
                    er2.pop(b)
                    break
        kept_h = {i for i, _ in eh2}
        kept_r = {j for j, _ in er2}
        eh = [(i, w) for i, w in eh if i in kept_h]
        er = [(j, w) for j, w in er if j in kept_r]
    return sorted(matches)


def meteor(
    hyp: list[str], ref: list[str], alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5
) -> float:
    """``nltk.translate.meteor_score.single_meteor_score`` without the WordNet synonym stage."""
    matches = _align(hyp, ref)
    if not matches or not hyp or not ref:
        return 0.0
    p, r = len(matches) / len(hyp), len(matches) / len(ref)
    fmean = p * r / (alpha * p + (1 - alpha) * r)
    chunks = 1 + sum(
        1
        for (h0, r0), (h1, r1) in zip(matches, matches[1:], strict=False)
        if not (h1 == h0 + 1 and r1 == r0 + 1)
    )
    return (1 - gamma * (chunks / len(matches)) ** beta) * fmean


def token_f1(pred: str, gold: str) -> float:
    """SQuAD-style bag-of-words F1 (lower-case, punctuation and articles removed)."""

    def toks(s: str) -> list[str]:
        return [t for t in re.sub(r"[^a-z0-9 ]", " ", s.lower()).split() if t not in ("a", "an", "the")]

    p, g = Counter(toks(pred)), Counter(toks(gold))
    common = sum((p & g).values())
    if not common:
        return 0.0
    return _f(common / sum(p.values()), common / sum(g.values()))


# ---------------------------------------------------------------- metric functions


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _golds(item: EvalItem) -> list[str]:
    return [g for g in item.gold if isinstance(g, str) and g.strip()]


def per_item_text(items: Sequence[EvalItem], name: str, score) -> MetricResult:  # noqa: ANN001
    scores: list[float | None] = []
    for it in items:
        golds = _golds(it)
        if not golds:
            scores.append(NAN)
        elif it.value is None:
            scores.append(None)
        else:
            scores.append(max(score(_text(it.value), g) for g in golds))
    return mean_of(name, items, scores)


def _bleu(items: Sequence[EvalItem], weights: tuple[float, ...], name: str) -> MetricResult:
    rows = [(it, _golds(it)) for it in items]
    usable = [(it, [word_tokenize(g) for g in golds]) for it, golds in rows if golds]
    refs = [r for _, r in usable]
    hyps = [word_tokenize(_text(it.value)) for it, _ in usable]
    parsed = [i for i, (it, _) in enumerate(usable) if it.parsed]
    details: dict[str, Any] = {
        "mean_over_parsed": corpus_bleu([refs[i] for i in parsed], [hyps[i] for i in parsed], weights)
        if parsed
        else None
    }
    if len(usable) < len(rows):
        details["n_gold_unusable"] = len(rows) - len(usable)
    value = corpus_bleu(refs, hyps, weights) if hyps else None
    return MetricResult(name, value, len(hyps), len(parsed), details=details)


def bleu2(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _bleu(items, (0.5, 0.5), "bleu2")


def bleu4(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _bleu(items, (0.25, 0.25, 0.25, 0.25), "bleu4")


def rouge1(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return per_item_text(items, "rouge1", lambda p, g: rouge_n(rouge_tokenize(p), rouge_tokenize(g), 1))


def rouge2(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return per_item_text(items, "rouge2", lambda p, g: rouge_n(rouge_tokenize(p), rouge_tokenize(g), 2))


def rougeL(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:  # noqa: N802
    return per_item_text(items, "rougeL", lambda p, g: rouge_l(rouge_tokenize(p), rouge_tokenize(g)))


def rougeL_stemmed(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:  # noqa: N802
    return per_item_text(
        items, "rougeL_stemmed", lambda p, g: rouge_l(rouge_tokenize(p, True), rouge_tokenize(g, True))
    )


def rougeLsum(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:  # noqa: N802
    return per_item_text(items, "rougeLsum", rouge_lsum)


def meteor_metric(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return per_item_text(items, "meteor", lambda p, g: meteor(word_tokenize(p), word_tokenize(g)))


def bertscore_f1(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """BERTScore needs roberta-large weights, which cannot be loaded offline: the value is the
    deterministic SQuAD-style token F1 instead (flagged not comparable by the registry)."""
    res = per_item_text(items, "bertscore_f1", token_f1)
    res.details["computed_as"] = "token_f1"
    return res
