from __future__ import annotations

import pytest

from sciReason.errors import ConfigError
from sciReason.training.config import PretrainConfig, RLConfig, load_stage_config


def test_toml_section_and_flag_override(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[sft]\nmodel = "m"\noutput_dir = "o"\nlr = 1e-4\ndata = [{ path = "d.jsonl" }]\n'
        '[rl]\nmodel = "m"\noutput_dir = "o"\nprompts = [{ path = "p.jsonl" }]\n'
    )
    cfg = load_stage_config("sft", path, lr=3e-4)
    assert cfg.lr == 3e-4 and cfg.data[0].path == "d.jsonl" and cfg.warmup_ratio == 0.05
    rl = load_stage_config("rl", path)
    assert rl.algorithm == "dapo" and rl.epsilon_high == 0.28 and rl.kl_beta == 0.0


def test_unknown_field_and_stage_are_named(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('model = "m"\noutput_dir = "o"\nsources = [{ path = "x" }]\nlearning_rate = 1\n')
    with pytest.raises(ConfigError, match="learning_rate"):
        load_stage_config("pretrain", path)
    with pytest.raises(ConfigError, match="unknown training stage"):
        load_stage_config("dpo", path)


def test_clip_higher_must_not_be_lower():
    with pytest.raises(ValueError, match="epsilon_high"):
        RLConfig(model="m", output_dir="o", prompts=[{"path": "p"}], epsilon_low=0.3, epsilon_high=0.2)
    assert PretrainConfig(model="m", output_dir="o", sources=[{"path": "x"}]).max_steps == 1000
