"""sciReason: SDK, design loop and training recipe for scientific reasoning language models."""

from __future__ import annotations

__version__ = "0.1.0"
