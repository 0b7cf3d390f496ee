"""Training throughput against the TRL anchor, measured side by side in one run.

    OMP_NUM_THREADS=1 python benchmarks/training.py --steps 20

* SFT: sciReason's responses-only SFT loop vs TRL's ``SFTTrainer`` (prompt-completion data, completion-only
  loss, no packing), same tiny Qwen3 model, same 512 SMILES->formula pairs, batch 16, fp32, 1 thread:
  trained (non-pad) tokens per second.
* RL: sciReason's DAPO step vs TRL's ``GRPOTrainer`` (``loss_type="dapo"``, ``epsilon_high=0.28``,
  ``beta=0``), 2 prompts x 8 completions, 48 new tokens, same reward: seconds per step.

TRL is needed only here (``pip install trl``). Results are printed as ratios (sciReason / TRL).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

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


def bench_sft(model: Path, records: list[dict], steps: int, tmp: Path) -> dict[str, float]:
    import torch

    from sciReason.training.data import record_messages
    from sciReason.training.stage_sft import sft

    torch.set_num_threads(1)
    data = tmp / "sft.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in records))
    cfg = {
        "model": str(model),
        "output_dir": str(tmp / "ours"),
        "max_steps": steps,
        "batch_size": 16,
        "lr": 5e-4,
        "precision": "fp32",
        "num_threads": 1,
        "data": [{"path": str(data)}],
        "logging": {"every": steps, "console": False},
    }
    t0 = time.perf_counter()
    sft(cfg)
    ours_total = time.perf_counter() - t0
    row = json.loads((tmp / "ours" / "metrics.jsonl").read_text().splitlines()[-1])
    ours_tps = row["tokens_per_s"]

    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tok = AutoTokenizer.from_pretrained(model)
    rows = []
    for r in records:
        msgs = record_messages(r)
        rows.append({"prompt": msgs[:-1], "completion": msgs[-1:]})
    args = SFTConfig(
        output_dir=str(tmp / "trl"),
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
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model),
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tok,
    )
    counted = {"tokens": 0}
    orig = trainer.compute_loss

    def compute_loss(m, inputs, *a, **k):  # noqa: ANN001, ANN002, ANN003
        counted["tokens"] += int((inputs["labels"][:, 1:] != -100).sum())
        return orig(m, inputs, *a, **k)

    trainer.compute_loss = compute_loss
    t0 = time.perf_counter()
    trainer.train()
    trl_time = time.perf_counter() - t0
    trl_tps = counted["tokens"] / trl_time
    return {
        "ours_tokens_per_s": ours_tps,
        "trl_tokens_per_s": trl_tps,
        "ratio": ours_tps / trl_tps,
        "ours_wall_s_incl_setup": ours_total,
        "trl_train_s": trl_time,
    }


def bench_rl(model: Path, steps: int, tmp: Path) -> dict[str, float]:
    import torch

    from sciReason.training.builders import task_spec
    from sciReason.training.rewards import shaped_reward
    from sciReason.training.stage_rl import rl

    torch.set_num_threads(1)
    prompts = tmp / "p.jsonl"
    prompts.write_text(
        json.dumps({"task": "unconditional_molecule_generation", "input": None, "reference": None})
    )
    cfg = {
        "model": str(model),
        "output_dir": str(tmp / "rl_ours"),
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
    t0 = time.perf_counter()
    rl(cfg)
    ours = (time.perf_counter() - t0) / steps

    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    spec = task_spec("unconditional_molecule_generation")
    tok = AutoTokenizer.from_pretrained(model)

    def reward(completions, completion_ids, **_):  # noqa: ANN001, ANN003
        texts = [tok.decode(ids, skip_special_tokens=False) for ids in completion_ids]  # keep tags (§5.1)
        return [shaped_reward(spec, t.split("<|im_end|>")[0], {"reference": None}).total for t in texts]

    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": spec.render(None)[0].content}]}] * 64)
    args = GRPOConfig(
        output_dir=str(tmp / "rl_trl"),
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
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(model),
        reward_funcs=reward,
        args=args,
        train_dataset=ds,
        processing_class=tok,
    )
    t0 = time.perf_counter()
    trainer.train()
    theirs = (time.perf_counter() - t0) / steps
    return {
        "ours_s_per_step_incl_setup": ours,
        "trl_s_per_step": theirs,
        "ratio_trl_over_ours": theirs / ours,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rl-steps", type=int, default=5)
    args = parser.parse_args()
    try:
        import trl  # noqa: F401
    except ImportError:
        raise SystemExit("this benchmark compares against TRL: pip install trl") from None
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        model = _model(tmp)
        records = _data(512)
        out = {
            "load_1min": os.getloadavg()[0],
            "sft": bench_sft(model, records, args.steps, tmp),
            "rl": bench_rl(model, args.rl_steps, tmp),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
