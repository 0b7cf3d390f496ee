"""``sciReason design`` through typer's CliRunner: embedded default target, outputs, resume, errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sciReason.cli import app

runner = CliRunner()


def test_design_pmo_qed_writes_outputs_and_resumes(tmp_path):
    out = tmp_path / "run"
    args = [
        "design",
        "--target",
        "pmo:qed",
        "--budget",
        "40",
        "--n-start",
        "20",
        "--batch-size",
        "10",
        "--out",
        str(out),
        "--no-live",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_oracle_calls"] == 40 and summary["target"] == "pmo:qed"
    assert {p.name for p in out.iterdir()} >= {
        "candidates.csv",
        "top_k.sdf",
        "curve.png",
        "summary.json",
        "study.db",
    }
    again = runner.invoke(app, args)  # same study without --resume: refused, nothing overwritten
    assert again.exit_code == 1 and "--resume" in again.output
    more = runner.invoke(app, [*args[:3], "--budget", "60", *args[5:], "--resume"])
    assert more.exit_code == 0, more.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_oracle_calls"] == 60


def test_design_config_file_and_flag_precedence(tmp_path):
    cfg = tmp_path / "d.toml"
    cfg.write_text(
        '[design]\ntarget = "pmo:qed"\nbudget = 25\nn_start = 15\nbatch_size = 5\nsurrogate = "none"\n'
    )
    res = runner.invoke(
        app, ["design", "--config", str(cfg), "--budget", "30", "--out", str(tmp_path / "o"), "--no-live"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["n_oracle_calls"] == 30 and summary["config"]["surrogate"] == "none"


def test_design_errors_name_the_problem(tmp_path):
    res = runner.invoke(app, ["design", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "--target" in res.output
    res = runner.invoke(app, ["design", "--target", "pmo:qed", "--proposer", "warp", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "warp" in res.output


def test_design_with_the_generator_reports_it_and_prints_the_result_line_on_stdout(tmp_path):
    out = tmp_path / "gen"
    args = ["design", "--target", "pmo:qed", "--budget", "60", "--n-start", "20", "--batch-size", "10"]
    args += ["--proposer", "graph_ga:0.5", "--proposer", "generator:0.5", "--out", str(out), "--no-live"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip().splitlines()[-1].startswith("done (budget): 60 calls")
    gen = json.loads((out / "summary.json").read_text())["proposers"]["generator"]
    assert gen["scored"] > 0 and gen["train_steps"] == 6 and gen["replay_size"] > 0
    assert 0.0 <= gen["invalid_share"] < 0.5
