"""The README's Python session runs as written, offline, on the embedded model, and prints what it shows.

The ``pycon`` block under "## Python" is run as a doctest in a fresh interpreter (no $SCIREASON_BACKEND,
so the embedded sciReason-tiny model on CPU), so a README that drifts from the code fails the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def python_session() -> tuple[str, int]:
    """The first ```pycon block after the "## Python" heading, and its line number in README.md."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Python\n")
    m = re.compile(r"```pycon\n(.*?)```", re.DOTALL).search(text, start)
    assert m is not None, "README.md has no ```pycon block under ## Python"
    return m.group(1), text.count("\n", 0, m.start(1)) + 1


def test_the_session_is_found_and_has_examples() -> None:
    block, line = python_session()
    assert block.startswith(">>> import sciReason") and block.count(">>> ") >= 10 and line > 1


@pytest.mark.slow
def test_readme_python_session_runs_as_shown(tmp_path: Path) -> None:
    block, line = python_session()
    script = tmp_path / "run_readme.py"
    script.write_text(
        "import doctest, sys\n"
        f"block = {block!r}\n"
        f"test = doctest.DocTestParser().get_doctest(block, {{}}, 'README.md', 'README.md', {line - 1})\n"
        "runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)\n"
        "runner.run(test)\n"
        "sys.exit(1 if runner.failures else 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SCIREASON_BACKEND"}
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
