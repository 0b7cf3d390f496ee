"""Stage 4, RL: DAPO (default) or GRPO on task prompts with softened, verifiable rewards.

Per optimiser micro-batch, :class:`RolloutSource` samples ``group_size`` completions for each of
``prompts_per_step`` prompts, scores them with :func:`sciReason.training.rewards.shaped_reward` (decoded
with tags intact), and computes group-normalised advantages. **Dynamic sampling** (DAPO): a group whose
rewards all tie carries no signal, so it is dropped and fresh prompts are drawn, up to
``max_resample_rounds`` extra rounds (TRL keeps such groups with zero advantage). The loss is the
PPO-clipped objective of :mod:`sciReason.training.pg`: DAPO = token-level mean with clip-higher
(``epsilon_low``/``epsilon_high``); GRPO = per-sequence mean with a symmetric clip; optional k3 KL to a
frozen copy of the starting policy when ``kl_beta > 0``. The optional **pool filter** keeps prompts whose
solve rate over ``pool_rollouts`` samples lies in (0.125, 0.875) (SciReasoner §3.2.1).
"""

from __future__ import annotations

import copy
import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sciReason.errors import ConfigError
from sciReason.training.builders import task_spec
from sciReason.training.config import RLConfig
from sciReason.training.data import iter_records, record_messages
from sciReason.training.loop import Loop, load_model, rank_world, seed_everything
from sciReason.training.pg import clipped_pg_loss, generate, group_advantages, tied_groups, token_logprobs
from sciReason.training.rewards import is_correct, reference_usable, shaped_reward
from sciReason.training.stage_pretrain import coerce_config

logger = logging.getLogger(__name__)

__all__ = ["RolloutSource", "filter_pool", "mean_reward", "render_prompt", "rl"]


def render_prompt(tokenizer: Any, rec: dict[str, Any], thinking: bool | None = None) -> str:
    """The chat prompt of a record (thinking from the argument, else the task's own setting).

    A record with a raw ``prompt`` string is used as is (e.g. ``"<SMILES>"`` for a pretrained-only model).
    """
    if rec.get("prompt") is not None:
        return str(rec["prompt"])
    think = task_spec(rec["task"]).thinking if thinking is None else thinking
    msgs = record_messages({**rec, "output": ""})[:-1] if "messages" not in rec else rec["messages"][:-1]
    return tokenizer.apply_chat_template(
        msgs, tokenize=False, add_generation_prompt=True, enable_thinking=think
    )


def _sample(model: Any, tokenizer: Any, prompts: Sequence[str], cfg: RLConfig, seed: int) -> Any:
    """One completion per prompt with the run's rollout decoding (the same for training and held-out scoring)."""
    return generate(
        model,
        tokenizer,
        prompts,
        max_new_tokens=cfg.max_new_tokens,
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        generator_seed=seed,
    )


def _score(
    cfg: RLConfig, recs: Sequence[dict[str, Any]], texts: Sequence[str], roll: Any
) -> list[float | None]:
    """Shaped reward per completion; ``None`` where the record's reference cannot be read (skip it)."""
    out: list[float | None] = []
    for rec, text, n, fin in zip(recs, texts, roll.n_tokens, roll.finish_reasons, strict=False):
        think = cfg.thinking if cfg.thinking is not None else None
        out.append(
            shaped_reward(
                task_spec(rec["task"]), text, rec, cfg.reward, n_tokens=n, finish_reason=fin, thinking=think
            ).total
        )
    return out


class RolloutSource:
    """Resumable batch source of scored rollouts (see the module docstring)."""

    def __init__(
        self, cfg: RLConfig, records: list[dict[str, Any]], tokenizer: Any, rank: int = 0, world: int = 1
    ) -> None:
        if not records:
            raise ConfigError("RL needs prompt records (task, input, reference)")
        self.cfg, self.records, self.tok = cfg, records, tokenizer
        self.rank, self.world = rank, world
        self.model: Any = None  # set by rl() to the live policy
        self.ref_model: Any = None
        self.epoch, self.pos, self.calls = 0, 0, 0
        self.rng = random.Random(cfg.seed + 17 + rank)
        self.order = self._perm(0)
        self._cached: dict[str, Any] | None = None
        self._served = 0

    def _perm(self, epoch: int) -> list[int]:
        order = list(range(len(self.records)))
        random.Random(self.cfg.seed * 7_919 + epoch).shuffle(order)
        return order[self.rank :: self.world] or order

    def _take(self, n: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            if self.pos >= len(self.order):
                self.epoch, self.pos = self.epoch + 1, 0
                self.order = self._perm(self.epoch)
            out.append(self.records[self.order[self.pos]])
            self.pos += 1
        return out

    def _rollout(self, recs: list[dict[str, Any]]) -> tuple[Any, list[float | None]]:
        g = self.cfg.group_size
        prompts = [render_prompt(self.tok, r, self.cfg.thinking) for r in recs for _ in range(g)]
        roll = _sample(self.model, self.tok, prompts, self.cfg, self.rng.randrange(2**31))
        return roll, _score(self.cfg, [r for r in recs for _ in range(g)], roll.texts, roll)

    def __next__(self) -> dict[str, Any]:
        if self._cached is not None and self._served < self.cfg.updates_per_batch:
            self._served += 1
            return self._cached
        import torch

        cfg, g = self.cfg, self.cfg.group_size
        dynamic = cfg.dynamic_sampling and cfg.algorithm == "dapo"
        kept: list[tuple[Any, int, list[float]]] = []  # (rollouts, group index, rewards)
        tied_seen = groups_seen = rounds = skipped = 0
        fallback = None
        max_rounds = cfg.max_resample_rounds if dynamic else 0
        while len(kept) < cfg.prompts_per_step and rounds <= max_rounds:
            need = cfg.prompts_per_step - len(kept)
            roll, rewards = self._rollout(self._take(need))
            # a group whose reference cannot be read is skipped, never trained on as reward 0
            usable = [not any(r is None for r in rewards[j * g : (j + 1) * g]) for j in range(need)]
            filled = torch.tensor([0.0 if r is None else r for r in rewards])
            tied = tied_groups(filled, g).tolist()
            for j, is_tied in enumerate(tied):
                if not usable[j]:
                    skipped += 1
                    continue
                groups_seen += 1
                tied_seen += int(is_tied)
                group = [float(r) for r in rewards[j * g : (j + 1) * g] if r is not None]
                if dynamic and is_tied:
                    fallback = fallback or (roll, j, group)
                    continue
                kept.append((roll, j, group))
            rounds += 1
            if not all(usable) and rounds > max_rounds and skipped < 10 * cfg.prompts_per_step:
                max_rounds += 1  # draw replacements for skipped prompts (bounded)
        while len(kept) < cfg.prompts_per_step and fallback is not None:
            kept.append(fallback)  # zero advantage: keeps the batch shape, adds no gradient
        if not kept:
            raise ConfigError(
                f"RL drew {skipped} prompt groups and none has a readable 'reference' answer for its task; "
                "fix the 'reference' fields of the RL prompt records"
            )
        batch = self._collate(kept)
        batch.update(
            {
                "reward_mean": float(batch.pop("_rewards").mean()),
                "tied_frac": tied_seen / max(1, groups_seen),
                "resample_rounds": float(rounds - 1),
                "skipped_groups": float(skipped),
            }
        )
        self.calls += 1
        self._cached, self._served = batch, 1
        return batch

    def _collate(self, kept: list[tuple[Any, int, list[float]]]) -> dict[str, Any]:
        import torch

        g = self.cfg.group_size
        rows_ids, rows_attn, rows_mask = [], [], []
        for roll, j, _ in kept:
            sl = slice(j * g, (j + 1) * g)
            rows_ids += list(roll.input_ids[sl])
            rows_attn += list(roll.attention_mask[sl])
            rows_mask += list(roll.completion_mask[sl])
        width = max(r.shape[0] for r in rows_ids)

        def pad(rows: list[Any], value: Any) -> Any:  # left-pad to a common width
            return torch.stack(
                [
                    torch.cat([torch.full((width - r.shape[0],), value, dtype=r.dtype, device=r.device), r])
                    for r in rows
                ]
            )

        ids, attn, mask = pad(rows_ids, self.tok.pad_token_id), pad(rows_attn, 0), pad(rows_mask, False)
        rewards = torch.tensor([x for _, _, rs in kept for x in rs], dtype=torch.float32)
        adv = group_advantages(rewards, g, scale=True)
        with torch.no_grad():
            old = token_logprobs(self.model, ids, attn).detach()
            ref = token_logprobs(self.ref_model, ids, attn).detach() if self.ref_model is not None else None
        batch = {
            "input_ids": ids,
            "attention_mask": attn,
            "completion_mask": mask,
            "advantages": adv,
            "old_logp": old,
            "_rewards": rewards,
        }
        if ref is not None:
            batch["ref_logp"] = ref
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "pos": self.pos, "calls": self.calls, "rng": self.rng.getstate()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.pos, self.calls = int(state["epoch"]), int(state["pos"]), int(state["calls"])
        rng = state["rng"]
        self.rng.setstate((rng[0], tuple(rng[1]), rng[2]))
        self.order = self._perm(self.epoch)
        self._cached = None


def rl_loss(cfg: RLConfig) -> Any:
    def loss_fn(model: Any, batch: dict[str, Any]) -> tuple[Any, dict[str, float]]:
        logp = token_logprobs(model, batch["input_ids"], batch["attention_mask"])
        mask = batch["completion_mask"][:, 1:]
        grpo = cfg.algorithm == "grpo"
        loss, stats = clipped_pg_loss(
            logp,
            batch["old_logp"],
            batch["advantages"],
            mask,
            eps_low=cfg.epsilon_low,
            eps_high=cfg.epsilon_low if grpo else cfg.epsilon_high,
            level="sequence" if grpo else "token",
            ref_logp=batch.get("ref_logp"),
            kl_beta=cfg.kl_beta,
        )
        stats.update(
            {
                k: batch[k]
                for k in ("reward_mean", "tied_frac", "resample_rounds", "skipped_groups")
                if k in batch
            }
        )
        return loss, stats

    return loss_fn


def mean_reward(
    model: Any,
    tokenizer: Any,
    records: Sequence[dict[str, Any]],
    cfg: RLConfig,
    seed: int = 123,
    batch_size: int = 64,
) -> float:
    """Mean shaped reward of one sampled completion per record (fixed seed): the held-out RL metric.

    Records whose reference cannot be read are left out of the mean (they are not scored as 0)."""
    usable = [r for r in records if reference_usable(task_spec(r["task"]), r)]
    total = 0.0
    for i in range(0, len(usable), batch_size):
        recs = list(usable[i : i + batch_size])
        prompts = [render_prompt(tokenizer, r, cfg.thinking) for r in recs]
        roll = _sample(model, tokenizer, prompts, cfg, seed + i)
        total += sum(x for x in _score(cfg, recs, roll.texts, roll) if x is not None)
    return total / max(1, len(usable))


def filter_pool(
    model: Any,
    tokenizer: Any,
    records: list[dict[str, Any]],
    cfg: RLConfig,
    low: float = 0.125,
    high: float = 0.875,
) -> list[dict[str, Any]]:
    """Prompts with ``low < solve rate < high`` over ``cfg.pool_rollouts`` samples (correct = verifier)."""
    kept = []
    k = cfg.pool_rollouts
    for i, rec in enumerate(records):
        if not reference_usable(task_spec(rec["task"]), rec):
            continue  # cannot be scored: never in the RL pool
        roll = generate(
            model,
            tokenizer,
            [render_prompt(tokenizer, rec, cfg.thinking)] * k,
            max_new_tokens=cfg.max_new_tokens,
            temperature=cfg.temperature,
            generator_seed=cfg.seed + i,
        )
        rate = sum(is_correct(task_spec(rec["task"]), t, rec) for t in roll.texts) / k
        if low < rate < high:
            kept.append(rec)
    logger.info("RL pool filter: kept %d of %d prompts", len(kept), len(records))
    return kept


def rl(config: RLConfig | dict[str, Any] | str | Path) -> Path:
    """Run DAPO/GRPO; returns the final save_pretrained directory."""
    cfg: RLConfig = coerce_config(config, RLConfig)
    seed_everything(cfg.seed)
    if cfg.num_threads:
        import torch

        torch.set_num_threads(cfg.num_threads)
    model, tok = load_model(cfg)
    records = [r for src in cfg.prompts for r in iter_records(src)]
    if cfg.pool_filter:
        records = filter_pool(model, tok, records, cfg) or records
    rank, world = rank_world()
    source = RolloutSource(cfg, records, tok, rank, world)
    ref = None
    if cfg.kl_beta > 0:
        ref = copy.deepcopy(model).eval()
        for p in ref.parameters():
            p.requires_grad_(False)
    loop = Loop(cfg, model, tok, source, int(cfg.max_steps or 100), "rl")
    source.model = loop.accelerator.unwrap_model(loop.model)
    if ref is not None:
        source.ref_model = ref.to(loop.accelerator.device)
    return loop.run(rl_loss(cfg))
