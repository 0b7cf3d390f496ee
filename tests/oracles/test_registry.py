"""The oracle registry: built-ins, lazy optional modules, tolerant listing, MissingDependencyError."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from sciReason.errors import MissingDependencyError, OracleError, TargetSyntaxError, UnknownTaskError
from sciReason.oracles import get_oracle, list_oracles, parse_target, register_oracle, registry
from sciReason.oracles.chem import MolOracle


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on sys.path for throw-away plug-in modules; registry state restored afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_LAZY", dict(registry._LAZY))
    monkeypatch.setattr(registry, "_TERMS", dict(registry._TERMS))
    monkeypatch.setattr(registry, "_PREFIXES", dict(registry._PREFIXES))
    monkeypatch.setattr(registry, "_FAILED", dict(registry._FAILED))
    monkeypatch.setattr(registry, "_LOADED", set(registry._LOADED))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("scireason_test_plugin")]:
        del sys.modules[name]


def test_builtins_listed() -> None:
    names = {i.name for i in list_oracles()}
    assert {"qed", "sa", "logp", "sim", "smarts", "pmo", "celecoxib_rediscovery"} <= names
    assert {"drd2", "gsk3b", "jnk3", "dock", "protein", "ehrlich"} <= names  # lazy ones always listed
    assert all(i.domain == "molecule" for i in list_oracles(domain="molecule"))
    assert {i.kind for i in list_oracles(kind="prefix")} == {"prefix"}


def test_unknown_oracle() -> None:
    with pytest.raises(UnknownTaskError, match="known oracles"):
        get_oracle("no_such_property")


def test_duplicate_registration_needs_replace(plugin_dir: Path) -> None:
    def factory() -> MolOracle:
        return MolOracle("qed2", lambda m: 0.5)

    register_oracle("mine", factory)
    register_oracle("mine", factory)  # same factory again is fine (module re-import)
    with pytest.raises(OracleError, match="already registered"):
        register_oracle("mine", lambda: factory())
    register_oracle("mine", lambda: factory(), replace=True)
    with pytest.raises(ValueError):
        register_oracle("Bad Name", factory)


def test_lazy_module_missing_is_tolerated(plugin_dir: Path) -> None:
    registry._LAZY["ghost"] = ("scireason_test_plugin_missing", "term", "molecule", "pip install ghost-pkg")
    infos = {i.name: i for i in list_oracles()}
    assert infos["ghost"].available is False and "pip install ghost-pkg" in infos["ghost"].reason
    assert infos["qed"].available
    with pytest.raises(MissingDependencyError, match="pip install ghost-pkg"):
        get_oracle("ghost")
    with pytest.raises(MissingDependencyError):
        parse_target("ghost>0.5")


def test_lazy_module_raising_missing_dependency(plugin_dir: Path) -> None:
    (plugin_dir / "scireason_test_plugin_dep.py").write_text(
        textwrap.dedent(
            """
            from sciReason.errors import missing
            raise missing("unobtainium", "pip install unobtainium", "the spectre oracle")
            """
        )
    )
    registry._LAZY["spectre"] = ("scireason_test_plugin_dep", "term", "molecule", "pip install unobtainium")
    assert not next(i for i in list_oracles() if i.name == "spectre").available
    with pytest.raises(MissingDependencyError, match="unobtainium"):
        get_oracle("spectre")


def test_lazy_module_registers_on_first_use(plugin_dir: Path) -> None:
    (plugin_dir / "scireason_test_plugin_ok.py").write_text(
        textwrap.dedent(
            """
            from sciReason.oracles.chem import MolOracle
            from sciReason.oracles.registry import register_oracle

            def heavy(scale=1.0):
                return MolOracle("heavy", lambda m: m.GetNumHeavyAtoms() * float(scale), scale=1.0)

            register_oracle("heavy", heavy, description="heavy atoms", signature="heavy(scale=1.0)")
            """
        )
    )
    registry._LAZY["heavy"] = ("scireason_test_plugin_ok", "term", "molecule", "pip install nothing")
    assert "scireason_test_plugin_ok" not in sys.modules
    obj = parse_target("heavy(scale=2)>4")
    assert obj.score(["CCO"])[0].terms["heavy(scale=2)"] == 6.0
    with pytest.raises(TargetSyntaxError, match="bad arguments"):
        parse_target("heavy(nope=1)>4")


def test_plugin_prefix_gets_offset_for_errors(plugin_dir: Path) -> None:
    def factory(body: str, *, text: str, offset: int):  # noqa: ANN202
        raise TargetSyntaxError("bad body", text=text, position=offset + body.index("x"), token="x")

    registry.register_prefix("weird", factory)
    with pytest.raises(TargetSyntaxError) as info:
        parse_target("weird:abcx")
    assert info.value.position == len("weird:abc")


def test_broken_plugin_does_not_break_listing(plugin_dir: Path) -> None:
    (plugin_dir / "scireason_test_plugin_broken.py").write_text("raise RuntimeError('bug in plug-in')\n")
    registry._LAZY["broken"] = ("scireason_test_plugin_broken", "term", "molecule", "pip install broken")
    info = next(i for i in list_oracles() if i.name == "broken")
    assert not info.available and "bug in plug-in" in info.reason
    with pytest.raises(MissingDependencyError, match="bug in plug-in"):
        get_oracle("broken")
