"""Model-backed oracles through a real Client + ScriptedBackend, and process-parallel scoring."""

from __future__ import annotations

import re

import pytest
from rdkit import Chem

from sciReason.backends import ScriptedBackend
from sciReason.client import Client
from sciReason.errors import TargetSyntaxError
from sciReason.oracles import get_oracle, parse_target
from sciReason.oracles.model import ModelOracle
from sciReason.oracles.parallel import ParallelObjective
from sciReason.testing.oracles import check_objective, check_oracle

ESOL = "smol_property_prediction-esol"
BBBP = "smol_property_prediction-bbbp"


def _smiles_of(request) -> str:  # noqa: ANN001
    return re.search(r"<SMILES>\s*(\S+)\s*</SMILES>", request.messages[-1].content).group(1)


class RecordingBackend(ScriptedBackend):
    """ScriptedBackend that records the size of every batch it receives."""

    def __init__(self, handler) -> None:  # noqa: ANN001
        super().__init__(handler)
        self.batches: list[int] = []

    def complete(self, requests):  # noqa: ANN001, ANN201
        self.batches.append(len(requests))
        return super().complete(requests)


def _esol_answer(request) -> str:  # noqa: ANN001
    smi = _smiles_of(request)
    if smi == "CCCCCC":
        return "I am not sure."  # unparsable answer -> None, not 0
    return f"<NUMBER> {-Chem.MolFromSmiles(smi).GetNumHeavyAtoms() / 4:.2f} </NUMBER>"


def test_predict_task_as_oracle_batched() -> None:
    backend = RecordingBackend(_esol_answer)
    oracle = ModelOracle(ESOL, client=Client(backend))
    out = oracle(["CCO", "c1ccccc1", "not a smiles", "CCCCCC"])
    assert out == [-0.75, -1.5, None, None]
    assert backend.batches == [3]  # one batched request for the valid inputs
    assert oracle.domain == "molecule" and oracle.bounds is None
    check_oracle(oracle, valid=["CCO", "CCN"], invalid=["C1CC"])


def test_classify_task_in_a_target() -> None:
    def answer(request) -> str:  # noqa: ANN001
        return "<BOOLEAN> yes </BOOLEAN>" if "N" in _smiles_of(request) else "<BOOLEAN> no </BOOLEAN>"

    client = Client(ScriptedBackend(answer))
    oracle = ModelOracle(BBBP, client=client)
    assert oracle(["CCN", "CCO"]) == [1.0, 0.0]
    assert oracle.bounds == (0.0, 1.0)
    obj = parse_target(f"model(task={BBBP}, backend=scripted)>0.5, qed>0.3")
    assert obj.term_names[0] == f"model(task={BBBP}, backend=scripted)"
    obj.terms[0].oracle._client = client  # the scripted backend needs a handler: inject the test's client
    check_objective(obj, valid=["CCN", "CCO"], invalid=["C1CC"])
    assert obj.score(["CCN"])[0].desirabilities[0] == 1.0


def test_model_oracle_argument_errors() -> None:
    with pytest.raises(ValueError, match="predict or classify"):
        get_oracle("model", task="smol_name_conversion-s2i")
    with pytest.raises(TargetSyntaxError, match="bad arguments"):
        parse_target("model(task=no_such_task)>0.5")


def _factory():  # noqa: ANN202 - module-level, so it pickles into the workers
    return parse_target("pmo:osimertinib_mpo")


def test_parallel_objective_matches_serial() -> None:
    smiles = ["CCO", "c1ccccc1", "bad(", "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34"] * 3
    serial = parse_target("pmo:osimertinib_mpo")
    with ParallelObjective("pmo:osimertinib_mpo", n_workers=2, chunk_size=4, mp_context="fork") as par:
        assert par(smiles) == serial(smiles)
        assert par.term_names == serial.term_names and par([]) == []
    with ParallelObjective(_factory, n_workers=1, mp_context="fork") as par:
        recs = par.score(smiles[:2])
        assert [r.terms for r in recs] == [r.terms for r in serial.score(smiles[:2])]
    with pytest.raises(TargetSyntaxError):
        ParallelObjective("qde>1", n_workers=1)
