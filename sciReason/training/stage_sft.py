"""Stage 2, supervised fine-tuning: loss on the responses only, per-task re-weighting, several epochs.

Prompts are rendered with the model's own chat template (``add_generation_prompt=True``) and masked with
-100; the response and EOS are learned. Instant answers (no ``<think>`` rationale) are encoded like Qwen3
with thinking off: by default half with the template's empty think block pre-filled and half with the
empty block written by the model, so the model answers directly whether or not a client pre-fills it.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sciReason.training.config import SFTConfig
from sciReason.training.data import EpochBatches, encode_chat, iter_records, record_messages
from sciReason.training.loop import Loop, lm_loss, load_model, rank_world, seed_everything
from sciReason.training.stage_pretrain import coerce_config, init_texts

logger = logging.getLogger(__name__)

__all__ = ["EMPTY_THINK", "encode_records", "sft", "sft_records"]

EMPTY_THINK = "<think>\n\n</think>\n\n"


def sft_records(cfg: SFTConfig) -> list[dict[str, Any]]:
    return [rec for src in cfg.data for rec in iter_records(src)]


def encode_records(
    records: Iterable[dict[str, Any]], tokenizer: Any, cfg: SFTConfig
) -> list[tuple[list[int], list[int], float]]:
    """(input_ids, labels, weight) per record; weight = ``cfg.task_weights`` of its task (default 1)."""
    out = []
    for i, rec in enumerate(records):
        messages = record_messages(rec)
        answer = messages[-1]["content"]
        thinking = rec.get("thinking")
        if thinking is None:
            thinking = answer.lstrip().startswith("<think>")
        if not thinking and i % 2 == 1:  # the model writes the empty think block itself
            messages = [*messages[:-1], {"role": "assistant", "content": EMPTY_THINK + answer.lstrip()}]
            ids, labels = encode_chat(tokenizer, messages, thinking=None, max_length=cfg.seq_len)
        else:
            ids, labels = encode_chat(tokenizer, messages, thinking=bool(thinking), max_length=cfg.seq_len)
        weight = float(cfg.task_weights.get(str(rec.get("task")), 1.0))
        if any(y != -100 for y in labels):
            out.append((ids, labels, weight))
        else:
            logger.warning("record %d: prompt longer than seq_len=%d, skipped", i, cfg.seq_len)
    return out


def run_sft(cfg: SFTConfig, records: list[dict[str, Any]], stage: str) -> Path:
    """Shared by SFT and the cold start: encode, batch, train."""
    seed_everything(cfg.seed)
    n_init = cfg.init.tokenizer_texts if cfg.init else 0
    model, tok = load_model(cfg, lambda: itertools.islice(init_texts(cfg.data, n_init), n_init))
    rank, world = rank_world()
    examples = encode_records(records, tok, cfg)
    data = EpochBatches(examples, cfg.batch_size, tok.pad_token_id, seed=cfg.seed, rank=rank, world=world)
    steps = cfg.max_steps or max(1, math.ceil(cfg.epochs * data.steps_per_epoch / cfg.grad_accum))
    return Loop(cfg, model, tok, data, steps, stage).run(lm_loss)


def sft(config: SFTConfig | dict[str, Any] | str | Path) -> Path:
    """Run SFT; returns the final save_pretrained directory."""
    cfg: SFTConfig = coerce_config(config, SFTConfig)
    return run_sft(cfg, sft_records(cfg), "sft")
