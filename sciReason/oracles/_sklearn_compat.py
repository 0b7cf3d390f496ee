"""Load old scikit-learn pickles (0.21-0.23 era) with a current scikit-learn, without pinning it.

The PMO bioactivity models (TDC's ``drd2``/``gsk3b``/``jnk3``, shipped in the ``molscore`` wheel) were
pickled with scikit-learn 0.21 and 0.23. A current scikit-learn loads the SVC with only a version
warning, but the random forests need four repairs, each of which this module makes explicitly:

1. **Module paths**: 0.21 pickles name private modules that were renamed in 0.22
   (``sklearn.ensemble.forest`` -> ``sklearn.ensemble._forest``, ...): mapped in ``find_class``.
2. **Tree node arrays**: scikit-learn 1.3 added the ``missing_go_to_left`` field to the node record,
   and ``Tree.__setstate__`` rejects the old dtype. The old array is copied field by field into the
   new dtype with ``missing_go_to_left = 0`` (the models never saw missing values, so the field is
   never read).
3. **Leaf values**: before scikit-learn 1.4 a classification tree stored weighted class *counts* per
   node and ``predict_proba`` normalised them; since 1.4 it stores *fractions* and does not normalise.
   Left as counts, the forests return "probabilities" above 1 (up to ~10 for GSK3B). Node values of
   upgraded classification trees are therefore divided by their row sums, which reproduces the old
   ``predict_proba`` exactly.
4. **Renamed / added attributes**: ``base_estimator``/``base_estimator_`` became
   ``estimator``/``estimator_`` (1.2), ``n_features_`` became ``n_features_in_``, and parameters added
   later (e.g. ``monotonic_cst`` on trees) are set to their constructor defaults.

The unpickler only resolves NumPy array machinery and scikit-learn estimator classes: a pickle that
names any other global is refused (loading a pickle runs code, so the allow-list keeps a tampered file
from importing ``os``). Tested in ``tests/oracles/test_bioactivity.py`` on the real models (the 0.21
and 0.23 pickles of each forest predict identically) and on a synthetic old-format tree.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pickle
import warnings
from pathlib import Path
from typing import Any

from sciReason.errors import OracleError

__all__ = ["load_legacy_sklearn", "upgrade_estimator", "upgrade_tree_state"]

logger = logging.getLogger(__name__)

# Private module paths renamed in scikit-learn 0.22 (old path -> current path).
_RENAMED_MODULES = {
    "sklearn.ensemble.forest": "sklearn.ensemble._forest",
    "sklearn.ensemble.base": "sklearn.ensemble._base",
    "sklearn.tree.tree": "sklearn.tree._classes",
    "sklearn.svm.classes": "sklearn.svm._classes",
    "sklearn.svm.base": "sklearn.svm._base",
    "sklearn.linear_model.logistic": "sklearn.linear_model._logistic",
    "sklearn.preprocessing.data": "sklearn.preprocessing._data",
}

# Attributes renamed after these pickles were written (old name -> current name).
_RENAMED_ATTRIBUTES = {
    "base_estimator": "estimator",
    "base_estimator_": "estimator_",
    "n_features_": "n_features_in_",
}

# NumPy globals a pickled array needs (numpy 1.x path and numpy 2.x path).
_NUMPY_GLOBALS = {
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


def upgrade_tree_state(state: dict[str, Any]) -> dict[str, Any]:
    """Bring a pickled ``Tree`` state written before scikit-learn 1.3 to the current layout.

    Returns the state unchanged when its node array already has the current dtype. Otherwise the
    node array gets the ``missing_go_to_left`` field (all 0) and, for classification trees (more than
    one value column), the per-node class counts become fractions (see the module docstring).
    """
    import numpy as np
    from sklearn.tree._tree import NODE_DTYPE

    nodes = state["nodes"]
    if nodes.dtype == NODE_DTYPE:
        return state
    missing = [name for name in nodes.dtype.names if name not in NODE_DTYPE.names]
    if missing:
        raise OracleError(f"tree node array has fields unknown to this scikit-learn: {missing}")
    upgraded = np.zeros(nodes.shape, dtype=NODE_DTYPE)
    for name in nodes.dtype.names:
        upgraded[name] = nodes[name]
    new_state = dict(state)
    new_state["nodes"] = upgraded
    values = np.asarray(state["values"], dtype=np.float64)
    if values.ndim == 3 and values.shape[-1] > 1:  # classifier: counts -> fractions
        totals = values.sum(axis=-1, keepdims=True)
        totals[totals == 0] = 1.0
        values = values / totals
    new_state["values"] = np.ascontiguousarray(values)
    return new_state


def _compat_tree_class() -> type:
    """A ``Tree`` subclass whose ``__setstate__`` upgrades old states (its pickles name plain ``Tree``)."""
    from sklearn.tree._tree import Tree

    class _CompatTree(Tree):
        def __setstate__(self, state: dict[str, Any]) -> None:
            super().__setstate__(upgrade_tree_state(state))

    return _CompatTree


class _LegacyUnpickler(pickle.Unpickler):
    """Unpickler with scikit-learn module renames, tree upgrades and a global allow-list."""

    def __init__(self, file: Any, path: str) -> None:
        super().__init__(file)
        self._path = path
        self._tree_class: type | None = None

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _NUMPY_GLOBALS:
            return super().find_class(module, name)
        module = _RENAMED_MODULES.get(module, module)
        if module == "sklearn.tree._tree" and name == "Tree":
            if self._tree_class is None:
                self._tree_class = _compat_tree_class()
            return self._tree_class
        if module == "sklearn" or module.startswith("sklearn."):
            from sklearn.base import BaseEstimator

            obj = getattr(importlib.import_module(module), name, None)
            if isinstance(obj, type) and issubclass(obj, BaseEstimator):
                return obj
        raise OracleError(
            f"refusing to load {self._path}: the pickle references {module}.{name}, which is not a "
            "scikit-learn estimator or NumPy array type"
        )


def upgrade_estimator(est: Any, _seen: set[int] | None = None) -> Any:
    """Rename old attributes and add missing constructor parameters, recursively (in place).

    Walks sub-estimators (``estimators_``, ``estimator_``, ``estimator``) so a forest's trees are
    fixed too. Returns ``est`` for convenience.
    """
    from sklearn.base import BaseEstimator

    seen = _seen if _seen is not None else set()
    if not isinstance(est, BaseEstimator) or id(est) in seen:
        return est
    seen.add(id(est))
    state = est.__dict__
    for old, new in _RENAMED_ATTRIBUTES.items():
        if old in state and new not in state:
            state[new] = state.pop(old)
    for param in inspect.signature(type(est).__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name not in state and param.default is not inspect.Parameter.empty:
            state[param.name] = param.default
    children: list[Any] = list(state.get("estimators_", None) or [])
    children += [state.get("estimator_"), state.get("estimator")]
    for child in children:
        upgrade_estimator(child, seen)
    return est


def load_legacy_sklearn(path: str | Path) -> Any:
    """Unpickle an old scikit-learn estimator and make it usable with the installed version.

    Version-mismatch warnings are expected here and logged at DEBUG instead of shown.

    Raises:
        OracleError: the file is missing, is not a loadable scikit-learn pickle, or names a global
            outside the allow-list.
    """
    from sklearn.exceptions import InconsistentVersionWarning

    p = Path(path)
    if not p.is_file():
        raise OracleError(f"model file {p} does not exist")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        try:
            with p.open("rb") as fh:
                est = _LegacyUnpickler(fh, str(p)).load()
        except OracleError:
            raise
        except Exception as exc:  # noqa: BLE001 - any unpickling failure is a broken model file
            raise OracleError(
                f"could not load the scikit-learn model {p}: {type(exc).__name__}: {exc}"
            ) from exc
    versions = {
        str(w.message).split("from version ")[-1].split(" ")[0]
        for w in caught
        if issubclass(w.category, InconsistentVersionWarning)
    }
    if versions:
        logger.debug("loaded %s pickled with scikit-learn %s (compatibility upgrades applied)", p, versions)
    return upgrade_estimator(est)
