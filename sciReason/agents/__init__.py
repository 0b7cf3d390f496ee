"""Design campaigns: an ask/tell engine over pluggable proposers, with Optuna as the system of record.

``Campaign(DesignConfig(target=...)).run()`` runs propose -> deduplicate -> filter -> screen -> claim ->
score -> record -> select -> learn until the oracle budget is spent. Heavy packages (RDKit, Optuna,
matplotlib) load only when a campaign is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sciReason.agents.config import DesignConfig
    from sciReason.agents.engine import Campaign, DesignResult
    from sciReason.agents.outputs import write_outputs

__all__ = ["Campaign", "DesignConfig", "DesignResult", "write_outputs"]

_LAZY = {
    "Campaign": "sciReason.agents.engine",
    "DesignResult": "sciReason.agents.engine",
    "DesignConfig": "sciReason.agents.config",
    "write_outputs": "sciReason.agents.outputs",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sciReason.agents' has no attribute {name!r}")
