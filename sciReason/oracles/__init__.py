"""Property oracles and design objectives (RDKit, biopython, PMO, Ehrlich, model-backed)."""

from __future__ import annotations

from sciReason.oracles.base import Direction, Domain, Objective, Oracle, Scored

__all__ = ["Direction", "Domain", "Objective", "Oracle", "Scored"]
