"""The package's import rules (CONTRIBUTING.md, layout): ``sciReason.testing`` and ``sciReason.cli`` are
leaves that nothing else in the library imports, and oracles/metrics never reach up into the layers that
use them. Checked on the source (AST), so a lazy import inside a function counts as much as a top-level one."""

from __future__ import annotations

import ast
from pathlib import Path

import sciReason

ROOT = Path(sciReason.__file__).parent

# (importing subpackage, forbidden target): data flows cli -> facade/agents/training -> client -> backends
# -> core; oracles and metrics are leaves.
RULES = (
    ("*", "sciReason.testing"),
    ("*", "sciReason.cli"),
    ("backends", "sciReason.training"),
    ("backends", "sciReason.agents"),
    ("oracles", "sciReason.agents"),
    ("oracles", "sciReason.training"),
    ("evaluation", "sciReason.agents"),
    ("evaluation", "sciReason.training"),
)
# ``python -m sciReason`` is the command line's entry point, so it may import it.
ENTRY_POINTS = {Path("__main__.py")}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def _violations() -> list[str]:
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel in ENTRY_POINTS:
            continue
        sub = rel.parts[0] if len(rel.parts) > 1 else ""
        for lineno, name in _imports(path):
            for where, target in RULES:
                if where not in ("*", sub) or sub == target.rsplit(".", 1)[1]:
                    continue
                if name == target or name.startswith(target + "."):
                    bad.append(f"sciReason/{rel}:{lineno} imports {name}")
    return bad


def test_library_respects_the_import_rules() -> None:
    assert _violations() == []


def test_the_rule_checker_sees_lazy_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from sciReason.testing.tiny import build_tiny_model\n    import sciReason.cli\n"
    )
    assert [name for _, name in _imports(probe)] == [
        "sciReason.testing.tiny",
        "sciReason.testing.tiny.build_tiny_model",
        "sciReason.cli",
    ]
