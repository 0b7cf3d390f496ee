"""Worker side of the docking oracle (:mod:`sciReason.oracles.docking`): one subprocess per core.

Each worker is a plain ``python -c`` child (not :mod:`multiprocessing`), so user scripts without an
``if __name__ == "__main__"`` guard work, and a hung Vina run can be killed. Parent and worker exchange
framed pickles over the child's stdin/stdout; the worker first receives its config (receptor, box,
search settings), builds Vina's grid maps once, answers ``("ready", None)``, then docks one
``(job_id, smiles)`` at a time and answers ``("result", (job_id, score, pose, error, cpu_seconds))``.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from typing import Any

__all__ = ["Worker", "prepare_ligand", "stop_all"]


def prepare_ligand(smiles: str, seed: int) -> str:
    """Ligand PDBQT text from SMILES (largest fragment, 3D conformer, meeko); raises ValueError."""
    from meeko import MoleculePreparation, PDBQTWriterLegacy
    from rdkit import Chem
    from rdkit.Chem import AllChem

    from sciReason.representations import mol_from_smiles

    mol = mol_from_smiles(smiles)
    if mol is None:
        raise ValueError("RDKit cannot parse the SMILES")
    frags = Chem.GetMolFrags(mol, asMols=True)
    mol = max(frags, key=lambda m: m.GetNumHeavyAtoms())
    mol = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(mol, params) != 0:
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(mol, params) != 0:
            raise ValueError("RDKit could not embed a 3D conformer")
    if AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol, maxIters=500)
    else:
        AllChem.UFFOptimizeMolecule(mol, maxIters=500)
    setups = MoleculePreparation().prepare(mol)
    text, ok, err = PDBQTWriterLegacy.write_string(setups[0])
    if not ok:
        raise ValueError(f"meeko could not write the ligand: {err.strip()}")
    return text


def _worker_main(conn: Any, cfg: dict[str, Any]) -> None:
    """Worker loop: build the Vina grid once, then dock (job_id, smiles) messages until None."""
    try:
        from vina import Vina

        # Vina reads seed 0 as "pick a random seed", so seed s is passed as s + 1. Vina restarts its
        # generator from this seed in every dock() call: a ligand's result does not depend on which
        # worker docks it or what that worker docked before (checked; the cache relies on it).
        v = Vina(sf_name="vina", cpu=cfg["cpu"], seed=cfg["seed"] + 1, verbosity=0)
        v.set_receptor(cfg["receptor"])
        v.compute_vina_maps(center=list(cfg["center"]), box_size=list(cfg["size"]))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises OracleError
        conn.send(("init_error", f"{type(exc).__name__}: {exc}".strip()))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        job_id, smiles = job
        t0 = time.process_time()  # all threads of this process: the ligand's CPU cost
        try:
            v.set_ligand_from_string(prepare_ligand(smiles, cfg["seed"]))
            v.dock(exhaustiveness=cfg["exhaustiveness"], n_poses=cfg["n_poses"])
            energy = float(v.energies(n_poses=1)[0][0])
            pose = v.poses(n_poses=1)
            result = (job_id, energy if math.isfinite(energy) else None, pose, None)
        except Exception as exc:  # noqa: BLE001 - one bad ligand must not stop the worker
            result = (job_id, None, None, f"{type(exc).__name__}: {exc}".strip())
        conn.send(("result", (*result, time.process_time() - t0)))


class _PipeConn:
    """Framed pickle messages over a pair of pipe file descriptors (duplex for the caller)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        from multiprocessing.connection import Connection

        self._r = Connection(read_fd, writable=False)
        self._w = Connection(write_fd, readable=False)

    def send(self, obj: Any) -> None:
        self._w.send(obj)

    def recv(self) -> Any:
        return self._r.recv()

    def fileno(self) -> int:
        return self._r.fileno()

    def close(self) -> None:
        for c in (self._r, self._w):
            try:
                c.close()
            except OSError:
                pass


def worker_entry() -> None:
    """Entry point of a worker subprocess (``python -c``): messages on stdin/stdout, logs on stderr.

    The message channel moves to private descriptors and fd 1 is pointed at stderr, so anything Vina
    or RDKit prints cannot corrupt the channel.
    """
    import sys

    read_fd, write_fd = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    conn = _PipeConn(read_fd, write_fd)
    _worker_main(conn, conn.recv())


class Worker:
    """One docking subprocess. A plain ``python -c`` child (not multiprocessing) so user scripts
    without an ``if __name__ == "__main__"`` guard work and a hung Vina can be killed."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        import subprocess
        import sys

        self.log = tempfile.TemporaryFile()
        code = "from sciReason.oracles._vina_worker import worker_entry; worker_entry()"
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths), OMP_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.conn = _PipeConn(os.dup(self.proc.stdout.fileno()), os.dup(self.proc.stdin.fileno()))
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.conn.send(cfg)
        self.ready = False
        self.started = time.monotonic()
        self.job: tuple[int, float] | None = None  # (job index, deadline)

    def stderr_tail(self, n: int = 800) -> str:
        try:
            self.log.seek(0)
            return self.log.read().decode(errors="replace")[-n:].strip()
        except (OSError, ValueError):
            return ""

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            if not kill:
                try:
                    self.conn.send(None)
                    self.proc.wait(timeout=2)
                except Exception:  # noqa: BLE001 - fall through to kill
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            pass
        self.conn.close()
        self.log.close()


def stop_all(workers: list[Worker]) -> None:
    while workers:
        workers.pop().stop()
