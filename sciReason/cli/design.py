"""``sciReason design``: run (or resume) a closed-loop design campaign with a live view."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sciReason.cli._common import cli_errors, print_result_line, resolve_config

TARGET_HELP = (
    "Objective. Molecules: 'pmo:qed', 'qed>0.8, sa<3, logp=2..3'. "
    "Proteins: 'protein:gravy<0, pi=6..8, instability<40, maxdist(PARENTSEQ)<=5, "
    "model(task=solubility, backend=tiny)>0.5' (ProtParam terms, an edit-distance limit to a parent, "
    "model-backed predict/classify tasks). Ehrlich functions: 'ehrlich:L=32,c=4,k=4' with keys "
    "L (length), c (motifs), k (motif length), q (quantization, default k, must divide k), "
    "v (states, default 32), seed (instance seed, default 0; LLOME/bbo-bench use 50494), "
    "epistasis (default 0), infeasible (value of infeasible sequences, default 0), "
    "alphabet (v distinct letters, default ARNDCEQGHILKMFPSTWYVBJOUXZ012345...). "
    "All terms and keys: sciReason oracles list."
)


def _render(campaign: Any, started: float) -> Any:
    import time

    from rich.console import Group
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    cfg = campaign.config
    n = campaign.n_calls
    ranked = sorted(
        (r for r in campaign.records.values() if r.value is not None), key=lambda r: (-r.score, r.call_index)
    )
    top10 = ranked[:10]
    head = Table.grid(padding=(0, 2))
    head.add_row(
        f"[bold]{cfg.target}[/]",
        f"calls {n}/{cfg.budget}",
        f"round {campaign.round}",
        f"best {ranked[0].score:.4f}" if ranked else "best -",
        f"top-10 mean {sum(r.score for r in top10) / len(top10):.4f}" if top10 else "",
        f"{time.perf_counter() - started:.0f}s",
    )
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("#", width=3)
    table.add_column("score", width=8)
    table.add_column("call", width=6)
    table.add_column("proposer", width=14)
    table.add_column(
        "smiles" if campaign.domain == "molecule" else "sequence", overflow="ellipsis", no_wrap=True
    )
    for i, r in enumerate(ranked[:8], 1):
        table.add_row(str(i), f"{r.score:.4f}", str(r.call_index), r.proposer, r.key)
    bar = ProgressBar(total=cfg.budget, completed=n)
    return Panel(Group(head, bar, table), title="sciReason design", border_style="cyan")


def _start_path(path: Path | None) -> str | None:
    if path is None:
        return None
    from sciReason.errors import ConfigError

    if not Path(path).expanduser().is_file():
        raise ConfigError(f"--start {str(path)!r}: no such file (give a FASTA, CSV or one-per-line file)")
    return str(Path(path).expanduser().resolve())


def register(app: typer.Typer) -> None:
    @app.command("design")
    def design(
        target: Annotated[
            str | None,
            typer.Option("--target", "-t", help=TARGET_HELP),
        ] = None,
        budget: Annotated[
            int | None, typer.Option(help="Oracle budget (unique valid candidates scored).")
        ] = None,
        seed: Annotated[
            int | None, typer.Option(help="Random seed; the same seed gives the same campaign.")
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Output directory (default: runs/design-<target>-s<seed>).")
        ] = None,
        proposer: Annotated[
            list[str] | None,
            typer.Option(
                "--proposer",
                "-p",
                help="Proposer[:weight], repeatable: graph_ga, generator, model, rl (molecules); "
                "point_mutation, recombination, block, scan, model (sequences). Default 'auto': the setting "
                "that measured best for the budget and domain (docs/design.md).",
            ),
        ] = None,
        storage: Annotated[
            str | None,
            typer.Option(
                help="Optuna storage URL (default sqlite:///OUT/study.db; postgresql://... for several workers)."
            ),
        ] = None,
        study: Annotated[
            str | None, typer.Option(help="Optuna study name (share it between workers).")
        ] = None,
        resume: Annotated[
            bool,
            typer.Option(
                "--resume", help="Continue the study in the storage (after a crash, or to add budget)."
            ),
        ] = False,
        config: Annotated[
            Path | None,
            typer.Option("--config", "-c", help="TOML config file ([design] table or top level)."),
        ] = None,
        batch_size: Annotated[int | None, typer.Option(help="Candidates scored per round.")] = None,
        n_start: Annotated[int | None, typer.Option(help="Start candidates scored in round 0.")] = None,
        start: Annotated[
            Path | None,
            typer.Option(
                "--start",
                help="Start population file: FASTA, CSV (column smiles/sequence/key, else the first) or one "
                "SMILES/sequence per line; the first --n-start entries are scored in round 0.",
            ),
        ] = None,
        backend: Annotated[str | None, typer.Option(help="Model backend for the 'model' proposer.")] = None,
        rl_prior: Annotated[
            str | None,
            typer.Option(
                help="Causal LM prior of the 'rl' proposer: 'tiny' (embedded, default) or a directory."
            ),
        ] = None,
        generator_prior: Annotated[
            str | None,
            typer.Option(
                help="SMILES prior of the 'generator' proposer: a directory from scripts/build_prior.py "
                "(default: the embedded ZINC-250k prior)."
            ),
        ] = None,
        knobs: Annotated[
            str | None, typer.Option(help="'fixed' or 'tpe' (Optuna tunes the proposal knobs on line).")
        ] = None,
        benchmark_mode: Annotated[
            bool,
            typer.Option(
                "--benchmark-mode",
                help="Black box: model prompts never name the target, sequence constraints are only learned "
                "from infeasible results, the start is the objective's own initial solution.",
            ),
        ] = False,
        no_live: Annotated[
            bool, typer.Option("--no-live", help="Plain log lines instead of the live view.")
        ] = False,
    ) -> None:
        """Run a closed-loop molecule or protein design campaign (ask/tell, Optuna-backed, resumable).

        Example: sciReason design --target pmo:qed --budget 1000 --seed 0 --out runs/qed
        """
        with cli_errors():
            import time

            from rich.console import Console

            from sciReason.agents.config import DesignConfig
            from sciReason.agents.engine import Campaign
            from sciReason.agents.outputs import write_outputs
            from sciReason.errors import ConfigError

            flags: dict[str, Any] = {
                "target": target,
                "budget": budget,
                "seed": seed,
                "out": out,
                "proposers": proposer or None,
                "storage": storage,
                "study": study,
                "resume": True if resume else None,
                "batch_size": batch_size,
                "n_start": n_start,
                "start_from": _start_path(start),
                "backend": backend,
                "rl_prior": rl_prior,
                "generator_prior": generator_prior,
                "knobs": knobs,
                "benchmark_mode": True if benchmark_mode else None,
                "live": False if no_live else None,
            }
            cfg = (
                resolve_config(DesignConfig, config, flags, section="design") if (target or config) else None
            )
            if cfg is None:
                raise ConfigError(
                    "no target: pass --target (e.g. --target pmo:qed) or a --config file that sets target"
                )
            if cfg.out is None:
                safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in cfg.target)[:60]
                cfg = cfg.model_copy(update={"out": Path("runs") / f"design-{safe}-s{cfg.seed}"})
            console = Console(stderr=True)
            campaign = Campaign(cfg)
            if campaign.n_calls:
                console.print(
                    f"resuming study {cfg.study_name()!r}: {campaign.n_calls} scored candidates loaded"
                )
            started = time.perf_counter()
            interrupted = False
            try:
                if cfg.live and console.is_terminal:
                    from rich.live import Live

                    with Live(_render(campaign, started), console=console, refresh_per_second=4) as live:
                        result = campaign.run(on_round=lambda c, _new: live.update(_render(c, started)))
                else:

                    def _log(c: Campaign, new: list[Any]) -> None:
                        best = max((r.score for r in c.records.values()), default=0.0)
                        console.print(f"round {c.round}: {c.n_calls}/{cfg.budget} calls, best {best:.4f}")

                    result = campaign.run(on_round=_log)
            except KeyboardInterrupt:
                interrupted = True
                result = campaign.result()
                result.stopped = "interrupted"
            summary = write_outputs(result, Path(cfg.out))  # type: ignore[arg-type]
            best = summary.get("best") or {}
            # the one result line a script captures goes to stdout; progress went to stderr
            print_result_line(
                f"done ({result.stopped}): {summary['n_oracle_calls']} calls, best {best.get('value')} "
                f"{best.get('key', '')}, AUC top-10 {summary['auc_top10']:.4f}; outputs in {cfg.out}"
            )
            if result.error:
                typer.secho(f"error: {result.error}", err=True, fg=typer.colors.RED)
                raise typer.Exit(code=1)
            if interrupted:
                console.print(
                    f"resume with: sciReason design --resume --out {cfg.out} --target {cfg.target!r} --seed {cfg.seed}"
                )
                raise typer.Exit(code=130)
