"""`sciReason oracles list|score` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sciReason.cli import app

runner = CliRunner()


def test_list_json() -> None:
    res = runner.invoke(app, ["oracles", "list", "--json"])
    assert res.exit_code == 0, res.output
    names = {json.loads(line)["name"] for line in res.stdout.splitlines()}  # JSONL, one oracle per line
    assert {"qed", "sim", "pmo", "ehrlich", "protein"} <= names


def test_list_table() -> None:
    res = runner.invoke(
        app, ["oracles", "list", "--domain", "molecule", "--format", "table"], env={"COLUMNS": "300"}
    )
    assert res.exit_code == 0 and "celecoxib_rediscovery" in res.stdout and "│" in res.stdout
    narrow = runner.invoke(
        app, ["oracles", "list", "--domain", "molecule", "--format", "table"], env={"COLUMNS": "60"}
    )
    assert "celecoxib_rediscovery\n    kind: term" in narrow.stdout  # one record per oracle, nothing cut


def test_score_file_json(tmp_path: Path) -> None:
    f = tmp_path / "mols.smi"
    f.write_text("# header comment\nCCO ethanol\n\nc1ccccc1\nnot-a-smiles\n")
    res = runner.invoke(app, ["oracles", "score", "--target", "qed>0.8, sa<3", str(f), "--json"])
    assert res.exit_code == 3, res.output  # partial: one candidate could not be scored
    assert "1 of 3 candidate(s) could not be scored" in res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["candidate"] for r in rows] == ["CCO", "c1ccccc1", "not-a-smiles"]
    assert rows[0]["value"] is not None and 0 <= rows[0]["value"] <= 1
    assert rows[2]["value"] is None and rows[2]["qed"] is None
    assert set(rows[0]) == {"candidate", "value", "d:qed", "d:sa", "qed", "sa", "margin"}


def test_score_csv_output_and_pmo(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name,SMILES\nx,CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F\ny,CCO\n")
    out = tmp_path / "out.csv"
    res = runner.invoke(
        app, ["oracles", "score", "-t", "pmo:celecoxib_rediscovery", str(src), "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("candidate,value") and lines[1].split(",")[1] == "1.0"


def test_score_inline_table() -> None:
    res = runner.invoke(
        app, ["oracles", "score", "-t", "pareto:qed, logp=1..3", "-s", "CCO", "--format", "table"]
    )
    assert res.exit_code == 0 and "CCO" in res.stdout


def test_score_piped_is_jsonl_and_csv_on_request() -> None:
    res = runner.invoke(app, ["oracles", "score", "-t", "qed", "-s", "CCO", "-s", "c1cc[nH]c1"])
    assert [json.loads(line)["candidate"] for line in res.stdout.splitlines()] == ["CCO", "c1cc[nH]c1"]
    csv_out = runner.invoke(app, ["oracles", "score", "-t", "qed", "-s", "CCO", "--format", "csv"])
    assert csv_out.stdout.splitlines()[0] == "candidate,value,d:qed,qed,margin"


def test_bad_target_exits_1_with_caret() -> None:
    res = runner.invoke(app, ["oracles", "score", "--target", "qed>0.8, sx<3", "-s", "CCO"])
    assert res.exit_code == 1
    assert "unknown property 'sx'" in res.output and "^^" in res.output


def test_missing_inputs_are_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["oracles", "score", "-t", "qed"])
    assert res.exit_code == 1 and "no candidates" in res.output
    res = runner.invoke(app, ["oracles", "score", "-t", "qed", str(tmp_path / "nope.smi")])
    assert res.exit_code == 1 and "does not exist" in res.output
    res = runner.invoke(app, ["oracles", "score", "-s", "CCO"])
    assert res.exit_code == 1 and "--target" in res.output
    bad_csv = tmp_path / "x.csv"
    bad_csv.write_text("a,b\n1,2\n")
    res = runner.invoke(app, ["oracles", "score", "-t", "qed", str(bad_csv)])
    assert res.exit_code == 1 and "no column" in res.output


def test_score_exits_1_when_nothing_could_be_scored() -> None:
    res = runner.invoke(app, ["oracles", "score", "-t", "qed", "-s", "C1CC", "-s", "xyz"])
    assert res.exit_code == 1 and [json.loads(x)["value"] for x in res.stdout.splitlines()] == [None, None]
