"""Training throughput against the TRL anchor, measured side by side with the same boundaries.

    OMP_NUM_THREADS=1 python benchmarks/training.py --steps 8 --rl-steps 4 --repeats 3 \
        --json benchmarks/results/training_cpu.json

What is timed, identically on both sides: the wall time from the end of optimiser step 1 to the end of the
last step. Step ends are taken from TRL's ``TrainerCallback.on_step_end`` and from sciReason's metrics logger,
which is called at the end of every step (``logging.every = 1``). Step 1 is the warm-up (first allocations,
first generate) and is dropped; model loading, set-up and the final save are outside the window on both sides.
Each side runs ``--repeats`` times, alternating sciReason and TRL; the table shows the medians, the JSON every
run.

* SFT: sciReason's responses-only SFT vs TRL's ``SFTTrainer`` (prompt-completion data, completion-only loss,
  no packing), same tiny Qwen3 model, same 512 SMILES->formula pairs, batch 16, fp32, 1 thread. Throughput =
  trained tokens / window, where trained tokens are counted by the same rule on both sides (shifted labels
  that are not -100, per step).
* RL: sciReason's DAPO step vs TRL's ``GRPOTrainer`` (``loss_type="dapo"``, ``epsilon_high=0.28``,
  ``beta=0``): 2 prompts x 8 completions of at most 48 new tokens (both stop at end-of-sequence), the same
  reward, no dynamic sampling on the sciReason side (``max_resample_rounds = 0``): seconds per step.

TRL is needed only here (``pip install trl datasets``); it can live outside the project's environment, e.g.
``pip install --no-deps --target /tmp/trl trl datasets dill multiprocess xxhash`` and ``PYTHONPATH=/tmp/trl``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _data(n: int) -> list[dict]:
    from sciReason.training.builders import build_records

    return list(
        build_records("instructions", tasks=["smol_name_conversion-s2f"], n_per_task=n, max_molecules=3000)
    )


def _model(tmp: Path) -> Path:
    from sciReason.training.tiny import build_tiny_model

    return build_tiny_model(
        tmp / "m", hidden_size=128, num_layers=4, num_heads=4, num_kv_heads=2, vocab_size=1024
    )


class _Clock:
    """Step-end times (and cumulative trained tokens) of one run."""

    def __init__(self) -> None:
        self.ends: list[float] = []
        self.tokens: list[float] = []
        self.running_tokens = 0.0

    def step_end(self) -> None:
        self.ends.append(time.perf_counter())
        self.tokens.append(self.running_tokens)

    def window(self) -> dict[str, float]:
        """Seconds and trained tokens from the end of step 1 to the end of the last step."""
        if len(self.ends) < 2:
            raise RuntimeError(f"need at least 2 steps to drop the warm-up, got {len(self.ends)}")
        return {
            "steps": len(self.ends) - 1,
            "seconds": self.ends[-1] - self.ends[0],
            "tokens": self.tokens[-1] - self.tokens[0],
        }


def _ours_clock() -> tuple[_Clock, Any]:
    """Patch sciReason's metrics logger (called at every step end with logging.every = 1) and SFT loss (to
    count the tokens it trains on); returns the clock and an undo function."""
    from sciReason.training import loop, stage_sft

    clock = _Clock()
    real_log, real_loss = loop.MetricsLogger.log, stage_sft.lm_loss

    def log(self: Any, step: int, metrics: dict[str, float]) -> None:
        clock.step_end()
        real_log(self, step, metrics)

    def lm_loss(model: Any, batch: dict[str, Any]) -> Any:
        loss, info = real_loss(model, batch)
        clock.running_tokens += info["tokens"]
        return loss, info

    loop.MetricsLogger.log, stage_sft.lm_loss = log, lm_loss

    def undo() -> None:
        loop.MetricsLogger.log, stage_sft.lm_loss = real_log, real_loss

    return clock, undo


def _trl_callback(clock: _Clock) -> Any:
    from transformers import TrainerCallback

    class StepEnd(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            clock.step_end()

    return StepEnd()


def sft_ours(model: Path, data: Path, steps: int, out: Path) -> dict[str, float]:
    from sciReason.training.stage_sft import sft

    clock, undo = _ours_clock()
    try:
        sft(
            {
                "model": str(model),
                "output_dir": str(out),
                "max_steps": steps,
                "batch_size": 16,
                "lr": 5e-4,
                "precision": "fp32",
                "num_threads": 1,
                "data": [{"path": str(data)}],
                "logging": {"every": 1, "console": False},
            }
        )
    finally:
        undo()
    w = clock.window()
    return {**w, "tokens_per_s": w["tokens"] / w["seconds"]}


def sft_trl(model: Path, records: list[dict], steps: int, out: Path) -> dict[str, float]:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from sciReason.training.data import record_messages

    tok = AutoTokenizer.from_pretrained(model)
    rows = [{"prompt": m[:-1], "completion": m[-1:]} for m in (record_messages(r) for r in records)]
    args = SFTConfig(
        output_dir=str(out),
        max_steps=steps,
        per_device_train_batch_size=16,
        learning_rate=5e-4,
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        logging_steps=steps,
        report_to=[],
        save_strategy="no",
        dataloader_num_workers=0,
        completion_only_loss=True,
    )
    clock = _Clock()
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model),
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tok,
        callbacks=[_trl_callback(clock)],
    )
    real = trainer.compute_loss

    def compute_loss(m: Any, inputs: Any, *a: Any, **k: Any) -> Any:
        clock.running_tokens += float((inputs["labels"][:, 1:] != -100).sum())
        return real(m, inputs, *a, **k)

    trainer.compute_loss = compute_loss
    trainer.train()
    w = clock.window()
    return {**w, "tokens_per_s": w["tokens"] / w["seconds"]}


def rl_ours(model: Path, prompts: Path, steps: int, out: Path) -> dict[str, float]:
    from sciReason.training.stage_rl import rl

    clock, undo = _ours_clock()
    try:
        rl(
            {
                "model": str(model),
                "output_dir": str(out),
                "max_steps": steps,
                "group_size": 8,
                "prompts_per_step": 2,
                "max_new_tokens": 48,
                "lr": 5e-5,
                "num_threads": 1,
                "precision": "fp32",
                "max_resample_rounds": 0,
                "prompts": [{"path": str(prompts)}],
                "logging": {"every": 1, "console": False},
            }
        )
    finally:
        undo()
    w = clock.window()
    return {"steps": w["steps"], "seconds": w["seconds"], "s_per_step": w["seconds"] / w["steps"]}


def rl_trl(model: Path, steps: int, out: Path) -> dict[str, float]:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from sciReason.training.builders import task_spec
    from sciReason.training.rewards import shaped_reward

    spec = task_spec("unconditional_molecule_generation")
    tok = AutoTokenizer.from_pretrained(model)

    def reward(completions: Any, completion_ids: Any, **_: Any) -> list[float]:
        texts = [tok.decode(ids, skip_special_tokens=False) for ids in completion_ids]  # keep tags (§5.1)
        return [shaped_reward(spec, t.split("<|im_end|>")[0], {"reference": None}).total for t in texts]

    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": spec.render(None)[0].content}]}] * 64)
    args = GRPOConfig(
        output_dir=str(out),
        max_steps=steps,
        per_device_train_batch_size=16,
        num_generations=8,
        max_completion_length=48,
        learning_rate=5e-5,
        loss_type="dapo",
        epsilon_high=0.28,
        beta=0.0,
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        report_to=[],
        save_strategy="no",
        logging_steps=steps,
    )
    clock = _Clock()
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(model),
        reward_funcs=reward,
        args=args,
        train_dataset=ds,
        processing_class=tok,
        callbacks=[_trl_callback(clock)],
    )
    trainer.train()
    w = clock.window()
    return {"steps": w["steps"], "seconds": w["seconds"], "s_per_step": w["seconds"] / w["steps"]}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--steps", type=int, default=8, help="SFT optimiser steps per run (the first is dropped)"
    )
    parser.add_argument("--rl-steps", type=int, default=4, help="RL steps per run (the first is dropped)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write every run's numbers here")
    args = parser.parse_args()
    if args.steps < 2 or args.rl_steps < 2 or args.repeats < 1:
        raise SystemExit("--steps and --rl-steps must be >= 2 (step 1 is dropped), --repeats >= 1")
    try:
        import trl
    except ImportError:
        raise SystemExit("this benchmark compares against TRL: pip install trl datasets") from None
    import torch
    import transformers

    torch.set_num_threads(1)
    runs: dict[str, list[dict[str, float]]] = {"sft_ours": [], "sft_trl": [], "rl_ours": [], "rl_trl": []}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        model = _model(tmp)
        records = _data(512)
        data = tmp / "sft.jsonl"
        data.write_text("\n".join(json.dumps(r) for r in records))
        prompts = tmp / "p.jsonl"
        prompts.write_text(
            json.dumps({"task": "unconditional_molecule_generation", "input": None, "reference": None})
        )
        for i in range(args.repeats):  # alternate the sides so load drifts hit both alike
            runs["sft_ours"].append(sft_ours(model, data, args.steps, tmp / f"sft_ours{i}"))
            runs["sft_trl"].append(sft_trl(model, records, args.steps, tmp / f"sft_trl{i}"))
            runs["rl_ours"].append(rl_ours(model, prompts, args.rl_steps, tmp / f"rl_ours{i}"))
            runs["rl_trl"].append(rl_trl(model, args.rl_steps, tmp / f"rl_trl{i}"))
            load.append(os.getloadavg()[0])
    sft_ours_tps, sft_trl_tps = (
        _median(runs["sft_ours"], "tokens_per_s"),
        _median(runs["sft_trl"], "tokens_per_s"),
    )
    rl_ours_s, rl_trl_s = _median(runs["rl_ours"], "s_per_step"), _median(runs["rl_trl"], "s_per_step")
    result = {
        "command": "OMP_NUM_THREADS=1 python benchmarks/training.py "
        f"--steps {args.steps} --rl-steps {args.rl_steps} --repeats {args.repeats}",
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "trl": trl.__version__,
            "python": platform.python_version(),
        },
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "load_1min_before_and_after_each_repeat": load,
        },
        "median": {
            "sft_tokens_per_s": {
                "sciReason": sft_ours_tps,
                "trl": sft_trl_tps,
                "ratio": sft_ours_tps / sft_trl_tps,
            },
            "rl_s_per_step": {
                "sciReason": rl_ours_s,
                "trl": rl_trl_s,
                "ratio_trl_over_sciReason": rl_trl_s / rl_ours_s,
            },
        },
        "runs": runs,
    }
    print(json.dumps(result["median"], indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
