"""Sequence, generation and material metrics on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from sciReason.evaluation.metrics.materials import smact_valid
from sciReason.evaluation.metrics.seq import normalized_smith_waterman, sequence_identity


def test_smith_waterman_hand_value():
    # BLOSUM45: A/A = 5, W/W = 15. Local alignment of AW vs W = 15; selfscores 20 and 15.
    assert normalized_smith_waterman("AW", "W") == pytest.approx(15 / math.sqrt(20 * 15))
    assert normalized_smith_waterman("MKTAYIAK", "MKTAYIAK") == pytest.approx(1.0)
    assert normalized_smith_waterman("", "MKT") == 0.0


def test_smith_waterman_metric_counts_unparsed_as_zero(metric):
    res = metric("smith_waterman_blosum45", ["MKTAYIAK", None], ["MKTAYIAK", "MKTAYIAK"], kind="protein")
    assert res.value == pytest.approx(0.5) and res.n_parsed == 1
    assert res.details["max"] == pytest.approx(1.0)


def test_validity_uniqueness_novelty_molecules(metric):
    values = ["CCO", "OCC", "c1ccccc1", None, "C1CC"]
    golds = [None] * 5
    val = metric("validity", values, golds, kind="smiles")
    assert val.value == pytest.approx(3 / 5)
    uniq = metric("uniqueness", values, golds, kind="smiles")
    assert uniq.value == pytest.approx(2 / 3)  # CCO and OCC are one molecule after canonicalisation
    nov = metric("novelty", values, golds, kind="smiles", params={"novelty_reference": ["CCO"]})
    assert nov.value == pytest.approx(1 / 5)  # only benzene is valid and new; denominator = all samples
    assert nov.details["novel_over_valid"] == pytest.approx(1 / 3)


def test_rna_validity_is_strict_acgu(metric):
    res = metric("validity", ["ACGU", "ACGT", "acgu", None], [None] * 4, kind="rna")
    assert res.value == pytest.approx(2 / 4)


def test_tool_metrics_say_why_they_are_missing(metric):
    for name, kind in (("rfam_families", "rna"), ("average_plddt", "protein")):
        res = metric(name, ["ACGU"], [None], kind=kind)
        assert res.value is None and res.reason and res.comparable is False


def test_average_length_and_diversity(metric):
    seqs = ["MKTAYIAKQR", "MKTAYIAKQR", "GGGGSSSSAA", None]
    assert metric("average_length", seqs, [None] * 4, kind="protein").value == pytest.approx(10.0)
    div = metric("diversity", seqs, [None] * 4, kind="protein")
    assert div.value == pytest.approx(2 / 3) and div.details["clusters"] == 2
    assert sequence_identity("MKTAYIAKQR", "MKTAYIAKQ") == pytest.approx(0.9)


def test_smact_rules():
    assert smact_valid({"Na": 1, "Cl": 1})
    assert smact_valid({"Fe": 2, "O": 3})
    assert not smact_valid({"Na": 1, "Cl": 2})  # cannot be charge balanced
    assert smact_valid({"Fe": 1, "Ni": 1})  # all-metal alloy
    assert not smact_valid({"He": 1, "O": 1})  # no oxidation states for He


def _mat(els: str, sg: int | None = 225) -> dict:
    return {"elements": els.split(), "space_group": sg, "formula": ""}


def test_smact_validity_over_all_samples(metric):
    res = metric("smact_validity", [_mat("Na Cl"), _mat("Na Cl Cl"), None], [None] * 3, kind="material")
    assert res.value == pytest.approx(1 / 3)
    assert res.details["over_format_valid"] == pytest.approx(1 / 2)


def test_composition_and_element_precision(metric):
    golds = [_mat("Fe Fe O O O"), _mat("Na Cl"), _mat("Ti O O")]
    values = [_mat("Fe O"), _mat("Na Br"), None]
    assert metric("element_precision", values, golds, kind="material").value == pytest.approx(
        (1 + 0.5 + 0) / 3
    )
    # without gold, the required elements come from the input text
    res = metric(
        "composition_precision",
        [_mat("Li Fe P O")],
        [None],
        kind="material",
        inputs=["Generate a material with the composition Li Fe P O4"],
    )
    assert res.value == pytest.approx(1.0)


def test_material_exact_match_and_novelty(metric):
    golds = [_mat("Na Cl"), _mat("Fe Fe O O O", 167)]
    values = [_mat("Cl Na"), _mat("Fe Fe O O O", 12)]
    assert metric("exact_match", values, golds, kind="material").value == pytest.approx(0.5)
    nov = metric("novelty", values, golds, kind="material")
    assert nov.value == pytest.approx(0.5)  # NaCl is one of the gold materials; Fe2O3 in sg 12 is not
