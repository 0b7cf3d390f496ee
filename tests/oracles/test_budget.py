"""The PMO budget/cache wrapper and the AUC metric."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sciReason.errors import BudgetExhaustedError, InputError
from sciReason.oracles import BudgetedOracle, parse_target, top_auc
from sciReason.oracles.budget import pmo_metrics


class CountingOracle:
    """A real batch oracle (heavy-atom count / 10) that records what it was asked to score."""

    name = "counting"
    direction = "maximize"
    description = "heavy atoms / 10"
    domain = "molecule"

    def __init__(self, fail: Sequence[str] = ()) -> None:
        self.calls: list[list[str]] = []
        self.fail = set(fail)

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        from rdkit import Chem

        self.calls.append(list(candidates))
        return [None if c in self.fail else Chem.MolFromSmiles(c).GetNumHeavyAtoms() / 10 for c in candidates]


def test_canonical_dedup_and_invalid_not_counted() -> None:
    inner = CountingOracle()
    oracle = BudgetedOracle(inner, budget=100)
    out = oracle(["CCO", "OCC", "C(O)C", "not-a-smiles", "", "c1ccccc1"])
    assert out == [0.3, 0.3, 0.3, 0.0, 0.0, 0.6]  # invalid -> 0 (PMO)
    assert oracle.n_calls == 2 and oracle.n_invalid == 2 and oracle.n_duplicates == 2
    assert inner.calls == [["CCO", "c1ccccc1"]]  # one batched call, canonical SMILES, each once
    assert oracle.buffer == {"CCO": (0.3, 1), "c1ccccc1": (0.6, 2)}
    assert oracle(["OCC"]) == [0.3] and len(inner.calls) == 1  # cached: no new call
    assert oracle.n_calls == 2


def test_hard_budget_and_call_index() -> None:
    inner = CountingOracle()
    oracle = BudgetedOracle(inner, budget=3)
    out = oracle(["C", "CC", "CCC", "CCCC", "CCCCC"])
    assert out == [0.1, 0.2, 0.3, 0.0, 0.0]
    assert oracle.exhausted and oracle.n_calls == 3 and oracle.remaining == 0
    assert [v[1] for v in oracle.buffer.values()] == [1, 2, 3]
    assert oracle(["CCCCCC", "CC"]) == [0.0, 0.2]  # new -> 0 after exhaustion, duplicate -> cached
    assert sum(len(c) for c in inner.calls) == 3
    strict = BudgetedOracle(CountingOracle(), budget=1, raise_when_exhausted=True)
    strict(["C"])
    with pytest.raises(BudgetExhaustedError):
        strict(["CC"])


def test_unscorable_valid_candidate_is_counted_and_kept_as_none() -> None:
    oracle = BudgetedOracle(CountingOracle(fail={"CC"}), budget=10)
    assert oracle(["CC", "C"]) == [None, 0.1]
    assert oracle.n_calls == 2 and oracle.buffer["CC"] == (None, 1)
    assert oracle.metrics()["avg_top1"] == pytest.approx(0.1)


def test_preload_resumes_without_double_counting() -> None:
    inner = CountingOracle()
    oracle = BudgetedOracle(inner, budget=5)
    history = [("CCO", 0.3), ("OCC", 0.3), ("bad(", 0.0), ("c1ccccc1", 0.6)]
    assert oracle.preload(history) == 2
    assert oracle.preload(history) == 0  # loading the same history again changes nothing
    assert oracle.n_calls == 2 and inner.calls == []
    assert oracle(["CCO", "CCN"]) == [0.3, 0.3]
    assert inner.calls == [["CCN"]] and oracle.buffer["CCN"] == (0.3, 3)
    with pytest.raises(InputError):
        BudgetedOracle(inner, budget=1).preload([("C", 0.1), ("CC", 0.2)])


def test_objective_records_are_kept() -> None:
    oracle = BudgetedOracle(parse_target("qed>0.5, sa<4"), budget=10)
    recs = oracle.score(["CCO", "xx"])
    assert recs[1] is None
    assert recs[0] is not None and set(recs[0].terms) == {"qed", "sa"}
    assert oracle.records["CCO"] is recs[0]


def test_protein_keys_are_normalised() -> None:
    class Length:
        name, direction, description, domain = "len", "maximize", "length", "protein"

        def __call__(self, cands: Sequence[str]) -> list[float | None]:
            return [float(len(c)) for c in cands]

    oracle = BudgetedOracle(Length(), budget=10)
    assert oracle(["mkt ay", "MKTAY", "MK1"]) == [5.0, 5.0, 0.0]
    assert oracle.n_calls == 1 and "MKTAY" in oracle.buffer


def test_top_auc_by_hand() -> None:
    buffer = {f"m{i}": (s, i + 1) for i, s in enumerate([0.1, 0.5, 0.3, 0.9, 0.2])}
    # checkpoints at 2 and 4 calls (top-2 means 0.3 and 0.7), last segment to 5 calls (0.7):
    # 2*(0.3+0)/2 + 2*(0.7+0.3)/2 + 1*(0.7+0.7)/2 = 2.0; finish adds 1*0.7 for the unused call.
    assert top_auc(buffer, 2, False, freq_log=2, max_oracle_calls=6) == pytest.approx(2.0 / 6)
    assert top_auc(buffer, 2, True, freq_log=2, max_oracle_calls=6) == pytest.approx(2.7 / 6)
    assert top_auc({}, 10, True) == 0.0


def test_top_auc_constant_scores() -> None:
    # constant s over the full budget: the first 100-call segment ramps up from 0, so AUC = 0.95 s.
    buffer = {f"m{i}": (0.8, i + 1) for i in range(1000)}
    assert top_auc(buffer, 10, True, freq_log=100, max_oracle_calls=1000) == pytest.approx(0.95 * 0.8)
    # stopping after 500 calls with finish=True extends the last value flat to the budget
    half = {k: v for k, v in buffer.items() if v[1] <= 500}
    assert top_auc(half, 10, True, 100, 1000) == pytest.approx(0.5 * 0.8 * 0.9 + 0.5 * 0.8)
    metrics = pmo_metrics(buffer, finish=True, max_oracle_calls=1000)
    assert metrics["avg_top10"] == pytest.approx(0.8) and metrics["n_calls"] == 1000


def test_call_index_order_not_insertion_order_defines_the_curve() -> None:
    a = {"x": (1.0, 2), "y": (0.0, 1)}
    b = {"y": (0.0, 1), "x": (1.0, 2)}
    assert top_auc(a, 1, True, 1, 4) == top_auc(b, 1, True, 1, 4)


def test_bad_budget() -> None:
    with pytest.raises(InputError):
        BudgetedOracle(CountingOracle(), budget=0)
