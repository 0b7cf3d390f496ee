"""Shared test setup: one torch thread (2 shared cores), offline hub, quiet RDKit."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Optional extras skip with a stated reason; under CI=true an unexpected skip fails (tests/_skips.py).
from _skips import (  # noqa: E402,F401
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_makereport,
)
