"""Regression, correlation, classification and set metrics on hand-computed cases."""

from __future__ import annotations

import math

import pytest


def test_rmse_and_mae_penalise_unparsed_as_worst_in_range(metric):
    # golds 1, 2, 4 (range 1..4); preds 1.5, 2, unparsed -> errors 0.5, 0, max(4-1, 4-4) = 3
    res = metric("rmse", [1.5, 2.0, None], [1.0, 2.0, 4.0])
    assert res.value == pytest.approx(math.sqrt((0.25 + 0 + 9) / 3))
    assert res.details["over_parsed"] == pytest.approx(math.sqrt(0.25 / 2))
    assert (res.n, res.n_parsed) == (3, 2) and res.details["n_penalised"] == 1
    mae = metric("mae", [1.5, 2.0, None], [1.0, 2.0, 4.0])
    assert mae.value == pytest.approx(3.5 / 3)
    assert metric("mae_x1000", [1.5, 2.0, None], [1.0, 2.0, 4.0]).value == pytest.approx(3500 / 3)


def test_regression_is_worse_with_failures_than_without(metric):
    full = metric("mae", [1.1, 2.1, 3.9], [1.0, 2.0, 4.0]).value
    holed = metric("mae", [1.1, 2.1, None], [1.0, 2.0, 4.0]).value
    assert holed > full


def test_mad_mae_ratio(metric):
    golds = [1.0, 2.0, 3.0, 6.0]  # mean 3, MAD = (2+1+0+3)/4 = 1.5
    res = metric("mad_mae_ratio", [1.0, 2.0, 3.0, 5.0], golds)  # MAE = 0.25
    assert res.value == pytest.approx(6.0)
    assert res.details["mad"] == pytest.approx(1.5)
    perfect = metric("mad_mae_ratio", golds, golds)
    assert perfect.value is None and "unbounded" in perfect.reason


def test_pearson_r2_scaled_by_coverage(metric):
    res = metric("pearson_r2", [1.0, 2.0, 3.0, None], [2.0, 4.0, 6.0, 1.0])
    assert res.details["over_parsed"] == pytest.approx(1.0)
    assert res.value == pytest.approx(0.75)


def test_isoform_max_pred_makes_answer_invalid(metric):
    res = metric("pearson_r2", [1.0, 2.0, 3.0, 90.0], [1.0, 2.0, 3.0, 4.0], task="Isoform")
    assert res.n_parsed == 3 and res.value == pytest.approx(0.75)


def test_spearman_and_undefined_correlation(metric):
    assert metric("spearman", [1.0, 5.0, 7.0], [10.0, 20.0, 30.0]).value == pytest.approx(1.0)
    const = metric("spearman", [1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    assert const.value == 0.0 and "undefined" in const.details


def test_pearson_hk_dev_columns(metric):
    preds = [[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]
    golds = [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    assert metric("pearson_hk", preds, golds, kind="numbers").value == pytest.approx(1.0)
    assert metric("pearson_dev", preds, golds, kind="numbers").value == pytest.approx(-1.0)


def test_pearson_r2_mean_three_columns(metric):
    preds = [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]
    golds = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]]
    assert metric("pearson_r2_mean", preds, golds, kind="numbers").value == pytest.approx(1.0)


def test_sirna_mixed_score_hand_computed(metric):
    # pairs (10, 12), (50, 40); invalid item -> coverage 2/3
    # MAE = (2 + 10)/2 = 6; in-range [0,30] preds: 10 -> rangeMAE = 2; labels (<30): gold 1,0 pred 1,0 -> F1 1
    # score = 0.5*(1-0.06) + 0.5*(1-0.02)*1 = 0.96 ; x 2/3
    res = metric("sirna_mixed_score", [10.0, 50.0, None], [12.0, 40.0, 20.0])
    assert res.details["over_parsed"] == pytest.approx(0.96)
    assert res.value == pytest.approx(0.96 * 2 / 3)


def test_accuracy_forced_wrong_and_label_normalisation(metric):
    res = metric("accuracy", [True, "No", None, "Cytoplasm."], ["Yes", "no", "yes", "cytoplasm"])
    assert res.value == pytest.approx(3 / 4) and res.n_parsed == 3


def test_accuracy_label_lists_compare_as_sets(metric):
    res = metric("accuracy", [["1.1.1.1", "2.7.1.1"], ["1.1.1.1"]], [["2.7.1.1", "1.1.1.1"], ["1.1.1.2"]])
    assert res.value == pytest.approx(0.5)


def test_mcc_forced_wrong(metric):
    # gold 1,1,0,0 ; preds 1, unparsed(->0), 0, 0 -> TP1 FN1 TN2 FP0
    res = metric("mcc", [True, None, False, False], [True, True, False, False])
    expected = (1 * 2 - 0 * 1) / math.sqrt((1 + 0) * (1 + 1) * (2 + 0) * (2 + 1))
    assert res.value == pytest.approx(expected)
    assert res.details["over_parsed"] == pytest.approx(1.0)


def test_auc_hard_is_balanced_accuracy(metric):
    res = metric("auc_hard", ["True", "False", "False", "False"], ["True", "True", "False", "False"])
    assert res.value == pytest.approx(0.75)
    one_class = metric("auc", [True, True], [True, True])
    assert one_class.value is None and "single class" in one_class.reason and one_class.comparable is False


def test_precision_recall_f1(metric):
    values, golds = [True, True, False, None], [True, False, True, False]  # None -> forced True (wrong)
    assert metric("precision", values, golds).value == pytest.approx(1 / 3)
    assert metric("recall", values, golds).value == pytest.approx(1 / 2)
    assert metric("f1", values, golds).value == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_macro_auc_multilabel(metric):
    opts = ("m6A", "m5C", "none")
    res = metric(
        "macro_auc_multilabel",
        [["m6A"], ["none"], None],
        [["m6A"], ["none"], ["m5C"]],
        kind="labels",
        options=opts,
    )
    # m6A col: truth 1,0,0 pred 1,0,1 -> AUC 0.75; m5C: truth 0,0,1 pred 0,0,0 -> 0.5; none: 0,1,0 / 0,1,1 -> 0.75
    assert res.value == pytest.approx((0.75 + 0.5 + 0.75) / 3)
    assert res.n_parsed == 2


def test_set_prf(metric):
    values = [["a", "b"], ["x"], None]
    golds = [["b", "c"], ["x"], ["q"]]
    assert metric("set_precision", values, golds, kind="labels").value == pytest.approx((0.5 + 1 + 0) / 3)
    assert metric("set_recall", values, golds, kind="labels").value == pytest.approx((0.5 + 1 + 0) / 3)
    assert metric("set_f1", values, golds, kind="labels").value == pytest.approx((0.5 + 1 + 0) / 3)


def test_set_f1_tuples(metric):
    res = metric("set_f1", [[("Aspirin", "pain")]], [[("aspirin", "Pain"), ("x", "y")]], kind="tuples")
    assert res.value == pytest.approx(2 * 1 * 0.5 / 1.5)
