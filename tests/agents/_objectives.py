"""Small real objectives for the design tests (RDKit QED; a two-term QED/size trade-off).

Kept in a plain module so the worker subprocesses (``_worker.py``) can import them too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from sciReason.oracles.base import Scored


class QEDObjective:
    """RDKit QED as a one-term objective; optionally logs every scored key and sleeps per batch."""

    name = "test_qed"
    domain = "molecule"
    term_names = ("qed",)
    multi_objective = False

    def __init__(self, log: Path | None = None, delay: float = 0.0) -> None:
        self.log, self.delay, self.calls = log, delay, []

    def score(self, candidates: Sequence[str]) -> list[Scored]:
        from rdkit.Chem import QED

        from sciReason.representations import mol_from_smiles

        if self.delay:
            time.sleep(self.delay)
        out = []
        for c in candidates:
            self.calls.append(c)
            mol = mol_from_smiles(c)
            v = None if mol is None else float(QED.qed(mol))
            out.append(Scored(v, (v,), {"qed": v}))
        if self.log is not None:
            with self.log.open("a") as fh:
                fh.write("".join(f"{c}\n" for c in candidates))
        return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [s.value for s in self.score(candidates)]


class TwoTermObjective(QEDObjective):
    """QED and 'smallness' (1 - heavy atoms / 40): a genuine trade-off for Pareto tests."""

    name = "test_qed_small"
    term_names = ("qed", "small")
    multi_objective = True

    def score(self, candidates: Sequence[str]) -> list[Scored]:
        from sciReason.representations import mol_from_smiles

        out = super().score(candidates)
        res = []
        for c, s in zip(candidates, out, strict=True):
            mol = mol_from_smiles(c)
            if mol is None or s.value is None:
                res.append(Scored(None, (None, None), {"qed": None, "small": None}))
                continue
            small = max(0.0, 1.0 - mol.GetNumHeavyAtoms() / 40)
            res.append(Scored((s.value * small) ** 0.5, (s.value, small), {"qed": s.value, "small": small}))
        return res
