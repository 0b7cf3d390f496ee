"""Offline text metrics. Expected values were computed once with the reference libraries
(rouge-score 0.1.2, nltk 3.10.4 corpus_bleu / meteor_score with WordNet disabled and the original
Porter algorithm) on the same inputs; those libraries are NOT dependencies and are not imported here."""

from __future__ import annotations

import pytest

from sciReason.evaluation.metrics.porter import stem
from sciReason.evaluation.metrics.text import (
    corpus_bleu,
    meteor,
    rouge_l,
    rouge_lsum,
    rouge_n,
    rouge_tokenize,
    token_f1,
    word_tokenize,
)

PRED = "The molecule is a benzene derivative binding proteins."
GOLD = "The molecule is an aromatic benzene derivative that binds proteins."


def test_rouge_matches_rouge_score():
    p, g = rouge_tokenize(PRED), rouge_tokenize(GOLD)
    assert rouge_n(p, g, 1) == pytest.approx(0.6666666666666665)
    assert rouge_n(p, g, 2) == pytest.approx(0.375)
    assert rouge_l(p, g) == pytest.approx(0.6666666666666665)
    assert rouge_lsum(PRED, GOLD) == pytest.approx(0.6666666666666665)
    assert rouge_l(rouge_tokenize(PRED, True), rouge_tokenize(GOLD, True)) == pytest.approx(
        0.7777777777777777
    )


def test_rouge_lsum_union_lcs_over_sentences():
    pred = "line one about enzymes\nline two binds zinc"
    gold = "binds zinc ions\nline one about enzymes here"
    assert rouge_lsum(pred, gold) == pytest.approx(0.75)


def test_bleu_matches_nltk_corpus_bleu():
    refs = [[word_tokenize(GOLD)], [word_tokenize("It is an acid.")]]
    hyps = [
        word_tokenize("The molecule is an aromatic benzene ring."),
        word_tokenize("It is an organic acid."),
    ]
    assert corpus_bleu(refs, hyps, (0.5, 0.5)) == pytest.approx(0.6552980970848462)
    assert corpus_bleu(refs, hyps, (0.25,) * 4) == pytest.approx(0.4959623818221652)
    # an empty hypothesis (unparsed answer) stays in the corpus and lowers the score
    refs2 = refs + [[word_tokenize("An empty answer still counts.")]]
    assert corpus_bleu(refs2, [*hyps, []], (0.5, 0.5)) == pytest.approx(0.39623244604392854)
    assert corpus_bleu([[["a", "b"]]], [["c"]], (0.5, 0.5)) == 0.0


def test_meteor_matches_nltk_without_wordnet():
    assert meteor(word_tokenize(PRED), word_tokenize(GOLD)) == pytest.approx(0.7212094907407407)
    assert meteor([], word_tokenize(GOLD)) == 0.0


def test_porter_stemmer_classic_examples():
    pairs = {
        "caresses": "caress",
        "ponies": "poni",
        "relational": "relat",
        "generalization": "gener",
        "hopping": "hop",
        "conflated": "conflat",
        "binding": "bind",
        "proteins": "protein",
    }
    assert {w: stem(w) for w in pairs} == pairs


def test_word_tokenize_is_deterministic_and_simple():
    assert word_tokenize("C6H6-based, Ring.") == ["c6h6", "-", "based", ",", "ring", "."]


def test_token_f1():
    assert token_f1("the benzene ring", "a benzene ring") == 1.0
    assert token_f1("", "benzene") == 0.0


def test_text_metrics_count_unparsed_as_zero(metric):
    res = metric("rougeL", [GOLD, None], [GOLD, GOLD], kind="text")
    assert res.value == pytest.approx(0.5) and res.n_parsed == 1
    assert res.details["mean_over_parsed"] == pytest.approx(1.0)


def test_rouge_is_the_mean_not_a_bootstrap_median(metric):
    # 3 items scoring 1, 0, 0: the mean is 1/3 (a median would say 0)
    res = metric("rouge1", ["a b", "c d", "e f"], ["a b", "x y", "z w"], kind="text")
    assert res.value == pytest.approx(1 / 3)


def test_bleu_metric_comparability_and_note(metric):
    res = metric("bleu4", [GOLD], [GOLD], kind="text")
    assert res.value == pytest.approx(1.0)
    assert res.comparable is False and "SciBERT" in res.note


def test_bertscore_is_flagged_as_token_f1(metric):
    res = metric("bertscore_f1", ["benzene ring"], ["the benzene ring"], kind="text")
    assert res.value == 1.0 and res.comparable is False and "token F1" in res.note
