from __future__ import annotations

from typer.testing import CliRunner

from sciReason.cli import app


def test_train_commands_listed_and_bad_config_is_one_line(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["train", "--help"])
    assert res.exit_code == 0 and all(s in res.output for s in ("pretrain", "sft", "coldstart", "rl"))
    cfg = tmp_path / "sft.toml"
    cfg.write_text('[sft]\nmodel = "m"\noutput_dir = "o"\ndata = []\n')
    res = runner.invoke(app, ["train", "sft", "--config", str(cfg)])
    assert res.exit_code == 1 and "data" in res.output and "Traceback" not in res.output


def test_cli_flags_override_the_file(tmp_path):
    from sciReason.configfile import resolve_config
    from sciReason.training.config import RLConfig

    cfg = tmp_path / "rl.toml"
    cfg.write_text('[rl]\nmodel = "m"\noutput_dir = "o"\nprompts = [{ path = "p.jsonl" }]\nlr = 1e-5\n')
    got = resolve_config(RLConfig, cfg, {"lr": 2e-5, "max_steps": None}, section="rl")
    assert got.lr == 2e-5 and got.max_steps == 100
