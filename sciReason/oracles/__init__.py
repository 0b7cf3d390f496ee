"""Property oracles and design objectives (RDKit, biopython, PMO, Ehrlich, model-backed).

``parse_target("qed>0.8, sa<3")`` turns a target string into an :class:`Objective`;
``get_oracle("sim", "CCO")`` builds one term; ``list_oracles()`` lists every known name;
``register_oracle`` / ``register_prefix`` plug new ones in; ``BudgetedOracle`` applies PMO's budget and
counting rule. Nothing heavy (RDKit, sklearn, torch) is imported until an oracle is built.
"""

from __future__ import annotations

from sciReason.oracles.base import Direction, Domain, Objective, Oracle, Scored
from sciReason.oracles.budget import BudgetedOracle, top_auc
from sciReason.oracles.objective import CompositeObjective, Term
from sciReason.oracles.registry import (
    OracleInfo,
    get_oracle,
    list_oracles,
    register_oracle,
    register_prefix,
)
from sciReason.oracles.target import parse_target, parse_terms

__all__ = [
    "BudgetedOracle",
    "CompositeObjective",
    "Direction",
    "Domain",
    "Objective",
    "Oracle",
    "OracleInfo",
    "Scored",
    "Term",
    "get_oracle",
    "list_oracles",
    "parse_target",
    "parse_terms",
    "register_oracle",
    "register_prefix",
    "top_auc",
]
