"""Real protein campaigns from a user's sequence: FASTA in and out, a distance limit to the parent, a
model-backed term next to ProtParam terms, ``--start`` for sequences and molecules."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from sciReason.agents.config import DesignConfig
from sciReason.agents.engine import Campaign
from sciReason.agents.pool import read_candidates_file
from sciReason.agents.storage import MemoryStore
from sciReason.cli import app
from sciReason.oracles import parse_target
from sciReason.oracles.protein import edit_distance

UBIQUITIN = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"
runner = CliRunner()


@pytest.fixture
def parent_fasta(tmp_path):
    path = tmp_path / "parent.fasta"
    path.write_text(f">ubiquitin human\n{UBIQUITIN[:40]}\n{UBIQUITIN[40:]}\n")
    return path


def test_start_files_fasta_csv_and_lines(tmp_path, parent_fasta):
    assert read_candidates_file(parent_fasta) == (UBIQUITIN,)  # multi-line record joined
    csv_file = tmp_path / "s.csv"
    csv_file.write_text("name,sequence\na,MKTAY\nb,MKTAA\nc,MKTAY\n")
    assert read_candidates_file(csv_file) == ("MKTAY", "MKTAA")  # order kept, duplicates dropped
    smi = tmp_path / "s.smi"
    smi.write_text("CCO ethanol\n# a comment\n\nc1ccccc1\n")
    assert read_candidates_file(smi) == ("CCO", "c1ccccc1")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\na,1\n")
    with pytest.raises(Exception, match="no column named"):
        read_candidates_file(bad)


def test_edit_distance_and_the_hard_parent_limit(parent_fasta):
    assert edit_distance("KITTEN", "SITTING") == 3 and edit_distance("", "ABC") == 3
    obj = parse_target(f"protein:gravy<0, maxdist({parent_fasta})<=2")
    one_off = "A" + UBIQUITIN[1:]
    far = "AAA" + UBIQUITIN[3:]
    scored = obj.score([UBIQUITIN, one_off, far])
    assert [s.terms[obj.term_names[1]] for s in scored] == [0.0, 1.0, 3.0]
    assert scored[1].desirabilities[1] == 1.0 and scored[2].value == 0.0  # one edit over the limit: veto


def test_campaign_from_a_parent_stays_within_the_limit_for_free(parent_fasta):
    target = f"protein:gravy<-0.6, pi=6..7, maxdist({parent_fasta})<=4"
    cfg = DesignConfig(target=target, budget=120, seed=1, start_from=str(parent_fasta), surrogate="none")
    res = Campaign(cfg, store=MemoryStore(cfg.budget)).run()
    assert res.records[0].key == UBIQUITIN and res.records[0].proposer == "start"
    assert all(edit_distance(r.key, UBIQUITIN) <= 4 for r in res.records)  # never paid for a violation
    assert res.rejected["declared_limit"] > 0
    assert res.best.score > res.records[0].score
    bench = DesignConfig(**{**cfg.model_dump(), "benchmark_mode": True})
    res_b = Campaign(bench, store=MemoryStore(cfg.budget)).run()
    assert res_b.rejected["declared_limit"] == 0  # a black box: the limit is only seen through scores


def test_model_backed_term_mixed_with_protparam(parent_fasta):
    from sciReason.backends import ScriptedBackend
    from sciReason.client import Client

    def answer(request) -> str:  # a served model's yes/no answer: "soluble" when rich in E/K
        seq = re.search(r"<protein>(\w+)</protein>", request.messages[-1].content).group(1)
        rich = sum(seq.count(a) for a in "EK") > 13  # the parent has 13
        return "<BOOLEAN> yes </BOOLEAN>" if rich else "<BOOLEAN> no </BOOLEAN>"

    target = f"protein:model(task=solubility, backend=scripted)>0.5, gravy<0, maxdist({parent_fasta})<=3"
    obj = parse_target(target)
    obj.terms[0].oracle._client = Client(ScriptedBackend(answer))
    cfg = DesignConfig(target=target, budget=80, seed=0, start_from=str(parent_fasta), surrogate="none")
    res = Campaign(cfg, obj, store=MemoryStore(cfg.budget)).run()
    assert res.records[0].terms[obj.term_names[0]] == 0.0  # the parent is "not soluble"
    assert res.best.terms[obj.term_names[0]] == 1.0 and res.best.value > 0.9


def test_cli_design_from_fasta_writes_fasta(tmp_path, parent_fasta):
    out = tmp_path / "run"
    args = ["design", "--target", f"protein:gravy<-0.6, maxdist({parent_fasta})<=4"]
    args += ["--start", str(parent_fasta), "--budget", "60", "--out", str(out), "--no-live"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    fasta = read_candidates_file(out / "top_k.fasta")
    assert fasta and all(edit_distance(s, UBIQUITIN) <= 4 for s in fasta)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["start_from"] == str(parent_fasta.resolve())
    assert summary["rejected"]["declared_limit"] >= 0 and summary["feasible_share"] == 1.0


def test_cli_start_for_molecules_and_a_missing_file(tmp_path):
    smi = tmp_path / "mine.smi"
    smi.write_text("CCO\nCCN\nc1ccccc1\nCC(=O)O\nCCOC(=O)C\nc1ccncc1\n")
    out = tmp_path / "m"
    args = ["design", "--target", "pmo:qed", "--start", str(smi), "--budget", "20", "--n-start", "6"]
    res = runner.invoke(app, [*args, "--batch-size", "7", "--out", str(out), "--no-live"])
    assert res.exit_code == 0, res.output
    import csv

    with (out / "candidates.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    starts = {r["smiles"] for r in rows if r["proposer"] == "start"}
    assert starts == {"CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCOC(C)=O", "c1ccncc1"}
    missing = runner.invoke(app, ["design", "--target", "pmo:qed", "--start", str(tmp_path / "nope.smi")])
    assert missing.exit_code == 1 and "nope.smi" in missing.output


def test_design_help_lists_the_target_keys():
    res = runner.invoke(app, ["design", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    for key in ("seed", "q (quantization", "v (states", "alphabet", "maxdist(PARENTSEQ)<=5", "--start"):
        assert key in text, key
