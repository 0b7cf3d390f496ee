"""The campaign engine: ask/tell over propose -> deduplicate -> filter -> screen -> claim -> score ->
record -> select -> learn.

``Campaign.ask()`` returns the candidates to score this round, already claimed in the store under
their call indices; ``Campaign.tell()`` takes their scores, writes them to the store *before* anything
else (a crash never loses a scored batch), then selects the next population and lets the proposers
and the knob tuner learn. ``Campaign.run()`` loops ``ask -> objective.score -> tell`` until the budget
is spent, the PMO early-stop rule fires, or the proposers run dry.

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
from sciReason.agents.filters import CandidateFilter
from sciReason.agents.knobs import KnobTuner
from sciReason.agents.pool import sample_start, sequence_alphabet
from sciReason.agents.proposers import build_proposers
from sciReason.agents.proposers.base import CampaignView, Proposer
from sciReason.agents.records import Proposal, Record, rank_key
from sciReason.agents.selection import select_population
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

    @property
    def n_oracle_calls(self) -> int:
        return len(self.records)

    @property
    def best(self) -> Record | None:
        scored = [r for r in self.records if r.value is not None]
        return min(scored, key=rank_key) if scored else None


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
        self.filter = CandidateFilter(self.domain, config.alerts, config.constraints, self.alphabet)
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
            GPScreen(self.domain, train_size=config.surrogate_train_size, alphabet=self.alphabet or "")
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
        orphans = self.store.adopt_orphans(set(self.records), self.config.claim_timeout_s)
        self._pending = [(Proposal(key, "adopted"), idx) for key, idx in orphans]
        if self.records:
            self.population = select_population(
                list(self.records.values()), self.config.population_size, self.multi
            )
            ordered = sorted(self.records.values(), key=lambda r: r.call_index)
            for proposer in self.proposers.values():
                resume = getattr(proposer, "resume", None)  # learned proposers rebuild their state
                if resume is not None:
                    resume(ordered)
            logger.info("resumed %d records (%d orphan claims adopted)", len(self.records), len(orphans))

    @property
    def n_calls(self) -> int:
        return len(self.records)

    @property
    def budget_left(self) -> int:
        return max(0, self.config.budget - self.store.n_claimed())

    def view(self) -> CampaignView:
        return CampaignView(
            self.objective, self.population, self.records, self._knobs, self.round, self.config.benchmark_mode
        )

    # ---- ask -------------------------------------------------------------------------------------
    def _start_proposals(self) -> list[Proposal]:
        start = sample_start(self.objective, self.config.start_from, self.config.start_size(), self.rng)
        return [Proposal(s, "start") for s in start]

    def _offspring(self, n: int) -> list[Proposal]:
        out: list[Proposal] = []
        weights = self._knobs.get("weights", self.weights)
        names = sorted(self.proposers)
        for name in names:
            quota = int(math.ceil(n * weights.get(name, 0.0)))
            if quota <= 0:
                continue
            try:
                out.extend(self.proposers[name].propose(self.view(), quota, self.rng))
            except Exception as exc:  # a broken proposer (e.g. a backend down) must not end the campaign
                logger.warning("proposer %s failed this round: %s", name, exc)
        return out

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
        self._knobs = self.tuner.ask()
        first = not self.records and self.round == 0
        m = min(self.config.start_size() if first else self.config.batch_size, left)
        screening = self.screen is not None and not first and len(self.records) >= 20
        raw = (
            self._start_proposals()
            if first
            else self._offspring(m * (self.config.oversample if screening else 1))
        )
        self.round += 1
        keyed: dict[str, Proposal] = {}
        for p in raw:
            key = self.filter.key(p.key)
            if key is not None and key not in self.records and key not in keyed:
                keyed[key] = Proposal(key, p.proposer, p.parents)
        self.timings["propose"] += time.perf_counter() - t0
        keys = list(keyed)
        if screening and len(keys) > m:
            t1 = time.perf_counter()
            keys = self.screen.rank(
                list(self.records.values()), keys, m, self.rng, float(self._knobs["ucb_beta"])
            )  # type: ignore[union-attr]
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
                margin=float(getattr(s, "margin", 0.0)),
            )
            for (p, idx), s in zip(batch, scored, strict=True)
        ]
        state = {"rng": list(self.rng.getstate()), "round": self.round}
        self.store.write(new, state)
        t0 = time.perf_counter()
        for rec in new:
            self.records[rec.key] = rec
        self.tuner.tell([r.score for r in new if r.proposer != "start"], self._threshold)
        self.population = select_population(
            list(self.records.values()), self.config.population_size, self.multi
        )
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
        if foreign:
            self.population = select_population(
                list(self.records.values()), self.config.population_size, self.multi
            )

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
            new = self.step()
            if on_round is not None:
                on_round(self, new)
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
            recs, self.config, self.objective, self.stopped, dict(self.timings), dict(self.filter.rejected)
        )
