"""The on-line learner of the design loop's SMILES generator: the shared losses, the rank-based replay
buffer, the scaffold diversity filter, and real gradient steps that move the agent towards high scorers."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

GOOD = [
    "Cc1ccc(O)cc1",
    "Cc1ccc(N)cc1",
    "Cc1ccc(F)cc1",
    "Cc1ccc(Cl)cc1",
    "Cc1ccc(C)cc1",
    "Cc1ccc(OC)cc1",
    "Cc1ccc(CC)cc1",
    "Cc1ccc(Br)cc1",
]
BAD = ["CCCCCCO", "CCCCCCN", "CCCCCCF", "CCCCCCCl", "CCCCCCC", "CCCCCCOC", "CCCCCCCC", "CCCCCCBr"]


@pytest.fixture(scope="module")
def prior():
    from sciReason.training.prior import load_prior

    return load_prior()


def test_trajectory_balance_and_augmented_likelihood_losses_by_hand():
    from sciReason.training.pg import augmented_likelihood_loss, trajectory_balance_loss

    agent = torch.tensor([-10.0, -20.0], requires_grad=True)
    prior = torch.tensor([-12.0, -18.0])
    scores = torch.tensor([1.0, 0.0])
    log_z = torch.tensor(2.0, requires_grad=True)
    loss, stats = trajectory_balance_loss(agent, scores, log_z, beta=5.0, prior_logp=prior, kl_coef=0.5)
    tb = ((2 - 10 - 5) ** 2 + (2 - 20 - 0) ** 2) / 2
    kl = ((-10 + 12) + (-20 + 18)) / 2
    assert math.isclose(float(loss.detach()), tb + 0.5 * kl, rel_tol=1e-6)
    assert math.isclose(stats["tb"], tb, rel_tol=1e-6)
    loss.backward()
    assert float(log_z.grad) == pytest.approx(((2 - 10 - 5) + (2 - 20)) * 2 / 2)
    dap = augmented_likelihood_loss(agent, prior, scores, sigma=3.0)
    assert float(dap.detach()) == pytest.approx(((-12 + 3 + 10) ** 2 + (-18 + 20) ** 2) / 2)


def test_buffer_keeps_the_best_unique_encodable_molecules(prior):
    from sciReason.training.generator import GeneratorLearner, LearnerConfig

    learner = GeneratorLearner(prior, LearnerConfig(num_keep=4))
    for i, s in enumerate(BAD):
        learner.observe(s, i / 10)
    learner.observe("CCCCCCBr", 0.99)  # already seen: the first score stays
    learner.observe("CCO", None)  # unscored: ignored
    assert len(learner) == 4
    assert sorted(learner.scores.values(), reverse=True) == [0.7, 0.6, 0.5, 0.4]


def test_rank_based_replay_prefers_the_top(prior):
    from sciReason.training.generator import GeneratorLearner, LearnerConfig

    learner = GeneratorLearner(prior, LearnerConfig(rank_coefficient=0.01), seed=1)
    mols = GOOD + BAD
    for i, s in enumerate(mols):
        learner.observe(s, 1.0 - i / len(mols))
    picks = [k for k, _ in learner._draw(4000)]
    assert picks.count(mols[0]) > 5 * picks.count(mols[-1])
    assert len(set(picks)) == len(mols)  # the tail is still visited


def test_diversity_filter_zeroes_the_training_score_of_a_full_scaffold_bucket(prior):
    from sciReason.training.generator import GeneratorLearner, LearnerConfig

    learner = GeneratorLearner(prior, LearnerConfig(diversity_bucket=2, diversity_min_score=0.5))
    for s in GOOD[:4]:  # all share the benzene scaffold
        learner.observe(s, 0.9)
    assert [learner.scores[s] for s in GOOD[:4]] == [0.9, 0.9, 0.0, 0.0]
    learner.observe("C1CCNCC1", 0.9)  # another scaffold keeps its score
    assert learner.scores["C1CCNCC1"] == 0.9


@pytest.mark.parametrize("loss", ["tb", "dap"])
def test_gradient_steps_raise_the_likelihood_of_high_scorers(prior, loss):
    from sciReason.training.generator import GeneratorLearner, LearnerConfig

    learner = GeneratorLearner(prior, LearnerConfig(loss=loss, batch_size=16, augment=False), seed=0)
    for s in GOOD:
        learner.observe(s, 1.0)
    for s in BAD:
        learner.observe(s, 0.0)
    good_before, _ = learner.mean_logp(GOOD)
    bad_before, _ = learner.mean_logp(BAD)
    for _ in range(15):
        stats = learner.train_step()
    good_after, good_prior = learner.mean_logp(GOOD)
    bad_after, _ = learner.mean_logp(BAD)
    assert good_after - good_before > 1.0
    assert good_after - good_before > bad_after - bad_before + 1.0
    assert stats["prior_logp"] < 0 and learner.steps == 15
    assert learner.mean_logp(GOOD)[1] == good_prior  # the prior is frozen


def test_augmented_replay_uses_randomised_strings(prior, monkeypatch):
    from sciReason.training import generator as gen_mod
    from sciReason.training.generator import GeneratorLearner, LearnerConfig

    seen = []
    real = gen_mod.randomize_smiles
    monkeypatch.setattr(gen_mod, "randomize_smiles", lambda s, rng: seen.append(s) or real(s, rng))
    learner = GeneratorLearner(prior, LearnerConfig(batch_size=8, augment=True))
    for s in GOOD:
        learner.observe(s, 1.0)
    learner.train_step()
    assert len(seen) == 8 and set(seen) <= set(GOOD)


def test_max_tokens_keeps_long_strings_out_of_the_buffer_and_the_batch(prior, monkeypatch):
    from sciReason.training import generator as gen_mod
    from sciReason.training.generator import GeneratorLearner, LearnerConfig

    long_chain = "C" * 30 + "O"  # 31 tokens
    learner = GeneratorLearner(prior, LearnerConfig(batch_size=16, max_tokens=20))
    learner.observe(long_chain, 1.0)
    for s in GOOD:
        learner.observe(s, 0.5)
    assert long_chain not in learner.scores and learner.too_long == 1 and len(learner) == len(GOOD)
    # a random path over the cap falls back to the canonical string, so no batch is wider than the cap
    widths = []
    real_pad = learner.agent.pad_batch
    monkeypatch.setattr(gen_mod, "randomize_smiles", lambda s, rng: "C" * 25 + s)
    monkeypatch.setattr(
        learner.agent, "pad_batch", lambda seqs: widths.append(max(map(len, seqs))) or real_pad(seqs)
    )
    learner.train_step()
    assert widths and widths[0] - 2 <= 20
    uncapped = GeneratorLearner(prior, LearnerConfig())
    uncapped.observe(long_chain, 1.0)
    assert long_chain in uncapped.scores and uncapped.too_long == 0 and uncapped.unwritable == 0
    giant = "C" * (prior.config.max_len + 5)  # more tokens than the agent can ever sample
    uncapped.observe(giant, 0.9)
    learner.observe(giant, 0.9)
    assert uncapped.unwritable == 1 and giant in uncapped.scores
    assert learner.unwritable == 1 and learner.too_long == 2
