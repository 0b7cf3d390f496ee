"""RL batches skip prompt groups whose reference cannot be read (reward None), instead of training on a
reward of 0; the held-out mean and the pool filter leave them out. Only the model parts are replaced
(sampling and log-probs need a model); the batch assembly logic runs for real."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sciReason.errors import ConfigError
from sciReason.training.config import RLConfig
from sciReason.training.stage_rl import RolloutSource, _score

GOOD = {"task": "smol_property_prediction-esol", "input": "CCO", "reference": "-0.5"}
BAD = {"task": "smol_property_prediction-esol", "input": "CCN", "reference": "not measured"}


def _cfg(**kw) -> RLConfig:  # noqa: ANN003
    base = {
        "model": "m",
        "output_dir": "o",
        "prompts": [{"path": "p"}],
        "group_size": 2,
        "prompts_per_step": 2,
    }
    return RLConfig(**{**base, **kw})


def _roll(texts: list[str]) -> SimpleNamespace:
    return SimpleNamespace(texts=texts, n_tokens=[5] * len(texts), finish_reasons=["stop"] * len(texts))


def test_score_gives_none_for_an_unreadable_reference():
    texts = ["<NUMBER> -0.5 </NUMBER>", "<NUMBER> 3 </NUMBER>"]
    out = _score(_cfg(), [GOOD, BAD], texts, _roll(texts))
    assert out[0] is not None and out[0] > 0.5 and out[1] is None


def _source(records: list[dict], **kw) -> tuple[RolloutSource, list]:  # noqa: ANN003
    src = RolloutSource(_cfg(**kw), records, tokenizer=None)
    kept_batches: list = []

    def rollout(recs):  # noqa: ANN001, ANN202
        texts = [t for _ in recs for t in ("<NUMBER> -0.5 </NUMBER>", "<NUMBER> 4 </NUMBER>")]
        return _roll(texts), _score(src.cfg, [r for r in recs for _ in range(2)], texts, _roll(texts))

    def collate(kept):  # noqa: ANN001, ANN202
        import torch

        kept_batches.append(kept)
        return {"_rewards": torch.tensor([x for _, _, rs in kept for x in rs])}

    src._rollout = rollout  # type: ignore[method-assign]
    src._collate = collate  # type: ignore[method-assign]
    return src, kept_batches


@pytest.mark.parametrize("algorithm", ["dapo", "grpo"])
def test_groups_with_an_unreadable_reference_are_skipped(algorithm):
    src, kept = _source([BAD, GOOD, BAD, GOOD, GOOD], algorithm=algorithm)
    src.order = [0, 1, 2, 3, 4]  # draw in file order: BAD, GOOD, then replacements BAD, GOOD
    batch = next(src)
    groups = kept[0]
    assert len(groups) == 2  # filled with readable prompts only
    assert all(None not in rs and len(rs) == 2 for _, _, rs in groups)
    assert batch["skipped_groups"] == 2


def test_only_unreadable_references_is_a_clear_error():
    src, _ = _source([BAD, BAD])
    with pytest.raises(ConfigError, match="readable 'reference'"):
        next(src)
