"""PMO objectives: known points, hand-computed values, and a cross-check against GuacaMol itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import QED, AllChem, Descriptors, rdMolDescriptors

from sciReason.errors import TargetSyntaxError
from sciReason.oracles import parse_target, pmo
from sciReason.oracles.pmo import PMO_TASKS, pmo_objective
from sciReason.testing.oracles import check_objective

RDLogger.DisableLog("rdApp.*")

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_twenty_tasks() -> None:
    assert len(PMO_TASKS) == 20
    assert {"drd2", "gsk3b", "jnk3"}.isdisjoint(PMO_TASKS)


@pytest.mark.parametrize("task", PMO_TASKS)
def test_contract(task: str) -> None:
    check_objective(pmo_objective(task), valid=[ASPIRIN, "c1ccccc1", "CCO"], invalid=["C1CC", "", "xyz"])


@pytest.mark.parametrize(
    ("task", "smiles"),
    [
        ("celecoxib_rediscovery", pmo.CELECOXIB),
        ("troglitazone_rediscovery", pmo.TROGLITAZONE),
        ("thiothixene_rediscovery", pmo.THIOTHIXENE),
        ("albuterol_similarity", pmo.ALBUTEROL),
        ("mestranol_similarity", pmo.MESTRANOL),
        # another spelling of the same molecule scores the same
        ("celecoxib_rediscovery", Chem.MolToSmiles(Chem.MolFromSmiles(pmo.CELECOXIB))),
    ],
)
def test_target_scores_one_on_its_own_task(task: str, smiles: str) -> None:
    assert pmo_objective(task)([smiles])[0] == pytest.approx(1.0)


def test_true_isomers_score_one() -> None:
    # Nc1ccc(cc1N)C(=O)O is C7H8N2O2; the *_prev (TDC pre-fix) logic gave it 0.007.
    assert Chem.rdMolDescriptors.CalcMolFormula(Chem.MolFromSmiles("Nc1ccc(cc1N)C(=O)O")) == "C7H8N2O2"
    assert pmo_objective("isomers_c7h8n2o2")(["Nc1ccc(cc1N)C(=O)O"])[0] == pytest.approx(1.0)
    iso = "OC(=O)c1c(F)c(F)c(CP)c(Cl)c1CNN"
    assert Chem.rdMolDescriptors.CalcMolFormula(Chem.MolFromSmiles(iso)) == "C9H10ClF2N2O2P"
    assert pmo_objective("isomers_c9h10n2o2pf2cl")([iso])[0] == pytest.approx(1.0)
    # one H short (C9H8...): below 1
    assert pmo_objective("isomers_c9h10n2o2pf2cl")(["NC(=O)c1c(F)c(F)c(P)c(Cl)c1CC(N)=O"])[0] < 0.8


def _gauss(x: float, mu: float, sigma: float) -> float:
    return math.exp(-0.5 * ((x - mu) / sigma) ** 2)


def _old_sim(a: Chem.Mol, b: Chem.Mol, kind: str) -> float:
    """Independent fingerprints: RDKit's legacy API, exactly what GuacaMol calls."""
    fps = {
        "ecfp4": lambda m: AllChem.GetMorganFingerprint(m, 2),
        "ecfp6": lambda m: AllChem.GetMorganFingerprint(m, 3),
        "fcfp4": lambda m: AllChem.GetMorganFingerprint(m, 2, useFeatures=True),
        "ap": lambda m: AllChem.GetAtomPairFingerprint(m, maxLength=10),
    }[kind]
    return DataStructs.TanimotoSimilarity(fps(a), fps(b))


@pytest.mark.parametrize("smiles", [ASPIRIN, "CN1CCN(CC1)c1ccc(F)cc1NC(=O)C=C", "FC(F)(F)c1ccc(cc1)N1CCOCC1"])
def test_hand_computed_mpo_values(smiles: str) -> None:
    mol = Chem.MolFromSmiles(smiles)
    logp, tpsa = Descriptors.MolLogP(mol), Descriptors.TPSA(mol)

    osi = Chem.MolFromSmiles(pmo.OSIMERTINIB)
    parts = [
        min(1.0, max(0.0, _old_sim(mol, osi, "fcfp4") / 0.8)),
        _gauss(max(_old_sim(mol, osi, "ecfp6"), 0.85), 0.85, 0.1),
        _gauss(min(tpsa, 100), 100, 10),
        _gauss(max(logp, 1), 1, 1),
    ]
    assert pmo_objective("osimertinib_mpo")([smiles])[0] == pytest.approx(
        float(np.prod(parts) ** 0.25), rel=1e-9
    )

    ran = Chem.MolFromSmiles(pmo.RANOLAZINE)
    n_f = sum(a.GetSymbol() == "F" for a in mol.GetAtoms())
    parts = [
        min(1.0, _old_sim(mol, ran, "ap") / 0.7),
        _gauss(min(logp, 7), 7, 1),
        _gauss(n_f, 1, 1),
        _gauss(min(tpsa, 95), 95, 20),
    ]
    assert pmo_objective("ranolazine_mpo")([smiles])[0] == pytest.approx(
        float(np.prod(parts) ** 0.25), rel=1e-9
    )

    amlo = Chem.MolFromSmiles(pmo.AMLODIPINE)
    expect = math.sqrt(_old_sim(mol, amlo, "ecfp4") * _gauss(rdMolDescriptors.CalcNumRings(mol), 3, 0.5))
    assert pmo_objective("amlodipine_mpo")([smiles])[0] == pytest.approx(expect, rel=1e-9)

    assert pmo_objective("qed")([smiles])[0] == pytest.approx(QED.qed(mol))

    sita = Chem.MolFromSmiles(pmo.SITAGLIPTIN)
    molh = Chem.AddHs(mol)
    symbols = [a.GetSymbol() for a in molh.GetAtoms()]
    formula = {"C": 16, "H": 15, "F": 6, "N": 5, "O": 1}
    iso = [_gauss(symbols.count(el), n, 1.0) for el, n in formula.items()] + [
        _gauss(len(symbols), sum(formula.values()), 2.0)
    ]
    parts = [
        _gauss(_old_sim(mol, sita, "ecfp4"), 0, 0.1),
        _gauss(logp, Descriptors.MolLogP(sita), 0.2),
        _gauss(tpsa, Descriptors.TPSA(sita), 5),
        float(np.prod(iso) ** (1 / len(iso))),
    ]
    assert pmo_objective("sitagliptin_mpo")([smiles])[0] == pytest.approx(
        float(np.prod(parts) ** 0.25), rel=1e-9
    )


def test_hop_tasks_are_arithmetic_means() -> None:
    # The hop start molecule: full pharmacophore similarity, keeps the scaffold, has both decorations.
    deco = pmo_objective("deco_hop").score([pmo.HOP_START])[0]
    assert deco.desirabilities == pytest.approx((1.0, 0.0, 0.0, 1.0))
    assert deco.value == pytest.approx(0.5)
    scaf = pmo_objective("scaffold_hop").score([pmo.HOP_START])[0]
    assert scaf.desirabilities == pytest.approx((1.0, 1.0, 0.0))
    assert scaf.value == pytest.approx(2 / 3)


def test_valsartan_smarts_needs_the_substructure() -> None:
    rec = pmo_objective("valsartan_smarts").score([pmo.SITAGLIPTIN_VALSARTAN])[0]
    assert rec.desirabilities[0] == 0.0 and rec.value == 0.0
    assert rec.desirabilities[1:] == pytest.approx((1.0, 1.0, 1.0))  # sitagliptin's own properties


def test_prefix_and_term_forms() -> None:
    obj = parse_target("pmo:zaleplon_mpo")
    assert obj is pmo_objective("zaleplon_mpo")
    combo = parse_target("zaleplon_mpo, sa<4")
    assert combo.term_names == ("zaleplon_mpo", "sa")
    with pytest.raises(TargetSyntaxError) as info:
        parse_target("pmo:zaleplon")
    assert info.value.token == "zaleplon" and "zaleplon_mpo" in str(info.value)


@pytest.mark.extra("guacamol", "tqdm")
def test_cross_check_against_guacamol(guacamol_benchmarks, zinc_sample: list[str]) -> None:  # noqa: ANN001
    """Every task equals GuacaMol 0.5.5's scoring function on 25 ZINC molecules and the references."""
    sb = guacamol_benchmarks
    ref = {
        "albuterol_similarity": sb.similarity(pmo.ALBUTEROL, "Albuterol", fp_type="FCFP4", threshold=0.75),
        "mestranol_similarity": sb.similarity(pmo.MESTRANOL, "Mestranol", fp_type="AP", threshold=0.75),
        "celecoxib_rediscovery": sb.similarity(
            pmo.CELECOXIB, "C", fp_type="ECFP4", threshold=1.0, rediscovery=True
        ),
        "troglitazone_rediscovery": sb.similarity(
            pmo.TROGLITAZONE, "T", fp_type="ECFP4", threshold=1.0, rediscovery=True
        ),
        "thiothixene_rediscovery": sb.similarity(
            pmo.THIOTHIXENE, "T", fp_type="ECFP4", threshold=1.0, rediscovery=True
        ),
        "isomers_c7h8n2o2": sb.isomers_c7h8n2o2(),
        "isomers_c9h10n2o2pf2cl": sb.isomers_c9h10n2o2pf2cl(),
        "median1": sb.median_camphor_menthol(),
        "median2": sb.median_tadalafil_sildenafil(),
        "osimertinib_mpo": sb.hard_osimertinib(),
        "fexofenadine_mpo": sb.hard_fexofenadine(),
        "ranolazine_mpo": sb.ranolazine_mpo(),
        "perindopril_mpo": sb.perindopril_rings(),
        "amlodipine_mpo": sb.amlodipine_rings(),
        "sitagliptin_mpo": sb.sitagliptin_replacement(),
        "zaleplon_mpo": sb.zaleplon_with_other_formula(),
        "valsartan_smarts": sb.valsartan_smarts(),
        "deco_hop": sb.decoration_hop(),
        "scaffold_hop": sb.scaffold_hop(),
        "qed": sb.qed_benchmark(),
    }
    assert set(ref) == set(PMO_TASKS)
    refs = [
        pmo.CELECOXIB,
        pmo.OSIMERTINIB,
        pmo.HOP_START,
        pmo.SITAGLIPTIN,
        pmo.RANOLAZINE,
        "Nc1ccc(cc1N)C(=O)O",
    ]
    smiles = zinc_sample[:25] + refs  # GuacaMol itself is slow (~10 ms per molecule and task)
    for task, bench in ref.items():
        theirs = bench.objective.score_list(smiles)
        ours = pmo_objective(task)(smiles)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12, err_msg=task)
