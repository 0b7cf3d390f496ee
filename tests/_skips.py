"""Skips that say why, and a CI that does not tolerate unexpected ones.

* A test that needs an optional extra is marked ``@pytest.mark.extra("pyarrow")`` (several names allowed):
  it is skipped, with the install command as the reason, when a module is absent. The README's install
  (``pip install -e ".[dev]"``) therefore gives a passing run with stated skips.
* With ``CI=true`` (``.ci/run`` installs every extra) a skip fails the test unless its node id is listed in
  :data:`EXPECTED_SKIPS` with the reason it may skip even there. An xfail is not a skip.

The hooks are re-exported by ``tests/conftest.py``.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

#: Import name -> the command that installs it (the extra that carries it).
OPTIONAL_MODULES: dict[str, str] = {
    "pyarrow": "pip install -e '.[train]'",
    "tensorboard": "pip install -e '.[train]'",
    "vina": "pip install -e '.[docking]'",
    "meeko": "pip install -e '.[docking]'",
    "gemmi": "pip install -e '.[docking]'",
    "psycopg2": "pip install -e '.[postgres]'",
    "molscore": "pip install --no-deps molscore",
    "guacamol": "pip install --no-deps guacamol",
    "tqdm": "pip install tqdm",
    "holo": "pip install -e '.[holo]' && pip install --no-deps pytorch-holo==0.0.5",
}

#: Node ids (or prefixes ending in "::") allowed to skip under CI=true, each with the reason.
#: Empty on purpose: CI installs every extra and starts PostgreSQL, so every test runs there.
EXPECTED_SKIPS: dict[str, str] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_extras(names: tuple[str, ...]) -> list[str]:
    unknown = [n for n in names if n not in OPTIONAL_MODULES]
    if unknown:
        raise ValueError(
            f"@pytest.mark.extra({', '.join(unknown)}): add them to OPTIONAL_MODULES in tests/_skips.py"
        )
    return [n for n in names if importlib.util.find_spec(n) is None]


def skip_reason(names: list[str]) -> str:
    how = sorted({OPTIONAL_MODULES[n] for n in names})
    return f"optional extra absent: {', '.join(names)} (install with: {'; '.join(how)})"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "extra(*modules): needs optional modules; skipped with the install command when absent"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests whose extras are absent as skipped (reported at the test's own location)."""
    for item in items:
        absent = [m for mark in item.iter_markers("extra") for m in missing_extras(tuple(mark.args))]
        if absent:
            item.add_marker(pytest.mark.skip(reason=skip_reason(list(dict.fromkeys(absent)))))


def _expected(nodeid: str) -> bool:
    return any(nodeid == k or (k.endswith("::") and nodeid.startswith(k)) for k in EXPECTED_SKIPS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and in_ci()) or hasattr(report, "wasxfail") or _expected(item.nodeid):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = (
        f"unexpected skip under CI=true: {reason}\n"
        "CI installs every extra, so this test must run; if it may skip there, list it in "
        "EXPECTED_SKIPS (tests/_skips.py) with the reason."
    )
