"""Stage 3, annealed cold start (ACS): correct-only chain-of-thought for thinking tasks, then a short SFT.

Harvesting follows SciReasoner §3.2.1 per thinking task: grade a first draw of ``initial_draw`` prompts,
keep the traces whose final answer the task's verifier accepts, and while fewer than ``target_per_task``
are kept draw ``ceil((T - S) / max(p_hat, min_solve_rate))`` more, up to ``prompt_budget`` graded prompts.
The teacher is any sciReason backend (local weights or a remote server, sampled with thinking on) or
``rules`` (rule-based RDKit/biopython rationales; ``rules:0.1`` corrupts 10% of answers, like a fallible
teacher). Thinking tasks then have their SFT data *replaced* by the traces, instant tasks keep theirs, and
the model is trained with a reduced learning rate and a short schedule.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sciReason.errors import ConfigError
from sciReason.training.builders import rule_trace, task_spec
from sciReason.training.config import ColdStartConfig
from sciReason.training.data import iter_records, record_messages
from sciReason.training.loop import dist_state
from sciReason.training.rewards import is_correct
from sciReason.training.stage_pretrain import coerce_config
from sciReason.training.stage_sft import run_sft, sft_records

logger = logging.getLogger(__name__)

__all__ = ["coldstart", "harvest", "thinking_task_ids"]


def thinking_task_ids(cfg: ColdStartConfig, tasks: Sequence[str]) -> set[str]:
    if cfg.thinking_tasks is not None:
        return set(cfg.thinking_tasks)
    return {t for t in tasks if task_spec(t).thinking}


class _Teacher:
    """Generates one rationale+answer per record: rules, or a backend sampled with thinking on."""

    def __init__(self, spec: str, cfg: ColdStartConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.backend = None
        self.corrupt = 0.0
        if spec == "rules" or spec.startswith("rules:"):
            self.corrupt = float(spec.split(":", 1)[1]) if ":" in spec else 0.0
        else:
            from sciReason.backends import get_backend

            self.backend = get_backend(spec)

    def __call__(self, records: Sequence[dict[str, Any]]) -> list[str | None]:
        if self.backend is None:
            return [rule_trace(r, self.rng, self.corrupt) for r in records]
        from sciReason.types import ChatRequest, Message

        requests = []
        for rec in records:
            msgs = record_messages(rec)[:-1] if "output" in rec or "messages" in rec else []
            requests.append(
                ChatRequest(
                    messages=tuple(Message(m["role"], m["content"]) for m in msgs),
                    max_tokens=self.cfg.teacher_max_tokens,
                    temperature=self.cfg.teacher_temperature,
                    seed=self.rng.randrange(2**31),
                    enable_thinking=True,
                )
            )
        out: list[str | None] = []
        for res in self.backend.complete(requests):
            choices = getattr(res, "choices", None)
            if not choices:
                out.append(None)
                continue
            c = choices[0]
            text = c.text if c.reasoning is None else f"<think>\n{c.reasoning}\n</think>\n\n{c.text}"
            out.append(text)
        return out


def harvest(cfg: ColdStartConfig, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Correct-only CoT records for the thinking tasks among ``records`` (adaptive budget per task)."""
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        by_task[str(rec.get("task"))].append(rec)
    teacher = _Teacher(cfg.teacher, cfg)
    kept: list[dict[str, Any]] = []
    for task in sorted(thinking_task_ids(cfg, list(by_task))):
        pool = list(by_task.get(task, []))
        random.Random(f"{cfg.seed}:{task}").shuffle(pool)
        spec = task_spec(task)
        target, budget = cfg.target_per_task, min(cfg.prompt_budget, len(pool))
        graded, good, draw = 0, 0, min(cfg.initial_draw, budget)
        while good < target and graded < budget and draw > 0:
            batch = pool[graded : graded + draw]
            for rec, text in zip(batch, teacher(batch), strict=False):
                if text and good < target and is_correct(spec, text, rec):
                    good += 1
                    kept.append(
                        {
                            "task": task,
                            "input": rec.get("input"),
                            "output": text.strip(),
                            "thinking": True,
                            "reference": rec.get("reference"),
                        }
                    )
            graded += len(batch)
            p_hat = good / graded
            draw = min(budget - graded, math.ceil((target - good) / max(p_hat, cfg.min_solve_rate)))
        logger.info("cold start %s: %d correct of %d graded (cap %d)", task, good, graded, target)
    return kept


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def coldstart(config: ColdStartConfig | dict[str, Any] | str | Path) -> Path:
    """Harvest (or load) verified traces, replace the thinking tasks' SFT data, train briefly.

    Returns the final model directory, or the traces file when ``harvest_only`` is set.
    """
    cfg: ColdStartConfig = coerce_config(config, ColdStartConfig)
    records = sft_records(cfg)
    tasks = sorted({str(r.get("task")) for r in records})
    given = bool(cfg.traces_file) and Path(cfg.traces_file).expanduser().is_file()
    out = (Path(cfg.traces_file) if cfg.traces_file else cfg.out / "traces.jsonl").expanduser()
    state = dist_state()
    # Under ``accelerate launch`` only the main process asks the teacher; the others wait and read
    # the traces it wrote (the teacher may be a paid endpoint: never query it once per process).
    with state.main_process_first():
        if given or not state.is_main_process:
            traces = list(iter_records(str(out)))
        else:
            traces = harvest(cfg, records)
            _write_jsonl(out, traces)
    if cfg.harvest_only and not given:
        return out
    if not traces:
        raise ConfigError("cold start kept no verified trace: check the teacher and the thinking tasks")
    thinking = thinking_task_ids(cfg, tasks) | {str(t["task"]) for t in traces}
    mixed = [r for r in records if str(r.get("task")) not in thinking] + traces
    random.Random(cfg.seed).shuffle(mixed)
    logger.info(
        "cold start: %d traces for %s, %d instant records kept",
        len(traces),
        sorted(thinking),
        len(mixed) - len(traces),
    )
    return run_sft(cfg, mixed, "coldstart")
