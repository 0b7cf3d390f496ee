"""Sequence campaigns (Ehrlich functions): feasible proposals, improvement, FASTA output; CSV/summary."""

from __future__ import annotations

import csv
import json

from sciReason.agents.config import DesignConfig
from sciReason.agents.engine import Campaign
from sciReason.agents.outputs import write_outputs
from sciReason.agents.proposers.protein import feasible
from sciReason.agents.storage import MemoryStore
from sciReason.oracles import parse_target


def test_ehrlich_campaign_proposes_feasible_sequences_and_improves(tmp_path):
    target = "ehrlich:L=16,c=2,k=4,v=8,seed=1"
    cfg = DesignConfig(
        target=target, budget=300, n_start=30, batch_size=30, population_size=30, seed=0, out=tmp_path
    )
    obj = parse_target(target)
    camp = Campaign(cfg, obj, store=MemoryStore(cfg.budget))
    res = camp.run()
    assert res.n_oracle_calls == 300 or (res.stopped == "optimum" and res.best.value == 1.0)
    assert {r.proposer for r in res.records} >= {"start", "point_mutation", "recombination"}
    assert all(feasible(obj, r.key) for r in res.records)
    start_best = max(r.score for r in res.records if r.proposer == "start")
    assert res.best.score > start_best
    summary = write_outputs(res, tmp_path)
    fasta = (tmp_path / "top_k.fasta").read_text().splitlines()
    assert fasta[0].startswith(">rank1") and fasta[1] == res.best.key
    assert summary["domain"] == obj.domain and 0.0 < summary["diversity_top100"] <= 1.0
    with (tmp_path / "candidates.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0].keys() >= {"sequence", "call_index", "value", "proposer"}


def test_summary_has_the_pmo_metrics_and_resolved_config(tmp_path, fast_config):
    from _objectives import TwoTermObjective

    cfg = fast_config(budget=40, out=tmp_path)
    res = Campaign(cfg, TwoTermObjective(), store=MemoryStore(40)).run()
    summary = write_outputs(res, tmp_path)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    for key in (
        "auc_top1",
        "auc_top10",
        "auc_top100",
        "n_oracle_calls",
        "best",
        "top10_mean",
        "diversity_top100",
        "config",
    ):
        assert key in on_disk
    assert on_disk["n_oracle_calls"] == 40 and on_disk["config"]["budget"] == 40
    assert on_disk["auc_top1"] >= on_disk["auc_top10"] >= on_disk["auc_top100"]
    assert summary["best"]["value"] == res.best.value
    assert (tmp_path / "curve.png").stat().st_size > 1000
    assert (tmp_path / "pareto.png").stat().st_size > 1000  # two terms -> Pareto plot
    from rdkit import Chem

    mols = list(Chem.SDMolSupplier(str(tmp_path / "top_k.sdf")))
    assert mols and mols[0].GetProp("smiles") == res.best.key
