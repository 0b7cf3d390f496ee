"""On-line RL proposer: a local causal LM prior fine-tuned on the campaign's own scores.

The policy-gradient core is shared with training: :class:`sciReason.training.pg.ReinventLearner`
(REINVENT's augmented likelihood ``(log p_prior + sigma * score - log p_agent)^2`` with an
experience-replay buffer). Each round the proposer samples molecules from the agent; after scoring,
``learn`` performs one update on those samples (invalid samples count as score 0, which teaches
validity). As in Genetic GFN, high-scoring *genetic* offspring of the campaign are fed to the
generator too: they enter the learner's replay buffer (tokenised in the model's answer format), so
the agent also learns from what the graph GA found. Any local causal LM directory works as the prior
(``rl_prior = "path/to/model"``); ``rl_prior = "tiny"`` is the embedded sciReason-tiny model.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Proposal, Record
from sciReason.errors import ConfigError
from sciReason.representations import canonical_smiles

__all__ = ["RLProposer"]


class RLProposer:
    """Samples from a ReinventLearner's agent and updates it on the scores (see module docstring).

    Args:
        learner: a :class:`~sciReason.training.pg.ReinventLearner` (or anything with ``sample``,
            ``update``, ``replay``, ``replay_size`` and ``tok``).
        feed_offspring: how many of each round's best non-RL records enter the replay buffer.
    """

    name = "rl"

    def __init__(self, learner: Any, feed_offspring: int = 5) -> None:
        self.learner = learner
        self.feed_offspring = feed_offspring
        self._pending: dict[str, Any] = {}  # canonical SMILES -> Sample proposed this round
        self._invalid: list[Any] = []
        self.updates = 0
        self.fed = 0

    @classmethod
    def from_config(cls, config: Any, objective: Any) -> RLProposer:
        if objective.domain != "molecule":
            raise ConfigError("the 'rl' proposer generates molecules; use it with a molecule target")
        prior = config.rl_prior
        if not prior:
            raise ConfigError(
                "the 'rl' proposer needs a local causal LM prior: set rl_prior = 'tiny' or a model directory"
            )
        if prior == "tiny":
            from sciReason.backends.local import tiny_model_path

            prior = str(tiny_model_path())
        from sciReason.training.pg import ReinventLearner

        return cls(ReinventLearner(prior, None, seed=config.seed, temperature=config.model_temperature))

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0:
            return []
        samples = self.learner.sample(n)
        out: list[Proposal] = []
        for s in samples:
            key = canonical_smiles(s.smiles) if s.smiles else None
            if key is None:
                self._invalid.append(s)
                continue
            if key in view.known or key in self._pending:
                continue
            self._pending[key] = s
            out.append(Proposal(key, self.name))
        return out

    def _answer_ids(self, smiles: str) -> list[int]:
        tok = self.learner.tok
        ids = list(tok(f"<SMILES> {smiles} </SMILES>", add_special_tokens=False)["input_ids"])
        return ids + ([tok.eos_token_id] if tok.eos_token_id is not None else [])

    def learn(self, records: Sequence[Record]) -> None:
        samples, scores = [], []
        for rec in records:
            s = self._pending.pop(rec.key, None)
            if s is not None:
                samples.append(s)
                scores.append(rec.value)
        samples.extend(self._invalid)
        scores.extend([0.0] * len(self._invalid))
        self._invalid = []
        if self.feed_offspring:
            others = sorted(
                (r for r in records if r.proposer != self.name and r.value is not None),
                key=lambda r: -r.score,
            )
            for rec in others[: self.feed_offspring]:
                entry = (rec.score, rec.key, tuple(self._answer_ids(rec.key)))
                heapq.heappush(self.learner.replay, entry)
                if len(self.learner.replay) > self.learner.replay_size:
                    heapq.heappop(self.learner.replay)
                self.fed += 1
        if samples:
            self.learner.update(samples, scores)
            self.updates += 1
        # samples proposed but not scored this round (screened out, or claimed elsewhere) are dropped
        self._pending.clear()
