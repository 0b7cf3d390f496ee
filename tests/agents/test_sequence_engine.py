"""The sequence design engine: black-box benchmark mode, optimum stop, counts in summary.json, failures."""

from __future__ import annotations

import json

import pytest

from sciReason.agents.config import DesignConfig
from sciReason.agents.engine import Campaign
from sciReason.agents.outputs import write_outputs
from sciReason.agents.storage import MemoryStore
from sciReason.oracles import parse_target

TARGET = "ehrlich:L=16,c=2,k=4,v=8,seed=1"


class BlackBox:
    """An Ehrlich objective reduced to what a benchmark hands every method: scores, the alphabet and
    length, the initial solution and the known optimum. Any other attribute access fails the test."""

    multi_objective = False
    term_names = ("ehrlich",)

    def __init__(self, target: str) -> None:
        self._obj = parse_target(target)
        self.name, self.domain = "black box", self._obj.domain
        self.alphabet, self.length, self.optimum = self._obj.alphabet, self._obj.length, 1.0
        self.calls = 0

    def initial_solution(self, n: int = 1) -> list[str]:
        assert n == 1
        return self._obj.initial_solution(1)

    def score(self, candidates):
        self.calls += len(candidates)
        return self._obj.score(candidates)


def _config(**kw):
    base = {"target": TARGET, "budget": 400, "batch_size": 20, "population_size": 20, "surrogate": "none"}
    base.update(kw)
    return DesignConfig(**base)


def test_benchmark_mode_is_a_black_box_and_counts_infeasible_calls(tmp_path):
    box = BlackBox(TARGET)
    cfg = _config(benchmark_mode=True, out=tmp_path)
    res = Campaign(cfg, box, store=MemoryStore(cfg.budget)).run()
    start = [r for r in res.records if r.proposer == "start"]
    assert [r.key for r in start] == box.initial_solution()  # the benchmark's start, one sequence
    infeasible = [r for r in res.records if not r.feasible]
    assert infeasible, "black-box children must sometimes be infeasible: they are scored and counted"
    assert box.calls == len(res.records) == res.rejected["infeasible"] + sum(r.feasible for r in res.records)
    assert res.rejected["infeasible"] == len(infeasible)
    assert all(r.terms["ehrlich"] is None for r in infeasible)
    hidden = box._obj.instance.transition_mask
    index = {ch: i for i, ch in enumerate(box.alphabet)}
    model = res.constraint
    assert model["mode"] == "learned" and model["pairs_banned"] > 0 and model["contradictions"] == 0
    summary = write_outputs(res, tmp_path)
    assert summary["rejected"]["infeasible"] == len(infeasible)
    assert summary["feasible_share"] == pytest.approx(1 - len(infeasible) / len(res.records))
    assert summary["transition_model"]["pairs_banned"] == model["pairs_banned"]
    # nothing infeasible ever becomes a parent
    parents = {p for r in res.records for p in r.parents}
    feasible_keys = {r.key for r in res.records if r.feasible}
    assert parents <= feasible_keys
    assert hidden.shape == (len(index), len(index))


def test_declared_constraint_outside_benchmark_mode_never_scores_an_infeasible_child():
    obj = parse_target(TARGET)
    cfg = _config()
    camp = Campaign(cfg, obj, store=MemoryStore(cfg.budget))
    res = camp.run()
    assert all(r.feasible for r in res.records)
    assert res.constraint["mode"] == "declared"
    assert res.rejected["infeasible"] == 0


def test_campaign_stops_at_the_known_optimum_and_reports_it(tmp_path):
    obj = parse_target("ehrlich:L=8,c=2,k=2,v=4,seed=3")
    cfg = _config(target="ehrlich:L=8,c=2,k=2,v=4,seed=3", budget=3000, benchmark_mode=True, out=tmp_path)
    res = Campaign(cfg, obj, store=MemoryStore(cfg.budget)).run()
    assert res.stopped == "optimum" and res.best.value == 1.0
    assert len(res.records) < 3000
    first = min(r.call_index for r in res.records if r.value == 1.0)
    assert len(res.records) - first < cfg.batch_size  # at most the rest of the round it was found in
    summary = write_outputs(res, tmp_path)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert summary["evals_to_optimum"] == first == on_disk["evals_to_optimum"] == on_disk["evals_to_best"]
    assert on_disk["stopped"] == "optimum" and on_disk["optimum"] == 1.0
    stats = on_disk["proposers"]
    assert set(stats) == {"point_mutation", "recombination", "block", "scan"}
    for entry in stats.values():
        assert entry["scored"] <= entry["proposed"] and 0.0 <= entry["yield"] <= 1.0
        assert entry["failures"] == 0


class _Broken:
    """A model proposer whose backend is down."""

    name = "model"

    def propose(self, view, n, rng):
        raise RuntimeError("backend down")

    def learn(self, records):
        return None


def test_a_proposer_that_fails_every_round_stops_the_campaign_with_its_error(tmp_path):
    from sciReason.agents.proposers.protein import PointMutationProposer

    obj = parse_target(TARGET)
    cfg = _config(out=tmp_path, proposers=["point_mutation:0.5", "model:0.5"])
    props = {"point_mutation": PointMutationProposer(), "model": _Broken()}
    res = Campaign(cfg, obj, proposers=props, store=MemoryStore(cfg.budget)).run()
    assert res.stopped == "proposer_failed"
    assert "'model'" in res.error and "backend down" in res.error
    summary = write_outputs(res, tmp_path)
    assert summary["error"] == res.error
    assert summary["proposers"]["model"]["failures"] == summary["proposers"]["model"]["rounds"] == 3
    assert summary["proposers"]["point_mutation"]["failures"] == 0


def test_intensity_grows_while_the_best_stalls():
    obj = parse_target(TARGET)
    camp = Campaign(_config(stall_window=10), obj, store=MemoryStore(400))
    camp.step()
    island = camp.lineages.islands[0]
    island.best_at = island.calls  # as if the last call had found a new best
    assert camp.intensity == 0
    start = island.calls
    for calls, level in ((9, 0), (10, 1), (30, 2), (70, 3), (150, 4)):
        island.calls = start + calls  # calls since the last new best
        assert camp.intensity == level


def test_restart_begins_a_new_lineage_from_the_start_set():
    obj = parse_target(TARGET)
    cfg = _config(benchmark_mode=True, restart_after=20, budget=600, target=TARGET)
    camp = Campaign(cfg, obj, store=MemoryStore(cfg.budget))
    res = camp.run()
    if camp.restarts == 0:
        pytest.skip("this seed improved steadily; no restart happened")
    assert res.n_oracle_calls == 600 or res.stopped == "optimum"
    epoch = camp.lineages.islands[0].epoch_call
    assert epoch > 0 and all(r.call_index > epoch or r.proposer == "start" for r in camp.population)


def test_niching_keeps_population_members_apart():
    from sciReason.agents.lineages import niched as _niched
    from sciReason.agents.records import Record

    recs = [Record(k, i, 1.0) for i, k in enumerate(["AAAA", "AAAB", "AABB", "BBBB", "ABBB"], 1)]
    ranked = sorted(recs, key=lambda r: -r.call_index)
    kept = _niched(ranked, 2, 2)
    assert [r.key for r in kept] == ["ABBB", "AAAB"]  # BBBB and AABB are within 1 of ABBB
    filled = _niched(ranked, 3, 2)  # too few distinct ones: the best skipped record fills the gap
    assert [r.key for r in filled] == ["ABBB", "BBBB", "AAAB"]


def test_sequence_defaults_apply_only_to_unset_fields_and_never_to_molecules():
    big = DesignConfig(target="pmo:qed", budget=10000).for_domain("molecule")
    assert big.surrogate_descriptors is True and big.oversample == 3  # the 10k screen
    assert big.oversample_by == {"generator": 10} and big.population_size == 100
    big.oversample_by["generator"] = 2  # a user's edit of one config leaves the next one's default alone
    assert DesignConfig(target="pmo:qed", budget=10000).for_domain("molecule").oversample_by == {
        "generator": 10
    }
    mine_big = DesignConfig(target="pmo:qed", budget=10000, oversample_by={}, surrogate_descriptors=False)
    assert mine_big.for_domain("molecule") is mine_big  # the previous 10k default, spelled out
    small = DesignConfig(target="pmo:qed", budget=1000).for_domain("molecule")
    assert small.oversample == 10 and small.surrogate_descriptors is True  # the 1k screen
    assert small.population_size == 100 and small.surrogate == "gp"  # no sequence default leaks in
    mine_small = DesignConfig(target="pmo:qed", budget=1000, oversample=3).for_domain("molecule")
    assert mine_small.oversample == 3 and mine_small.surrogate_descriptors is True
    seq = DesignConfig(target=TARGET).for_domain("any")
    assert seq.population_size == 30 and seq.surrogate == "none"
    mine = DesignConfig(target=TARGET, population_size=64, surrogate="gp").for_domain("any")
    assert mine.population_size == 64 and mine.surrogate == "gp"
    weights = DesignConfig(target=TARGET).proposer_weights("any")
    assert set(weights) == {"point_mutation", "recombination", "block", "scan"}
    assert DesignConfig(target="pmo:qed").proposer_weights("molecule") == {"graph_ga": 1.0}
