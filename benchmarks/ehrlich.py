"""Ehrlich benchmark: sciReason's sequence design engine beside holo's GA, black box, same counting.

Protocol (``shared/reference/ehrlich.md`` §5): instances Ehr(v, L, c, k, q) built from an instance seed
(holo's ``random_seed``; sciReason's numpy implementation is holo-identical), a run seed per repetition,
an evaluation budget. Both methods start from what the benchmark hands every method, holo's
``initial_solution()`` (one feasible sequence), and see only the objective's values: an infeasible query
returns -inf, costs one evaluation and is reported as infeasible. Counting:

* ``unique`` (the comparison): every query to the black box counts, and a query of a sequence that was
  already queried is answered from a cache for free. sciReason never repeats a query; the GA's re-queries
  of survivors and duplicates are free under this rule (generous to the GA);
* ``all`` (holo's own x-axis, GA only): every particle evaluation counts, duplicates included.

Per run: best f after 1k, 5k, 20k and 100k evaluations (-inf until a feasible query), the number of
evaluations to reach f = 1 (solved), and the share of infeasible queries.

holo's GA is the anchor of ehrlich.md §5: ``holo.optim.DiscreteEvolution`` with 1,000 particles, survival
quantile 0.01, mutation = recombination probability = 1.1/L, all particles initialised to
``initial_solution()``, ``torch.manual_seed(run_seed)``, evaluated by holo's own torch ``Ehrlich``
(``pip install --no-deps pytorch-holo==0.0.5`` plus botorch, pandas, pooch).

    python benchmarks/ehrlich.py run --method scireason --L 32 --instances 50494,1,2 --runs 0-4 \\
        --budget 20000 --out benchmarks/results/ehrlich_L32.jsonl
    python benchmarks/ehrlich.py run --method holo_ga --L 32 --instances 50494,1,2 --runs 0-4 \\
        --budget 20000 --out benchmarks/results/ehrlich_L32.jsonl
    python benchmarks/ehrlich.py table benchmarks/results/ehrlich_L32.jsonl

Ablations: ``--variant NAME --set key=value ...`` overrides DesignConfig fields (``proposers`` takes a
``+``-separated list, e.g. ``--set proposers=point_mutation+recombination``). Results are one JSON line
per run; finished runs are skipped, so a killed grid resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

CHECKPOINTS = (1000, 5000, 20000, 100000)


def _parse_ints(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part.strip()[1:]:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        elif part.strip():
            out.append(int(part))
    return out


def _parse_value(value: str) -> Any:
    if "+" in value or value.startswith("["):
        return [v for v in value.strip("[]").split("+") if v]
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)


def _summarise(improvements: list[tuple[int, float]], n_evals: int, budget: int) -> dict[str, Any]:
    """Checkpoint values and evaluations-to-solve from the (evaluation, new best f) improvements."""
    best_at: dict[str, float | None] = {}
    for cp in CHECKPOINTS:
        if cp > budget:
            continue
        vals = [f for e, f in improvements if e <= cp]
        best_at[str(cp)] = vals[-1] if vals else None  # None = no feasible query yet (-inf)
    solved_at = next((e for e, f in improvements if f >= 1.0), None)
    return {
        "best_at": best_at,
        "best": improvements[-1][1] if improvements else None,
        "evals_to_solve": solved_at,
        "solved": solved_at is not None,
        "n_evals": n_evals,
        "trace": improvements,
    }


def run_scireason(
    L: int, c: int, k: int, q: int, v: int, instance: int, run: int, budget: int, overrides: dict[str, Any]
) -> dict[str, Any]:
    from sciReason.agents.config import DesignConfig
    from sciReason.agents.engine import Campaign
    from sciReason.agents.storage import MemoryStore

    target = f"ehrlich:L={L},c={c},k={k},q={q},v={v},seed={instance}"
    cfg = DesignConfig(target=target, budget=budget, seed=run, benchmark_mode=True, **overrides)
    t0 = time.perf_counter()
    res = Campaign(cfg, store=MemoryStore(budget)).run()
    wall = time.perf_counter() - t0
    improvements: list[tuple[int, float]] = []
    best = -math.inf
    n_infeasible = 0
    for rec in res.records:
        f = rec.terms.get("ehrlich")
        if not rec.feasible or f is None:
            n_infeasible += 1
            continue
        if f > best:
            best = f
            improvements.append((rec.call_index, f))
    out = _summarise(improvements, len(res.records), budget)
    out.update(
        {
            "n_infeasible": n_infeasible,
            "stopped": res.stopped,
            "wall_s": round(wall, 2),
            "rejected": res.rejected,
            "proposer_stats": {
                n: {k2: s[k2] for k2 in ("proposed", "scored", "kept", "failures")}
                for n, s in res.proposer_stats.items()
            },
            "constraint": res.constraint,
            "config": json.loads(cfg.model_dump_json(exclude={"out", "storage", "study"})),
        }
    )
    return out


def run_holo_ga(
    L: int, c: int, k: int, q: int, v: int, instance: int, run: int, budget: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """holo's GA; returns the rows under ``unique`` and ``all`` counting (see module docstring)."""
    import torch
    from holo.optim import DiscreteEvolution
    from holo.test_functions.closed_form import Ehrlich

    torch.set_num_threads(1)
    fn = Ehrlich(
        num_states=v, dim=L, num_motifs=c, motif_length=k, quantization=q, negate=True, random_seed=instance
    )
    init = fn.initial_solution()
    params = [torch.nn.Parameter(init.float())]
    torch.manual_seed(run)
    opt = DiscreteEvolution(
        params,
        list(range(v)),
        mutation_prob=1.1 / L,
        recombine_prob=1.1 / L,
        num_particles=1000,
        survival_quantile=0.01,
    )
    seen: set[bytes] = set()
    counts = {"all": 0, "unique": 0}
    best = {"all": -math.inf, "unique": -math.inf}
    improvements: dict[str, list[tuple[int, float]]] = {"all": [], "unique": []}
    infeasible = {"all": 0, "unique": 0}
    solved = False

    def closure(particles: list[Any]) -> Any:
        nonlocal solved
        x = particles[0]
        loss = fn(x)
        values = (-loss).tolist()
        for row, f in zip(x.to(torch.int64).numpy(), values, strict=True):
            key = row.tobytes()
            fresh = key not in seen
            seen.add(key)
            for mode in ("all", "unique"):
                if mode == "unique" and not fresh:
                    continue
                if counts[mode] >= budget:
                    continue
                counts[mode] += 1
                if not math.isfinite(f):
                    infeasible[mode] += 1
                elif f > best[mode]:
                    best[mode] = f
                    improvements[mode].append((counts[mode], f))
            solved = solved or f >= 1.0
        return loss

    t0 = time.perf_counter()
    while counts["unique"] < budget and not (solved and counts["all"] >= budget):
        opt.step(closure)
        if solved:
            break
    wall = time.perf_counter() - t0
    rows = []
    for mode in ("unique", "all"):
        out = _summarise(improvements[mode], counts[mode], budget)
        out.update({"counting": mode, "n_infeasible": infeasible[mode], "wall_s": round(wall, 2)})
        rows.append(out)
    return rows[0], rows[1]


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["method"],
        row.get("variant", ""),
        row["counting"],
        row["L"],
        row["c"],
        row["k"],
        row["q"],
        row["v"],
        row["instance"],
        row["run"],
        row["budget"],
    )


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        if path.is_file():
            rows.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return rows


def cmd_run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {_key(r) for r in _load([out])}
    overrides = {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        parsed = _parse_value(value.strip())
        overrides[key.strip()] = (
            [parsed] if key.strip() == "proposers" and isinstance(parsed, str) else parsed
        )
    variant = args.variant or ("default" if args.method == "scireason" else "anchor")
    base = {"L": args.L, "c": args.c, "k": args.k, "q": args.q, "v": args.v, "budget": args.budget}
    for instance in _parse_ints(args.instances):
        for run in _parse_ints(args.runs):
            meta = {**base, "instance": instance, "run": run, "method": args.method, "variant": variant}
            counting = "unique"
            if _key({**meta, "counting": counting}) in done:
                continue
            t0 = time.perf_counter()
            if args.method == "scireason":
                row = run_scireason(
                    args.L, args.c, args.k, args.q, args.v, instance, run, args.budget, overrides
                )
                rows = [{**meta, "counting": "unique", **row}]
            else:
                uniq, every = run_holo_ga(args.L, args.c, args.k, args.q, args.v, instance, run, args.budget)
                rows = [{**meta, **uniq}, {**meta, **every}]
            with out.open("a") as fh:
                for r in rows:
                    fh.write(json.dumps(r) + "\n")
            r0 = rows[0]
            print(
                f"{args.method}/{variant} L={args.L} inst={instance} run={run}: best {r0['best']} "
                f"solved@{r0['evals_to_solve']} infeasible {r0['n_infeasible']}/{r0['n_evals']} "
                f"({time.perf_counter() - t0:.0f}s)",
                file=sys.stderr,
                flush=True,
            )


def _fmt(x: float | None) -> str:
    if x is None:
        return "-inf"
    return f"{x:.4f}"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def table(rows: list[dict[str, Any]], instances: set[int] | None = None) -> str:
    """Markdown: one line per (L, method, variant, counting, budget) group."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        if instances is not None and r["instance"] not in instances:
            continue
        key = (r["L"], r["c"], r["k"], r["q"], r["method"], r.get("variant", ""), r["counting"], r["budget"])
        groups.setdefault(key, []).append(r)
    lines = [
        "| Ehr(v,L,c,k,q) | method | counting | budget | runs | solved | median evals to solve "
        "| best@1k (min/med/max) | best@5k | best@20k | best@100k | infeasible share |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(groups, key=lambda x: tuple(str(i) for i in x)):
        L, c, k, q, method, variant, counting, budget = key
        rs = groups[key]
        v = rs[0]["v"]
        solved = [r for r in rs if r["solved"]]
        # median over all runs with unsolved runs counted as > budget (shown as ">budget")
        evals = sorted(r["evals_to_solve"] if r["solved"] else math.inf for r in rs)
        med = evals[(len(evals) - 1) // 2] if len(evals) % 2 else None
        if len(evals) % 2 == 0:
            a, b = evals[len(evals) // 2 - 1], evals[len(evals) // 2]
            med = (a + b) / 2 if math.isfinite(b) else math.inf
        med_txt = f"{med:,.0f}" if med is not None and math.isfinite(med) else f">{budget:,}"
        cells = []
        for cp in CHECKPOINTS:
            if cp > budget:
                cells.append("")
                continue
            vals = [r["best_at"].get(str(cp)) for r in rs]
            vals_f = sorted(-math.inf if x is None else x for x in vals)
            cells.append(
                " / ".join(
                    _fmt(None if not math.isfinite(x) else x)
                    for x in (vals_f[0], statistics.median(vals_f), vals_f[-1])
                )
            )
        infeasible = sum(r["n_infeasible"] for r in rs) / max(1, sum(r["n_evals"] for r in rs))
        name = method if variant in ("", "default", "anchor") else f"{method}/{variant}"
        lines.append(
            f"| ({v},{L},{c},{k},{q}) | {name} | {counting} | {budget:,} | {len(rs)} | {len(solved)}/{len(rs)} "
            f"| {med_txt} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {infeasible:.2f} |"
        )
    return "\n".join(lines)


def cmd_table(args: argparse.Namespace) -> None:
    rows = _load([Path(p) for p in args.files])
    instances = set(_parse_ints(args.instances)) if args.instances else None
    print(table(rows, instances))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a grid (resumable)")
    run.add_argument("--method", choices=("scireason", "holo_ga"), required=True)
    run.add_argument("--L", type=int, default=32)
    run.add_argument("--c", type=int, default=4)
    run.add_argument("--k", type=int, default=4)
    run.add_argument("--q", type=int, default=4)
    run.add_argument("--v", type=int, default=32)
    run.add_argument("--instances", default="50494")
    run.add_argument("--runs", default="0-4")
    run.add_argument("--budget", type=int, default=20000)
    run.add_argument("--variant", default=None, help="name of an ablation (scireason)")
    run.add_argument("--set", action="append", help="DesignConfig override key=value (repeatable)")
    run.add_argument("--out", required=True)
    run.set_defaults(func=cmd_run)
    tab = sub.add_parser("table", help="Markdown table of JSONL results")
    tab.add_argument("files", nargs="+")
    tab.add_argument("--instances", default=None, help="restrict to these instance seeds")
    tab.set_defaults(func=cmd_table)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
