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


def test_model_proposer_designs_proteins_with_the_embedded_tiny_model(tmp_path):
    from sciReason.agents.config import DesignConfig
    from sciReason.agents.engine import Campaign

    start = tmp_path / "parents.fasta"  # short parents: the 8M-parameter model copes with short prompts
    start.write_text("".join(f">p{i}\nMKTAYIAKQRQISFVK{'DEKR'[i % 4] * (i + 1)}\n" for i in range(10)))
    target = "protein:gravy<0, length=8..40"
    cfg = DesignConfig(
        target=target,
        budget=40,
        n_start=10,
        start_from=str(start),
        batch_size=10,
        proposers=["point_mutation:0.5", "model:0.5"],
        backend="tiny",
        benchmark_mode=True,
    )
    camp = Campaign(cfg, store=MemoryStore(cfg.budget))
    prompts: list[str] = []
    client = camp.proposers["model"].client
    original = client.generate

    def spy(kind, **kw):
        prompts.extend(kw["condition"])
        return original(kind, **kw)

    client.generate = spy
    res = camp.run()
    made = _by_proposer(res.records, "model")
    assert len(res.records) == 40 and made, [r.proposer for r in res.records]
    assert all(r.value is not None for r in made)  # valid protein sequences, scored like any other
    assert prompts and all("gravy" not in p and "length" not in p for p in prompts)  # black box
