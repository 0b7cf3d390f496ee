"""CLI round trips: tasks listing, the five commands with file inputs and JSONL outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sciReason.cli import app

runner = CliRunner()


@pytest.fixture
def script(tmp_path: Path) -> str:
    path = tmp_path / "replies.json"
    path.write_text(
        json.dumps(
            {
                "IUPAC name": "<IUPAC> ethanol </IUPAC>",
                "soluble": "<NUMBER> -0.77 </NUMBER>",
                "blood-brain": "<BOOLEAN> No </BOOLEAN>",
                "Generate a molecule": ["CCO </SMILES>", "<SMILES> c1ccccc1 </SMILES>"],
            }
        )
    )
    return f"scripted:{path}"


def test_tasks_json_lists_149() -> None:
    res = runner.invoke(app, ["tasks", "--format", "json"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert len(data) == 149 and {"id", "family", "domain", "metrics"} <= set(data[0])


def test_tasks_show_and_unknown() -> None:
    res = runner.invoke(app, ["tasks", "show", "MP_Bandgap", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["property_key"] == "band_gap"
    bad = runner.invoke(app, ["tasks", "show", "MP_Bandgapp"])
    assert bad.exit_code == 1 and "did you mean MP_Bandgap" in bad.output


def test_translate_to_jsonl(tmp_path: Path, script: str) -> None:
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["translate", "CCO", "--to", "iupac", "--backend", script, "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0]["value"] == "ethanol" and rows[0]["task"] == "smol_name_conversion-s2i"


def test_predict_from_csv_keeps_good_rows(tmp_path: Path, script: str) -> None:
    src = tmp_path / "mols.csv"
    src.write_text("input,name\nCCO,ethanol\nC1CC,broken\nc1ccccc1,benzene\n")
    out = tmp_path / "pred.jsonl"
    res = runner.invoke(app, ["predict", "-i", str(src), "-p", "esol", "-b", script, "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r.get("value") for r in rows] == [-0.77, None, -0.77]
    assert rows[1]["error"]["type"] == "InvalidSequenceError" and rows[1]["input"] == "C1CC"


def test_classify_jsonl_input_and_terminal_output(tmp_path: Path, script: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"input": "CCO"}\n"c1ccccc1"\n')
    res = runner.invoke(app, ["classify", "-i", str(src), "-p", "bbbp", "-b", script, "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [r["value"] for r in rows] == [False, False]


def test_generate_molecules(tmp_path: Path, script: str) -> None:
    out = tmp_path / "mols.jsonl"
    res = runner.invoke(app, ["generate", "molecule", "-n", "2", "-b", script, "-o", str(out)])
    assert res.exit_code == 0, res.output
    row = json.loads(out.read_text().splitlines()[0])
    assert [c["value"] for c in row["candidates"]] == ["CCO", "c1ccccc1"]


def test_bad_inputs_exit_1_with_message(tmp_path: Path, script: str) -> None:
    res = runner.invoke(app, ["predict", "C1CC", "-p", "esol", "-b", script])
    assert res.exit_code == 0  # a bad item is a row with its error, not a crash
    assert "not a valid SMILES" in res.stdout
    res = runner.invoke(app, ["predict", "CCO", "-p", "melting point", "-b", script])
    assert res.exit_code == 1 and "no predict task" in res.output
    res = runner.invoke(app, ["predict", "-i", str(tmp_path / "missing.csv"), "-p", "esol", "-b", script])
    assert res.exit_code == 1 and "does not exist" in res.output
    res = runner.invoke(app, ["translate", "CCO", "-b", script])
    assert res.exit_code == 1 and "--to" in res.output
