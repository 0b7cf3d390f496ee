"""Where oracles and objective prefixes are found by name.

Two kinds of plug-ins:

* **Terms** (``register_oracle``): a property with optional arguments, used inside a target string
  (``qed``, ``sim(CCO, fp=fcfp4)``, ``gravy``, ``dock(receptor=7l11)``). The factory takes the call's
  arguments and returns an :class:`~sciReason.oracles.base.Oracle`.
* **Prefixes** (``register_prefix``): a whole objective named by ``prefix:body``
  (``pmo:celecoxib_rediscovery``, ``ehrlich:L=32,c=4,k=4``, ``protein:gravy<0``). The factory gets
  the body text and returns an :class:`~sciReason.oracles.base.Objective`.

Built-in modules (RDKit chemistry, PMO, model-backed) register themselves when the registry is first
used; their heavy imports happen only when an oracle is built. Optional modules (protein, Ehrlich,
bioactivity, docking) sit in a lazy table: they are imported only when one of their names is asked for
or when everything is listed, and a module that fails to import is reported as unavailable instead of
breaking :func:`list_oracles`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sciReason.errors import MissingDependencyError, OracleError, UnknownTaskError

__all__ = [
    "OracleInfo",
    "PrefixFactory",
    "get_oracle",
    "get_prefix",
    "list_oracles",
    "register_oracle",
    "register_prefix",
]

logger = logging.getLogger(__name__)

OracleFactory = Callable[..., Any]
"""``factory(*args, **params) -> Oracle``; args/params come from ``name(arg, key=value)`` in a target."""

PrefixFactory = Callable[..., Any]
"""``factory(body: str, *, text: str, offset: int) -> Objective``.

``body`` is the text after ``prefix:``; ``text`` is the whole target string and ``offset`` the column
where ``body`` starts in it, so the factory can raise
``TargetSyntaxError(msg, text=text, position=offset + i, token=...)`` pointing at the bad token.
"""

Kind = Literal["term", "prefix"]


@dataclass(frozen=True)
class OracleInfo:
    """One registered (or known but unavailable) oracle or prefix, for listings."""

    name: str
    kind: Kind
    domain: str
    description: str
    signature: str = ""
    module: str = ""
    available: bool = True
    reason: str = ""


@dataclass(frozen=True)
class _Entry:
    info: OracleInfo
    factory: Callable[..., Any]


# Modules that register built-in names; imported (cheaply: no heavy imports at module level) on first use.
_BUILTIN_MODULES = ("sciReason.oracles.chem", "sciReason.oracles.pmo", "sciReason.oracles.model")

# Optional plug-ins: name -> (module, kind, domain, pip hint). Importing the module registers the name.
_LAZY: dict[str, tuple[str, Kind, str, str]] = {
    "protein": ("sciReason.oracles.protein", "prefix", "protein", "pip install biopython"),
    "ehrlich": ("sciReason.oracles.ehrlich", "prefix", "protein", "pip install numpy"),
    "drd2": ("sciReason.oracles.bioactivity", "term", "molecule", "pip install scikit-learn"),
    "gsk3b": ("sciReason.oracles.bioactivity", "term", "molecule", "pip install scikit-learn"),
    "jnk3": ("sciReason.oracles.bioactivity", "term", "molecule", "pip install scikit-learn"),
    "dock": ("sciReason.oracles.docking", "term", "molecule", "pip install 'scireason[docking]'"),
}

_TERMS: dict[str, _Entry] = {}
_PREFIXES: dict[str, _Entry] = {}
_FAILED: dict[str, str] = {}  # module -> why it did not import
_LOADED: set[str] = set()
_LOCK = threading.RLock()
_builtins_loaded = False


def _check_name(name: str) -> None:
    if not name or not (name[0].isalpha() and name.replace("_", "a").isalnum()) or name != name.lower():
        raise ValueError(
            f"oracle name {name!r} must be lower-case letters, digits and '_', starting with a letter"
        )


def register_oracle(
    name: str,
    factory: OracleFactory,
    *,
    description: str = "",
    domain: str = "molecule",
    signature: str = "",
    replace: bool = False,
) -> None:
    """Register a term factory under ``name`` (call at import time of your module).

    Args:
        name: lower-case identifier used in target strings.
        factory: ``factory(*args, **params) -> Oracle``. Raise ``TypeError``/``ValueError`` for bad
            arguments (the parser turns them into a ``TargetSyntaxError`` at the term) and
            :class:`~sciReason.errors.MissingDependencyError` when an optional package is missing.
        description: one line for ``sciReason oracles list``.
        domain: ``"molecule"`` or ``"protein"`` (what the candidates are).
        signature: how to call it, e.g. ``"sim(smiles, fp=ecfp4)"``.
        replace: allow overwriting an existing name (otherwise a duplicate is an error).
    """
    _register(_TERMS, "term", "oracle", name, factory, description, domain, signature or name, replace)


def register_prefix(
    prefix: str,
    factory: PrefixFactory,
    *,
    description: str = "",
    domain: str = "molecule",
    signature: str = "",
    replace: bool = False,
) -> None:
    """Register a whole-objective prefix (``prefix:body``); see :data:`PrefixFactory`."""
    _register(
        _PREFIXES,
        "prefix",
        "prefix",
        prefix,
        factory,
        description,
        domain,
        signature or f"{prefix}:...",
        replace,
    )


def _register(
    table: dict[str, Any],
    kind: str,
    noun: str,
    name: str,
    factory: Any,
    description: str,
    domain: str,
    signature: str,
    replace: bool,
) -> None:
    """One registration path for terms and prefixes: name check, duplicate check, entry."""
    _check_name(name)
    with _LOCK:
        if name in table and not replace and table[name].factory is not factory:
            raise OracleError(f"{noun} {name!r} is already registered; pass replace=True to override it")
        module = getattr(factory, "__module__", "") or ""
        table[name] = _Entry(OracleInfo(name, kind, domain, description, signature, module), factory)


def _import(module: str) -> bool:
    """Import a plug-in module once; remember why it failed instead of raising."""
    with _LOCK:
        if module in _LOADED:
            return True
        if module in _FAILED:
            return False
        try:
            importlib.import_module(module)
        except ImportError as exc:  # includes ModuleNotFoundError and MissingDependencyError
            _FAILED[module] = str(exc) or type(exc).__name__
            logger.debug("oracle module %s unavailable: %s", module, exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a broken plug-in must not break listing the others
            _FAILED[module] = f"{type(exc).__name__}: {exc}"
            logger.warning("oracle module %s failed to import: %s", module, exc, exc_info=True)
            return False
        _LOADED.add(module)
        return True


def _ensure_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    with _LOCK:
        if _builtins_loaded:
            return
        _builtins_loaded = True
        for module in _BUILTIN_MODULES:
            _import(module)


def _ensure_lazy(name: str) -> None:
    if name in _LAZY:
        _import(_LAZY[name][0])


def _unavailable(name: str, kind: str) -> MissingDependencyError | None:
    """The error for a lazy name whose module is missing or did not register it; None if not lazy."""
    if name not in _LAZY:
        return None
    module, _, _, pip = _LAZY[name]
    why = _FAILED.get(module, f"module {module} did not register {kind} {name!r}")
    return MissingDependencyError(
        f"oracle {name!r} is unavailable ({why}). Install its dependencies with: {pip}"
    )


def _all_names() -> list[str]:
    return sorted(set(_TERMS) | set(_PREFIXES) | set(_LAZY))


def get_oracle(name: str, *args: Any, **params: Any) -> Any:
    """Build the term oracle ``name`` with its arguments.

    Raises:
        UnknownTaskError: no oracle of that name (the message lists the known ones).
        MissingDependencyError: the oracle's optional module or package is not installed.
    """
    entry = _term_entry(name)
    return entry.factory(*args, **params)


def _term_entry(name: str) -> _Entry:
    _ensure_builtins()
    _ensure_lazy(name)
    with _LOCK:
        entry = _TERMS.get(name)
    if entry is not None:
        return entry
    err = _unavailable(name, "oracle")
    if err is not None:
        raise err
    # A plug-in may register extra names (e.g. protein terms): load all lazy modules once and retry.
    for module, *_ in set(_LAZY.values()):
        _import(module)
    with _LOCK:
        entry = _TERMS.get(name)
    if entry is None:
        known = ", ".join(sorted(_TERMS))
        raise UnknownTaskError(
            f"unknown oracle {name!r}; known oracles: {known} (see `sciReason oracles list`)"
        )
    return entry


def get_prefix(prefix: str) -> _Entry | None:
    """The registered prefix entry, loading its lazy module; ``None`` if ``prefix`` is not a prefix name.

    Raises:
        MissingDependencyError: a known lazy prefix whose module cannot be imported.
    """
    _ensure_builtins()
    _ensure_lazy(prefix)
    with _LOCK:
        entry = _PREFIXES.get(prefix)
    if entry is not None:
        return entry
    if prefix in _LAZY and _LAZY[prefix][1] == "prefix":
        module = _LAZY[prefix][0]
        if module in _FAILED:
            raise _unavailable(prefix, "prefix")  # type: ignore[misc]
    return None


def is_prefix_name(prefix: str) -> bool:
    """Whether ``prefix`` is registered or known-lazy as a prefix (does not import anything)."""
    _ensure_builtins()
    return prefix in _PREFIXES or (prefix in _LAZY and _LAZY[prefix][1] == "prefix")


def has_term(name: str) -> bool:
    """Whether a term oracle ``name`` is registered (loads built-ins and the lazy module it names)."""
    _ensure_builtins()
    _ensure_lazy(name)
    with _LOCK:
        return name in _TERMS


def term_domain(name: str) -> str:
    """Domain of a term oracle (loads its module)."""
    return _term_entry(name).info.domain


def list_oracles(domain: str | None = None, kind: Kind | None = None) -> list[OracleInfo]:
    """Every known term and prefix, including optional ones whose module is unavailable.

    Imports the optional modules (cheap: they keep heavy imports inside functions); a module that fails
    is listed with ``available=False`` and the reason, never raised.
    """
    _ensure_builtins()
    for module, *_ in set(_LAZY.values()):
        _import(module)
    with _LOCK:
        infos = [e.info for e in _TERMS.values()] + [e.info for e in _PREFIXES.values()]
        for name, (module, k, dom, pip) in _LAZY.items():
            present = name in (_PREFIXES if k == "prefix" else _TERMS)
            if not present and k == "prefix" and module in _LOADED:
                # The module loaded but kept the generic parser: ``prefix:`` + a term list over its domain.
                infos.append(
                    OracleInfo(name, k, dom, f"{dom} term list, e.g. {name}:gravy<0", f"{name}:TERMS", module)
                )
            elif not present:
                why = _FAILED.get(module, f"{module} did not register it")
                infos.append(OracleInfo(name, k, dom, "", name, module, False, f"{why}; {pip}"))
    out = [i for i in infos if (domain is None or i.domain == domain) and (kind is None or i.kind == kind)]
    return sorted(out, key=lambda i: (i.kind, i.name))
