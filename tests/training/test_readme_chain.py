"""The README's training block, top to bottom, with the shipped configs as written (only the step budget
is cut to 2): pretrain -> sft -> coldstart -> rl, each stage starting from the previous stage's output.

About 3 minutes on one loaded CPU core; the configs' own data building (offline, builtin:) is most of it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sciReason.cli import app

CONFIGS = Path(__file__).parents[2] / "configs"
README = Path(__file__).parents[2] / "README.md"

pytestmark = pytest.mark.slow


def _readme_stages() -> list[str]:
    """The `sciReason train STAGE --config configs/STAGE.toml` lines of the README, in order."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("\n## Training\n") :]
    return re.findall(r"^sciReason train (\w+)\s+--config configs/\1\.toml\s*$", block, re.MULTILINE)


def test_readme_training_block_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stages = _readme_stages()
    assert stages == ["pretrain", "sft", "coldstart", "rl"]
    shutil.copytree(CONFIGS, tmp_path / "configs")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for stage in stages:
        res = runner.invoke(app, ["train", stage, "--config", f"configs/{stage}.toml", "--max-steps", "2"])
        assert res.exit_code == 0, f"{stage}: {res.output[-3000:]}"
        final = tmp_path / "runs" / "example" / stage / "final"
        assert f"{stage} done: runs/example/{stage}/final" in res.stdout
        assert (final / "config.json").is_file() and any(final.glob("*.safetensors"))
