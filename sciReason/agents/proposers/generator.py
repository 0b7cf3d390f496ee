"""The learned-generator proposer: a SMILES prior that keeps learning from the campaign's scores.

``propose`` samples from the agent of a :class:`~sciReason.training.generator.GeneratorLearner`
(canonicalised, invalid and known molecules dropped: they are free under PMO counting and useless to
score). ``learn`` offers *every* newly scored record to the learner's replay buffer, whoever proposed it
(start molecules, graph-GA children, the generator's own samples: Genetic GFN's off-policy recipe), and
takes ``steps_per_call`` gradient steps per new oracle call (Genetic GFN: 8 steps of 64 per ~80 calls).
On resume the buffer is refilled from the stored records and the learner catches up on the steps it owes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Proposal, Record
from sciReason.errors import ConfigError
from sciReason.representations import canonical_smiles

__all__ = ["GeneratorProposer"]


class GeneratorProposer:
    """Samples molecules from an on-line-trained SMILES generator (see module docstring).

    Args:
        learner: a :class:`~sciReason.training.generator.GeneratorLearner`.
        steps_per_call: gradient steps owed per newly scored record.
        oversample: strings sampled per requested proposal (duplicates and invalid strings are dropped).
        max_catch_up: cap on the steps taken at once (resume after a long campaign).
    """

    name = "generator"

    def __init__(
        self,
        learner: Any,
        steps_per_call: float = 0.1,
        oversample: float = 1.5,
        max_catch_up: int = 200,
    ) -> None:
        self.learner = learner
        self.steps_per_call = steps_per_call
        self.oversample = oversample
        self.max_catch_up = max_catch_up
        self._owed = 0.0
        self.sampled = 0
        self.invalid = 0

    @classmethod
    def from_config(cls, config: Any, objective: Any) -> GeneratorProposer:
        if objective.domain != "molecule":
            raise ConfigError("the 'generator' proposer generates molecules; use it with a molecule target")
        from sciReason.training.generator import GeneratorLearner, LearnerConfig
        from sciReason.training.prior import load_prior

        prior = load_prior(
            None if config.generator_prior in (None, "", "embedded") else config.generator_prior
        )
        fields = set(LearnerConfig.__dataclass_fields__)
        unknown = sorted(set(config.generator) - fields)
        if unknown:
            raise ConfigError(
                f"unknown generator setting(s) {unknown}; choose from {sorted(fields)} "
                '(e.g. --set generator=\'{"loss": "dap"}\')'
            )
        learner = GeneratorLearner(prior, LearnerConfig(**config.generator), seed=config.seed)
        return cls(learner, steps_per_call=config.generator_steps_per_call)

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0:
            return []
        strings = self.learner.sample(max(1, int(round(n * self.oversample))), seed=rng.getrandbits(62))
        self.sampled += len(strings)
        out: list[Proposal] = []
        seen: set[str] = set()
        for s in strings:
            key = canonical_smiles(s) if s else None
            if key is None:
                self.invalid += 1
                continue
            if key in seen or key in view.known:
                continue
            seen.add(key)
            out.append(Proposal(key, self.name))
            if len(out) >= n:
                break
        return out

    def learn(self, records: Sequence[Record]) -> None:
        # "own" is the switch that measures Genetic GFN's GA-offspring replay (default "all")
        own = self.learner.config.replay == "own"
        for rec in records:
            if own and rec.proposer != self.name:
                continue
            self.learner.observe(rec.key, rec.value if rec.value is None else rec.score)
        self._owed += self.steps_per_call * len(records)
        steps = min(int(self._owed), self.max_catch_up)
        for _ in range(steps):
            self.learner.train_step()
        self._owed -= int(self._owed)

    def stats(self) -> dict[str, Any]:
        """What summary.json reports for this proposer beside the engine's counts."""
        return {
            "sampled": self.sampled,
            "invalid_share": self.invalid / self.sampled if self.sampled else 0.0,
            "train_steps": self.learner.steps,
            "replay_size": len(self.learner),
            "too_long": self.learner.too_long,
            "unwritable": self.learner.unwritable,
            "last_loss": self.learner.last_stats.get("loss"),
        }

    def resume(self, records: Sequence[Record]) -> None:
        """Rebuild the replay buffer from stored records and take the (capped) steps they are owed."""
        self.learn(records)
