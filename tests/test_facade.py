"""sciReason.design / sciReason.score: a campaign and a scoring call without learning the engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sciReason
from sciReason.errors import ConfigError, TargetSyntaxError


def test_design_runs_a_campaign_in_memory() -> None:
    rounds: list[int] = []
    result = sciReason.design(
        "qed", budget=60, seed=0, batch_size=20, on_round=lambda c, new: rounds.append(len(new))
    )
    assert result.n_oracle_calls == 60 and result.stopped == "budget"
    assert sum(rounds) == 60 and result.config.target == "qed"
    best = result.best
    assert best.value == max(r.value for r in result.records if r.value is not None)
    assert best.terms["qed"] == pytest.approx(sciReason.score("qed", best.key).terms["qed"])


def test_design_with_out_writes_the_cli_outputs_and_is_deterministic(tmp_path: Path) -> None:
    a = sciReason.design("qed>0.8, sa<3", budget=40, seed=3, batch_size=20, out=tmp_path / "a")
    b = sciReason.design("qed>0.8, sa<3", budget=40, seed=3, batch_size=20)
    assert [r.key for r in a.records] == [r.key for r in b.records]  # same seed, same campaign
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["n_oracle_calls"] == 40 and (tmp_path / "a" / "candidates.csv").is_file()


def test_design_options_are_validated_like_flags(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="batch_size"):
        sciReason.design("qed", budget=10, batch_size=0)
    with pytest.raises(ConfigError, match="no_such_option: Extra inputs are not permitted"):
        sciReason.design("qed", budget=10, no_such_option=1)
    cfg = tmp_path / "d.toml"
    cfg.write_text("[design]\nbatch_size = 10\nseed = 1\n")
    assert sciReason.design("qed", budget=20, config=cfg).config.batch_size == 10


def test_score_one_and_many() -> None:
    one = sciReason.score("qed>0.5, sa<3", "CCO")
    assert set(one.terms) == {"qed", "sa"} and 0 <= one.value <= 1
    many = sciReason.score("qed>0.5, sa<3", ["CCO", "C1CC"])
    assert many[0] == one and many[1].value is None
    with pytest.raises(TargetSyntaxError, match="sx"):
        sciReason.score("qed>0.5, sx<3", "CCO")


def test_import_sciReason_loads_no_campaign_or_oracle_code() -> None:
    code = (
        "import sys, sciReason; assert callable(sciReason.design) and callable(sciReason.score); "
        "print(','.join(m for m in ('sciReason.agents', 'sciReason.oracles', 'optuna', 'rdkit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
