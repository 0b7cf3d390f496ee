from __future__ import annotations

import pytest
import torch

from sciReason.training.pg import clipped_pg_loss, group_advantages, tied_groups


def test_group_advantages_and_ties():
    r = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.5, 0.5])
    adv = group_advantages(r, 4)
    assert adv[:4].mean().abs() < 1e-6 and adv[0] > 0 > adv[1]
    assert torch.allclose(adv[4:], torch.zeros(4))
    assert tied_groups(r, 4).tolist() == [False, True]


def test_tied_group_adds_zero_gradient():
    logp = torch.randn(4, 5, requires_grad=True)
    adv = group_advantages(torch.full((4,), 0.7), 4)
    loss, _ = clipped_pg_loss(logp, logp.detach(), adv, torch.ones(4, 5, dtype=torch.bool))
    loss.backward()
    assert torch.count_nonzero(logp.grad) == 0


def test_asymmetric_clip_stops_gradient_outside_range():
    old = torch.zeros(1, 3)
    mask = torch.ones(1, 3, dtype=torch.bool)
    # ratio e^0.3 = 1.35 > 1 + 0.28 with a positive advantage: clipped, no gradient
    logp = torch.full((1, 3), 0.3, requires_grad=True)
    clipped_pg_loss(logp, old, torch.tensor([1.0]), mask, eps_low=0.2, eps_high=0.28)[0].backward()
    assert torch.count_nonzero(logp.grad) == 0
    # ratio e^0.22 = 1.246: above 1 + eps_low but inside clip-higher, so it still learns
    logp2 = torch.full((1, 3), 0.22, requires_grad=True)
    clipped_pg_loss(logp2, old, torch.tensor([1.0]), mask, eps_low=0.2, eps_high=0.28)[0].backward()
    assert torch.all(logp2.grad < 0)


def test_token_vs_sequence_level_and_kl():
    logp = torch.zeros(2, 4)
    mask = torch.tensor([[1, 1, 1, 1], [1, 0, 0, 0]], dtype=torch.bool)
    adv = torch.tensor([1.0, -1.0])
    tok, _ = clipped_pg_loss(logp, logp, adv, mask, level="token")
    seq, _ = clipped_pg_loss(logp, logp, adv, mask, level="sequence")
    assert tok.item() == pytest.approx(-(4 - 1) / 5) and seq.item() == pytest.approx(0.0)
    _, stats = clipped_pg_loss(logp, logp, adv, mask, ref_logp=logp, kl_beta=0.1)
    assert stats["kl"] == pytest.approx(0.0)
    _, stats = clipped_pg_loss(logp, logp, adv, mask, ref_logp=logp - 1.0, kl_beta=0.1)
    assert stats["kl"] > 0


def test_reinvent_learner_updates_agent_and_caps_replay(tiny_dir):
    from sciReason.training.pg import ReinventLearner, Sample

    learner = ReinventLearner(str(tiny_dir), None, max_new_tokens=12, replay_size=3, replay_sample=2, lr=1e-2)
    samples = learner.sample(4)
    assert len(samples) == 4 and all(s.token_ids for s in samples)
    fake = [
        Sample(text=f"<SMILES> C{'C' * i} </SMILES>", smiles="C" * (i + 1), token_ids=s.token_ids)
        for i, s in enumerate(samples)
    ]
    before = [p.detach().clone() for p in learner.agent.parameters()]
    stats = learner.update(fake, [0.1, 0.9, None, 0.5])
    assert len(learner.replay) == 3 and min(v for v, _, _ in learner.replay) == 0.1
    assert stats["loss"] > 0 and any(
        not torch.equal(a, b) for a, b in zip(before, learner.agent.parameters(), strict=True)
    )
    assert all(
        torch.equal(a, b) for a, b in zip(before, learner.prior.parameters(), strict=True)
    )  # the prior stays frozen
