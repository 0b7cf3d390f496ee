"""PMO benchmark harness: sciReason's design engine and mol_ga, side by side, same oracles, same rules.

Protocol (Gao et al. 2022, ``mol_opt``): a call is one new canonical valid SMILES (duplicates and invalid
SMILES are free), hard budget (10,000 by default; ``--budget 1000`` gives PMO-1K), AUC of the top-10
mean vs. calls sampled every 100 calls and normalised by the budget, 5 seeds. The headline runs every
method to the full budget (early stop off, as the published anchors ran). ``--patience N`` turns on the
early-stop rule for a variant beside it, applied identically to both methods: every 100 calls the top-100
mean is compared with the previous one, and the run stops after N consecutive windows with a gain below
1e-3 (the rest of the budget is then filled with the final value, as mol_opt's ``finish=True``). Oracles: ``sciReason.oracles`` PMO objectives (the
GuacaMol-identical, non-``_prev`` definitions) under ``sciReason.oracles.BudgetedOracle`` (mol_ga) or the
engine's own identical counting (sciReason). Start molecules for both: ``--n-start`` SMILES drawn
without replacement from mol_ga's ZINC-250k file with the run's seed.

mol_ga baseline = the tuned setting reported by Genetic GFN (App. C): 500 start molecules, population
100, 5 offspring per generation, ``default_ga`` operators and quantile sampling.

    python benchmarks/pmo.py --tasks zaleplon_mpo,perindopril_mpo --budget 1000 --seeds 0,1,2 --out runs/pmo
    python benchmarks/pmo.py --budget 10000 --seeds 0,1,2,3,4 --out runs/pmo10k   # the full PMO-20 grid

Results: one JSON line per run in OUT/results.jsonl (resumable: finished runs are skipped) and a
Markdown table in OUT/table.md. Tune only on zaleplon_mpo and perindopril_mpo.

Size cap, both methods (``--max-heavy-atoms``, default 150, as the engine's own default): a child with more
heavy atoms is free and never scored, like an invalid SMILES (mol_ga sees the invalid value, 0). Graph GA
crossover can double a molecule per generation, and deco_hop/scaffold_hop rank the giants high: uncapped, both
methods grew 700-2,000-atom molecules that take seconds each in the PHCO fingerprint. Rows record the cap used
(rows without the field were run before it existed: no cap).

Reproducibility: mol_ga's call order depends on set iteration, which depends on string hashing, so the
harness re-executes itself with ``PYTHONHASHSEED=0`` (the same value for every method and run).
"""

from __future__ import annotations

import argparse
import heapq
import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEEDS_PMO = [0, 1, 2, 3, 5, 7, 11]


class _Stop(Exception):
    pass


class EarlyStop:
    """PMO early-stop rule on a call-ordered score list (see module docstring)."""

    def __init__(self, patience: int | None, window: int = 100, min_delta: float = 1e-3) -> None:
        self.patience, self.window, self.min_delta = patience, window, min_delta
        self.mark, self.last, self.strikes = 0, None, 0

    def update(self, scores_in_call_order: list[float]) -> bool:
        if self.patience is None:
            return False
        while len(scores_in_call_order) >= self.mark + self.window:
            self.mark += self.window
            top = heapq.nlargest(100, scores_in_call_order[: self.mark])
            cur = sum(top) / len(top)
            self.strikes = (
                self.strikes + 1 if self.last is not None and cur - self.last < self.min_delta else 0
            )
            self.last = cur
        return self.strikes >= self.patience


def _expired_after(max_minutes: float) -> Callable[[], bool]:
    """A clock for the per-run wall cap: ``expired()`` is True once ``max_minutes`` have passed (never if 0)."""
    if max_minutes <= 0:
        return lambda: False
    deadline = time.perf_counter() + 60 * max_minutes
    return lambda: time.perf_counter() > deadline


def run_mol_ga(
    task: str,
    budget: int,
    seed: int,
    n_start: int,
    patience: int | None,
    max_minutes: float = 0.0,
    max_heavy_atoms: int | None = None,
) -> dict[str, Any]:
    from mol_ga.general_ga import run_ga_maximization
    from mol_ga.graph_ga.gen_candidates import graph_ga_blended_generation
    from mol_ga.sample_population import uniform_quantile_sampling

    from sciReason.agents.pool import load_start_pool
    from sciReason.oracles import BudgetedOracle, parse_target

    oracle = BudgetedOracle(parse_target(f"pmo:{task}"), budget)
    rng = random.Random(seed)
    start = rng.sample(load_start_pool("zinc"), n_start)
    stopper = EarlyStop(patience)
    stopped = "budget"
    expired = _expired_after(max_minutes)

    def generate(*args: Any, **kwargs: Any) -> Any:
        # the cap is checked each generation: a converged mol_ga population can spend minutes per
        # generation in crossover retries without reaching the scoring function
        nonlocal stopped
        if expired():
            stopped = "wall_cap"
            raise _Stop
        return graph_ga_blended_generation(*args, **kwargs)

    oversize = 0

    def too_big(smi: str) -> bool:
        from sciReason.representations import mol_from_smiles

        mol = mol_from_smiles(smi) if max_heavy_atoms else None
        return mol is not None and mol.GetNumHeavyAtoms() > max_heavy_atoms

    def scoring(smiles: list[str]) -> list[float]:
        nonlocal stopped, oversize
        if oracle.exhausted:
            raise _Stop
        # the size cap, as for sciReason: a child over it is free and worth nothing, like an invalid one
        big = [too_big(s) for s in smiles]
        oversize += sum(big)
        values = iter(oracle([s for s, b in zip(smiles, big, strict=True) if not b]))
        out = []
        for b in big:
            v = None if b else next(values)
            out.append(0.0 if v is None else float(v))
        ordered = [
            0.0 if v[0] is None else float(v[0]) for v in sorted(oracle.buffer.values(), key=lambda v: v[1])
        ]
        if stopper.update(ordered):
            stopped = "early_stop"
            raise _Stop
        return out

    try:
        run_ga_maximization(
            scoring_func=scoring,
            starting_population_smiles=set(start),
            sampling_func=uniform_quantile_sampling,
            offspring_gen_func=generate,
            selection_func=heapq.nlargest,
            max_generations=10**7,
            population_size=100,
            offspring_size=5,
            rng=rng,
        )
    except _Stop:
        pass
    from sciReason.agents.metrics import diversity

    m = oracle.metrics(finish=True)
    top100 = [k for k, _, _ in oracle.best(100)]
    return {
        **m,
        "stopped": stopped,
        "diversity_top100": diversity(top100, "molecule"),
        "rejected": {"size": oversize},
    }


def run_scireason(
    task: str,
    budget: int,
    seed: int,
    n_start: int,
    patience: int | None,
    overrides: dict[str, Any],
    max_minutes: float = 0.0,
    max_heavy_atoms: int | None = None,
) -> dict[str, Any]:
    from sciReason.agents.config import DesignConfig
    from sciReason.agents.engine import Campaign
    from sciReason.agents.metrics import campaign_metrics

    cfg = DesignConfig(
        target=f"pmo:{task}",
        budget=budget,
        seed=seed,
        n_start=n_start,
        patience=patience,
        benchmark_mode=True,
        **{"max_heavy_atoms": max_heavy_atoms, **overrides},
    )
    camp = Campaign(cfg)
    expired = _expired_after(max_minutes)

    def on_round(_camp: Any, _new: Any) -> None:
        if expired():
            raise _Stop

    try:
        res = camp.run(on_round=on_round)
    except _Stop:
        camp.stopped = "wall_cap"
        res = camp.result()
    m = campaign_metrics(res.records, budget, "molecule")
    m.pop("best", None)
    return {
        **m,
        "n_calls": float(len(res.records)),
        "stopped": res.stopped,
        "timings": res.timings,
        "rejected": res.rejected,  # e.g. 'size' > 0: the heavy-atom cap changed this run
        "proposers": res.proposer_stats,  # per proposer: proposed/scored counts, generator invalid share, steps
        # the screen as resolved for this budget: rows of different engine defaults stay apart
        "screen": {
            "descriptors": camp.config.surrogate_descriptors,
            "oversample": camp.config.oversample,
            "oversample_by": dict(camp.config.oversample_by),
        },
    }


def _paired(rows: list[dict[str, Any]], methods: list[str]) -> list[dict[str, Any]]:
    """Only the (task, seed, budget) runs that every method finished (a fair, partial-grid-safe sum)."""
    have: dict[tuple[str, int, int], set[str]] = {}
    for r in rows:
        have.setdefault((r["task"], r["seed"], r["budget"]), set()).add(r["method"])
    return [r for r in rows if have[(r["task"], r["seed"], r["budget"])] >= set(methods)]


def _per_seed(
    rows: list[dict[str, Any]],
    methods: list[str],
    budget: int,
    tasks: list[str],
    means: dict[tuple[str, str], float],
) -> list[str]:
    """Sums per seed over the tasks every method finished for that seed, and per-task wins of the means:
    the seed-to-seed spread of the sum is the noise against which a difference of sums is read.
    ``means`` maps (method, task) to the mean over seeds, as the table computed it."""
    if len(methods) < 2:
        return []
    a, b = methods[:2]
    out = ["", f"Per seed (tasks finished by both): {a} / {b}"]
    for seed in sorted({r["seed"] for r in rows if r["budget"] == budget}):
        got = {
            (r["method"], r["task"]): r["auc_top10"]
            for r in rows
            if r["budget"] == budget and r["seed"] == seed
        }
        both = [t for t in tasks if (a, t) in got and (b, t) in got]
        sa, sb = sum(got[(a, t)] for t in both), sum(got[(b, t)] for t in both)
        out.append(f"- seed {seed}: {sa:.3f} / {sb:.3f} over {len(both)} tasks")
    paired = [t for t in tasks if (a, t) in means and (b, t) in means]
    wins = sum(means[(a, t)] > means[(b, t)] + 1e-9 for t in paired)
    losses = sum(means[(a, t)] < means[(b, t)] - 1e-9 for t in paired)
    out.append(
        f"- tasks where {a}'s mean is higher / lower / tied: {wins} / {losses} / {len(paired) - wins - losses}"
    )
    return out


def _summary(rows: list[dict[str, Any]], methods: list[str], budget: int, tasks: list[str]) -> list[str]:
    """Per method: sums over tasks of the per-task mean AUC top-1/10/100, mean top-100 diversity, and wall
    time per 1,000 calls (total wall seconds / total calls, over every run in the table)."""
    out = [
        "",
        "| method | sum AUC top-1 | sum AUC top-10 | sum AUC top-100 | mean diversity top-100 | wall s / 1k calls |",
        "|---|---|---|---|---|---|",
    ]
    for m in methods:
        mine = [r for r in rows if r["method"] == m and r["budget"] == budget]
        sums = []
        for key in ("auc_top1", "auc_top10", "auc_top100"):
            total = 0.0
            for t in tasks:
                vals = [r[key] for r in mine if r["task"] == t and key in r]
                total += statistics.mean(vals) if vals else 0.0
            sums.append(f"{total:.3f}")
        div = [r["diversity_top100"] for r in mine if "diversity_top100" in r]
        calls = sum(r.get("n_calls", 0) for r in mine)
        wall = sum(r.get("wall_s", 0.0) for r in mine)
        per_k = f"{1000 * wall / calls:.1f}" if calls else "—"
        out.append(
            f"| {m} | " + " | ".join(sums) + f" | {statistics.mean(div) if div else 0:.3f} | {per_k} |"
        )
    return out


def _table(rows: list[dict[str, Any]], methods: list[str]) -> str:
    rows = _paired(rows, methods)
    tasks = sorted({r["task"] for r in rows})
    budgets = sorted({r["budget"] for r in rows})
    lines = []
    for budget in budgets:
        lines.append(f"\n### budget {budget} (AUC top-10, mean ± std over seeds; n = seeds finished)\n")
        lines.append("| task | " + " | ".join(methods) + " | ratio |")
        lines.append("|---|" + "---|" * (len(methods) + 1))
        sums = dict.fromkeys(methods, 0.0)
        task_means: dict[tuple[str, str], float] = {}
        complete = dict.fromkeys(methods, True)
        for task in tasks:
            cells, means = [], {}
            for m in methods:
                vals = [
                    r["auc_top10"]
                    for r in rows
                    if r["task"] == task and r["method"] == m and r["budget"] == budget
                ]
                if vals:
                    means[m] = task_means[(m, task)] = statistics.mean(vals)
                    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
                    cells.append(f"{means[m]:.3f} ± {sd:.3f} (n={len(vals)})")
                    sums[m] += means[m]
                else:
                    cells.append("—")
                    complete[m] = False
            ratio = (
                f"{means[methods[0]] / means[methods[1]]:.3f}"
                if len(methods) > 1 and all(k in means for k in methods[:2]) and means[methods[1]] > 0
                else "—"
            )
            lines.append(f"| {task} | " + " | ".join(cells) + f" | {ratio} |")
        ratio = (
            f"{sums[methods[0]] / sums[methods[1]]:.3f}" if len(methods) > 1 and sums[methods[1]] > 0 else "—"
        )
        lines.append(
            "| **sum** | "
            + " | ".join(f"**{sums[m]:.3f}**" + ("" if complete[m] else " (partial)") for m in methods)
            + f" | {ratio} |"
        )
        lines.extend(_per_seed(rows, methods, budget, tasks, task_means))
        lines.extend(_summary(rows, methods, budget, tasks))
    return "\n".join(lines) + "\n"


def _pin_hash_seed() -> None:
    """Re-execute with PYTHONHASHSEED=0 so that set iteration (mol_ga's call order) is reproducible."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def main(argv: list[str] | None = None) -> int:
    from sciReason.oracles.pmo import PMO23_TASKS, PMO_TASKS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--tasks",
        default=",".join(PMO_TASKS),
        help="comma-separated PMO task names (default: the 20 RDKit tasks; 'all23' adds drd2, gsk3b, jnk3)",
    )
    ap.add_argument("--budget", type=int, default=10_000)
    ap.add_argument("--seeds", default="0,1,2,3,5", help="comma-separated seeds (PMO: 0,1,2,3,5)")
    ap.add_argument("--methods", default="scireason,mol_ga")
    ap.add_argument("--n-start", type=int, default=500)
    ap.add_argument(
        "--patience",
        type=int,
        default=0,
        help="early-stop patience in 100-call windows (0 = off, the headline)",
    )
    ap.add_argument(
        "--set", action="append", default=[], help="sciReason config override KEY=VALUE (JSON value)"
    )
    ap.add_argument(
        "--max-minutes",
        type=float,
        default=0.0,
        help="wall-clock cap per run, both methods (0 = off); a capped run is marked stopped='wall_cap' "
        "and its AUC is completed to the budget with its last top-k, as PMO completes a finished run",
    )
    ap.add_argument(
        "--max-heavy-atoms",
        type=int,
        default=150,
        help="both methods: children with more heavy atoms are free and never scored, like invalid SMILES "
        "(Graph GA otherwise grows 2,000-atom molecules on deco_hop/scaffold_hop; 0 = no cap)",
    )
    ap.add_argument("--label", default="", help="suffix for the sciReason method name (tuning runs)")
    ap.add_argument("--out", type=Path, default=Path("runs/pmo"))
    ap.add_argument(
        "--collect",
        nargs="*",
        type=Path,
        default=[],
        help="merge results.jsonl of these dirs into OUT, print the table",
    )
    args = ap.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    overrides = {}
    for item in args.set:
        k, _, v = item.partition("=")
        try:
            overrides[k] = json.loads(v)
        except json.JSONDecodeError:
            overrides[k] = v
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if tasks == ["all23"]:
        tasks = list(PMO23_TASKS)
    elif tasks == ["all20"]:
        tasks = list(PMO_TASKS)
    unknown = [t for t in tasks if t not in PMO23_TASKS]
    if unknown:
        ap.error(f"unknown task(s) {unknown}; choose from {', '.join(PMO23_TASKS)} (or all20 / all23)")
    seeds = [int(s) for s in args.seeds.split(",")]
    methods = [m.strip() for m in args.methods.split(",")]
    names = {m: (f"scireason{args.label}" if m == "scireason" else m) for m in methods}
    patience = args.patience or None
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    if args.collect:
        for d in args.collect:
            rows.extend(json.loads(line) for line in (d / "results.jsonl").read_text().splitlines())
        # one row per (method, task, seed, budget): a run merged twice must not count twice
        rows = list({(r["method"], r["task"], r["seed"], r["budget"]): r for r in rows}.values())
        with path.open("w") as fh:
            fh.writelines(json.dumps(r, default=float) + "\n" for r in rows)
        tasks, seeds = [], []
    done = {(r["method"], r["task"], r["seed"], r["budget"]) for r in rows}
    cap = args.max_heavy_atoms or None  # one size cap for every run and method of this invocation
    for task in tasks:
        for seed in seeds:
            for m in methods:
                if (names[m], task, seed, args.budget) in done:
                    continue
                t0 = time.perf_counter()
                if m == "mol_ga":
                    res = run_mol_ga(task, args.budget, seed, args.n_start, patience, args.max_minutes, cap)
                elif m == "scireason":
                    res = run_scireason(
                        task, args.budget, seed, args.n_start, patience, overrides, args.max_minutes, cap
                    )
                else:
                    ap.error(f"unknown method {m!r}")
                row = {
                    "method": names[m],
                    "task": task,
                    "seed": seed,
                    "budget": args.budget,
                    "wall_s": time.perf_counter() - t0,
                    "max_heavy_atoms": cap,
                    **res,
                }
                if m == "scireason":
                    row["overrides"] = overrides
                rows.append(row)
                with path.open("a") as fh:
                    fh.write(json.dumps(row, default=float) + "\n")
                print(
                    f"{names[m]:>14} {task:<28} seed={seed} budget={args.budget} auc10={row['auc_top10']:.4f} "
                    f"calls={int(row['n_calls'])} {row['stopped']} {row['wall_s']:.0f}s",
                    flush=True,
                )
    all_methods = sorted({r["method"] for r in rows}, key=lambda x: (x == "mol_ga", x))
    (args.out / "table.md").write_text(_table(rows, all_methods))
    print(_table(rows, all_methods))
    return 0


if __name__ == "__main__":
    _pin_hash_seed()
    sys.exit(main())
