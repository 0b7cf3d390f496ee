"""On-line tuning of the proposal knobs with an Optuna sampler.

Each round is one trial of a small "knobs" study (TPE by default, seeded): the sampler suggests the
proposer mix, the mutation rate, the screen's exploration weight and the parent-selection rule; the
round's reward is the fraction of its scored candidates that beat the population's threshold (the
score they needed to enter the population). TPE then shifts the knobs toward what has been producing
improvements in *this* campaign. With ``knobs='fixed'`` the configured values are used every round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sciReason.agents.config import DesignConfig

__all__ = ["KnobTuner"]


class KnobTuner:
    """Ask for knobs, tell the round's reward (see module docstring)."""

    def __init__(
        self,
        config: DesignConfig,
        proposer_weights: Mapping[str, float],
        storage: Any = None,
        study_name: str | None = None,
    ) -> None:
        self.config = config
        self.weights = dict(proposer_weights)
        self.fixed = {
            "mutation_rate": config.mutation_rate,
            "crossover_mutation_rate": config.crossover_mutation_rate,
            "parent_selection": config.parent_selection,
            "ucb_beta": config.ucb_beta,
            "temperature": config.model_temperature,
            "weights": dict(self.weights),
        }
        self._study: Any = None
        self._trial: Any = None
        if config.knobs == "tpe":
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)
            sampler = optuna.samplers.TPESampler(seed=config.seed, n_startup_trials=10, multivariate=True)
            self._study = optuna.create_study(
                study_name=study_name,
                storage=storage,
                sampler=sampler,
                direction="maximize",
                load_if_exists=True,
            )

    def ask(self) -> dict[str, Any]:
        """This round's knobs."""
        if self._study is None:
            return dict(self.fixed)
        t = self._study.ask()
        self._trial = t
        knobs = dict(self.fixed)
        knobs["mutation_rate"] = t.suggest_float("mutation_rate", 0.0, 0.6)
        knobs["parent_selection"] = t.suggest_categorical("parent_selection", ["quantile", "rank", "uniform"])
        knobs["ucb_beta"] = t.suggest_float("ucb_beta", 0.0, 2.0)
        knobs["temperature"] = t.suggest_float("temperature", 0.5, 1.5)
        if len(self.weights) > 1:
            raw = {name: t.suggest_float(f"w_{name}", 0.05, 1.0) for name in sorted(self.weights)}
            total = sum(raw.values())
            knobs["weights"] = {k: v / total for k, v in raw.items()}
        return knobs

    def tell(self, scores: Sequence[float], threshold: float) -> None:
        """Reward = fraction of the round's scores above the population threshold."""
        if self._study is None or self._trial is None:
            return
        reward = sum(1 for s in scores if s > threshold) / len(scores) if scores else 0.0
        self._study.tell(self._trial, reward)
        self._trial = None
