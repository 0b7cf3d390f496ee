"""Evaluation: metric functions shared with the RL rewards, and ``sciReason eval``.

- :data:`METRICS` (``registry``): every metric name used by ``TaskSpec.metrics``, with its function,
  direction and whether it is computed like the SciReasoner reference evaluation.
- :func:`score_task` (``scoring``): parse raw completions with the task's rule and score them.
- :func:`run_eval` (``runner``): run a model on a JSONL task file (resumable) and write the report.
- :func:`reward`, :func:`rewards`, :func:`make_reward` (``rewards``): per-item [0, 1] RL rewards built
  on the same metric functions.
"""

from __future__ import annotations

from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricResult
from sciReason.evaluation.registry import METRICS, MetricSpec, compute, get_metric
from sciReason.evaluation.rewards import item_reward, make_reward, reward, reward_group, rewards
from sciReason.evaluation.runner import EvalConfig, run_eval
from sciReason.evaluation.scoring import TaskScore, parse_gold, score_task

__all__ = [
    "METRICS",
    "EvalConfig",
    "EvalItem",
    "MetricContext",
    "MetricResult",
    "MetricSpec",
    "TaskScore",
    "compute",
    "get_metric",
    "item_reward",
    "make_reward",
    "parse_gold",
    "reward",
    "reward_group",
    "rewards",
    "run_eval",
    "score_task",
]
