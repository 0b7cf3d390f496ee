"""The SciReasoner training recipe on torch + transformers + accelerate.

Stages (each takes a typed config, a dict, or a TOML path and returns the final checkpoint directory):
:func:`pretrain` (continued pretraining), :func:`sft` (responses-only SFT), :func:`coldstart` (annealed
cold start on verified chain-of-thought) and :func:`rl` (DAPO/GRPO with softened rewards). The
policy-gradient core the design loop shares lives in :mod:`sciReason.training.pg`.
Heavy packages are imported only when a stage runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["coldstart", "pretrain", "rl", "sft"]


def pretrain(config: Any) -> Any:
    from sciReason.training.stage_pretrain import pretrain as _run

    return _run(config)


def sft(config: Any) -> Any:
    from sciReason.training.stage_sft import sft as _run

    return _run(config)


def coldstart(config: Any) -> Any:
    from sciReason.training.stage_coldstart import coldstart as _run

    return _run(config)


def rl(config: Any) -> Any:
    from sciReason.training.stage_rl import rl as _run

    return _run(config)
