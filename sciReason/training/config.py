"""Typed configs for the four training stages (pydantic; TOML files; CLI flags override).

One model per stage: :class:`PretrainConfig`, :class:`SFTConfig`, :class:`ColdStartConfig`,
:class:`RLConfig`. They share :class:`TrainConfig` (optimiser, schedule, precision, checkpointing,
logging), so a config written for a laptop scales to ``accelerate launch`` unchanged: per-device batch
sizes stay per device and the world size comes from the launcher.

Defaults follow the SciReasoner paper where it gives numbers (pretraining LR 2e-4 with 1% warm-up, SFT LR
5e-5 with 5% warm-up, cold start up to 500 correct traces per task from a 6,000-prompt first draw and a
50,000-prompt cap, DAPO clip-higher 0.2/0.28) and documented project choices where it is silent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ColdStartConfig",
    "LoggingConfig",
    "PretrainConfig",
    "RLConfig",
    "RewardConfig",
    "SFTConfig",
    "SourceConfig",
    "TinyInit",
    "TrainConfig",
    "load_stage_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class TinyInit(_Strict):
    """Build a fresh tiny Qwen3 model when ``model`` does not exist yet (tests, laptops, sciReason-tiny).

    The tokenizer is a byte-level BPE trained on the first ``tokenizer_texts`` training texts, with the
    science tags as ordinary tokens (``sciReason.training.tiny``).
    """

    vocab_size: int = Field(1024, description="BPE vocabulary size before control tokens and tags")
    hidden_size: int = Field(128, description="model width")
    num_layers: int = Field(4, description="transformer blocks")
    num_heads: int = Field(4, description="attention heads")
    num_kv_heads: int | None = Field(2, description="key/value heads (GQA); None = num_heads")
    intermediate_size: int | None = Field(None, description="MLP width; None = 3 x hidden_size")
    max_position_embeddings: int = Field(2048, description="longest sequence the model accepts")
    tokenizer_texts: int = Field(20000, description="how many training texts the tokenizer is trained on")


class SourceConfig(_Strict):
    """One data source: a JSONL or Parquet file, or ``builtin:NAME`` (an offline builder, see builders.py).

    Records may be ``{"text": ...}``, ``{"sequence": ..., "type": "smiles|protein|dna|rna|material"}``
    (wrapped in the model's tags), pairs ``{"text": ..., "sequence": ..., "type": ...}``, or chat records
    ``{"task": ..., "messages": [...]}`` / ``{"task": ..., "input": ..., "output": ...}``.
    """

    path: str = Field(description="file path (.jsonl, .jsonl.gz, .parquet) or builtin:NAME")
    weight: float = Field(1.0, gt=0, description="mixing weight (pretraining) relative to other sources")
    limit: int | None = Field(None, ge=1, description="read at most this many records")
    options: dict[str, Any] = Field(default_factory=dict, description="builder options for builtin sources")


class LoggingConfig(_Strict):
    console: bool = Field(True, description="one rich line per logging step")
    jsonl: bool = Field(True, description="append metrics to OUTPUT_DIR/metrics.jsonl")
    tensorboard: bool = Field(
        False, description="TensorBoard event files in OUTPUT_DIR/tb (needs tensorboard)"
    )
    every: int = Field(10, ge=1, description="log every N optimiser steps")


class TrainConfig(_Strict):
    """Settings shared by every stage."""

    model: str = Field(description="model directory (save_pretrained) or local hub id; built if init is set")
    init: TinyInit | None = Field(None, description="build a tiny model at `model` if it does not exist")
    output_dir: str = Field(description="where checkpoints, logs and the final model go")
    seed: int = Field(0, description="seeds python, numpy, torch and the data order")
    max_steps: int | None = Field(None, ge=1, description="optimiser steps; None = derive from epochs")
    epochs: float = Field(1.0, gt=0, description="passes over the data when max_steps is None")
    batch_size: int = Field(16, ge=1, description="sequences per device per micro-batch")
    grad_accum: int = Field(1, ge=1, description="micro-batches per optimiser step")
    lr: float = Field(2e-4, gt=0, description="peak learning rate")
    warmup_ratio: float = Field(0.01, ge=0, le=1, description="linear warm-up as a share of all steps")
    warmup_steps: int | None = Field(None, ge=0, description="overrides warmup_ratio when set")
    min_lr_ratio: float = Field(0.1, ge=0, le=1, description="cosine decays to lr x min_lr_ratio")
    weight_decay: float = Field(0.1, ge=0, description="AdamW weight decay (matrices only)")
    betas: tuple[float, float] = Field((0.9, 0.95), description="AdamW betas")
    grad_clip: float | None = Field(1.0, description="max gradient norm; None = no clipping")
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", description="auto = bf16 on GPUs that support it, fp32 on CPU"
    )
    seq_len: int = Field(512, ge=8, description="tokens per sequence (packed block or max SFT length)")
    save_every: int | None = Field(None, ge=1, description="checkpoint every N steps (and at the end)")
    keep_checkpoints: int = Field(2, ge=1, description="how many step checkpoints to keep")
    resume: bool = Field(False, description="continue from the newest checkpoint in output_dir")
    num_threads: int | None = Field(None, ge=1, description="torch CPU threads (set 1 on busy machines)")
    logging: LoggingConfig = Field(default_factory=LoggingConfig)

    @property
    def out(self) -> Path:
        return Path(self.output_dir).expanduser()


class PretrainConfig(TrainConfig):
    """Continued pretraining: causal LM on a weighted mixture, packed into blocks of ``seq_len``."""

    sources: list[SourceConfig] = Field(min_length=1, description="the pretraining mixture")
    anneal_sources: list[SourceConfig] = Field(
        default_factory=list, description="SFT-style data mixed in at the end (the paper's anneal slice)"
    )
    anneal_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of final steps that see anneal_sources"
    )
    anneal_weight: float = Field(0.3, gt=0, lt=1, description="share of anneal data inside the anneal slice")
    max_steps: int | None = Field(1000, ge=1, description="optimiser steps (streams have no epochs)")


class SFTConfig(TrainConfig):
    """Instruction tuning with the loss on responses only."""

    data: list[SourceConfig] = Field(min_length=1, description="chat/instruction records")
    task_weights: dict[str, float] = Field(
        default_factory=dict, description="per-task loss weights (task id -> weight); default 1"
    )
    epochs: float = Field(3.0, gt=0, description="passes over the instruction data")
    lr: float = Field(5e-5, gt=0, description="peak learning rate (paper: 5e-5)")
    warmup_ratio: float = Field(0.05, ge=0, le=1, description="paper: 5%")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    seq_len: int = Field(
        1024, ge=8, description="max prompt+response tokens; longer records are right-truncated"
    )
    eval_fraction: float = Field(0.0, ge=0, lt=1, description="records held out for loss evaluation")


class ColdStartConfig(SFTConfig):
    """Annealed cold start: harvest verified CoT for thinking tasks, then a short low-LR SFT."""

    teacher: str = Field(
        "rules", description="'rules' (rule-based traces for verifiable tasks) or any sciReason backend spec"
    )
    thinking_tasks: list[str] | None = Field(
        None, description="tasks whose SFT data is replaced by CoT; None = tasks the catalog marks thinking"
    )
    target_per_task: int = Field(500, ge=1, description="T: correct traces to keep per task")
    initial_draw: int = Field(6000, ge=1, description="prompts graded in the first round per task")
    prompt_budget: int = Field(50000, ge=1, description="C: hard cap on graded prompts per task")
    min_solve_rate: float = Field(0.02, gt=0, le=1, description="floor of p-hat when sizing resampling")
    teacher_temperature: float = Field(0.7, ge=0, description="teacher sampling temperature")
    teacher_max_tokens: int = Field(512, ge=1, description="teacher completion budget")
    traces_file: str | None = Field(None, description="reuse harvested traces (JSONL) instead of harvesting")
    harvest_only: bool = Field(False, description="write the traces and stop before training")
    epochs: float = Field(1.0, gt=0, description="short schedule")
    lr: float = Field(1e-5, gt=0, description="annealed: about 0.2 x the SFT learning rate")


class RewardConfig(_Strict):
    """Reward shaping on top of the per-task softened reward in [0, 1]."""

    format_weight: float = Field(0.1, ge=0, description="weight of the format term (tags, think block)")
    repetition_ngram: int = Field(3, ge=1, description="n-gram size of the repetition guard")
    repetition_weight: float = Field(0.1, ge=0, description="penalty x share of repeated n-grams")
    min_answer_chars: int = Field(1, ge=0, description="shorter answers get no task reward")
    length_penalty_start: int | None = Field(
        None, description="completion tokens after which a soft penalty starts"
    )
    length_penalty_weight: float = Field(0.1, ge=0, description="max soft overlong penalty")
    distance_scale: dict[str, float] = Field(
        default_factory=dict, description="task -> error scale sigma of exp(-|err|/sigma) for numeric tasks"
    )


class RLConfig(TrainConfig):
    """DAPO (default) or GRPO on task prompts with verifiable, softened rewards."""

    prompts: list[SourceConfig] = Field(min_length=1, description="records with task, input and reference")
    algorithm: Literal["dapo", "grpo"] = Field("dapo", description="dapo = token-level loss + clip-higher")
    group_size: int = Field(8, ge=2, description="G: completions per prompt")
    prompts_per_step: int = Field(2, ge=1, description="prompt groups per micro-batch")
    epsilon_low: float = Field(0.2, gt=0, description="lower clip range")
    epsilon_high: float = Field(0.28, gt=0, description="upper clip range (DAPO clip-higher)")
    kl_beta: float = Field(0.0, ge=0, description="KL(pi || ref) weight; > 0 keeps a frozen reference copy")
    updates_per_batch: int = Field(1, ge=1, description="optimiser passes over each rollout batch")
    dynamic_sampling: bool = Field(True, description="resample groups whose rewards all tie (DAPO)")
    max_resample_rounds: int = Field(4, ge=0, description="extra rollout rounds to fill a batch")
    temperature: float = Field(1.0, gt=0, description="rollout temperature")
    top_p: float | None = Field(None, gt=0, le=1, description="rollout nucleus sampling")
    max_new_tokens: int = Field(64, ge=1, description="rollout completion budget")
    thinking: bool | None = Field(None, description="enable_thinking for prompts; None = the task's setting")
    reward: RewardConfig = Field(default_factory=RewardConfig)
    lr: float = Field(1e-6, gt=0, description="peak learning rate")
    warmup_ratio: float = Field(0.0, ge=0, le=1, description="RL usually starts at full LR")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    min_lr_ratio: float = Field(1.0, ge=0, le=1, description="1.0 = constant LR after warm-up")
    max_steps: int | None = Field(100, ge=1, description="optimiser steps")
    pool_filter: bool = Field(
        False, description="keep prompts with 0.125 < solve rate < 0.875 (paper §3.2.1)"
    )
    pool_rollouts: int = Field(8, ge=2, description="rollouts per prompt for the solve-rate filter")

    @model_validator(mode="after")
    def _clip_order(self) -> RLConfig:
        if self.epsilon_high < self.epsilon_low and self.algorithm == "dapo":
            raise ValueError(
                f"epsilon_high={self.epsilon_high} < epsilon_low={self.epsilon_low}: DAPO's clip-higher needs "
                "epsilon_high >= epsilon_low"
            )
        return self


STAGES: dict[str, type[TrainConfig]] = {
    "pretrain": PretrainConfig,
    "sft": SFTConfig,
    "coldstart": ColdStartConfig,
    "rl": RLConfig,
}


def load_stage_config(stage: str, path: str | Path | None = None, **overrides: Any) -> TrainConfig:
    """Build a stage config from a TOML file (its ``[STAGE]`` table if present) and keyword overrides."""
    from sciReason.configfile import resolve_config
    from sciReason.errors import ConfigError

    if stage not in STAGES:
        raise ConfigError(f"unknown training stage {stage!r}: use one of {', '.join(STAGES)}")
    return resolve_config(STAGES[stage], Path(path) if path else None, overrides, section=stage)
