"""``sciReason train pretrain|sft|coldstart|rl --config FILE``: run one stage of the training recipe.

The config file is TOML (a ``[STAGE]`` table, or the stage's fields at the top level); the flags below
override it. The same command scales out unchanged: ``accelerate launch -m sciReason train sft --config
sft.toml`` (DDP, FSDP or DeepSpeed from the accelerate config).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sciReason.cli._common import MARKUP_MODE, cli_errors, print_result_line, resolve_config

STAGE_HELP = {
    "pretrain": "Continued pretraining: packed causal LM on a weighted mixture (warm-up + cosine).",
    "sft": "Supervised fine-tuning with the loss on responses only.",
    "coldstart": "Annealed cold start: harvest verified chain-of-thought, then a short low-LR SFT.",
    "rl": "DAPO (default) or GRPO with softened, verifiable rewards.",
}


def _run_stage(stage: str, config: Path | None, flags: dict[str, Any]) -> None:
    from sciReason.training.config import STAGES

    cfg = resolve_config(STAGES[stage], config, flags, section=stage)
    _log_to_stderr()
    import sciReason.training as training

    out = getattr(training, stage)(cfg)
    if os.environ.get("RANK", "0") == "0":  # one line per run under ``accelerate launch``, not per process
        print_result_line(f"{stage} done: {out}")  # stdout: the result; progress and metrics went to stderr


def _log_to_stderr() -> None:
    """Show the recipe's progress messages (harvest counts, resume points) on stderr, one prefix per
    process under ``accelerate launch``; the metrics themselves go to the console table and JSONL."""
    import logging

    log = logging.getLogger("sciReason")
    if log.handlers:
        return
    rank = os.environ.get("RANK")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"%(levelname)s{f' [rank {rank}]' if rank else ''} %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _make(stage: str) -> Any:
    def command(
        config: Annotated[Path | None, typer.Option("--config", "-c", help="TOML config file.")] = None,
        model: Annotated[str | None, typer.Option(help="Model directory to start from.")] = None,
        output_dir: Annotated[
            str | None, typer.Option("--output-dir", "-o", help="Where outputs go.")
        ] = None,
        max_steps: Annotated[int | None, typer.Option(help="Optimiser steps.")] = None,
        lr: Annotated[float | None, typer.Option(help="Peak learning rate.")] = None,
        batch_size: Annotated[int | None, typer.Option(help="Sequences per device per micro-batch.")] = None,
        grad_accum: Annotated[int | None, typer.Option(help="Micro-batches per optimiser step.")] = None,
        seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
        precision: Annotated[str | None, typer.Option(help="auto, bf16, fp16 or fp32.")] = None,
        resume: Annotated[
            bool | None, typer.Option("--resume/--no-resume", help="Continue from the newest checkpoint.")
        ] = None,
        num_threads: Annotated[int | None, typer.Option(help="torch CPU threads.")] = None,
    ) -> None:
        with cli_errors():
            flags = {
                "model": model,
                "output_dir": output_dir,
                "max_steps": max_steps,
                "lr": lr,
                "batch_size": batch_size,
                "grad_accum": grad_accum,
                "seed": seed,
                "precision": precision,
                "resume": resume,
                "num_threads": num_threads,
            }
            _run_stage(stage, config, flags)

    command.__doc__ = STAGE_HELP[stage]
    return command


def register(app: typer.Typer) -> None:
    train_app = typer.Typer(
        help="Train a model: pretrain -> sft -> coldstart -> rl.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP_MODE,
    )
    for stage in STAGE_HELP:
        train_app.command(stage, help=STAGE_HELP[stage])(_make(stage))
    app.add_typer(train_app, name="train")
