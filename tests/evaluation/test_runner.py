"""End-to-end `sciReason eval` on the shipped FreeSolv fixture with the scripted backend (real parsing,
real RDKit metrics), plus resume, predictions-only scoring and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sciReason.backends.scripted import ScriptedBackend
from sciReason.client import Client
from sciReason.errors import InputError
from sciReason.evaluation.runner import EvalConfig, read_jsonl, run_eval

DATA = Path(__file__).parents[1] / "data" / "eval" / "freesolv_names.jsonl"
UMG = Path(__file__).parents[1] / "data" / "eval" / "umg_prompts.jsonl"
ROWS = read_jsonl(DATA)
GOLD = {(r["task"], r["input"]): r["output"] for r in ROWS}
INDEX = {(r["task"], r["input"]): int(r["id"].split("-")[1]) for r in ROWS}


def scripted_answer(request) -> str:  # noqa: ANN001
    """Items 0-15 correct, 16-19 a wrong but valid answer, 20-23 no answer at all."""
    task = dict(request.metadata)["task"]
    text = request.messages[-1].content
    m = re.search(r"<(?:SMILES|IUPAC)> (.*?) </(?:SMILES|IUPAC)>", text)
    key = (task, m.group(1)) if m else None
    if key not in GOLD:
        return "I cannot help.\nSorry."
    i = INDEX[key]
    if i < 16:
        return GOLD[key]
    if i < 20:
        wrong = {
            "smol_name_conversion-i2s": "<SMILES> CCCCCCCCCC </SMILES>",
            "smol_name_conversion-s2i": "<IUPAC> decane </IUPAC>",
        }
        return wrong.get(task, "<MOLFORMULA> C10H22 </MOLFORMULA>")
    return "I am not sure.\nIt could be many things."


def _client(calls: list | None = None) -> Client:
    def handler(req):  # noqa: ANN001, ANN202
        if calls is not None:
            calls.append(req)
        return scripted_answer(req)

    return Client(ScriptedBackend(handler))


def test_end_to_end_scripted_freesolv(tmp_path):
    cfg = EvalConfig(out_dir=tmp_path, batch_size=7)
    summary = run_eval(cfg, data_path=DATA, client=_client())
    tasks = summary["tasks"]
    assert set(tasks) == {
        "smol_name_conversion-i2s",
        "smol_name_conversion-s2i",
        "smol_name_conversion-s2f",
        "smol_name_conversion-i2f",
    }
    for t in tasks.values():
        assert (t["n"], t["n_parsed"]) == (24, 20)
        for m in t["metrics"]:
            assert {"n", "n_parsed", "coverage", "comparable", "note", "value"} <= set(m)
    by = {(t, m["metric"]): m for t, v in tasks.items() for m in v["metrics"]}
    # 16 of 24 right; the 4 unparsed answers stay in the denominator
    assert by["smol_name_conversion-i2s", "top1_exact_match"]["value"] == pytest.approx(16 / 24)
    assert by["smol_name_conversion-i2s", "top1_exact_match"]["coverage"] == pytest.approx(20 / 24)
    assert by["smol_name_conversion-i2s", "validity"]["value"] == pytest.approx(20 / 24)
    assert by["smol_name_conversion-s2i", "top1_split_match"]["value"] == pytest.approx(16 / 24)
    assert by["smol_name_conversion-s2f", "top1_element_match"]["value"] == pytest.approx(16 / 24)
    assert by["smol_name_conversion-i2f", "top1_element_match"]["details"][
        "mean_over_parsed"
    ] == pytest.approx(16 / 20)
    assert summary["run"]["versions"]["rdkit"]
    assert summary["tasks"]["smol_name_conversion-i2s"]["decoding"]["num_beams"] == 5
    # files: predictions (raw text of every candidate), items (per-item scores), summaries
    preds = read_jsonl(tmp_path / "predictions.jsonl")
    assert len(preds) == 96 and len(preds[0]["candidates"]) == 5
    items = read_jsonl(tmp_path / "items.jsonl")
    bad = [i for i in items if i["id"] == "i2s-21"][0]
    assert bad["valid"] is False and bad["reason"] and bad["scores"]["top1_exact_match"] is None
    md = (tmp_path / "summary.md").read_text()
    assert "| smol_name_conversion-i2s | top1_exact_match ↑ | 0.6667 | 24 | 20 | 0.833 |" in md
    assert json.loads((tmp_path / "summary.json").read_text())["tasks"] == json.loads(json.dumps(tasks))


def test_resume_only_asks_for_missing_items(tmp_path):
    first = EvalConfig(out_dir=tmp_path, tasks=["smol_name_conversion-s2f"], limit=10)
    run_eval(first, data_path=DATA, client=_client())
    calls: list = []
    again = EvalConfig(out_dir=tmp_path, tasks=["smol_name_conversion-s2f"])
    summary = run_eval(again, data_path=DATA, client=_client(calls))
    assert len(calls) == 14  # 24 items, 10 already answered
    assert summary["tasks"]["smol_name_conversion-s2f"]["n"] == 24
    assert len(read_jsonl(tmp_path / "predictions.jsonl")) == 24


def test_resume_retries_backend_errors_but_not_input_errors(tmp_path):
    """A row that holds a backend error (timeout, HTTP 500) is asked again on resume, not frozen as a
    model failure; the file keeps one row per item."""
    from sciReason.errors import BackendConnectionError

    down = {"on": True}

    def handler(req):  # noqa: ANN001, ANN202
        if down["on"] and "ethanol" not in req.messages[-1].content:
            return BackendConnectionError("connection refused")
        return scripted_answer(req)

    cfg = EvalConfig(out_dir=tmp_path, tasks=["smol_name_conversion-s2f"], limit=6)
    first = run_eval(cfg, data_path=DATA, client=Client(ScriptedBackend(handler)))
    errors = [r for r in read_jsonl(tmp_path / "predictions.jsonl") if r.get("error")]
    assert errors and all(r["error_type"] == "BackendConnectionError" for r in errors)
    assert first["tasks"]["smol_name_conversion-s2f"]["n_errors"] == len(errors)
    down["on"] = False
    calls: list = []

    def counting(req):  # noqa: ANN001, ANN202
        calls.append(req)
        return handler(req)

    again = run_eval(cfg, data_path=DATA, client=Client(ScriptedBackend(counting)))
    assert len(calls) == len(errors)  # only the failed items are asked again
    rows = read_jsonl(tmp_path / "predictions.jsonl")
    assert len(rows) == 6 and not any(r.get("error") for r in rows)
    assert again["tasks"]["smol_name_conversion-s2f"]["n_errors"] == 0


def test_resume_keeps_input_errors(tmp_path):
    from sciReason.evaluation.runner import _resume_state

    path = tmp_path / "predictions.jsonl"
    rows = [
        {"id": "1", "task": "t", "error": "InvalidSequenceError: 'C1CC' does not parse"},
        {"id": "2", "task": "t", "error": "BackendHTTPError: server said 500"},
        {"id": "3", "task": "t", "raw": "ok"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert _resume_state(path) == {("t", "1"), ("t", "3")}
    assert [r["id"] for r in read_jsonl(path)] == ["1", "3"]


def test_predictions_mode_counts_missing_predictions_as_failures(tmp_path):
    preds = tmp_path / "preds.jsonl"
    rows = [r for r in ROWS if r["task"] == "smol_name_conversion-i2s"][:5]
    preds.write_text(
        "".join(
            json.dumps({"id": r["id"], "task": r["task"], "prediction": r["output"]}) + "\n" for r in rows
        )
    )
    cfg = EvalConfig(out_dir=tmp_path / "out", tasks=["smol_name_conversion-i2s"])
    summary = run_eval(cfg, data_path=DATA, predictions_path=preds)
    t = summary["tasks"]["smol_name_conversion-i2s"]
    assert (t["n"], t["n_parsed"], t["n_errors"]) == (24, 5, 19)
    top1 = next(m for m in t["metrics"] if m["metric"] == "top1_exact_match")
    assert top1["value"] == pytest.approx(5 / 24)


def test_predictions_only_with_inline_gold(tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text(
        json.dumps(
            {
                "task": "smol_property_prediction-esol",
                "raw": "<NUMBER> -1.0 </NUMBER>",
                "gold": "<NUMBER> -1.5 </NUMBER>",
            }
        )
        + "\n"
    )
    summary = run_eval(EvalConfig(out_dir=tmp_path / "o"), predictions_path=preds)
    rmse = summary["tasks"]["smol_property_prediction-esol"]["metrics"][0]
    assert rmse["metric"] == "rmse" and rmse["value"] == pytest.approx(0.5)


def test_generation_task_without_gold(tmp_path):
    smiles = iter(
        ["<SMILES> CCO </SMILES>", "<SMILES>OCC</SMILES>", "<SMILES> [nH]1cccc1 </SMILES>", "oops"] * 3
    )
    client = Client(ScriptedBackend(lambda req: next(smiles)))
    cfg = EvalConfig(
        out_dir=tmp_path,
        metric_params={"unconditional_molecule_generation": {"novelty": {"novelty_reference": ["CCO"]}}},
    )
    summary = run_eval(cfg, data_path=UMG, client=client)
    m = {x["metric"]: x for x in summary["tasks"]["unconditional_molecule_generation"]["metrics"]}
    assert m["validity"]["value"] == pytest.approx(9 / 12)
    assert m["uniqueness"]["value"] == pytest.approx(2 / 9)  # CCO == OCC after canonicalisation
    assert m["novelty"]["value"] == pytest.approx(3 / 12)  # only pyrrole is new (bracket atoms are fine)


def test_bad_inputs_name_the_problem(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task": "smol_name_conversion-s2f", "input": "CCO"}\nnot json\n')
    with pytest.raises(InputError, match="bad.jsonl:2"):
        run_eval(EvalConfig(out_dir=tmp_path / "o"), data_path=bad, client=_client())
    unknown = tmp_path / "u.jsonl"
    unknown.write_text('{"task": "no_such_task", "input": "x"}\n')
    with pytest.raises(InputError, match="no_such_task"):
        run_eval(EvalConfig(out_dir=tmp_path / "o"), data_path=unknown, client=_client())
    with pytest.raises(InputError, match="--data"):
        run_eval(EvalConfig(out_dir=tmp_path / "o"))


def test_cli_scores_predictions_and_prints_a_table(tmp_path):
    from sciReason.cli import app

    run_eval(
        EvalConfig(out_dir=tmp_path / "gen", tasks=["smol_name_conversion-i2f"]),
        data_path=DATA,
        client=_client(),
    )
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--predictions",
            str(tmp_path / "gen" / "predictions.jsonl"),
            "--data",
            str(DATA),
            "--tasks",
            "smol_name_conversion-i2f",
            "--out",
            str(out),
            "--format",
            "table",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "top1_element_match" in result.output and "0.6667" in result.output
    assert (out / "summary.md").is_file() and (out / "items.jsonl").is_file()
    result = CliRunner().invoke(app, ["eval", "--out", str(out)])
    assert result.exit_code == 1 and "--data" in result.output
    assert re.search(
        r"unknown task",
        CliRunner().invoke(app, ["eval", "--data", str(DATA), "--tasks", "nope", "--out", str(out)]).output,
    )


@pytest.mark.slow
def test_cli_runs_a_real_tiny_local_model(tmp_path):
    """The full generate path on real (random, untrained) Qwen3 weights: garbage answers must give a
    complete report with zero coverage, not an error or an empty table."""
    import torch

    from sciReason.cli import app
    from sciReason.training.tiny import build_tiny_model

    torch.set_num_threads(1)
    model = build_tiny_model(tmp_path / "tiny", hidden_size=32, num_layers=1, num_heads=2)
    out = tmp_path / "run"
    args = [
        "eval",
        "--data",
        str(DATA),
        "--tasks",
        "smol_name_conversion-s2f",
        "--limit",
        "3",
        "--backend",
        str(model),
        "--max-tokens",
        "6",
        "--n",
        "1",
        "--out",
        str(out),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    t = summary["tasks"]["smol_name_conversion-s2f"]
    assert t["n"] == 3 and len(read_jsonl(out / "predictions.jsonl")) == 3
    m = t["metrics"][0]
    assert m["metric"] == "top1_element_match" and m["n"] == 3
    # unparsed answers are misses, so the match rate can never exceed the parse rate
    assert m["value"] is not None and 0.0 <= m["value"] <= m["coverage"] <= 1.0
    assert summary["run"]["backend"] == str(model) and t["decoding"]["max_tokens"] == 6
