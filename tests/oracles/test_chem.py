"""RDKit chemistry oracles checked against direct RDKit calls, and the score modifiers against their formulas."""

from __future__ import annotations

import math
import os
import sys

import pytest
from rdkit import Chem, DataStructs, RDConfig
from rdkit.Chem import QED, AllChem, Crippen, Descriptors, rdMolDescriptors

from sciReason.oracles import get_oracle
from sciReason.oracles import modifiers as M
from sciReason.oracles.chem import fingerprint, tanimoto

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
MOLS = [ASPIRIN, "CN1CCN(CC1)c1ccc(F)cc1NC(=O)C=C", "O=C(Nc1ccccc1)c1ccccc1", "CCCCCCCCCCCCCCCCCC(=O)O"]


def _sascore(mol: Chem.Mol) -> float:
    sys.path.append(os.path.join(RDConfig.RDContribDir, "SA_Score"))
    import sascorer  # noqa: PLC0415 - RDKit Contrib is not a package

    return sascorer.calculateScore(mol)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("qed", QED.qed),
        ("sa", _sascore),
        ("logp", Crippen.MolLogP),
        ("tpsa", rdMolDescriptors.CalcTPSA),
        ("mw", Descriptors.MolWt),
        ("hbd", rdMolDescriptors.CalcNumHBD),
        ("hba", rdMolDescriptors.CalcNumHBA),
        ("rotb", Descriptors.NumRotatableBonds),
        ("rings", rdMolDescriptors.CalcNumRings),
        ("arom_rings", rdMolDescriptors.CalcNumAromaticRings),
        ("heavy_atoms", lambda m: m.GetNumHeavyAtoms()),
        ("fsp3", rdMolDescriptors.CalcFractionCSP3),
        ("bertz", Descriptors.BertzCT),
    ],
)
def test_descriptors_match_rdkit(name: str, reference) -> None:  # noqa: ANN001
    oracle = get_oracle(name)
    got = oracle(MOLS + ["not a smiles"])
    assert got[-1] is None
    for smi, value in zip(MOLS, got, strict=False):
        assert value == pytest.approx(float(reference(Chem.MolFromSmiles(smi)))), (name, smi)


def test_sa_range_and_direction() -> None:
    sa = get_oracle("sa")
    assert sa.direction == "minimize" and sa.bounds == (1.0, 10.0)
    assert 1.0 <= sa(["CCO"])[0] < 3.0


def test_rule_filters() -> None:
    stearic, aspirin = "CCCCCCCCCCCCCCCCCC(=O)O", ASPIRIN
    big = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O"  # MW > 500 and logP > 5
    assert get_oracle("lipinski_violations")([aspirin, stearic, big]) == [0.0, 1.0, 2.0]
    assert get_oracle("lipinski")([aspirin, stearic, big]) == [1.0, 1.0, 0.0]
    assert get_oracle("veber")([aspirin, big]) == [1.0, 0.0]  # 42 rotatable bonds


def test_structural_alerts() -> None:
    # quinone-like catechol azo dye: PAINS hit; aspirin: clean; an alkyl halide: Brenk alert
    pains = get_oracle("pains")(["Oc1ccc(N=Nc2ccccc2)cc1O", ASPIRIN])
    assert pains[0] >= 1.0 and pains[1] == 0.0
    brenk = get_oracle("brenk")(["CCCCCI", "c1ccccc1"])
    assert brenk[0] >= 1.0 and brenk[1] == 0.0


@pytest.mark.parametrize(
    ("fp", "legacy"),
    [
        ("ecfp4", lambda m: AllChem.GetMorganFingerprint(m, 2)),
        ("ecfp6", lambda m: AllChem.GetMorganFingerprint(m, 3)),
        ("fcfp4", lambda m: AllChem.GetMorganFingerprint(m, 2, useFeatures=True)),
        ("fcfp6", lambda m: AllChem.GetMorganFingerprint(m, 3, useFeatures=True)),
        ("ap", lambda m: AllChem.GetAtomPairFingerprint(m, maxLength=10)),
    ],
)
def test_count_fingerprints_equal_guacamols_legacy_ones(fp: str, legacy) -> None:  # noqa: ANN001
    ref = Chem.MolFromSmiles(ASPIRIN)
    sim = get_oracle("sim", ASPIRIN, fp=fp)
    got = sim(MOLS)
    for smi, value in zip(MOLS, got, strict=True):
        expect = DataStructs.TanimotoSimilarity(legacy(Chem.MolFromSmiles(smi)), legacy(ref))
        assert value == pytest.approx(expect, abs=1e-12)


def test_bit_fingerprints_and_defaults() -> None:
    a, b = Chem.MolFromSmiles(MOLS[1]), Chem.MolFromSmiles(MOLS[2])
    bit = get_oracle("sim", MOLS[1], count=False)([MOLS[2]])[0]
    gen = AllChem.GetMorganGenerator(radius=2, fpSize=2048)
    assert bit == pytest.approx(DataStructs.TanimotoSimilarity(gen.GetFingerprint(a), gen.GetFingerprint(b)))
    maccs = get_oracle("sim", MOLS[1], fp="maccs")([MOLS[2]])[0]
    from rdkit.Chem import MACCSkeys

    assert maccs == pytest.approx(
        DataStructs.TanimotoSimilarity(MACCSkeys.GenMACCSKeys(a), MACCSkeys.GenMACCSKeys(b))
    )
    for kind in ("tt", "rdkit", "phco"):
        assert tanimoto(fingerprint(a, kind), fingerprint(a, kind)) == pytest.approx(1.0)
    assert get_oracle("sim", ASPIRIN)([ASPIRIN])[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown fingerprint"):
        get_oracle("sim", ASPIRIN, fp="ecfp5")


def test_smarts_present_absent() -> None:
    acid = "[CX3](=O)[OX2H1]"
    assert get_oracle("smarts", acid)([ASPIRIN, "CCO", "bad("]) == [1.0, 0.0, None]
    assert get_oracle("no_smarts", acid)([ASPIRIN, "CCO"]) == [0.0, 1.0]
    with pytest.raises(ValueError, match="SMARTS"):
        get_oracle("smarts", "[C")


def test_formula_isomer_and_atom_count() -> None:
    assert get_oracle("formula", "C9H8O4")([ASPIRIN, "CCO"]) == [1.0, 0.0]
    assert get_oracle("isomer", "C9H8O4")([ASPIRIN])[0] == pytest.approx(1.0)
    # ethanol vs C9H8O4: C 2 vs 9, H 6 vs 8, O 1 vs 4, total 9 vs 21 (hand computed)
    g = [math.exp(-0.5 * d * d) for d in (7, 2, 3)] + [math.exp(-0.5 * (12 / 2) ** 2)]
    assert get_oracle("isomer", "C9H8O4")(["CCO"])[0] == pytest.approx(math.prod(g) ** 0.25)
    assert get_oracle("isomer", "C9H8O4", mean="arithmetic")(["CCO"])[0] == pytest.approx(sum(g) / 4)
    assert get_oracle("atom_count", "H")(["CCO"]) == [6.0]
    assert get_oracle("atom_count", "F")([MOLS[1]]) == [1.0]
    with pytest.raises(ValueError):
        get_oracle("isomer", "not a formula")
    with pytest.raises(ValueError):
        get_oracle("atom_count", "Xx")


def test_validity_reports_zero_for_invalid() -> None:
    assert get_oracle("valid")(["CCO", "C1CC", ""]) == [1.0, 0.0, 0.0]


# --- modifiers (GuacaMol semantics, hand-computed values) ---------------------------------------------


def test_modifiers() -> None:
    assert M.Gaussian(2, 0.5)(3) == pytest.approx(math.exp(-2))
    assert M.MinGaussian(1, 1)(0.2) == 1.0 and M.MinGaussian(1, 1)(3) == pytest.approx(math.exp(-2))
    assert M.MaxGaussian(100, 10)(120) == 1.0 and M.MaxGaussian(100, 10)(90) == pytest.approx(math.exp(-0.5))
    assert (
        M.Clipped(0.75)(0.3) == pytest.approx(0.4)
        and M.Clipped(0.75)(0.9) == 1.0
        and M.Clipped(0.75)(-1) == 0.0
    )
    assert M.Clipped(upper_x=0.0, lower_x=1.0)(0.25) == pytest.approx(0.75)  # decreasing ramp
    assert M.SmoothClipped(1.0)(0.5) == pytest.approx(0.5)
    assert M.Thresholded(0.5)(0.25) == 0.5 and M.Thresholded(0.5)(2) == 1.0
    assert M.Chained((M.Linear(2), M.Thresholded(1)))(0.25) == 0.5
    assert M.Between(2, 3, 1)(2.5) == 1.0 and M.Between(2, 3, 1)(4) == pytest.approx(math.exp(-0.5))
    assert M.AtLeast(0.8, 0.1)(0.6) == pytest.approx(math.exp(-2)) and M.AtMost(3, 1)(2) == 1.0
    assert M.Rescale(10, 1)(1) == 1.0 and M.Rescale(10, 1)(10) == 0.0 and M.Rescale(0, 2)(5) == 1.0
    with pytest.raises(ValueError):
        M.Clipped(1.0, 1.0)


def test_aggregation() -> None:
    assert M.geometric_mean([0.25, 1.0]) == pytest.approx(0.5)
    assert M.geometric_mean([0.0, 1.0]) == 0.0
    assert M.geometric_mean([0.25, 1.0], [2, 1]) == pytest.approx(0.25 ** (2 / 3))
    assert M.arithmetic_mean([0.0, 1.0], [1, 3]) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        M.geometric_mean([])
