"""The policy-gradient core shared by RL training (``rl.py``) and the design loop's on-line RL.

Pieces, each usable alone:

* :func:`generate` - sample completions for chat prompts and keep the token ids, a completion mask and the
  decoded text *with tags intact* (``skip_special_tokens=False``, cut at EOS);
* :func:`token_logprobs` - per-token log-probabilities of the sampled tokens under a model;
* :func:`group_advantages` / :func:`tied_groups` - GRPO/DAPO group-normalised advantages and the groups
  whose rewards all tie (DAPO dynamic sampling resamples those; they carry zero gradient anyway);
* :func:`clipped_pg_loss` - PPO-clipped loss with asymmetric clip (``eps_low``, ``eps_high``), token-level
  (DAPO) or sequence-level (GRPO) averaging and an optional ``k3`` KL penalty to a reference model;
* :func:`augmented_likelihood_loss` - REINVENT's ``(log p_prior + sigma * S - log p_agent)^2``;
* :func:`trajectory_balance_loss` - the GFlowNet trajectory-balance loss of an autoregressive policy (one
  generation path per sequence) with a learned ``log Z`` and a KL penalty to the prior, as Genetic GFN uses;
* :class:`ReinventLearner` - a REINVENT-style augmented-likelihood learner with experience replay for
  de-novo design: ``sample(n)`` molecules, ``update(samples, scores)``.

The design loop's SMILES generator (:mod:`sciReason.training.generator`) uses the two sequence-level losses.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ReinventLearner",
    "augmented_likelihood_loss",
    "trajectory_balance_loss",
    "Rollouts",
    "clipped_pg_loss",
    "generate",
    "group_advantages",
    "tied_groups",
    "token_logprobs",
]


@dataclass
class Rollouts:
    """Sampled completions. ``input_ids`` = left-padded prompt + completion; ``completion_mask`` marks the
    generated tokens up to and including EOS; ``texts`` are decoded with tags and EOS stripped."""

    input_ids: Any
    attention_mask: Any
    completion_mask: Any
    texts: list[str]
    n_tokens: list[int]
    finish_reasons: list[str] = field(default_factory=list)


def generate(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 64,
    temperature: float = 1.0,
    top_p: float | None = None,
    generator_seed: int | None = None,
) -> Rollouts:
    """Sample one completion per prompt string (already rendered with the chat template)."""
    import torch

    device = next(model.parameters()).device
    tokenizer.padding_side = "left"
    enc = tokenizer(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    if generator_seed is not None:
        torch.manual_seed(generator_seed)
    eos = tokenizer.eos_token_id
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model.generate(
            **enc,
            do_sample=True,
            temperature=temperature,
            top_p=top_p,
            top_k=0,
            max_new_tokens=max_new_tokens,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=eos,
        )
    if was_training:
        model.train()
    prompt_len = enc["input_ids"].shape[1]
    completion = out[:, prompt_len:]
    is_eos = completion.eq(eos)
    has_eos = is_eos.any(dim=1)
    first = torch.where(
        has_eos, is_eos.float().argmax(dim=1), torch.full_like(has_eos, completion.shape[1], dtype=torch.long)
    )
    positions = torch.arange(completion.shape[1], device=device).unsqueeze(0)
    comp_mask = positions <= first.unsqueeze(1)
    comp_mask &= positions < completion.shape[1]
    texts, n_tokens, reasons = [], [], []
    for i in range(completion.shape[0]):
        n = int(first[i])
        texts.append(tokenizer.decode(completion[i, :n].tolist(), skip_special_tokens=False))
        n_tokens.append(int(comp_mask[i].sum()))
        reasons.append("stop" if bool(has_eos[i]) else "length")
    attn = torch.cat([enc["attention_mask"], comp_mask.long()], dim=1)
    full_mask = torch.cat([torch.zeros_like(enc["attention_mask"], dtype=torch.bool), comp_mask], dim=1)
    return Rollouts(out * attn, attn, full_mask, texts, n_tokens, reasons)


def token_logprobs(model: Any, input_ids: Any, attention_mask: Any) -> Any:
    """log p(token_t | tokens_<t) for t = 1..T-1, shape (B, T-1); positions follow the attention mask."""
    import torch

    position_ids = (attention_mask.cumsum(dim=1) - 1).clamp_min(0)
    logits = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids).logits
    logits = logits[:, :-1].float()
    target = input_ids[:, 1:]
    return torch.log_softmax(logits, dim=-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)


def group_advantages(rewards: Any, group_size: int, scale: bool = True, eps: float = 1e-6) -> Any:
    """(R - mean_group) / std_group per completion (GRPO/DAPO); ``scale=False`` skips the division."""
    r = rewards.view(-1, group_size)
    adv = r - r.mean(dim=1, keepdim=True)
    if scale:
        adv = adv / (r.std(dim=1, keepdim=True, unbiased=False) + eps)
    return adv.reshape(-1)


def tied_groups(rewards: Any, group_size: int, tol: float = 1e-6) -> Any:
    """Boolean per group: True when every reward in the group is equal (no learning signal)."""
    r = rewards.view(-1, group_size)
    return (r.max(dim=1).values - r.min(dim=1).values) <= tol


def clipped_pg_loss(
    logp: Any,
    old_logp: Any,
    advantages: Any,
    mask: Any,
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.28,
    level: str = "token",
    ref_logp: Any | None = None,
    kl_beta: float = 0.0,
) -> tuple[Any, dict[str, float]]:
    """PPO-clipped policy-gradient loss over completion tokens.

    Args:
        logp, old_logp: (B, T) token log-probs under the current policy and the sampling policy.
        advantages: (B,) one advantage per completion, shared by its tokens.
        mask: (B, T) completion tokens.
        level: ``"token"`` (DAPO: mean over all tokens of the batch) or ``"sequence"`` (GRPO: mean per
            completion, then over completions).
        ref_logp, kl_beta: optional k3 estimator of KL(pi || ref), added with weight ``kl_beta``.
    """
    import torch

    m = mask.float()
    ratio = torch.exp(logp - old_logp)
    adv = advantages.unsqueeze(1)
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1 - eps_low, 1 + eps_high) * adv
    per_token = -torch.minimum(unclipped, clipped)
    kl_mean = 0.0
    if ref_logp is not None and kl_beta > 0:
        diff = ref_logp - logp
        kl = torch.exp(diff) - diff - 1
        per_token = per_token + kl_beta * kl
        kl_mean = float((kl * m).sum() / m.sum().clamp_min(1))
    if level == "token":
        loss = (per_token * m).sum() / m.sum().clamp_min(1)
    elif level == "sequence":
        loss = ((per_token * m).sum(1) / m.sum(1).clamp_min(1)).mean()
    else:
        raise ValueError(f"level must be 'token' or 'sequence', got {level!r}")
    with torch.no_grad():
        clip_frac = float(
            (((ratio < 1 - eps_low) | (ratio > 1 + eps_high)).float() * m).sum() / m.sum().clamp_min(1)
        )
    return loss, {"clip_frac": clip_frac, "kl": kl_mean}


def augmented_likelihood_loss(agent_logp: Any, prior_logp: Any, scores: Any, sigma: float) -> Any:
    """REINVENT's DAP loss: mean of ``(log p_prior(x) + sigma * S(x) - log p_agent(x))^2`` over sequences.

    At its minimum the agent is the prior tilted by ``exp(sigma * S)``; ``prior_logp`` carries no gradient.
    """
    target = prior_logp.detach() + sigma * scores
    return (target - agent_logp).pow(2).mean()


def trajectory_balance_loss(
    agent_logp: Any,
    scores: Any,
    log_z: Any,
    beta: float,
    prior_logp: Any | None = None,
    kl_coef: float = 0.0,
) -> tuple[Any, dict[str, float]]:
    """Trajectory balance for an autoregressive policy: ``(log Z + log p_agent(x) - beta * S(x))^2``.

    Every string has exactly one generation path (backward policy = 1), so the loss drives
    ``p_agent(x) -> exp(beta * S(x)) / Z``. With ``prior_logp`` and ``kl_coef`` a sample estimate of
    ``KL(agent || prior)`` on the same (replayed, off-policy) strings is added, as in Genetic GFN.
    """
    tb = (log_z + agent_logp - beta * scores).pow(2).mean()
    kl = (agent_logp - prior_logp.detach()).mean() if prior_logp is not None and kl_coef else None
    loss = tb + kl_coef * kl if kl is not None else tb
    return loss, {"tb": float(tb.detach()), "kl": float(kl.detach()) if kl is not None else 0.0}


@dataclass
class Sample:
    """One sampled design: the completion text (tags intact), the parsed molecule (or None) and its ids."""

    text: str
    smiles: str | None
    token_ids: list[int]


class ReinventLearner:
    """REINVENT-style on-line RL for de-novo design (Olivecrona et al. 2017; REINVENT 4).

    The agent starts as a copy of the prior (e.g. sciReason-tiny); per step the design loop calls
    ``sample(n)``, scores the molecules with its oracle (``None`` = invalid/unscored, counted as 0), and
    calls ``update(samples, scores)``. The loss is ``(log p_prior(x) + sigma * score(x) - log p_agent(x))^2``
    over the batch plus ``replay_sample`` high scorers from an experience-replay buffer.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        prompt: str = "Generate a molecule with <SMILES> ",
        sigma: float = 60.0,
        lr: float = 1e-4,
        replay_size: int = 100,
        replay_sample: int = 10,
        max_new_tokens: int = 64,
        temperature: float = 1.0,
        seed: int = 0,
    ) -> None:
        import copy

        import torch

        if isinstance(model, str):
            from transformers import AutoModelForCausalLM, AutoTokenizer

            tokenizer = tokenizer or AutoTokenizer.from_pretrained(model, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(model, local_files_only=True, dtype=torch.float32)
        self.agent, self.tok = model, tokenizer
        self.prior = copy.deepcopy(model).eval()
        for p in self.prior.parameters():
            p.requires_grad_(False)
        self.prompt_text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}],
            tokenize=False,
            add_generation_prompt=True,
            enable_thinking=False,
        )
        self.sigma, self.replay_size, self.replay_sample = sigma, replay_size, replay_sample
        self.max_new_tokens, self.temperature = max_new_tokens, temperature
        self.optimizer = torch.optim.Adam([p for p in self.agent.parameters() if p.requires_grad], lr=lr)
        self.replay: list[tuple[float, str, tuple[int, ...]]] = []
        self.rng = random.Random(seed)
        self.seed = seed
        self.steps = 0

    def sample(self, n: int) -> list[Sample]:
        from sciReason.parsing import parse_answer

        roll = generate(
            self.agent,
            self.tok,
            [self.prompt_text] * n,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            generator_seed=self.seed * 100_003 + self.steps,
        )
        out = []
        for i, text in enumerate(roll.texts):
            ids = roll.input_ids[i][roll.completion_mask[i]].tolist()
            parsed = parse_answer("smiles", text).parsed
            out.append(Sample(text=text, smiles=parsed.value if parsed.valid else None, token_ids=ids))
        return out

    def _logp(self, model: Any, batch: list[list[int]]) -> Any:
        import torch

        prompt = self.tok(self.prompt_text, add_special_tokens=False)["input_ids"]
        width = max(len(b) for b in batch) + len(prompt)
        ids = torch.full((len(batch), width), self.tok.pad_token_id, dtype=torch.long)
        attn = torch.zeros_like(ids)
        comp = torch.zeros_like(ids, dtype=torch.bool)
        for i, b in enumerate(batch):  # right padding: prompt then completion
            row = prompt + b
            ids[i, : len(row)] = torch.tensor(row)
            attn[i, : len(row)] = 1
            comp[i, len(prompt) : len(row)] = True
        device = next(model.parameters()).device
        lp = token_logprobs(model, ids.to(device), attn.to(device))
        return (lp * comp[:, 1:].to(device).float()).sum(dim=1)

    def update(self, samples: Sequence[Sample], scores: Sequence[float | None]) -> dict[str, float]:
        """One augmented-likelihood step on the batch plus replayed high scorers; returns loss stats."""
        import torch

        if len(samples) != len(scores):
            raise ValueError(f"{len(samples)} samples but {len(scores)} scores")
        seqs = [list(s.token_ids) for s in samples]
        vals = [float(v) if v is not None else 0.0 for v in scores]
        for s, v in zip(samples, vals, strict=False):
            if s.smiles is not None and s.token_ids:
                heapq.heappush(self.replay, (v, s.smiles, tuple(s.token_ids)))
                if len(self.replay) > self.replay_size:
                    heapq.heappop(self.replay)
        if self.replay and self.replay_sample:
            for v, _, ids in self.rng.sample(self.replay, min(self.replay_sample, len(self.replay))):
                seqs.append(list(ids))
                vals.append(v)
        keep = [i for i, s in enumerate(seqs) if s]
        seqs, vals = [seqs[i] for i in keep], [vals[i] for i in keep]
        with torch.no_grad():
            prior = self._logp(self.prior, seqs)
        agent = self._logp(self.agent, seqs)
        loss = augmented_likelihood_loss(agent, prior, torch.tensor(vals, device=agent.device), self.sigma)
        self.agent.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        return {
            "loss": float(loss.detach()),
            "mean_score": sum(vals[: len(samples)]) / max(1, len(samples)),
            "agent_logp": float(agent.detach().mean()),
        }
