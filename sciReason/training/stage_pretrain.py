"""Stage 1, continued pretraining: causal LM on a weighted mixture of text, tagged sequences and pairs.

Documents are packed into blocks of ``seq_len`` (joined with EOS), the LR follows linear warm-up and a
cosine decay, precision is bf16 where the GPU supports it, and an optional *anneal slice* mixes SFT-style
records into the last ``anneal_fraction`` of the steps (the paper's curriculum).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sciReason.training.config import PretrainConfig, SourceConfig
from sciReason.training.data import MixedStream, PackedBatches, iter_records, record_messages
from sciReason.training.loop import Loop, lm_loss, load_model, rank_world, seed_everything

__all__ = ["coerce_config", "init_texts", "pretrain"]


def coerce_config(config: Any, model: type) -> Any:
    """Accept a config object, a dict, or a TOML path."""
    if isinstance(config, model):
        return config
    if isinstance(config, dict):
        from sciReason.configfile import resolve_config

        return resolve_config(model, None, config)
    from sciReason.training.config import STAGES, load_stage_config

    stage = next(k for k, v in STAGES.items() if v is model)
    return load_stage_config(stage, Path(config))


def init_texts(sources: list[SourceConfig], limit: int) -> Iterator[str]:
    """Plain texts of the first records of each source (to train a fresh tokenizer)."""
    per_source = max(1, limit // max(1, len(sources)))
    for src in sources:
        for rec in itertools.islice(iter_records(src), per_source):
            if "messages" in rec or "output" in rec:
                yield "\n".join(m["content"] for m in record_messages(rec))
            else:
                from sciReason.training.data import record_text

                yield record_text(rec)


def pretrain(config: PretrainConfig | dict[str, Any] | str | Path) -> Path:
    """Run continued pretraining; returns the final save_pretrained directory."""
    cfg: PretrainConfig = coerce_config(config, PretrainConfig)
    seed_everything(cfg.seed)
    n_init = cfg.init.tokenizer_texts if cfg.init else 0
    model, tok = load_model(cfg, lambda: init_texts(cfg.sources + cfg.anneal_sources, n_init))
    rank, world = rank_world()
    steps = int(cfg.max_steps or 1000)
    anneal = MixedStream(cfg.anneal_sources, seed=cfg.seed + 1) if cfg.anneal_sources else None
    blocks_per_step = cfg.batch_size * cfg.grad_accum * world
    anneal_from = int((1 - cfg.anneal_fraction) * steps * blocks_per_step) if anneal else None
    data = PackedBatches(
        MixedStream(cfg.sources, seed=cfg.seed),
        tok,
        cfg.seq_len,
        cfg.batch_size,
        rank=rank,
        world=world,
        anneal=anneal,
        anneal_from=anneal_from,
        anneal_weight=cfg.anneal_weight,
        seed=cfg.seed,
    )
    return Loop(cfg, model, tok, data, steps, "pretrain").run(lm_loss)
