"""Typed results of the task functions (pydantic models, JSON-serialisable)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class UsageInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Candidate(BaseModel):
    """One completion of a request (n > 1 or beam search gives several, best first)."""

    model_config = ConfigDict(extra="forbid")

    value: Any = None
    answer: str = ""
    raw: str = ""
    reasoning: str | None = None
    valid: bool = False
    reason: str | None = None
    finish_reason: str | None = None
    truncated_in_reasoning: bool = False


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def distinct_values(candidates: list[Candidate]) -> list[Any]:
    """Values of the valid candidates without repeats (canonical SMILES, normalised sequences), in order."""
    seen: set[str] = set()
    out = []
    for c in candidates:
        if c.valid and _key(c.value) not in seen:
            seen.add(_key(c.value))
            out.append(c.value)
    return out


class TaskResult(BaseModel):
    """The result of one input.

    Attributes:
        task: the task id that produced it.
        family: translate / extract / predict / classify / generate.
        input: the input as given.
        value: the parsed, validated value of the best valid candidate (canonical SMILES, float, bool,
            label, list, dict) or ``None`` when no candidate is valid.
        unit: the value's unit for numeric tasks, when known.
        answer: the answer text the value was read from; ``raw`` is the full completion (tags intact).
        reasoning: the reasoning text (``<think>`` block or the server's reasoning field).
        valid / reason: whether a valid value was found, and why not.
        finish_reason: ``stop`` or ``length`` (of the chosen candidate); ``truncated_in_reasoning`` is True
            when the budget ran out while the model was still reasoning (never parsed as an answer).
        candidates: every completion, in the backend's order (beam rank / sample order).
        attempts: how many requests were made (``max_attempts`` resamples invalid outputs).
        requested: for ``generate(n=...)``, the number of distinct valid values asked for (``None`` otherwise).
        shortfall: for ``generate``, how many of ``requested`` are missing after resampling (0 = all there).
    """

    model_config = ConfigDict(extra="forbid")

    task: str
    family: str
    input: Any = None
    value: Any = None
    unit: str | None = None
    answer: str | None = None
    raw: str | None = None
    reasoning: str | None = None
    valid: bool = False
    reason: str | None = None
    finish_reason: str | None = None
    truncated_in_reasoning: bool = False
    usage: UsageInfo = Field(default_factory=UsageInfo)
    candidates: list[Candidate] = Field(default_factory=list)
    attempts: int = 1
    model: str | None = None
    requested: int | None = None
    shortfall: int = 0

    @property
    def values(self) -> list[Any]:
        """Values of the valid candidates, in order. For ``generate(n=...)`` (``requested`` set): the distinct
        ones, at most ``requested`` (e.g. the molecules; ``shortfall`` says how many are missing)."""
        if self.requested is None:
            return [c.value for c in self.candidates if c.valid]
        return distinct_values(self.candidates)[: self.requested]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
