"""Proposers: graph GA and the learned generator (molecules), point mutation and recombination (sequences),
the model, RL of a causal LM."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sciReason.agents.proposers.base import CampaignView, Proposer

__all__ = ["CampaignView", "Proposer", "build_proposers"]


def build_proposers(config: Any, objective: Any, weights: Mapping[str, float]) -> dict[str, Proposer]:
    """Instantiate the proposers named in ``weights`` from the config."""
    out: dict[str, Proposer] = {}
    for name in weights:
        if name == "graph_ga":
            from sciReason.agents.proposers.graph_ga import GraphGAProposer

            out[name] = GraphGAProposer(
                config.mutation_rate, config.crossover_mutation_rate, config.parent_selection
            )
        elif name == "point_mutation":
            from sciReason.agents.proposers.protein import PointMutationProposer

            out[name] = PointMutationProposer(repair=getattr(config, "sequence_repair", 0.5))
        elif name == "recombination":
            from sciReason.agents.proposers.protein import RecombinationProposer

            out[name] = RecombinationProposer(getattr(config, "crossover_partners", 4))
        elif name == "block":
            from sciReason.agents.proposers.protein import BlockProposer

            out[name] = BlockProposer(repair=getattr(config, "sequence_repair", 0.5))
        elif name == "scan":
            from sciReason.agents.proposers.scan import ScanProposer

            out[name] = ScanProposer()
        elif name == "model":
            from sciReason.agents.proposers.model import ModelProposer
            from sciReason.client import Client

            out[name] = ModelProposer(Client(backend=config.backend))
        elif name == "generator":
            from sciReason.agents.proposers.generator import GeneratorProposer

            out[name] = GeneratorProposer.from_config(config, objective)
        elif name == "rl":
            from sciReason.agents.proposers.rl import RLProposer

            out[name] = RLProposer.from_config(config, objective)
    return out
