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
