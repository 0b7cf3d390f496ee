"""The learned-generator proposer inside real campaigns: samples from the embedded SMILES prior, learns from
every scored record (its own and the graph GA's), rebuilds its replay buffer on resume, and its on-line
learning raises the score of what it proposes."""

from __future__ import annotations

import statistics

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def _proposer(**learner_kw):
    from sciReason.agents.proposers.generator import GeneratorProposer
    from sciReason.training.generator import GeneratorLearner, LearnerConfig
    from sciReason.training.prior import load_prior

    return GeneratorProposer(GeneratorLearner(load_prior(), LearnerConfig(**learner_kw), seed=0))


def test_generator_and_graph_ga_share_one_replay_buffer(fast_config):
    from _objectives import QEDObjective

    from sciReason.agents.engine import Campaign
    from sciReason.agents.proposers.graph_ga import GraphGAProposer
    from sciReason.agents.storage import MemoryStore

    gen = _proposer(batch_size=16)
    cfg = fast_config(budget=80, batch_size=10, proposers=["graph_ga:0.5", "generator:0.5"])
    camp = Campaign(
        cfg,
        QEDObjective(),
        proposers={"graph_ga": GraphGAProposer(), "generator": gen},
        store=MemoryStore(80),
    )
    res = camp.run()
    by = {p: [r for r in res.records if r.proposer == p] for p in ("start", "graph_ga", "generator")}
    assert len(res.records) == 80 and by["generator"] and by["graph_ga"]
    # every scored record was offered, whoever proposed it (Genetic GFN's off-policy buffer)
    assert {r.key for r in by["graph_ga"]} & set(gen.learner.scores)
    assert {r.key for r in by["start"]} & set(gen.learner.scores)
    assert gen.learner.steps == int(0.1 * 80)  # steps_per_call * calls
    assert gen.sampled >= len(by["generator"])


def test_generator_is_built_from_config_and_rejects_unknown_settings(fast_config):
    from _objectives import QEDObjective

    from sciReason.agents.proposers.generator import GeneratorProposer
    from sciReason.errors import ConfigError

    cfg = fast_config(proposers=["generator"], generator={"loss": "dap", "sigma": 100})
    prop = GeneratorProposer.from_config(cfg, QEDObjective())
    assert prop.learner.config.loss == "dap" and prop.learner.config.sigma == 100
    with pytest.raises(ConfigError, match="unknown generator setting"):
        GeneratorProposer.from_config(fast_config(generator={"sigmaa": 1}), QEDObjective())


def test_resume_rebuilds_the_replay_buffer_from_the_study(fast_config, tmp_path):
    from _objectives import QEDObjective

    from sciReason.agents.engine import Campaign

    cfg = fast_config(budget=40, proposers=["graph_ga:0.5", "generator:0.5"], out=tmp_path / "run")
    first = Campaign(cfg, QEDObjective())
    first.run()
    again = Campaign(cfg.model_copy(update={"budget": 60, "resume": True}), QEDObjective())
    learner = again.proposers["generator"].learner
    assert len(learner) == len({r.key for r in first.records.values() if r.value is not None})
    assert learner.steps == 4  # the steps owed for 40 calls at 0.1 per call
    res = again.run()
    assert len(res.records) == 60


def test_online_learning_raises_the_score_of_generated_molecules(fast_config):
    """The generator alone on QED: the second half of its scored samples beats the first half."""
    from _objectives import QEDObjective

    from sciReason.agents.engine import Campaign
    from sciReason.agents.proposers.generator import GeneratorProposer
    from sciReason.agents.storage import MemoryStore
    from sciReason.training.generator import GeneratorLearner, LearnerConfig
    from sciReason.training.prior import load_prior

    learner = GeneratorLearner(load_prior(), LearnerConfig(batch_size=32, beta=20, lr=1e-3), seed=0)
    gen = GeneratorProposer(learner, steps_per_call=0.5)
    cfg = fast_config(budget=320, batch_size=20, n_start=20, proposers=["generator"])
    res = Campaign(cfg, QEDObjective(), proposers={"generator": gen}, store=MemoryStore(320)).run()
    mine = [r.score for r in res.records if r.proposer == "generator"]
    assert len(mine) >= 280
    early, late = statistics.mean(mine[:100]), statistics.mean(mine[-100:])
    assert late > early + 0.05, (early, late)


def test_auto_adds_the_generator_from_2000_calls_for_molecules_only():
    from sciReason.agents.config import GENERATOR_MIN_BUDGET, DesignConfig

    big = DesignConfig(target="pmo:qed", budget=10_000).proposer_weights("molecule")
    assert big == {"graph_ga": 0.5, "generator": 0.5}
    small = DesignConfig(target="pmo:qed", budget=GENERATOR_MIN_BUDGET - 1).proposer_weights("molecule")
    assert small == {"graph_ga": 1.0}
    seq = DesignConfig(target="ehrlich:L=32", budget=10_000).proposer_weights("protein")
    assert "generator" not in seq


def test_replay_own_keeps_only_the_generators_samples():
    from sciReason.agents.records import Record

    recs = [Record("CCO", 1, 0.5, proposer="graph_ga"), Record("c1ccccc1", 2, 0.6, proposer="generator")]
    every, own = _proposer(), _proposer(replay="own")
    every.learn(recs)
    own.learn(recs)
    assert {"CCO", "c1ccccc1"} <= set(every.learner.scores)
    assert "c1ccccc1" in own.learner.scores and "CCO" not in own.learner.scores
