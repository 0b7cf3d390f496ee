"""Every registered oracle term and a few objectives pass the contract suite (sciReason.testing.oracles)."""

from __future__ import annotations

import pytest

from sciReason.oracles import get_oracle, list_oracles, parse_target
from sciReason.testing.oracles import check_objective, check_oracle

MOLECULES = ["CC(=O)Oc1ccccc1C(=O)O", "c1ccc2[nH]ccc2c1", "CCN(CC)CCOC(=O)c1ccc(N)cc1"]
BAD_MOLECULES = ["C1CC", "not a smiles", ""]
PROTEINS = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "GSHMSLFDFFKNKGSAAATPEEIKG"]
BAD_PROTEINS = ["MK1TAY", "", "HELLO WORLD!"]

# arguments for terms that need them; anything else is built with no arguments (a TypeError is a failure:
# add the term here)
ARGS: dict[str, tuple[tuple, dict]] = {
    "sim": (("CCO",), {}),
    "smarts": (("c1ccccc1",), {}),
    "no_smarts": (("c1ccccc1",), {}),
    "atom_count": (("N",), {}),
    "isomer": (("C9H8O4",), {}),
    "formula": (("C9H8O4",), {}),
    "composition": (("KR",), {}),
    "motif": (("MK",), {}),
    "maxdist": (("MKTAYIAKQR",), {}),
    "ehrlich": ((), {"L": 32, "c": 2, "k": 4}),
    "dock": (("6CM4",), {"size": 14, "exhaustiveness": 1, "n_jobs": 1}),
}
# terms that need an optional extra: skipped (with the install command) only when it is absent
EXTRAS: dict[str, tuple[str, ...]] = {
    "dock": ("vina", "meeko", "gemmi", "molscore"),  # 6CM4 is one of molscore's example receptors
    "drd2": ("molscore",),
    "gsk3b": ("molscore",),
    "jnk3": ("molscore",),
}
# `model` needs a backend: its contract check runs in test_model_parallel.py with a scripted backend.
TERMS = sorted(i.name for i in list_oracles(kind="term") if i.name != "model")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.extra(*EXTRAS[n])) if n in EXTRAS else n for n in TERMS]
)
def test_registered_term_passes_contract(name: str) -> None:
    args, kwargs = ARGS.get(name, ((), {}))
    oracle = get_oracle(name, *args, **kwargs)
    try:
        _check_term(name, oracle)
    finally:
        if hasattr(oracle, "close"):
            oracle.close()


def _check_term(name: str, oracle: object) -> None:
    if hasattr(oracle, "optimal_solution"):  # closed-form sequence functions: most sequences are infeasible
        check_oracle(oracle, valid=[oracle.optimal_solution(), *oracle.sample(2)], invalid=BAD_PROTEINS)
    elif oracle.domain == "protein":
        check_oracle(oracle, valid=PROTEINS, invalid=BAD_PROTEINS)
    elif name == "valid":
        check_oracle(oracle, valid=MOLECULES, invalid=BAD_MOLECULES, invalid_value=0.0)
    else:
        check_oracle(oracle, valid=MOLECULES, invalid=BAD_MOLECULES)


@pytest.mark.parametrize(
    "target",
    [
        "qed>0.8, sa<3, logp=2..3, sim(CC(=O)Oc1ccccc1C(=O)O)>0.4",
        "pareto:qed, tpsa=60..90",
        "celecoxib_rediscovery, pains=0",
        "qed*3, lipinski",
    ],
)
def test_target_objectives_pass_contract(target: str) -> None:
    check_objective(parse_target(target), valid=MOLECULES, invalid=BAD_MOLECULES)


def test_protein_target_passes_contract() -> None:
    check_objective(parse_target("protein:gravy<0,pi=6..8"), valid=PROTEINS, invalid=BAD_PROTEINS)


def test_contract_catches_a_fake_zero() -> None:
    """The suite must fail an oracle that hides errors as 0 (a test that cannot fail is worthless)."""

    class Sloppy:
        name, direction, description, domain = "sloppy", "maximize", "returns 0 on error", "molecule"

        def __call__(self, cands: list[str]) -> list[float | None]:
            from rdkit import Chem

            return [0.0 if Chem.MolFromSmiles(c) is None else 1.0 for c in cands]

    with pytest.raises(AssertionError, match="invalid candidate"):
        check_oracle(Sloppy(), valid=MOLECULES, invalid=["C1CC"])


def test_contract_catches_batch_dependence() -> None:
    class Normalising:
        name, direction, description, domain = "norm", "maximize", "divides by the batch max", "molecule"

        def __call__(self, cands: list[str]) -> list[float | None]:
            lens = [float(len(c)) for c in cands]
            top = max(lens, default=1.0)
            return [v / top for v in lens]

    with pytest.raises(AssertionError):
        check_oracle(Normalising(), valid=MOLECULES)
