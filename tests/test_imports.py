"""`import sciReason` stays light, and the public facade is exactly what __all__ says."""

from __future__ import annotations

import subprocess
import sys

import sciReason

HEAVY = ("torch", "transformers", "rdkit", "optuna", "Bio", "sklearn", "matplotlib", "accelerate", "selfies")


def test_import_does_not_load_heavy_modules() -> None:
    code = f"import sys, sciReason, sciReason.cli;print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported by `import sciReason`: {out.stdout}"


def test_all_matches_public_namespace() -> None:
    public = {n for n in dir(sciReason) if not n.startswith("_") and n != "annotations"}
    modules = {n for n in public if type(getattr(sciReason, n)).__name__ == "module"}
    assert set(sciReason.__all__) | {"__version__"} >= public - modules
    assert sorted(sciReason.__all__) == sorted(set(sciReason.__all__))
    for name in sciReason.__all__:
        assert hasattr(sciReason, name), name
