"""Campaign outputs in the output directory.

* ``candidates.csv``: every scored candidate (``smiles`` or ``sequence`` column, ``call_index``,
  ``value``, one column per term, ``proposer``, ``round``, ``worker``, ``parents``);
* ``top_k.sdf`` (molecules, with scores as SD properties) or ``top_k.fasta`` (sequences);
* ``curve.png``: best / top-10 / top-100 mean vs. oracle calls, every score as a dot;
* ``pareto.png``: the first two term desirabilities with the non-dominated front (targets with >= 2 terms);
* ``summary.json``: PMO AUC top-1/10/100, n_oracle_calls, best, top10_mean, diversity_top100, how the
  campaign stopped (``budget``, ``optimum``, ``early_stop``, ``exhausted``, ``proposer_failed``,
  ``interrupted``) and its ``error``, ``evals_to_best`` (call index of the first record with the best
  value), ``evals_to_optimum`` (objectives with a known optimum, once reached), ``feasible_share`` (of the
  scored candidates), ``rejected`` (per reason: ``invalid``, ``alert``, ``constraint``, ``known_infeasible``,
  ``declared_limit`` are free, before scoring; ``infeasible`` were scored and counted), per-proposer
  ``proposers`` stats (rounds asked, failures and the last error, proposals, scored, kept = entered the
  population, yield = kept / scored), the sequence ``transition_model`` counts, timings (including the
  storage share of wall time), ``rejected_before_scoring`` (the free reasons only), the unscored
  candidates and the oracle exceptions behind them (counted by type) and the full resolved config.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from sciReason.agents.engine import DesignResult
from sciReason.agents.metrics import campaign_metrics
from sciReason.agents.records import Record, rank_key
from sciReason.agents.selection import pareto_front
from sciReason.oracles.failures import failure_report

__all__ = ["summarize", "write_outputs"]


def _key_column(domain: str) -> str:
    return "smiles" if domain == "molecule" else "sequence"


def write_candidates_csv(records: list[Record], path: Path, domain: str) -> None:
    terms: list[str] = []
    for r in records:
        for name in r.terms:
            if name not in terms:
                terms.append(name)
    col = _key_column(domain)
    fields = [col, "call_index", "value", *terms, "proposer", "round", "worker", "parents"]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in records:
            row = {
                col: r.key,
                "call_index": r.call_index,
                "value": r.value,
                "proposer": r.proposer,
                "round": r.round,
                "worker": r.worker,
            }
            row["parents"] = ";".join(r.parents)
            row.update({t: r.terms.get(t) for t in terms})
            w.writerow(row)


def write_top_k(records: list[Record], out: Path, domain: str, k: int) -> Path:
    ranked = sorted((r for r in records if r.value is not None), key=rank_key)[:k]
    if domain == "molecule":
        from rdkit import Chem

        from sciReason.representations import mol_from_smiles

        path = out / "top_k.sdf"
        writer = Chem.SDWriter(str(path))
        for rank, r in enumerate(ranked, 1):
            mol = mol_from_smiles(r.key)
            if mol is None:
                continue
            mol.SetProp("_Name", f"rank{rank}")
            mol.SetProp("smiles", r.key)
            mol.SetProp("value", f"{r.score:.6g}")
            mol.SetProp("call_index", str(r.call_index))
            mol.SetProp("proposer", r.proposer)
            for name, v in r.terms.items():
                mol.SetProp(name, "" if v is None else f"{v:.6g}")
            writer.write(mol)
        writer.close()
        return path
    path = out / "top_k.fasta"
    with path.open("w") as fh:
        for rank, r in enumerate(ranked, 1):
            fh.write(
                f">rank{rank} value={r.score:.6g} call_index={r.call_index} proposer={r.proposer}\n{r.key}\n"
            )
    return path


def plot_curve(records: list[Record], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import heapq

    import matplotlib.pyplot as plt

    xs, ys = [r.call_index for r in records], [r.score for r in records]
    best, top10, top100, heap10, heap100 = [], [], [], [], []
    cur = -math.inf
    for y in ys:
        cur = max(cur, y)
        best.append(cur)
        for heap, k, series in ((heap10, 10, top10), (heap100, 100, top100)):
            (heapq.heappush if len(heap) < k else heapq.heappushpop)(heap, y)
            series.append(sum(heap) / len(heap))
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    ax.scatter(xs, ys, s=3, alpha=0.25, color="grey", label="scored candidates")
    ax.plot(xs, best, label="best", lw=1.8)
    ax.plot(xs, top10, label="top-10 mean", lw=1.8)
    ax.plot(xs, top100, label="top-100 mean", lw=1.4)
    ax.set_xlabel("oracle calls")
    ax.set_ylabel("score")
    ax.set_title(title[:80])
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_pareto(records: list[Record], path: Path, term_names: tuple[str, ...]) -> bool:
    usable = [
        r
        for r in records
        if r.value is not None and len(r.desirabilities) >= 2 and None not in r.desirabilities[:2]
    ]
    if len(term_names) < 2 or not usable:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    two = [Record(r.key, r.call_index, r.value, tuple(r.desirabilities[:2])) for r in usable]
    front = sorted(pareto_front(two), key=lambda r: r.desirabilities[0] or 0.0)
    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=110)
    ax.scatter(
        [r.desirabilities[0] for r in two],
        [r.desirabilities[1] for r in two],
        s=4,
        alpha=0.3,
        color="grey",
        label="scored",
    )
    ax.plot(
        [r.desirabilities[0] for r in front],
        [r.desirabilities[1] for r in front],
        "o-",
        color="C3",
        ms=4,
        label="Pareto front",
    )
    ax.set_xlabel(f"desirability: {term_names[0]}"[:60])
    ax.set_ylabel(f"desirability: {term_names[1]}"[:60])
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def summarize(result: DesignResult) -> dict[str, Any]:
    """The summary.json payload (see module docstring)."""
    cfg = result.config
    summary = campaign_metrics(result.records, cfg.budget, result.objective.domain)
    timings = dict(result.timings)
    total = timings.get("total", 0.0)
    timings["storage_share"] = timings.get("storage", 0.0) / total if total > 0 else 0.0
    counts: dict[str, int] = {}
    for r in result.records:
        counts[r.proposer] = counts.get(r.proposer, 0) + 1
    scored = [r for r in result.records if r.value is not None]
    best = max((r.score for r in scored if r.feasible), default=None)
    evals_to_best = (
        min(r.call_index for r in scored if r.feasible and r.score == best) if best is not None else None
    )
    optimum = getattr(result.objective, "optimum", None)
    evals_to_optimum = (
        min((r.call_index for r in scored if r.feasible and r.score >= float(optimum) - 1e-12), default=None)
        if optimum is not None
        else None
    )
    proposers = {}
    for name, stats in result.proposer_stats.items():
        entry = dict(stats)
        entry["yield"] = stats["kept"] / stats["scored"] if stats.get("scored") else 0.0
        proposers[name] = entry
    summary.update(
        {
            "target": cfg.target,
            "objective": getattr(result.objective, "name", cfg.target),
            "domain": result.objective.domain,
            "budget": cfg.budget,
            "stopped": result.stopped,
            "error": result.error,
            "evals_to_best": evals_to_best,
            "optimum": optimum,
            "evals_to_optimum": evals_to_optimum,
            "feasible_share": sum(r.feasible for r in scored) / len(scored) if scored else None,
            "rejected": result.rejected,
            "proposer_counts": counts,
            "proposers": proposers,
            "transition_model": result.constraint,
            "rejected_before_scoring": {k: v for k, v in result.rejected.items() if k != "infeasible"},
            # candidates the oracle could not score (value None) and the exceptions behind them, by type
            "unscored": failure_report(result.objective, (r.value for r in result.records)),
            "timings_s": timings,
            "storage": cfg.storage_url(),
            "study": cfg.study_name(),
            "config": json.loads(cfg.model_dump_json()),
        }
    )
    return summary


def write_outputs(result: DesignResult, out: Path) -> dict[str, Any]:
    """Write every output file into ``out``; returns the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    domain = result.objective.domain
    write_candidates_csv(result.records, out / "candidates.csv", domain)
    write_top_k(result.records, out, domain, result.config.top_k)
    if result.records:
        plot_curve(result.records, out / "curve.png", getattr(result.objective, "name", result.config.target))
    plot_pareto(result.records, out / "pareto.png", tuple(getattr(result.objective, "term_names", ())))
    summary = summarize(result)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
