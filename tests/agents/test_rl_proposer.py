"""The on-line RL proposer with a real (tiny, random-init) causal LM prior: real sampling and real
REINVENT updates through the shared policy-gradient core; genetic offspring reach the replay buffer."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    from sciReason.training.pg import ReinventLearner
    from sciReason.training.tiny import build_tiny_model

    path = build_tiny_model(
        tmp_path_factory.mktemp("prior") / "m",
        vocab_size=512,
        initializer_range=0.3,
        tie_word_embeddings=False,
    )
    return ReinventLearner(str(path), None, seed=0, max_new_tokens=16, replay_size=20, replay_sample=4)


def test_rl_proposer_updates_the_generator_and_feeds_it_genetic_offspring(learner, fast_config):
    from _objectives import QEDObjective

    from sciReason.agents.engine import Campaign
    from sciReason.agents.proposers.graph_ga import GraphGAProposer
    from sciReason.agents.proposers.rl import RLProposer
    from sciReason.agents.storage import MemoryStore

    rl = RLProposer(learner, feed_offspring=3)
    before = [p.detach().clone() for p in learner.agent.parameters()][:3]
    cfg = fast_config(budget=40, batch_size=8, proposers=["graph_ga:0.5", "rl:0.5"], rl_prior="unused")
    camp = Campaign(
        cfg, QEDObjective(), proposers={"graph_ga": GraphGAProposer(), "rl": rl}, store=MemoryStore(40)
    )
    res = camp.run()
    assert res.n_oracle_calls == 40
    assert rl.updates >= 1 and learner.steps == rl.updates  # real optimiser steps on the agent
    after = list(learner.agent.parameters())[:3]
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    assert rl.fed > 0 and any(smi for _, smi, _ in learner.replay)  # GA offspring in the replay buffer


def test_rl_needs_a_prior_and_a_molecule_target(fast_config):
    from _objectives import QEDObjective

    from sciReason.agents.proposers.rl import RLProposer
    from sciReason.errors import ConfigError

    with pytest.raises(ConfigError, match="rl_prior"):
        RLProposer.from_config(fast_config(rl_prior=None), QEDObjective())
