"""Under CI=true an unexpected skip fails the run; without it, a missing extra is a skip with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

SAMPLE = """
import pytest

def test_runs():
    assert True

def test_skips_for_no_good_reason():
    pytest.skip("flaky, look later")

@pytest.mark.extra("surely_absent_module_xyz")
def test_needs_an_extra():
    pass

@pytest.mark.xfail(reason="known bug", strict=True)
def test_known_bug():
    assert False
"""


def _run(tmp_path: Path, ci: str | None, expected: str = "{}") -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import _skips
        _skips.EXPECTED_SKIPS = {expected}
        _skips.OPTIONAL_MODULES["surely_absent_module_xyz"] = "pip install xyz"
        from _skips import pytest_collection_modifyitems, pytest_configure, pytest_runtest_makereport
        """)
    )
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_outside_ci_skips_are_reported_with_their_reason(tmp_path: Path) -> None:
    out = _run(tmp_path, ci=None)
    assert out.returncode == 0, out.stdout
    assert "flaky, look later" in out.stdout
    assert "optional extra absent: surely_absent_module_xyz (install with: pip install xyz)" in out.stdout


def test_under_ci_an_unexpected_skip_fails(tmp_path: Path) -> None:
    out = _run(tmp_path, ci="true")
    assert out.returncode == 1, out.stdout
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in out.stdout  # a skip at setup reads as an error
    assert "unexpected skip under CI=true: flaky, look later" in out.stdout
    assert "unexpected skip under CI=true: optional extra absent: surely_absent_module_xyz" in out.stdout
    assert "1 xfailed" in out.stdout  # an xfail is not a skip


def test_under_ci_a_listed_skip_is_allowed(tmp_path: Path) -> None:
    listed = "{'test_sample.py::test_skips_for_no_good_reason': 'documented', 'test_sample.py::test_needs_an_extra': 'x'}"
    out = _run(tmp_path, ci="true", expected=listed)
    assert out.returncode == 0, out.stdout


def test_missing_extra_names_the_install_command() -> None:
    import _skips

    reason = _skips.skip_reason(["pyarrow"])
    assert reason == "optional extra absent: pyarrow (install with: pip install -e '.[train]')"
    with pytest.raises(ValueError, match="OPTIONAL_MODULES"):
        _skips.missing_extras(("not_a_registered_module",))


def test_ci_sets_ci_true() -> None:
    """.ci/run runs the README's test command with CI=true, so the hook above is active there."""
    script = (TESTS.parent / ".ci" / "run").read_text()
    assert "export CI=true" in script
    assert script.index("export CI=true") < script.index("python -m pytest -q")
