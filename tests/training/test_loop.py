from __future__ import annotations

import json
import math
import shutil

import pytest

from sciReason.training.loop import cosine_schedule


def _weights(path):
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


def test_warmup_then_cosine_to_floor():
    f = cosine_schedule(100, 10, 0.1)
    assert f(0) == 0.1 and f(9) == 1.0
    assert math.isclose(f(100), 0.1) and f(20) > f(60) > f(99)


def test_exact_resume_and_loadable_checkpoints(tiny_dir, tmp_path):
    """An interrupted run resumed from its checkpoint ends with bit-identical weights (model, optimiser,
    scheduler, data position and RNG all restored)."""
    from transformers import AutoModelForCausalLM

    from sciReason.training import pretrain

    def cfg(out, resume=False):
        return {
            "model": str(tiny_dir),
            "output_dir": str(out),
            "max_steps": 4,
            "batch_size": 2,
            "seq_len": 32,
            "save_every": 2,
            "resume": resume,
            "num_threads": 1,
            "lr": 1e-2,
            "warmup_steps": 1,
            "sources": [{"path": "builtin:molecules", "options": {"max_molecules": 200}}],
            "logging": {"every": 1, "console": False},
        }

    full = pretrain(cfg(tmp_path / "a"))
    assert full.name == "final" and (tmp_path / "a" / "checkpoint-2" / "trainer").is_dir()
    shutil.copytree(tmp_path / "a" / "checkpoint-2", tmp_path / "b" / "checkpoint-2")
    resumed = pretrain(cfg(tmp_path / "b", resume=True))
    wa, wb = _weights(full), _weights(resumed)
    assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa)
    start = _weights(tiny_dir)
    assert any(not (start[k] == wa[k]).all() for k in wa)  # training did change the weights
    rows = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [3, 4] and all(math.isfinite(r["loss"]) for r in rows)
    AutoModelForCausalLM.from_pretrained(tmp_path / "a" / "checkpoint-2", local_files_only=True)


@pytest.mark.extra("tensorboard")
def test_tensorboard_events_match_the_jsonl_log(tiny_dir, tmp_path):
    """With ``logging.tensorboard`` the same scalars land in OUTPUT_DIR/tb, read back with TensorBoard's
    own event reader (tags ``STAGE/metric``, one event per logged step, values equal to the JSONL)."""

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from sciReason.training import pretrain

    out = tmp_path / "tb_run"
    pretrain(
        {
            "model": str(tiny_dir),
            "output_dir": str(out),
            "max_steps": 3,
            "batch_size": 2,
            "seq_len": 32,
            "num_threads": 1,
            "sources": [{"path": "builtin:molecules", "options": {"max_molecules": 100}}],
            "logging": {"every": 1, "console": False, "tensorboard": True},
        }
    )
    acc = EventAccumulator(str(out / "tb"))
    acc.Reload()
    assert {"pretrain/loss", "pretrain/lr", "pretrain/tokens_per_s"} <= set(acc.Tags()["scalars"])
    events = acc.Scalars("pretrain/loss")
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [e.step for e in events] == [r["step"] for r in rows] == [1, 2, 3]
    assert all(math.isclose(e.value, r["loss"], rel_tol=1e-5) for e, r in zip(events, rows, strict=True))
