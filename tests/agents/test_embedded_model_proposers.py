"""The design loop's model-driven proposers on the real embedded sciReason-tiny model (CPU, no mocks):
the ``model`` proposer through the SDK's local backend, and the ``rl`` proposer with the tiny prior."""

from __future__ import annotations

import pytest
from _objectives import QEDObjective

from sciReason.agents.storage import MemoryStore
from sciReason.representations import canonical_smiles

pytestmark = pytest.mark.slow  # loads the 8M-parameter model and samples on CPU: ~20 s


@pytest.fixture(autouse=True)
def _one_thread():
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    torch.set_num_threads(1)


def _by_proposer(records, name):
    return [r for r in records if r.proposer == name]


def test_model_proposer_with_the_embedded_tiny_model(fast_config):
    from sciReason.agents.engine import Campaign

    cfg = fast_config(budget=50, proposers=["graph_ga:0.5", "model:0.5"], backend="tiny", benchmark_mode=True)
    res = Campaign(cfg, QEDObjective(), store=MemoryStore(cfg.budget)).run()
    assert len(res.records) == 50
    made = _by_proposer(res.records, "model")
    # the tiny model proposes valid, new molecules that get scored like any other candidate
    assert len(made) >= 5, [r.proposer for r in res.records]
    assert all(canonical_smiles(r.key) == r.key and r.value is not None for r in made)


def test_rl_proposer_with_the_embedded_tiny_prior(fast_config):
    from sciReason.agents.engine import Campaign

    cfg = fast_config(budget=50, proposers=["graph_ga:0.5", "rl:0.5"], rl_prior="tiny")
    camp = Campaign(cfg, QEDObjective(), store=MemoryStore(cfg.budget))
    res = camp.run()
    made = _by_proposer(res.records, "rl")
    assert len(res.records) == 50 and len(made) >= 5
    assert camp.proposers["rl"].updates >= 2  # the prior was fine-tuned on the campaign's scores
