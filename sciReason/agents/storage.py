"""Campaign storage: an Optuna study is the system of record, plus an atomic claim table.

Every scored candidate is one Optuna trial (``COMPLETE`` with its value(s), ``FAIL`` when the oracle
could not score it) whose user attributes hold the canonical key, the PMO call index, the raw term
values, the proposer, the round, the worker and the parents. A campaign resumes by reading its trials
back; nothing else is needed to rebuild the ledger.

Claims (several workers, one study): before scoring, a worker inserts one row per candidate into the
table ``scireason_design_slots`` with primary key ``(study, call_index)`` and a unique
``(study, key_hash)``. The database's unique constraints make the claim atomic on SQLite and PostgreSQL
alike, so two workers can never score the same candidate, and call indices ``1..budget`` are handed out
exactly once (exact budget accounting). The trial and its slot's ``trial_id`` are written in the same
transaction, so "slot has a trial" is always true or always false after a crash. A slot without a
trial (its worker died between claim and write) is *adopted* by the next worker that starts on the
study: it scores that candidate under the original call index, so a killed campaign loses nothing.

Writes are batched: one transaction per scored batch (Optuna's ``add_trial`` commits once per trial,
~15 ms each on SQLite, which would dominate a 10,000-candidate campaign). SQLite runs in WAL mode with
``synchronous=NORMAL``: a commit survives a killed process (not necessarily a power cut).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sciReason.agents.memory_store import MemoryStore, key_hash, pid_alive, worker_id
from sciReason.agents.records import Record

__all__ = ["MemoryStore", "OptunaStore", "open_store", "worker_id"]

SLOTS_TABLE = "scireason_design_slots"


def _trial_to_record(trial: Any) -> Record | None:
    attrs = trial.user_attrs
    if "call_index" not in attrs or "key" not in attrs:
        return None
    value = attrs.get("value")
    return Record(
        key=attrs["key"],
        call_index=int(attrs["call_index"]),
        value=None if value is None else float(value),
        desirabilities=tuple(attrs.get("desirabilities", ())),
        terms=dict(attrs.get("terms", {})),
        proposer=attrs.get("proposer", ""),
        round=int(attrs.get("round", 0)),
        worker=attrs.get("worker", ""),
        parents=tuple(attrs.get("parents", ())),
        feasible=bool(attrs.get("feasible", True)),
        margin=float(attrs.get("margin", 0.0)),
    )


# Messages of the errors a schema-creation race produces: two workers both see "no tables" and both
# CREATE ("table studies already exists", PostgreSQL "relation ... already exists" / a duplicate pg_type
# key), both stamp Optuna's alembic version ("UNIQUE constraint failed: alembic_version.version_num"), or
# one waits on the other's write lock ("database is locked").
_RACE_MARKERS = ("already exists", "unique", "duplicate", "locked")


def _retry_schema_race(create: Any, attempts: int = 8) -> Any:
    """Run ``create`` (which creates tables if missing), retrying when another worker created them first.

    Why retry instead of a lock: the race is between processes, possibly on several machines
    (PostgreSQL), and every step is idempotent once the other worker's transaction has committed, so
    the retry simply finds the tables there and goes on.
    """
    import random

    import optuna
    import sqlalchemy.exc as sa_exc

    kinds = (sa_exc.OperationalError, sa_exc.IntegrityError, sa_exc.ProgrammingError)
    delay = 0.05
    for attempt in range(attempts):
        try:
            return create()
        except (*kinds, optuna.exceptions.StorageInternalError) as exc:
            text = f"{exc} {exc.__cause__}".lower()  # Optuna wraps the SQLAlchemy error as the cause
            if attempt == attempts - 1 or not any(m in text for m in _RACE_MARKERS):
                raise
            time.sleep(delay * (1.0 + random.random()))
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


class OptunaStore:
    """Optuna RDB study + claim table (see the module docstring)."""

    persistent = True

    def __init__(
        self,
        url: str,
        study_name: str,
        *,
        budget: int,
        n_objectives: int,
        resume: bool,
        worker: str | None = None,
    ) -> None:
        import optuna
        import sqlalchemy as sa

        from sciReason.errors import ConfigError

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.url, self.study_name, self.budget = url, study_name, budget
        self.worker = worker or worker_id()
        self.seconds = 0.0
        t0 = time.perf_counter()
        sqlite = url.startswith("sqlite")
        if sqlite and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            from pathlib import Path

            Path(url[len("sqlite:///") :]).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine_kwargs: dict[str, Any] = (
            {"connect_args": {"timeout": 120}} if sqlite else {"pool_pre_ping": True}
        )
        try:
            self.rdb = _retry_schema_race(
                lambda: optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
            )
        except Exception as exc:  # bad URL, driver missing, server down
            raise ConfigError(f"cannot open Optuna storage {url!r}: {exc}") from None
        if sqlite:
            self._sqlite_tuning(self.rdb.engine)
        directions = ["maximize"] * n_objectives
        existing = {s.study_name for s in optuna.get_all_study_summaries(self.rdb)}
        if study_name in existing and not resume:
            n = len(optuna.load_study(study_name=study_name, storage=self.rdb).trials)
            if n:
                raise ConfigError(
                    f"study {study_name!r} in {url!r} already has {n} trials; pass --resume to continue it, "
                    "or choose another --study / --out"
                )
        self.study = optuna.create_study(
            study_name=study_name, storage=self.rdb, directions=directions, load_if_exists=True
        )
        if len(self.study.directions) != n_objectives:
            raise ConfigError(
                f"study {study_name!r} has {len(self.study.directions)} objectives, the target has {n_objectives}"
            )
        self.study_id = self.study._study_id
        meta = sa.MetaData()
        self.slots = sa.Table(
            SLOTS_TABLE,
            meta,
            sa.Column("study", sa.String(512), primary_key=True),
            sa.Column("call_index", sa.Integer, primary_key=True),
            sa.Column("key_hash", sa.String(40), nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("worker", sa.String(256), nullable=False),
            sa.Column("claimed_at", sa.Float, nullable=False),
            sa.Column("trial_id", sa.Integer, nullable=True),
            sa.UniqueConstraint("study", "key_hash", name="uq_scireason_slot_key"),
        )
        # Claims go through their own engine so that SQLite can take the write lock up front.
        self.claim_engine = sa.create_engine(url, **engine_kwargs)
        if sqlite:
            self._sqlite_tuning(self.claim_engine, immediate=True)
        _retry_schema_race(lambda: meta.create_all(self.claim_engine))
        self.seconds += time.perf_counter() - t0

    @staticmethod
    def _sqlite_tuning(engine: Any, immediate: bool = False) -> None:
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            if immediate:
                dbapi_conn.isolation_level = None  # we issue BEGIN ourselves

        if immediate:

            @event.listens_for(engine, "begin")
            def _on_begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    # ---- reading -------------------------------------------------------------------------------
    def load_records(self) -> list[Record]:
        """Every scored candidate in the study (the campaign ledger after a restart)."""
        t0 = time.perf_counter()
        trials = self.rdb.get_all_trials(self.study_id, deepcopy=False)
        out = [r for r in (_trial_to_record(t) for t in trials if t.state.is_finished()) if r is not None]
        self.seconds += time.perf_counter() - t0
        return sorted(out, key=lambda r: r.call_index)

    def foreign_records(self, known_indices: set[int]) -> list[Record]:
        """Records written by other workers that this worker has not seen yet."""
        import sqlalchemy as sa

        t0 = time.perf_counter()
        s = self.slots
        with self.claim_engine.connect() as conn:
            rows = conn.execute(
                sa.select(s.c.call_index, s.c.trial_id).where(
                    s.c.study == self.study_name, s.c.trial_id.is_not(None)
                )
            ).all()
        out = []
        for call_index, trial_id in rows:
            if call_index not in known_indices:
                rec = _trial_to_record(self.rdb.get_trial(trial_id))
                if rec is not None:
                    out.append(rec)
        self.seconds += time.perf_counter() - t0
        return out

    def n_claimed(self) -> int:
        import sqlalchemy as sa

        with self.claim_engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).where(self.slots.c.study == self.study_name)
                ).scalar_one()
            )

    # ---- claiming ------------------------------------------------------------------------------
    def claim(self, keys: Sequence[str]) -> list[tuple[str, int]]:
        """Atomically reserve call indices for ``keys`` (in order) until the budget is spent.

        Keys already claimed by anyone are skipped. Returns ``(key, call_index)`` for the won claims.
        """
        import sqlalchemy as sa

        t0 = time.perf_counter()
        s = self.slots
        won: list[tuple[str, int]] = []
        for _attempt in range(50):
            try:
                with self.claim_engine.begin() as conn:
                    won = []
                    hashes = {key_hash(k): k for k in keys}
                    taken: set[str] = set()
                    hash_list = list(hashes)
                    for i in range(0, len(hash_list), 500):
                        chunk = hash_list[i : i + 500]
                        taken.update(
                            conn.execute(
                                sa.select(s.c.key_hash).where(
                                    s.c.study == self.study_name, s.c.key_hash.in_(chunk)
                                )
                            ).scalars()
                        )
                    nxt = conn.execute(
                        sa.select(sa.func.coalesce(sa.func.max(s.c.call_index), 0)).where(
                            s.c.study == self.study_name
                        )
                    ).scalar_one()
                    rows, now = [], time.time()
                    for h, key in hashes.items():
                        if nxt >= self.budget:
                            break
                        if h in taken:
                            continue
                        nxt += 1
                        rows.append(
                            {
                                "study": self.study_name,
                                "call_index": nxt,
                                "key_hash": h,
                                "key": key,
                                "worker": self.worker,
                                "claimed_at": now,
                            }
                        )
                        won.append((key, nxt))
                    if rows:
                        conn.execute(s.insert(), rows)
                break
            except (
                sa.exc.IntegrityError
            ):  # PostgreSQL: another worker claimed concurrently; re-read and retry
                time.sleep(0.01 * (_attempt + 1))
        else:  # pragma: no cover - 50 conflicting rounds in a row
            won = []
        self.seconds += time.perf_counter() - t0
        return won

    def adopt_orphans(self, known: set[str], timeout_s: float) -> list[tuple[str, int]]:
        """Take over claimed-but-unscored slots of dead workers (or older than ``timeout_s``)."""
        import sqlalchemy as sa

        s = self.slots
        adopted: list[tuple[str, int]] = []
        with self.claim_engine.begin() as conn:
            rows = conn.execute(
                sa.select(s.c.call_index, s.c.key, s.c.worker, s.c.claimed_at).where(
                    s.c.study == self.study_name, s.c.trial_id.is_(None)
                )
            ).all()
            now = time.time()
            for call_index, key, worker, claimed_at in rows:
                if key in known:
                    continue
                if worker == self.worker or not pid_alive(worker) or now - claimed_at > timeout_s:
                    res = conn.execute(
                        s.update()
                        .where(
                            s.c.study == self.study_name, s.c.call_index == call_index, s.c.worker == worker
                        )
                        .values(worker=self.worker, claimed_at=now)
                    )
                    if res.rowcount == 1:
                        adopted.append((key, call_index))
        return sorted(adopted, key=lambda kc: kc[1])

    # ---- writing -------------------------------------------------------------------------------
    @staticmethod
    def _attrs(rec: Record) -> dict[str, Any]:
        return {
            "key": rec.key,
            "call_index": rec.call_index,
            "value": rec.value,
            "terms": dict(rec.terms),
            "desirabilities": list(rec.desirabilities),
            "proposer": rec.proposer,
            "round": rec.round,
            "worker": rec.worker,
            "parents": list(rec.parents),
            "feasible": rec.feasible,
            "margin": rec.margin,
        }

    def _values(self, rec: Record) -> list[float] | None:
        if len(self.study.directions) > 1:
            ok = rec.value is not None and all(d is not None for d in rec.desirabilities)
            return [float(d) for d in rec.desirabilities] if ok else None  # type: ignore[arg-type]
        return None if rec.value is None else [float(rec.value)]

    def write(self, records: Sequence[Record], state: dict[str, Any] | None = None) -> None:
        """Write one scored batch, its slots' trial ids and the campaign state in one transaction.

        The rows are Optuna's own (``trials``, ``trial_values``, ``trial_user_attributes``), inserted in
        bulk through Optuna's ORM models: read back with ``optuna.load_study(...).trials`` they are
        ordinary finished trials. (``study.add_trial`` would cost one transaction per trial and one
        upsert per attribute, ~100 ms per candidate on SQLite.)
        """
        if not records and state is None:
            return
        import sqlalchemy as sa
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session
        from optuna.trial import TrialState

        t0 = time.perf_counter()
        now = datetime.now(timezone.utc).replace(tzinfo=None)  # Optuna stores naive UTC
        s = self.slots
        trial_t = models.TrialModel.__table__
        with _create_scoped_session(self.rdb.scoped_session) as session:
            models.StudyModel.find_or_raise_by_id(self.study_id, session, for_update=True)
            values = [self._values(r) for r in records]
            if records:
                rows = [
                    {
                        "study_id": self.study_id,
                        "number": None,
                        "state": TrialState.COMPLETE if v is not None else TrialState.FAIL,
                        "datetime_start": now,
                        "datetime_complete": now,
                    }
                    for v in values
                ]
                ids = list(
                    session.execute(
                        sa.insert(trial_t).returning(trial_t.c.trial_id, sort_by_parameter_order=True), rows
                    ).scalars()
                )
                value_rows, attr_rows = [], []
                for tid, rec, vals in zip(ids, records, values, strict=True):
                    for i, v in enumerate(vals or []):
                        stored, vtype = models.TrialValueModel.value_to_stored_repr(v)
                        value_rows.append(
                            {"trial_id": tid, "objective": i, "value": stored, "value_type": vtype}
                        )
                    for key, val in self._attrs(rec).items():
                        attr_rows.append({"trial_id": tid, "key": key, "value_json": json.dumps(val)})
                if value_rows:
                    session.execute(sa.insert(models.TrialValueModel.__table__), value_rows)
                session.execute(sa.insert(models.TrialUserAttributeModel.__table__), attr_rows)
                other = trial_t.alias("other")
                number = (
                    sa.select(sa.func.count())
                    .select_from(other)
                    .where(other.c.study_id == trial_t.c.study_id, other.c.trial_id < trial_t.c.trial_id)
                    .scalar_subquery()
                )
                session.execute(trial_t.update().where(trial_t.c.trial_id.in_(ids)).values(number=number))
                session.execute(
                    s.update()
                    .where(s.c.study == self.study_name, s.c.call_index == sa.bindparam("ci"))
                    .values(trial_id=sa.bindparam("tid")),
                    [{"ci": r.call_index, "tid": tid} for r, tid in zip(records, ids, strict=True)],
                )
            if state is not None:
                key = f"state:{self.worker}"
                attr = (
                    session.query(models.StudyUserAttributeModel)
                    .filter_by(study_id=self.study_id, key=key)
                    .one_or_none()
                )
                if attr is None:
                    session.add(
                        models.StudyUserAttributeModel(
                            study_id=self.study_id, key=key, value_json=json.dumps(state)
                        )
                    )
                else:
                    attr.value_json = json.dumps(state)
        self.seconds += time.perf_counter() - t0

    # ---- campaign state (rng, knobs) -----------------------------------------------------------
    def load_state(self) -> dict[str, Any]:
        attrs = self.rdb.get_study_user_attrs(self.study_id)
        states = [v for k, v in attrs.items() if k.startswith("state:")]
        return max(states, key=lambda st: st.get("round", 0)) if states else {}


def open_store(
    url: str | None, study_name: str, *, budget: int, n_objectives: int, resume: bool
) -> MemoryStore | OptunaStore:
    """A persistent Optuna store for a URL, else an in-memory one."""
    if url is None:
        return MemoryStore(budget)
    return OptunaStore(url, study_name, budget=budget, n_objectives=n_objectives, resume=resume)
