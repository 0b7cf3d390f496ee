"""The shared train loop of every stage: accelerate, warm-up + cosine, grad accumulation, resume, logging.

Each stage supplies a *stateful batch source* (``next()``, ``state_dict()``, ``load_state_dict()``) and a
loss function ``loss_fn(model, batch) -> (loss, metrics)``; :class:`Loop` does the rest. The same code runs
on one CPU thread and under ``accelerate launch`` (DDP, FSDP or DeepSpeed): the model and optimiser go
through ``Accelerator.prepare``, each process reads its own shard of the data, and checkpoints are
``save_pretrained`` directories (safetensors, loadable by the local backend) with an ``accelerate``
state folder beside the weights for exact resume (optimiser, scheduler, data position, every RNG).
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from sciReason.errors import ConfigError, ModelNotFoundError, missing
from sciReason.training.config import LoggingConfig, TrainConfig

logger = logging.getLogger(__name__)

__all__ = [
    "BatchSource",
    "Loop",
    "cosine_schedule",
    "dist_state",
    "lm_loss",
    "load_model",
    "rank_world",
    "seed_everything",
]


class BatchSource(Protocol):
    """An infinite, resumable iterator of batches (dicts of tensors)."""

    def __next__(self) -> dict[str, Any]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def dist_state() -> Any:
    """This process's accelerate state, created CPU-aware.

    ``PartialState()`` is a process-wide singleton and the first call fixes its mode: created without
    ``cpu=True`` on a machine without CUDA, a process started by ``accelerate launch`` / ``torchrun``
    would silently run as a lone, non-distributed rank 0 (every process then trains on the whole
    data and writes the same files). Every stage goes through here so all see the same state.
    """
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def rank_world() -> tuple[int, int]:
    """(process index, number of processes) of this run; (0, 1) outside ``accelerate launch``."""
    state = dist_state()
    return state.process_index, state.num_processes


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def cosine_schedule(total_steps: int, warmup_steps: int, min_ratio: float) -> Callable[[int], float]:
    """LR multiplier: linear warm-up from 0 to 1, then cosine decay to ``min_ratio`` at ``total_steps``."""

    def factor(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        span = max(1, total_steps - warmup_steps)
        progress = min(1.0, (step - warmup_steps) / span)
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def load_model(config: TrainConfig, init_texts: Callable[[], Iterable[str]] | None = None) -> tuple[Any, Any]:
    """Load ``config.model`` (a save_pretrained directory or a locally cached hub id), building it first
    from ``config.init`` when it does not exist yet. Never downloads."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(config.model).expanduser()
    # Under ``accelerate launch`` the main process builds a missing model while the others wait, so
    # no two processes write the same directory.
    with dist_state().main_process_first():
        if not path.exists() and config.init is not None:
            _build_init(config, path, init_texts)
    source = str(path) if path.exists() else config.model
    try:
        tok = AutoTokenizer.from_pretrained(source, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(source, local_files_only=True, dtype="float32")
    except OSError as exc:
        raise ModelNotFoundError(
            f"cannot load model {config.model!r} ({exc.__class__.__name__}): give a save_pretrained directory, "
            "a hub id already in the local cache, or set [init] to build a tiny model there"
        ) from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return model, tok


def _build_init(config: TrainConfig, path: Path, init_texts: Callable[[], Iterable[str]] | None) -> None:
    """Train a tokenizer on the first source texts and save a fresh tiny model at ``path``."""
    from sciReason.training.tiny import build_tiny_model, train_tokenizer

    init = config.init
    texts = list(init_texts()) if init_texts is not None else None
    if texts is not None:
        texts = texts[: init.tokenizer_texts]
    tok = train_tokenizer(texts, vocab_size=init.vocab_size)
    build_tiny_model(
        path,
        tokenizer=tok,
        hidden_size=init.hidden_size,
        num_layers=init.num_layers,
        num_heads=init.num_heads,
        num_kv_heads=init.num_kv_heads,
        intermediate_size=init.intermediate_size,
        max_position_embeddings=init.max_position_embeddings,
        seed=config.seed,
    )
    logger.info("built a fresh tiny model at %s", path)


def lm_loss(model: Any, batch: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    """Causal-LM cross-entropy on positions whose label is not -100, optionally weighted per token
    (``loss_weights``: per-task re-weighting in SFT). Returns the weighted mean over tokens."""
    import torch

    out = model(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask"))
    logits = out.logits[:, :-1].float()
    labels = batch["labels"][:, 1:]
    mask = labels.ne(-100)
    ce = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.size(-1)), labels.clamp_min(0).reshape(-1), reduction="none"
    ).view_as(labels)
    weights = mask.float()
    if "loss_weights" in batch:
        weights = weights * batch["loss_weights"][:, 1:]
    denom = weights.sum().clamp_min(1e-8)
    loss = (ce * weights).sum() / denom
    return loss, {"tokens": float(mask.sum())}


class _Step:
    """The optimiser-step counter, checkpointed with the accelerate state."""

    def __init__(self) -> None:
        self.value = 0

    def state_dict(self) -> dict[str, int]:
        return {"value": self.value}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.value = int(state["value"])


class MetricsLogger:
    """Console (rich), JSONL and TensorBoard sinks; only the main process writes."""

    def __init__(self, out: Path, cfg: LoggingConfig, stage: str, enabled: bool) -> None:
        self.cfg, self.stage, self.enabled = cfg, stage, enabled
        self._jsonl = out / "metrics.jsonl" if enabled and cfg.jsonl else None
        self._tb = None
        self._console = None
        if enabled and cfg.tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise missing(
                    "tensorboard", "pip install 'scireason[train]'", "TensorBoard logging"
                ) from None
            self._tb = SummaryWriter(str(out / "tb"))
        if enabled and cfg.console:
            from rich.console import Console

            self._console = Console(stderr=True)

    def log(self, step: int, metrics: dict[str, float]) -> None:
        if not self.enabled:
            return
        row = {"stage": self.stage, "step": step, **{k: round(float(v), 6) for k, v in metrics.items()}}
        if self._jsonl is not None:
            with self._jsonl.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
        if self._tb is not None:
            for key, value in metrics.items():
                self._tb.add_scalar(f"{self.stage}/{key}", value, step)
        if self._console is not None:
            parts = " ".join(f"{k}={v:.4g}" for k, v in metrics.items())
            self._console.print(f"[bold cyan]{self.stage}[/] step {step}: {parts}", highlight=False)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


class Loop:
    """One training run: ``Loop(config, model, tokenizer, data, total_steps, stage).run(loss_fn)``.

    ``data`` is a :class:`BatchSource`; ``loss_fn(model, batch)`` returns ``(loss, metrics)``. Returns the
    path of the final ``save_pretrained`` directory (``OUTPUT_DIR/final``).
    """

    def __init__(
        self,
        config: TrainConfig,
        model: Any,
        tokenizer: Any,
        data: BatchSource,
        total_steps: int,
        stage: str,
        *,
        extra_state: dict[str, Any] | None = None,
    ) -> None:
        import torch
        from accelerate import Accelerator

        if config.num_threads:
            torch.set_num_threads(config.num_threads)
        self.config, self.tokenizer, self.data, self.stage = config, tokenizer, data, stage
        self.total_steps = int(total_steps)
        if self.total_steps < 1:
            raise ConfigError(f"{stage}: the run has {total_steps} steps; give max_steps or more data")
        precision = config.precision
        if precision == "auto":
            cuda = torch.cuda.is_available()
            precision = "bf16" if cuda and torch.cuda.is_bf16_supported() else "fp32"
        dist_state()  # fixes the process-wide state CPU-aware before the Accelerator reads it
        self.accelerator = Accelerator(
            gradient_accumulation_steps=config.grad_accum,
            mixed_precision={"fp32": "no"}.get(precision, precision),
            cpu=not torch.cuda.is_available(),
            step_scheduler_with_optimizer=False,
        )
        self.out = config.out
        self.out.mkdir(parents=True, exist_ok=True)
        decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": config.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=config.lr,
            betas=config.betas,
            fused=False,
        )
        warmup = (
            config.warmup_steps
            if config.warmup_steps is not None
            else int(config.warmup_ratio * self.total_steps)
        )
        self.model, self.optimizer = self.accelerator.prepare(model, optimizer)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, cosine_schedule(self.total_steps, warmup, config.min_lr_ratio)
        )
        self.step = _Step()
        for obj in (self.scheduler, self.step, data, *(extra_state or {}).values()):
            self.accelerator.register_for_checkpointing(obj)
        self.metrics = MetricsLogger(self.out, config.logging, stage, self.accelerator.is_main_process)

    # -- checkpoints ---------------------------------------------------------------------------------
    def checkpoints(self) -> list[Path]:
        found = [p for p in self.out.glob("checkpoint-*") if (p / "trainer").is_dir()]
        return sorted(found, key=lambda p: int(p.name.split("-")[-1]))

    def save_model(self, path: Path) -> None:
        acc = self.accelerator
        acc.wait_for_everyone()
        state = acc.get_state_dict(self.model)
        acc.unwrap_model(self.model).save_pretrained(
            path, is_main_process=acc.is_main_process, save_function=acc.save, state_dict=state
        )
        if acc.is_main_process:
            self.tokenizer.save_pretrained(path)

    def save_checkpoint(self) -> Path:
        path = self.out / f"checkpoint-{self.step.value}"
        self.save_model(path)
        self.accelerator.save_state(str(path / "trainer"))
        if self.accelerator.is_main_process:
            meta = {"stage": self.stage, "step": self.step.value, "total_steps": self.total_steps}
            (path / "trainer_state.json").write_text(json.dumps(meta, indent=2))
            for old in self.checkpoints()[: -self.config.keep_checkpoints]:
                shutil.rmtree(old, ignore_errors=True)
        self.accelerator.wait_for_everyone()
        return path

    def maybe_resume(self) -> None:
        if not self.config.resume:
            return
        found = self.checkpoints()
        if not found:
            logger.info("%s: resume requested but no checkpoint in %s; starting fresh", self.stage, self.out)
            return
        self.accelerator.load_state(str(found[-1] / "trainer"))
        logger.info("%s: resumed from %s at step %d", self.stage, found[-1], self.step.value)

    # -- the loop ------------------------------------------------------------------------------------
    def run(
        self,
        loss_fn: Callable[[Any, dict[str, Any]], tuple[Any, dict[str, float]]],
        *,
        eval_fn: Callable[[Any], dict[str, float]] | None = None,
        eval_every: int | None = None,
    ) -> Path:
        import torch

        acc, cfg = self.accelerator, self.config
        self.maybe_resume()
        self.model.train()
        window: dict[str, float] = {}
        n_window, t0 = 0, time.perf_counter()
        while self.step.value < self.total_steps:
            for _ in range(cfg.grad_accum):
                batch = next(self.data)
                batch = {k: v.to(acc.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
                with acc.accumulate(self.model):
                    loss, info = loss_fn(self.model, batch)
                    acc.backward(loss)
                    if acc.sync_gradients and cfg.grad_clip:
                        info["grad_norm"] = float(acc.clip_grad_norm_(self.model.parameters(), cfg.grad_clip))
                    self.optimizer.step()
                    self.optimizer.zero_grad(set_to_none=True)
                for key, value in {"loss": float(loss.detach()), **info}.items():
                    window[key] = window.get(key, 0.0) + float(value)
                n_window += 1
            self.scheduler.step()
            self.step.value += 1
            step = self.step.value
            if step % cfg.logging.every == 0 or step == self.total_steps:
                elapsed = max(time.perf_counter() - t0, 1e-9)
                if acc.num_processes > 1:
                    window = self._mean_over_processes(window)
                row = {k: v / n_window for k, v in window.items() if k != "tokens"}
                if "tokens" in window:
                    row["tokens_per_s"] = window["tokens"] * acc.num_processes / elapsed
                row["lr"] = self.scheduler.get_last_lr()[0]
                if eval_fn is not None and eval_every and step % eval_every == 0:
                    row.update(self._evaluate(eval_fn))
                self.metrics.log(step, row)
                window, n_window, t0 = {}, 0, time.perf_counter()
            if cfg.save_every and step % cfg.save_every == 0 and step < self.total_steps:
                self.save_checkpoint()
        if cfg.save_every:
            self.save_checkpoint()
        final = self.out / "final"
        self.save_model(final)
        if acc.is_main_process:
            summary = {
                "stage": self.stage,
                "steps": self.step.value,
                "num_processes": acc.num_processes,
                "distributed_type": str(acc.distributed_type).rsplit(".", 1)[-1],
                "config": cfg.model_dump(mode="json"),
            }
            (final / "training_args.json").write_text(json.dumps(summary, indent=2))
        self.metrics.close()
        acc.wait_for_everyone()
        return final

    def _mean_over_processes(self, window: dict[str, float]) -> dict[str, float]:
        """Average the logged sums over processes, so the log reports the global loss, not rank 0's
        shard (every process reaches this at the same step, as the collective requires)."""
        import torch

        keys = sorted(window)
        local = torch.tensor([window[k] for k in keys], dtype=torch.float64, device=self.accelerator.device)
        mean = self.accelerator.reduce(local, reduction="mean")
        return dict(zip(keys, mean.tolist(), strict=True))

    def _evaluate(self, eval_fn: Callable[[Any], dict[str, float]]) -> dict[str, float]:
        import torch

        model = self.accelerator.unwrap_model(self.model)
        model.eval()
        try:
            with torch.no_grad():
                return eval_fn(model)
        finally:
            model.train()
