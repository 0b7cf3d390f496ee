"""Optuna storage: trials are real Optuna trials, SIGKILL + resume loses and duplicates nothing, two
worker processes on one study (SQLite; PostgreSQL when SCIREASON_TEST_POSTGRES_URL is set) never score
the same molecule twice and hand out call indices 1..budget exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _objectives import QEDObjective

from sciReason.agents.engine import Campaign
from sciReason.agents.storage import OptunaStore
from sciReason.errors import ConfigError

WORKER = Path(__file__).parent / "_worker.py"


def _spawn(
    url: str, study: str, budget: int, seed: int, start: Path, log: Path, delay: float
) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [sys.executable, str(WORKER), url, study, str(budget), str(seed), str(start), str(log), str(delay)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _records(url: str, study: str, budget: int):
    store = OptunaStore(url, study, budget=budget, n_objectives=1, resume=True)
    return store.load_records(), store


def test_trials_are_plain_optuna_trials(tmp_path, fast_config):
    import optuna

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    cfg = fast_config(budget=25, storage=url, study="s")
    res = Campaign(cfg, QEDObjective()).run()
    study = optuna.load_study(study_name="s", storage=url)
    trials = study.trials
    assert [t.number for t in trials] == list(range(25))
    by_index = {t.user_attrs["call_index"]: t for t in trials}
    for rec in res.records:
        t = by_index[rec.call_index]
        assert t.user_attrs["key"] == rec.key
        assert t.value == pytest.approx(rec.value)
        assert t.user_attrs["terms"]["qed"] == pytest.approx(rec.value)
        assert t.user_attrs["proposer"] == rec.proposer
    assert study.best_value == pytest.approx(res.best.value)


def test_existing_study_needs_resume(tmp_path, fast_config):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Campaign(fast_config(budget=20, storage=url, study="s"), QEDObjective()).run()
    with pytest.raises(ConfigError, match="--resume"):
        Campaign(fast_config(budget=20, storage=url, study="s"), QEDObjective())


def test_resume_in_process_continues_to_a_larger_budget(tmp_path, fast_config):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    first = Campaign(fast_config(budget=30, storage=url, study="s"), QEDObjective()).run()
    obj = QEDObjective()
    second = Campaign(fast_config(budget=50, storage=url, study="s", resume=True), obj).run()
    assert [r.call_index for r in second.records] == list(range(1, 51))
    assert [(r.key, r.value) for r in second.records[:30]] == [(r.key, r.value) for r in first.records]
    assert len(obj.calls) == 20 and not set(obj.calls) & {r.key for r in first.records}


@pytest.mark.slow
def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path, start_file):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    budget, log = 60, tmp_path / "scored.log"
    OptunaStore(url, "crash", budget=budget, n_objectives=1, resume=True)
    proc = _spawn(url, "crash", budget, 0, start_file, log, delay=0.3)
    deadline = time.time() + 120
    while time.time() < deadline:
        recs, _ = _records(url, "crash", budget)
        if len(recs) >= 20:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before, _ = _records(url, "crash", budget)
    assert 20 <= len(before) < budget
    # resume in a new process-equivalent: a fresh Campaign on the same study
    from sciReason.agents.config import DesignConfig

    cfg = DesignConfig(
        target="test_qed",
        budget=budget,
        n_start=10,
        batch_size=5,
        population_size=20,
        surrogate="none",
        start_from=str(start_file),
        storage=url,
        study="crash",
        resume=True,
    )
    obj = QEDObjective(log)
    res = Campaign(cfg, obj).run()
    after = res.records
    assert [r.call_index for r in after] == list(range(1, budget + 1))  # no gap, nothing twice
    assert len({r.key for r in after}) == budget
    kept = {r.call_index: (r.key, r.value) for r in after}
    assert all(
        kept[r.call_index] == (r.key, r.value) for r in before
    )  # nothing scored before the kill is lost
    scored_again = set(obj.calls) & {r.key for r in before}
    assert not scored_again


def _two_workers(url: str, tmp_path: Path, start_file: Path, budget: int = 60) -> None:
    logs = [tmp_path / "w0.log", tmp_path / "w1.log"]
    # no OptunaStore opened first: the workers create the schema themselves, as docs/design.md says
    procs = [
        _spawn(url, "shared", budget, seed, start_file, log, delay=0.05)
        for seed, log in zip((0, 1), logs, strict=False)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    scored = [line for log in logs for line in log.read_text().splitlines()]
    assert len(scored) == len(set(scored)) == budget  # no molecule scored twice, budget exact
    assert all(log.read_text() for log in logs)  # both workers did work
    recs, store = _records(url, "shared", budget)
    assert sorted(r.call_index for r in recs) == list(range(1, budget + 1))
    assert {r.key for r in recs} == set(scored)
    assert len({r.worker for r in recs}) == 2
    assert store.n_claimed() == budget


@pytest.mark.slow
def test_two_workers_on_one_sqlite_study(tmp_path, start_file):
    _two_workers(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, start_file)


@pytest.mark.postgres
@pytest.mark.extra("psycopg2")
@pytest.mark.skipif(
    not os.environ.get("SCIREASON_TEST_POSTGRES_URL"), reason="SCIREASON_TEST_POSTGRES_URL not set"
)
def test_two_workers_on_one_postgres_study(tmp_path, start_file):
    import uuid

    import sqlalchemy as sa

    base = os.environ["SCIREASON_TEST_POSTGRES_URL"]
    _two_workers(base, tmp_path, start_file)
    # leave the server clean for the next run: drop this test's study and claims
    import optuna

    optuna.delete_study(study_name="shared", storage=base)
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM scireason_design_slots WHERE study = 'shared'"))
    del uuid


def test_orphan_claims_of_a_dead_worker_are_adopted(tmp_path, fast_config):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = OptunaStore(url, "s", budget=30, n_objectives=1, resume=True, worker="vm-that-died:999999")
    store.worker = f"{__import__('socket').gethostname()}:999999"  # a local pid that does not exist
    claimed = store.claim(["CCO", "CCN", "CCC"])
    assert [c[1] for c in claimed] == [1, 2, 3]
    obj = QEDObjective()
    res = Campaign(fast_config(budget=30, storage=url, study="s", resume=True), obj).run()
    assert obj.calls[:3] == ["CCO", "CCN", "CCC"]  # adopted first, under their original call indices
    assert [(r.key, r.call_index) for r in res.records[:3]] == claimed
    assert [r.call_index for r in res.records] == list(range(1, 31))


def test_claims_are_unique_and_capped_by_budget(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    a = OptunaStore(url, "s", budget=5, n_objectives=1, resume=True, worker="a:1")
    b = OptunaStore(url, "s", budget=5, n_objectives=1, resume=True, worker="b:2")
    assert a.claim(["C", "CC", "CCC"]) == [("C", 1), ("CC", 2), ("CCC", 3)]
    assert b.claim(["CC", "CCCC", "CCCCC", "CCCCCC"]) == [("CCCC", 4), ("CCCCC", 5)]
    assert a.claim(["N"]) == [] and a.n_claimed() == 5


def test_workers_opening_a_fresh_database_at_the_same_moment_all_start(tmp_path):
    """The schema-creation race (``table studies already exists`` / ``UNIQUE constraint failed:
    alembic_version.version_num``): 4 processes released together on a fresh SQLite file, 3 rounds."""
    script = Path(__file__).parent / "_open_store.py"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for round_no in range(3):
        url = f"sqlite:///{tmp_path / f'fresh{round_no}.db'}"
        go = tmp_path / f"go{round_no}"
        procs = [
            subprocess.Popen(
                [sys.executable, str(script), url, "s", str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for p in procs:  # every process has imported everything and waits at the barrier
            assert p.stdout.readline().strip() == "ready"  # type: ignore[union-attr]
        go.touch()
        ids = set()
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err[-2000:]
            ids.add(out.strip())
        assert len(ids) == 1  # one study, shared by every worker
