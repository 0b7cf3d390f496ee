"""The campaign engine: ask/tell over propose -> deduplicate -> filter -> screen -> claim -> score ->
record -> select -> learn.

``Campaign.ask()`` returns the candidates to score this round, already claimed in the store under
their call indices; ``Campaign.tell()`` takes their scores, writes them to the store *before* anything
else (a crash never loses a scored batch), then selects the next population and lets the proposers
and the knob tuner learn. ``Campaign.run()`` loops ``ask -> objective.score -> tell`` until the budget
is spent, the objective's known optimum is reached, the PMO early-stop rule fires, the proposers run
dry, or a proposer fails in every round it was asked (its error then ends the campaign, ``result.error``).

Sequence campaigns keep a :class:`~sciReason.agents.feasibility.TransitionModel`: the user's declared
constraint outside benchmark mode, else what the campaign learns from infeasible results. Children known
to be infeasible are rejected before scoring (free, counted as ``known_infeasible``); children that turn
out infeasible were scored, cost a call and are counted as ``infeasible``. In ``benchmark_mode`` the
objective is a black box: proposers see scores only, and the start population is what a benchmark hands
every method (the objective's ``initial_solution()``, one sequence) instead of samples from its hidden
generator.

Counting follows PMO: a call is one unique, valid, canonical candidate; invalid or filtered candidates
are free; duplicates are never re-scored (not even by another worker: claims are atomic in the store);
the budget is hard. With one worker and the same seed, a campaign is identical run to run.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sciReason.agents.config import DesignConfig
from sciReason.agents.feasibility import build_transition_model
from sciReason.agents.filters import CandidateFilter
from sciReason.agents.knobs import KnobTuner
from sciReason.agents.lineages import Lineages
from sciReason.agents.pool import sample_start, sequence_alphabet
from sciReason.agents.proposers import build_proposers
from sciReason.agents.proposers.base import CampaignView, Proposer
from sciReason.agents.records import Proposal, Record, rank_key
from sciReason.agents.sites import SiteModel
from sciReason.agents.storage import MemoryStore, OptunaStore, open_store
from sciReason.agents.surrogate import GPScreen

__all__ = ["Campaign", "DesignResult"]

logger = logging.getLogger(__name__)


@dataclass
class DesignResult:
    """What a campaign produced (records in call-index order) and how it ended."""

    records: list[Record]
    config: DesignConfig
    objective: Any
    stopped: str
    timings: dict[str, float] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    proposer_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    constraint: dict[str, Any] | None = None
    error: str | None = None

    @property
    def n_oracle_calls(self) -> int:
        return len(self.records)

    @property
    def best(self) -> Record | None:
        scored = [r for r in self.records if r.value is not None]
        return min(scored, key=rank_key) if scored else None


def _declared_limits(objective: Any) -> list[Any]:
    """Terms of a composite objective that are cheap to check (e.g. ``maxdist(PARENT)<=5``): the user
    declared them, so outside benchmark mode a candidate they veto is rejected before scoring, for free."""
    return [t for t in getattr(objective, "terms", ()) if getattr(t.oracle, "cheap", False)]


def _violates(terms: Sequence[Any], key: str) -> bool:
    for term in terms:
        raw = term.oracle([key])[0]
        if raw is not None and term.transform(raw) <= 1e-12:
            return True
    return False


def _max_gap(objective: Any) -> int:
    """Longest letter-pair gap the sequence kernel looks at: a quarter of the length, 4..32."""
    length = getattr(objective, "length", None)
    return max(4, min(32, int(length) // 4)) if isinstance(length, int) and length > 0 else 16


class Campaign:
    """One design campaign (see module docstring).

    Args:
        config: the resolved configuration.
        objective: an :class:`~sciReason.oracles.base.Objective`; default ``parse_target(config.target)``.
        proposers: name -> proposer, overriding the ones built from the config (tests, custom operators).
        store: a store object; default from ``config.storage_url()`` (SQLite under ``config.out``).
    """

    def __init__(
        self,
        config: DesignConfig,
        objective: Any = None,
        *,
        proposers: Mapping[str, Proposer] | None = None,
        store: MemoryStore | OptunaStore | None = None,
    ) -> None:
        if objective is None:
            from sciReason.oracles import parse_target

            objective = parse_target(config.target)
        config = config.for_domain(objective.domain)
        self.config, self.objective = config, objective
        self.domain = objective.domain
        self.multi = bool(getattr(objective, "multi_objective", False))
        self.weights = config.proposer_weights(self.domain)
        self.proposers: dict[str, Proposer] = (
            dict(proposers) if proposers else build_proposers(config, objective, self.weights)
        )
        self.weights = {k: v for k, v in self.weights.items() if k in self.proposers} or dict.fromkeys(
            self.proposers, 1.0
        )
        self.alphabet = sequence_alphabet(objective) if self.domain != "molecule" else None
        self.filter = CandidateFilter(
            self.domain,
            config.alerts,
            config.constraints,
            self.alphabet,
            max_heavy_atoms=config.max_heavy_atoms if self.domain == "molecule" else None,
        )
        self.constraint = (
            build_transition_model(objective, self.alphabet, config.benchmark_mode)
            if self.alphabet is not None
            else None
        )
        self.optimum: float | None = getattr(objective, "optimum", None)
        self.rejected: dict[str, int] = {
            "known_infeasible": 0,
            "declared_limit": 0,
            "site_screen": 0,
            "infeasible": 0,
        }
        self.sites = SiteModel() if self.alphabet is not None and config.site_screen else None
        self._limits = [] if config.benchmark_mode else _declared_limits(objective)
        length = getattr(objective, "length", None)
        self._length = int(length) if self.alphabet is not None and isinstance(length, int) else None
        self.proposer_stats: dict[str, dict[str, Any]] = {
            name: {"rounds": 0, "proposed": 0, "failures": 0, "scored": 0, "kept": 0, "last_error": None}
            for name in self.proposers
        }
        self.error: str | None = None
        self._best = -math.inf
        self._best_call = 0
        self.lineages = Lineages(config, self.domain, self.multi)
        self._island = 0
        n_obj = max(1, len(objective.term_names)) if self.multi else 1
        self.store = store or open_store(
            config.storage_url(),
            config.study_name(),
            budget=config.budget,
            n_objectives=n_obj,
            resume=config.resume,
        )
        knob_storage = self.store.rdb if isinstance(self.store, OptunaStore) else None
        self.tuner = KnobTuner(config, self.weights, knob_storage, config.study_name() + ":knobs")
        self.screen = (
            GPScreen(
                self.domain,
                train_size=config.surrogate_train_size,
                alphabet=self.alphabet or "",
                kernel=config.sequence_kernel,
                max_gap=_max_gap(objective),
                descriptors=config.surrogate_descriptors,
            )
            if config.surrogate == "gp"
            else None
        )
        self.rng = random.Random(config.seed)
        self.records: dict[str, Record] = {}
        self.population: list[Record] = []
        self.round = 0
        self.timings = {"propose": 0.0, "screen": 0.0, "score": 0.0, "select": 0.0, "total": 0.0}
        self._pending: list[tuple[Proposal, int]] = []
        self._knobs: dict[str, Any] = {}
        self._threshold = 0.0
        self._dry_rounds = 0
        self._es_last: float | None = None
        self._es_mark = 0
        self._es_strikes = 0
        self.stopped = ""
        self._resume()

    # ---- setup / resume -------------------------------------------------------------------------
    def _resume(self) -> None:
        for rec in self.store.load_records():
            self.records[rec.key] = rec
        state = self.store.load_state()
        if state.get("rng"):
            version, internal, gauss = state["rng"]
            self.rng.setstate((version, tuple(internal), gauss))
            self.round = int(state.get("round", 0))
            self.lineages.load_state(state.get("epoch_call"))
        ordered = sorted(self.records.values(), key=lambda r: r.call_index)
        self._track(ordered)
        orphans = self.store.adopt_orphans(set(self.records), self.config.claim_timeout_s)
        self._pending = [(Proposal(key, "adopted"), idx) for key, idx in orphans]
        if self.records:
            for island in range(len(self.lineages.islands)):
                self.population = self._select(island)
            self._feed_learners(ordered)  # learned proposers rebuild their state
            logger.info("resumed %d records (%d orphan claims adopted)", len(self.records), len(orphans))

    @property
    def n_calls(self) -> int:
        return len(self.records)

    @property
    def budget_left(self) -> int:
        return max(0, self.config.budget - self.store.n_claimed())

    def view(self) -> CampaignView:
        return CampaignView(
            self.objective,
            self.lineages.with_migrants(self._island),
            self.records,
            self._knobs,
            self.round,
            self.config.benchmark_mode,
            self.constraint,
            self.sites,
        )

    @property
    def intensity(self) -> int:
        """Stagnation level of the current island (see :mod:`sciReason.agents.lineages`)."""
        return self.lineages.intensity(self._island)

    @property
    def restarts(self) -> int:
        return self.lineages.restarts

    def _track(self, new: Sequence[Record]) -> None:
        """Best value so far and when it was reached; feed the transition model."""
        for rec in new:
            if rec.value is not None and rec.feasible and rec.score > self._best:
                self._best, self._best_call = rec.score, rec.call_index
            if not rec.feasible:
                self.rejected["infeasible"] += 1
        self.lineages.observe(new)
        if self.constraint is not None:
            self.constraint.observe(new)

    def _select(self, island: int | None = None) -> list[Record]:
        """Island ``island``'s population (default: the current one); see :mod:`~sciReason.agents.lineages`."""
        island = self._island if island is None else island
        return self.lineages.select(self.records.values(), island)

    @property
    def optimum_reached(self) -> bool:
        return self.optimum is not None and self._best >= float(self.optimum) - 1e-12

    # ---- ask -------------------------------------------------------------------------------------
    def _start_proposals(self) -> list[Proposal]:
        start = sample_start(
            self.objective,
            self.config.start_from,
            self.config.start_size(),
            self.rng,
            benchmark_mode=self.config.benchmark_mode,
        )
        return [Proposal(s, "start") for s in start]

    def _offspring(self, m: int, factors: dict[str, int]) -> list[Proposal]:
        """Children for ``m`` scored slots: each proposer's weighted share times its oversampling factor."""
        out: list[Proposal] = []
        weights = self._knobs.get("weights", self.weights)
        names = sorted(self.proposers)
        for name in names:
            quota = int(math.ceil(m * factors[name] * weights.get(name, 0.0)))
            if quota <= 0:
                continue
            stats = self.proposer_stats.setdefault(
                name, {"rounds": 0, "proposed": 0, "failures": 0, "scored": 0, "kept": 0, "last_error": None}
            )
            stats["rounds"] += 1
            try:
                made = self.proposers[name].propose(self.view(), quota, self.rng)
            except Exception as exc:  # one bad round (e.g. a backend hiccup) must not end the campaign
                stats["failures"] += 1
                stats["last_error"] = f"{type(exc).__name__}: {exc}"
                logger.warning("proposer %s failed this round: %s", name, exc)
                continue
            stats["proposed"] += len(made)
            out.extend(made)
        return out

    def _failed_proposer(self) -> str | None:
        """A proposer that failed in every round it was asked (at least 3): the campaign stops with it."""
        for name, stats in sorted(self.proposer_stats.items()):
            if stats["rounds"] >= 3 and stats["failures"] == stats["rounds"]:
                return f"proposer {name!r} failed in all {stats['rounds']} rounds: {stats['last_error']}"
        return None

    def ask(self) -> list[tuple[Proposal, int]]:
        """The next batch to score, as ``(proposal, call_index)`` pairs already claimed in the store."""
        if self._pending:
            batch, self._pending = self._pending, []
            return batch
        left = self.budget_left
        if left <= 0:
            return []
        self._sync()
        t0 = time.perf_counter()
        first = not self.records and self.round == 0
        self._island = self.lineages.island_for_round(self.round + 1)
        self.population = self.lineages.populations[self._island]
        self._knobs = {**self.tuner.ask(), "intensity": self.intensity}
        m = min(self.config.start_size() if first else self.config.batch_size, left)
        screening = self.screen is not None and not first and len(self.records) >= 20
        factor = self.config.oversample if screening else (2 if self.sites is not None else 1)
        over = self.config.oversample_by if screening else {}  # per-proposer factors feed the screen only
        factors = {name: over.get(name, factor) for name in self.proposers}
        raw = self._start_proposals() if first else self._offspring(m, factors)
        self.round += 1
        keyed: dict[str, Proposal] = {}
        for p in raw:
            key = self.filter.key(p.key)
            if key is not None and self._length is not None and len(key) != self._length:
                self.filter.rejected["invalid"] += 1  # a fixed-length objective could not read it
                key = None
            if key is None or key in self.records or key in keyed:
                continue
            if self.constraint is not None and self.constraint.known_infeasible(key):
                self.rejected["known_infeasible"] += 1
                continue
            if self._limits and _violates(self._limits, key):
                self.rejected["declared_limit"] += 1
                continue
            exempt = getattr(self.proposers.get(p.proposer), "screen_exempt", False)
            if (
                self.sites is not None
                and not exempt
                and not self.sites.keep(key, p.parents, self.rng, self.intensity)
            ):
                self.rejected["site_screen"] += 1
                continue
            keyed[key] = Proposal(key, p.proposer, p.parents)
        self.timings["propose"] += time.perf_counter() - t0
        keys = list(keyed)
        if self.alphabet is not None and not screening and len(keys) > m:
            self.rng.shuffle(keys)  # oversampled for the site screen: no proposer is cut by its order
        if screening and len(keys) > m:
            t1 = time.perf_counter()
            keys = self.screen.rank(  # type: ignore[union-attr]
                list(self.records.values()), keys, m, self.rng, float(self._knobs["ucb_beta"])
            )
            self.timings["screen"] += time.perf_counter() - t1
        claimed = self.store.claim(keys[:m])
        self._dry_rounds = 0 if claimed else self._dry_rounds + 1
        return [(keyed[k], idx) for k, idx in claimed]

    # ---- tell ------------------------------------------------------------------------------------
    def tell(self, batch: Sequence[tuple[Proposal, int]], scored: Sequence[Any]) -> list[Record]:
        """Record a scored batch (store first), then select, learn and update the knobs."""
        worker = getattr(self.store, "worker", "")
        new = [
            Record(
                key=p.key,
                call_index=idx,
                value=s.value,
                desirabilities=tuple(s.desirabilities),
                terms=dict(s.terms),
                proposer=p.proposer,
                round=self.round,
                worker=worker,
                parents=p.parents,
                feasible=bool(getattr(s, "feasible", True)),
                margin=float(getattr(s, "margin", 0.0)),
            )
            for (p, idx), s in zip(batch, scored, strict=True)
        ]
        state = {"rng": list(self.rng.getstate()), "round": self.round, "epoch_call": self.lineages.state()}
        self.store.write(new, state)
        t0 = time.perf_counter()
        for rec in new:
            self.records[rec.key] = rec
            stats = self.proposer_stats.get(rec.proposer)
            if stats is not None:
                stats["scored"] += 1
                stats["kept"] += int(rec.feasible and rec.value is not None and rec.score > self._threshold)
        self._track(new)
        if self.sites is not None:
            self.sites.observe(new, self.records)
        self.tuner.tell([r.score for r in new if r.proposer != "start"], self._threshold)
        if any(r.proposer in ("start", "adopted") for r in new):
            for island in range(len(self.lineages.islands)):
                self._select(island)
            self.population = self.lineages.populations[self._island]
        else:
            self.population = self.lineages.add(new, self.records.values(), self._island)
        if self.lineages.maybe_restart(self._island, self.records.values(), self.n_calls):
            self.population = self.lineages.populations[self._island]
            logger.info("island %d restarts from the start set", self._island)
        if self.population and len(self.population) >= self.config.population_size:
            self._threshold = self.population[-1].score
        for proposer in self.proposers.values():
            proposer.learn(new)
        self.timings["select"] += time.perf_counter() - t0
        return new

    def _sync(self) -> None:
        """Pull records scored by other workers on the same study."""
        if not isinstance(self.store, OptunaStore):
            return
        known = {r.call_index for r in self.records.values()}
        foreign = self.store.foreign_records(known)
        for rec in foreign:
            self.records.setdefault(rec.key, rec)
        self._track(foreign)
        if foreign:
            self._feed_learners(foreign)  # learned proposers learn from every worker
            for island in range(len(self.lineages.islands)):
                self.population = self._select(island)

    def _feed_learners(self, records: list[Record]) -> None:
        """Offer records scored outside this process's own rounds to the proposers that learn (``resume``)."""
        for proposer in self.proposers.values():
            resume = getattr(proposer, "resume", None)
            if resume is not None:
                resume(records)

    # ---- early stop (PMO rule) -------------------------------------------------------------------
    def _early_stop(self) -> bool:
        patience = self.config.patience
        if patience is None:
            return False
        while self.n_calls >= self._es_mark + 100:
            self._es_mark += 100
            top = sorted(
                (r.score for r in self.records.values() if r.call_index <= self._es_mark), reverse=True
            )[:100]
            cur = sum(top) / len(top) if top else 0.0
            if self._es_last is not None and cur - self._es_last < 1e-3:
                self._es_strikes += 1
            else:
                self._es_strikes = 0
            self._es_last = cur
        return self._es_strikes >= patience

    # ---- run -------------------------------------------------------------------------------------
    def step(self) -> list[Record]:
        """One ask -> score -> tell round; returns the new records (empty when nothing was scored)."""
        batch = self.ask()
        if not batch:
            return []
        t0 = time.perf_counter()
        scored = self.objective.score([p.key for p, _ in batch])
        self.timings["score"] += time.perf_counter() - t0
        return self.tell(batch, scored)

    def run(
        self, on_round: Callable[[Campaign, list[Record]], None] | None = None, max_dry_rounds: int = 20
    ) -> DesignResult:
        """Run until the budget is spent, early stop, or ``max_dry_rounds`` rounds without a new candidate."""
        t0 = time.perf_counter()
        while True:
            if self.budget_left <= 0 and not self._pending:
                self.stopped = "budget"
                break
            if self.optimum_reached:
                self.stopped = "optimum"
                break
            new = self.step()
            if on_round is not None:
                on_round(self, new)
            self.error = self._failed_proposer()
            if self.error:
                self.stopped = "proposer_failed"
                logger.error("%s", self.error)
                break
            if self.optimum_reached and not self._pending:
                self.stopped = "optimum"
                break
            if self._early_stop():
                self.stopped = "early_stop"
                break
            if self._dry_rounds >= max_dry_rounds:
                self.stopped = "exhausted"
                break
        self._sync()
        self.timings["total"] += time.perf_counter() - t0
        self.timings["storage"] = self.store.seconds
        return self.result()

    def result(self) -> DesignResult:
        recs = sorted(self.records.values(), key=lambda r: r.call_index)
        return DesignResult(
            recs,
            self.config,
            self.objective,
            self.stopped,
            dict(self.timings),
            {**self.filter.rejected, **self.rejected},
            {
                name: {**stats, **(getattr(self.proposers.get(name), "stats", dict)())}
                for name, stats in self.proposer_stats.items()
            },
            self.constraint.summary() if self.constraint is not None else None,
            self.error,
        )
