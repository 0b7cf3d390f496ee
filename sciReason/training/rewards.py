"""Rewards for RL and the cold-start verifier: softened to [0, 1], grouped as in the paper, routed per task.

Three groups (SciReasoner §3.2.2):

* **distance** (numeric prediction): ``exp(-|y - y_hat| / sigma_task)``, sigma = 0.1 x max(|y|, 1) by default;
* **matching** (formulas, labels, yes/no, SELFIES, sequences): exact match = 1, partial credit from
  element-count overlap or normalised edit similarity;
* **tool-verified** (molecules, checked with RDKit): canonical-SMILES equality with the reference = 1,
  else Tanimoto similarity scaled below 1; formula-conditioned generation = formula equality; reference-free
  generation = validity.

Reward functions read the decoded completion *with its tags intact* (decode with
``skip_special_tokens=False`` or with tags as ordinary tokens): stripping ``<SMILES>`` / ``<think>`` as
special tokens silently zeroes every reward (training.md §5.1). Catalog tasks are scored by the
evaluation package's per-item rewards (the same metric functions as ``sciReason eval``); only the offline
builder tasks and the formula-conditioned design constraint are scored here. A shaped reward adds a format term
(``<think>`` closed for thinking tasks, the answer parses) and subtracts a repetition / overlong guard.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sciReason.training.config import RewardConfig

__all__ = [
    "Reward",
    "completion_reward",
    "format_score",
    "is_correct",
    "reference_usable",
    "repetition_share",
    "shaped_reward",
    "task_reward",
    "reward_group",
]

_THINK = re.compile(r"<think>(.*?)</think>", re.S)


@dataclass(frozen=True)
class Reward:
    """One scored completion: ``total`` in [0, 1] and its parts (for logging).

    ``total`` and ``task`` are ``None`` when the record's reference answer cannot be read: the sample
    cannot be scored and must be skipped, never trained on as a reward of 0 (``skip`` is then True).
    """

    total: float | None
    task: float | None
    format: float
    penalty: float
    valid: bool

    @property
    def skip(self) -> bool:
        return self.total is None


def reward_group(spec: Any) -> str:
    """'distance', 'matching' or 'tool' for a task spec."""
    if spec.output_kind in ("number", "numbers"):
        return "distance"
    if spec.output_kind == "smiles":
        return "tool"
    return "matching"


def _edit_similarity(a: str, b: str) -> float:
    from sciReason.evaluation.metrics.chem import levenshtein_distance

    if not a and not b:
        return 1.0
    return 1.0 - levenshtein_distance(a, b) / max(len(a), len(b))


def _formula_score(pred: str, ref: str) -> float:
    from sciReason.representations import parse_formula

    p, r = parse_formula(str(pred)), parse_formula(str(ref))
    if not p or not r:
        return 0.0
    if p == r:
        return 1.0
    keys = set(p) | set(r)
    overlap = sum(min(p.get(k, 0), r.get(k, 0)) for k in keys) / sum(
        max(p.get(k, 0), r.get(k, 0)) for k in keys
    )
    return 0.8 * overlap  # partial credit stays below an exact match


def _tanimoto(a: str, b: str) -> float:
    from rdkit import DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    from sciReason.representations import mol_from_smiles

    ma, mb = mol_from_smiles(a), mol_from_smiles(b)
    if ma is None or mb is None:
        return 0.0
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    return float(DataStructs.TanimotoSimilarity(gen.GetFingerprint(ma), gen.GetFingerprint(mb)))


def _local_reference_usable(spec: Any, record: dict[str, Any]) -> bool:
    """Whether an offline task's (or the formula constraint's) record can be scored."""
    if record.get("formula") and spec.output_kind == "smiles":
        return True
    ref = record.get("reference")
    if reward_group(spec) == "tool" and (ref is None or spec.family == "generate"):
        return True  # reference-free generation
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return False
    if reward_group(spec) == "distance":
        try:
            return math.isfinite(float(ref))
        except (TypeError, ValueError):
            return False
    return True


def reference_usable(spec: Any, record: dict[str, Any]) -> bool:
    """Whether ``record["reference"]`` can score completions of ``spec`` (else the sample is skipped)."""
    from sciReason.training.builders import LOCAL_TASKS

    if spec.id in LOCAL_TASKS or (record.get("formula") and spec.output_kind == "smiles"):
        return _local_reference_usable(spec, record)
    from sciReason.evaluation.rewards import gold_usable

    return gold_usable(spec, record.get("reference"))


def task_reward(spec: Any, value: Any, record: dict[str, Any], sigma: float | None = None) -> float | None:
    """Softened task reward in [0, 1] of a parsed, valid answer for the offline tasks (LOCAL_TASKS) and the
    formula-conditioned design constraint; catalog tasks go through :func:`completion_reward`.
    ``None`` when the record's reference cannot be read (skip the sample)."""
    if not _local_reference_usable(spec, record):
        return None
    ref = record.get("reference")
    group = reward_group(spec)
    if record.get("formula") and spec.output_kind == "smiles":  # formula-conditioned design: tool-verified
        from sciReason.representations import molecular_formula

        got = molecular_formula(str(value))
        return 1.0 if got == record["formula"] else _formula_score(got or "", record["formula"])
    if group == "distance":
        try:
            err = abs(float(value if not isinstance(value, (list, tuple)) else value[0]) - float(ref))
        except (TypeError, ValueError):
            return 0.0
        scale = sigma if sigma is not None else 0.1 * max(1.0, abs(float(ref)))
        return math.exp(-err / scale)
    if group == "tool":
        from sciReason.representations import canonical_smiles

        if ref is None or spec.family == "generate":
            return 1.0  # reference-free generation: a valid molecule is the goal
        if canonical_smiles(str(value)) == canonical_smiles(str(ref)):
            return 1.0
        return 0.5 * _tanimoto(str(value), str(ref))
    if spec.output_kind == "formula":
        return _formula_score(value, ref)
    if isinstance(ref, bool) or spec.output_kind == "boolean":
        return 1.0 if bool(value) == bool(ref) else 0.0
    if spec.output_kind in ("protein", "dna", "rna") or spec.id == "smiles_to_selfies":
        a, b = str(value).strip(), str(ref).strip()
        return 1.0 if a == b else 0.8 * _edit_similarity(a, b)
    return 1.0 if str(value).strip().lower() == str(ref).strip().lower() else 0.0


def completion_reward(
    spec: Any,
    text: str,
    value: Any,
    record: dict[str, Any],
    sigma: float | None = None,
    finish_reason: str = "stop",
) -> float | None:
    """Task reward of one completion: catalog tasks use the evaluation metrics' own per-item rewards
    (:func:`sciReason.evaluation.rewards.reward`, one definition for eval and RL); offline-only tasks and the
    formula constraint use :func:`task_reward`. ``None`` means the reference cannot be read: skip the
    sample (a reward of 0 would teach the policy that a possibly right answer is wrong)."""
    from sciReason.training.builders import LOCAL_TASKS

    if spec.id in LOCAL_TASKS or (record.get("formula") and spec.output_kind == "smiles"):
        return task_reward(spec, value, record, sigma)
    from sciReason.evaluation.rewards import reward

    params = {"reward_scale": sigma} if sigma is not None else None
    got = reward(
        spec,
        text,
        record.get("reference"),
        input=record.get("input"),
        finish_reason=finish_reason,
        params=params,
    )
    return None if got is None else float(got)


def format_score(spec: Any, text: str, parsed_valid: bool, thinking: bool | None = None) -> float:
    """1 when the answer parses and, for thinking tasks, a non-empty closed ``<think>`` block precedes it."""
    want_think = spec.thinking if thinking is None else thinking
    score = 1.0 if parsed_valid else 0.0
    if want_think:
        m = _THINK.search(text)
        has = m is not None and bool(m.group(1).strip())
        score = 0.5 * score + 0.5 * float(has)
    return score


def repetition_share(text: str, n: int = 3) -> float:
    """Share of repeated word n-grams (0 = none): the degenerate-loop guard."""
    words = text.split()
    grams = [tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))]
    if len(grams) < 2:
        return 0.0
    return 1.0 - len(set(grams)) / len(grams)


def shaped_reward(
    spec: Any,
    text: str,
    record: dict[str, Any],
    cfg: RewardConfig | None = None,
    *,
    n_tokens: int | None = None,
    finish_reason: str = "stop",
    thinking: bool | None = None,
) -> Reward:
    """Task reward + format term - guards, clipped to [0, 1]. ``text`` must keep its tags.

    A record whose reference cannot be read gives ``Reward(total=None, task=None, ...)``: skip it."""
    from sciReason.parsing import parse_answer

    cfg = cfg or RewardConfig()
    parsed = parse_answer(spec, text, finish_reason=finish_reason).parsed
    valid = bool(parsed.valid) and len(parsed.answer or "") >= cfg.min_answer_chars
    fmt = format_score(spec, text, valid, thinking)
    if not reference_usable(spec, record):
        return Reward(total=None, task=None, format=fmt, penalty=0.0, valid=valid)
    sigma = cfg.distance_scale.get(spec.id)
    task = completion_reward(spec, text, parsed.value, record, sigma, finish_reason) if valid else 0.0
    if task is None:  # the reference became unreadable only for this answer's comparison
        return Reward(total=None, task=None, format=fmt, penalty=0.0, valid=valid)
    penalty = cfg.repetition_weight * repetition_share(text, cfg.repetition_ngram)
    if cfg.length_penalty_start is not None and n_tokens is not None and n_tokens > cfg.length_penalty_start:
        penalty += cfg.length_penalty_weight * min(
            1.0, (n_tokens - cfg.length_penalty_start) / cfg.length_penalty_start
        )
    total = (1 - cfg.format_weight) * task + cfg.format_weight * fmt - penalty
    return Reward(total=min(1.0, max(0.0, total)), task=task, format=fmt, penalty=penalty, valid=valid)


def is_correct(spec: Any, text: str, record: dict[str, Any], threshold: float = 0.999) -> bool:
    """The cold-start / pool-filter verdict: the task reward reaches ``threshold`` (exact for matching
    and tool-verified tasks; numeric tasks need ``exp(-err/sigma) >= 0.9``). A record whose reference
    cannot be read is never "correct" (callers should skip it: :func:`reference_usable`)."""
    from sciReason.parsing import parse_answer

    parsed = parse_answer(spec, text).parsed
    if not parsed.valid:
        return False
    limit = 0.9 if reward_group(spec) == "distance" else threshold
    got = completion_reward(spec, text, parsed.value, record)
    return got is not None and got >= limit


def batch_rewards(
    specs: Sequence[Any],
    texts: Sequence[str],
    records: Sequence[dict[str, Any]],
    cfg: RewardConfig | None = None,
) -> list[Reward]:
    return [shaped_reward(s, t, r, cfg) for s, t, r in zip(specs, texts, records, strict=False)]
