"""Molecule metrics on hand-computed cases, including invalid answers (which must count as failures)."""

from __future__ import annotations

import pytest

from sciReason.evaluation.metrics.chem import inchi_set, levenshtein_distance, tanimoto


def test_top1_exact_match_uses_inchi_and_counts_failures(metric):
    # ethanol written two ways matches; a wrong molecule and an unparsed answer are misses.
    res = metric(
        "top1_exact_match",
        ["OCC", "CCN", None, "c1ccccc1"],
        ["CCO", "CCO", "CCO", "C1=CC=CC=C1"],
        kind="smiles",
    )
    assert res.value == pytest.approx(2 / 4)
    assert (res.n, res.n_parsed, res.coverage) == (4, 3, 0.75)
    assert res.details["mean_over_parsed"] == pytest.approx(2 / 3)
    assert res.per_item == [1.0, 0.0, None, 1.0]


def test_exact_match_component_order_and_alternative_golds(metric):
    res = metric("top1_exact_match", ["CCO.O", "CC"], [("O.CCO",), ("CCC", "CC")], kind="smiles")
    assert res.value == 1.0


def test_top5_any_candidate(metric):
    cands = [["CCC", None, "CCO"], [None, None], ["CCN"]]
    res = metric(
        "top5_exact_match", ["CCC", None, "CCN"], ["CCO", "CCO", "CCO"], kind="smiles", candidates=cands
    )
    assert res.value == pytest.approx(1 / 3)
    top1 = metric(
        "top1_exact_match", ["CCC", None, "CCN"], ["CCO", "CCO", "CCO"], kind="smiles", candidates=cands
    )
    assert top1.value == 0.0


def test_unusable_gold_is_excluded_and_counted(metric):
    res = metric("top1_exact_match", ["CCO", "CCO"], ["CCO", "C1CC"], kind="smiles")
    assert res.value == 1.0 and res.n == 1 and res.details["n_gold_unusable"] == 1


def test_fingerprint_similarity_invalid_scores_zero(metric):
    # identical -> 1, invalid -> 0 in the headline, excluded from mean_over_parsed (reference style)
    res = metric("morgan_count_fts", ["CCO", None], ["CCO", "CCO"], kind="smiles")
    assert res.value == pytest.approx(0.5)
    assert res.details["mean_over_parsed"] == pytest.approx(1.0)
    assert res.comparable is False  # one answer did not parse, so the reference would differ


def test_fingerprint_similarity_hand_value():
    # Morgan count fp, radius 2, ethoxybenzene vs 2-ethoxytoluene: checked against RDKit's own Tanimoto.
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2)
    a, b = (gen.GetSparseCountFingerprint(Chem.MolFromSmiles(s)) for s in ("CCOc1ccccc1", "CCOc1ccccc1C"))
    assert tanimoto("CCOc1ccccc1", "CCOc1ccccc1C", "morgan_count") == pytest.approx(
        DataStructs.TanimotoSimilarity(a, b)
    )
    assert tanimoto("CCOc1ccccc1", "CCOc1ccccc1C", "morgan_count") == pytest.approx(0.5)
    assert tanimoto("CCO", "not a smiles", "maccs") is None


def test_fts_comparable_when_everything_parses(metric):
    res = metric("maccs_fts", ["CCO", "CCN"], ["CCO", "CCO"], kind="smiles")
    assert res.comparable is True


def test_validity_uses_rdkit(metric):
    res = metric("validity", ["CCO", None, "C1CC"], [None, None, None], kind="smiles")
    assert res.value == pytest.approx(1 / 3)


def test_element_match(metric):
    res = metric("top1_element_match", ["H8C5", "C5H8", "C5H9", None], ["C5H8"] * 4)
    assert res.value == pytest.approx(2 / 4) and res.n_parsed == 3


def test_split_match(metric):
    res = metric("top1_split_match", ["b;a", "a", None], ["a; b", "a;b", "a"])
    assert res.value == pytest.approx(1 / 3)


def test_uspto_topk_maxfrag_invalid_rate(metric):
    gold = ["CC(=O)O.OCC", "CCN"]
    cands = [["[CH3:1]C(=O)O.OCC", "CCC"], ["C1CC", "CCN"]]
    values = [c[0] for c in cands]
    assert metric("top1_accuracy", values, gold, kind="smiles", candidates=cands).value == pytest.approx(0.5)
    assert metric("top3_accuracy", values, gold, kind="smiles", candidates=cands).value == pytest.approx(1.0)
    assert metric("maxfrag_top1", values, gold, kind="smiles", candidates=cands).value == pytest.approx(0.5)
    inv = metric("invalid_rate", values, gold, kind="smiles", candidates=cands)
    assert inv.value == pytest.approx(0.5) and inv.n_parsed == 1


def test_levenshtein_failure_counts_full_length(metric):
    assert levenshtein_distance("kitten", "sitting") == 3
    res = metric("levenshtein", ["CCN", None], ["CCO", "CCO"], kind="smiles")
    assert res.value == pytest.approx((1 + 3) / 2)  # CCN->CCO: 1 edit; unparsed: len('CCO') = 3


def test_selfies_bleu_perfect_and_empty(metric):
    assert metric("selfies_bleu", ["c1ccccc1O"], ["Oc1ccccc1"], kind="smiles").value == pytest.approx(1.0)
    res = metric("selfies_bleu", ["c1ccccc1O", None], ["Oc1ccccc1", "CCO"], kind="smiles")
    assert res.value < 1.0 and res.n_parsed == 1


def test_molecule_exact_match_denominator_is_all_items(metric):
    res = metric("exact_match", ["CCO", None, None, None], ["CCO"] * 4, kind="smiles")
    assert res.value == pytest.approx(0.25)  # the reference would report 1.0 (1 of 1 valid)


def test_inchi_set_invalid_component():
    assert inchi_set("CCO.C1CC") is None
    assert inchi_set("CCO.O") == inchi_set("O.OCC")
