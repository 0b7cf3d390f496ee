"""Fixtures for the design-campaign tests: small real objectives (RDKit), fast configs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _objectives import QEDObjective, TwoTermObjective  # noqa: E402

__all__ = ["QEDObjective", "TwoTermObjective"]

SMALL_START = [
    "CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCOC(=O)C", "c1ccncc1", "CC(C)O", "CCCCO", "c1ccc(O)cc1", "CC(N)C(=O)O",
    "CCc1ccccc1", "COc1ccccc1", "CC(=O)Nc1ccccc1", "Cc1ccccc1N", "OC(=O)c1ccccc1", "CCN(CC)CC", "C1CCCCC1",
    "C1CCNCC1", "C1COCCN1", "Cc1ccc(C)cc1", "CC(C)(C)O", "NC(=O)c1ccccc1", "Oc1ccccc1O", "CCCCCC", "FC(F)(F)c1ccccc1",
    "Clc1ccccc1", "CC#N", "CS(=O)(=O)N", "c1ccc2ccccc2c1", "c1ccoc1",
]  # fmt: skip


@pytest.fixture
def start_file(tmp_path: Path) -> Path:
    path = tmp_path / "start.smi"
    path.write_text("\n".join(SMALL_START) + "\n")
    return path


@pytest.fixture
def fast_config(start_file: Path):
    """A factory of small, fast DesignConfigs (no GP screen unless asked)."""
    from sciReason.agents.config import DesignConfig

    def make(**kw: object) -> DesignConfig:
        base: dict[str, object] = {
            "target": "test_qed",
            "budget": 60,
            "n_start": 20,
            "batch_size": 10,
            "population_size": 20,
            "surrogate": "none",
            "start_from": str(start_file),
        }
        base.update(kw)
        return DesignConfig(**base)  # type: ignore[arg-type]

    return make
