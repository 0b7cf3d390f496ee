"""Validate task inputs and turn them into chat requests (pure functions; no model calls)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sciReason.errors import InputError, InvalidSequenceError
from sciReason.representations import require_sequence, require_smiles
from sciReason.tasks import TaskSpec
from sciReason.types import ChatRequest

_PAIR_KINDS = {
    "protein_pair": ("protein", "protein"),
    "dna_pair": ("dna", "dna"),
    "rna_pair": ("rna", "rna"),
    "rna_protein_pair": ("rna", "protein"),
}


def _text(item: Any, what: str) -> str:
    if not isinstance(item, str) or not item.strip():
        raise InputError(f"{what} must be a non-empty string, got {item!r}")
    return item.strip()


def _reaction(item: Any) -> str:
    text = _text(item, "a reaction / reactant SMILES")
    for part in text.replace(">>", ".").replace(">", ".").split("."):
        if part:
            require_smiles(part)
    return text


def validate_input(spec: TaskSpec, item: Any) -> Any:
    """Check one input for ``spec`` before any model call; return the normalised input.

    Raises:
        InvalidSequenceError: an unparsable SMILES or a sequence with foreign letters (names the value).
        InputError: wrong shape (missing pair fields, empty text).
    """
    kind = spec.input_kind
    if kind == "smiles":
        require_smiles(_text(item, "a SMILES string"))
        return item.strip()
    if kind == "reaction":
        return _reaction(item)
    if kind in ("protein", "dna", "rna"):
        return require_sequence(_text(item, f"a {kind} sequence"), kind, extended=spec.extended_alphabet)
    if kind in _PAIR_KINDS:
        if isinstance(item, Mapping):
            values = [item.get(f) for f in spec.input_fields]
        elif isinstance(item, tuple):
            values = list(item)
        else:
            raise InputError(
                f"task {spec.id!r} takes a pair: a tuple of 2 or a dict with keys {list(spec.input_fields)}, got {item!r}"
            )
        if len(values) != len(spec.input_fields) or any(v is None for v in values):
            raise InputError(f"task {spec.id!r} needs {list(spec.input_fields)}, got {item!r}")
        kinds = _PAIR_KINDS[kind]
        return tuple(
            require_sequence(_text(v, f"a {k} sequence"), k, extended=spec.extended_alphabet)
            for v, k in zip(values, kinds, strict=True)
        )
    if kind == "none":
        if item is None or (isinstance(item, str) and not item.strip()):
            return None
        return _text(item, "a generation condition")
    return _text(item, f"the input of task {spec.id!r}")


@dataclass(frozen=True)
class Sampling:
    """Per-call decoding overrides; ``None`` keeps the task's default."""

    n: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    num_beams: int | None = None
    seed: int | None = None
    thinking: bool | None = None
    model: str | None = None


THINKING_MIN_TOKENS = 4096


def build_request(spec: TaskSpec, item: Any, sampling: Sampling, attempt: int = 0) -> ChatRequest:
    """The chat request for one validated input. Later attempts (resampling an invalid answer) sample
    with a fresh seed, since repeating a greedy request would return the same answer."""
    dec = spec.decoding
    thinking = spec.thinking if sampling.thinking is None else sampling.thinking
    n = sampling.n if sampling.n is not None else dec.n
    if n < 1:
        raise InputError(f"n must be >= 1, got {n}")
    num_beams = (
        sampling.num_beams if sampling.num_beams is not None else (dec.num_beams if dec.mode == "beam" else 1)
    )
    temperature = sampling.temperature if sampling.temperature is not None else dec.temperature
    if temperature < 0:
        raise InputError(f"temperature must be >= 0, got {temperature}")
    if num_beams > 1:
        num_beams = max(num_beams, n)
    max_tokens = sampling.max_tokens or (
        max(dec.max_tokens, THINKING_MIN_TOKENS) if thinking else dec.max_tokens
    )
    seed = sampling.seed
    if attempt > 0:
        num_beams = 1
        temperature = max(temperature, 0.7)
        seed = None if seed is None else seed + attempt
    return ChatRequest(
        messages=tuple(spec.render(item)),
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=sampling.top_p if sampling.top_p is not None else dec.top_p,
        top_k=sampling.top_k if sampling.top_k is not None else dec.top_k,
        n=n,
        num_beams=num_beams,
        seed=seed,
        stop=spec.stop_strings,
        enable_thinking=thinking,
        model=sampling.model,
        metadata=(("task", spec.id),),
    )


__all__ = ["InvalidSequenceError", "Sampling", "build_request", "validate_input"]
