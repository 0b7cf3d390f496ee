"""PMO bioactivity oracles ``drd2``, ``gsk3b``, ``jnk3``: the TDC models, run offline.

These are the three learned oracles of the PMO benchmark (Gao et al. 2022), exactly as TDC computes
them: a probability of activity in [0, 1] from a scikit-learn classifier on a 2048-long fingerprint.

=========  ======================================  ==================================================
name       model (TDC pickle)                      featurisation (TDC ``oracles.py``)
=========  ======================================  ==================================================
``drd2``   SVC with Platt probabilities            Morgan radius 3, *feature* invariants (FCFP6),
           (``drd2_current.pkl``)                  *counts*, hashed ids folded ``id % 2048`` and summed
``gsk3b``  random forest, 100 trees                Morgan radius 2 (ECFP4) bit vector, 2048 bits
``jnk3``   random forest, 100 trees                Morgan radius 2 (ECFP4) bit vector, 2048 bits
=========  ======================================  ==================================================

TDC downloads the pickles from Harvard Dataverse at run time; sciReason instead reads the copies that
ship inside the ``molscore`` wheel (``molscore/data/models/molopt/``), installed without its many
dependencies: ``pip install --no-deps molscore``. The package is only *located* (never imported: its
``__init__`` needs dask). With a current scikit-learn the ``*_current`` pickles (0.23) are what TDC
itself loads; the forests need :mod:`sciReason.oracles._sklearn_compat`. ``variant="original"``
loads the 0.21 pickles instead (same predictions).

One deliberate difference from TDC: an unparsable SMILES scores ``None`` ("could not score"), not 0.
The PMO harness's budget wrapper maps ``None`` to TDC's 0 and does not count the call.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sciReason.errors import MissingDependencyError, OracleError

__all__ = [
    "BIOACTIVITY_MODELS",
    "BioactivityOracle",
    "ModelSpec",
    "bioactivity_objective",
    "bioactivity_oracle",
    "model_path",
    "molscore_data_dir",
]

logger = logging.getLogger(__name__)

Variant = Literal["current", "original"]
INSTALL_HINT = "pip install --no-deps molscore"


@dataclass(frozen=True)
class ModelSpec:
    """Where a PMO bioactivity model lives and how TDC featurises its input."""

    name: str
    target: str
    files: dict[str, str]  # variant -> file name in molscore/data/models/molopt/
    featurizer: Literal["fcfp6_counts_folded", "ecfp4_bits"]
    description: str


BIOACTIVITY_MODELS: dict[str, ModelSpec] = {
    "drd2": ModelSpec(
        "drd2",
        "dopamine D2 receptor",
        {"current": "drd2_current.pkl", "original": "drd2.pkl"},
        "fcfp6_counts_folded",
        "P(active) on DRD2, TDC/PMO SVC on folded FCFP6 counts (Olivecrona et al. 2017)",
    ),
    "gsk3b": ModelSpec(
        "gsk3b",
        "glycogen synthase kinase-3 beta",
        {"current": "gsk3b_current.pkl", "original": "gsk3b.pkl"},
        "ecfp4_bits",
        "P(active) on GSK3B, TDC/PMO random forest on ECFP4 bits (Jin et al. 2020)",
    ),
    "jnk3": ModelSpec(
        "jnk3",
        "c-Jun N-terminal kinase 3",
        {"current": "jnk3_current.pkl", "original": "jnk3.pkl"},
        "ecfp4_bits",
        "P(active) on JNK3, TDC/PMO random forest on ECFP4 bits (Jin et al. 2020)",
    ),
}

FP_SIZE = 2048


def molscore_data_dir() -> Path:
    """``molscore/data`` of the installed molscore wheel, found without importing molscore.

    Raises:
        MissingDependencyError: molscore is not installed (names the install command).
    """
    try:
        spec = importlib.util.find_spec("molscore")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for loc in locations:
        data = Path(loc) / "data"
        if data.is_dir():
            return data
    raise MissingDependencyError(
        "the PMO bioactivity models (drd2, gsk3b, jnk3) and the example docking receptors ship in the "
        f"'molscore' wheel, which is not installed. Install it without its dependencies with: {INSTALL_HINT}"
    )


def model_path(name: str, variant: Variant = "current") -> Path:
    """Path of a PMO model pickle inside the installed molscore wheel."""
    spec = _spec(name)
    if variant not in spec.files:
        raise OracleError(f"unknown model variant {variant!r} for {name}; use one of {sorted(spec.files)}")
    path = molscore_data_dir() / "models" / "molopt" / spec.files[variant]
    if not path.is_file():
        raise MissingDependencyError(
            f"{path} is missing from the installed molscore package (a molscore without the molopt "
            f"models?). Reinstall it with: {INSTALL_HINT}"
        )
    return path


def _spec(name: str) -> ModelSpec:
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in BIOACTIVITY_MODELS:
        raise OracleError(
            f"unknown bioactivity model {name!r}; choose one of {', '.join(BIOACTIVITY_MODELS)}"
        )
    return BIOACTIVITY_MODELS[key]


_MODELS: dict[Path, Any] = {}
_MODELS_LOCK = threading.Lock()


def _load_model(path: Path) -> Any:
    """Load (once per process) and cache a model pickle through the compatibility loader."""
    with _MODELS_LOCK:
        model = _MODELS.get(path)
        if model is None:
            from sciReason.oracles._sklearn_compat import load_legacy_sklearn

            model = load_legacy_sklearn(path)
            if not hasattr(model, "predict_proba"):
                raise OracleError(f"{path} does not hold a classifier with predict_proba")
            _MODELS[path] = model
        return model


def featurize(mols: Sequence[Any], featurizer: str) -> Any:
    """TDC's fingerprint matrix (float64, shape ``(len(mols), 2048)``) for RDKit mols.

    Uses RDKit's fingerprint generators, which give the same bits/counts as the deprecated
    ``GetMorganFingerprintAsBitVect`` / ``GetMorganFingerprint(useFeatures=True)`` TDC calls
    (checked in the tests on ZINC molecules).
    """
    import numpy as np
    from rdkit.Chem import rdFingerprintGenerator as gen

    X = np.zeros((len(mols), FP_SIZE), dtype=np.float64)
    if featurizer == "ecfp4_bits":
        g = gen.GetMorganGenerator(radius=2, fpSize=FP_SIZE)
        for i, mol in enumerate(mols):
            X[i] = g.GetFingerprintAsNumPy(mol)
    elif featurizer == "fcfp6_counts_folded":
        g = gen.GetMorganGenerator(radius=3, atomInvariantsGenerator=gen.GetMorganFeatureAtomInvGen())
        for i, mol in enumerate(mols):
            for idx, count in g.GetSparseCountFingerprint(mol).GetNonzeroElements().items():
                X[i, idx % FP_SIZE] += count
    else:
        raise OracleError(f"unknown featurizer {featurizer!r}")
    return X


class BioactivityOracle:
    """A PMO bioactivity oracle: SMILES batch in, P(active) in [0, 1] (or ``None``) out.

    The model is loaded on the first call (1-3 s) and shared by every oracle of the same file in the
    process. ``score_mols`` takes RDKit mols directly (used by composite objectives).

    Args:
        name: ``"drd2"``, ``"gsk3b"`` or ``"jnk3"``.
        variant: ``"current"`` (scikit-learn 0.23 pickles, what TDC loads today) or ``"original"``.
        path: use this pickle instead of the molscore copy (e.g. TDC's own ``oracle/jnk3_current.pkl``).
    """

    direction = "maximize"
    domain = "molecule"
    bounds = (0.0, 1.0)  # a bare `jnk3` term is the probability itself
    scale = 0.1  # default softness of `jnk3>0.5`

    def __init__(self, name: str, *, variant: Variant = "current", path: str | Path | None = None) -> None:
        self.spec = _spec(name)
        self.name = self.spec.name
        self.description = self.spec.description
        self.variant = variant
        self._path = Path(path) if path is not None else None
        if self._path is None:
            model_path(self.name, variant)  # fail now (with the install hint), not at the first call
        elif not self._path.is_file():
            raise OracleError(f"model file {self._path} for {self.name} does not exist")

    def __repr__(self) -> str:
        return f"BioactivityOracle({self.name!r}, variant={self.variant!r})"

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else model_path(self.name, self.variant)

    @property
    def model(self) -> Any:
        return _load_model(self.path)

    def score_mols(self, mols: Sequence[Any]) -> list[float | None]:
        """P(active) per RDKit mol; ``None`` entries stay ``None``."""
        idx = [i for i, m in enumerate(mols) if m is not None]
        out: list[float | None] = [None] * len(mols)
        if not idx:
            return out
        X = featurize([mols[i] for i in idx], self.spec.featurizer)
        model = self.model
        classes = list(getattr(model, "classes_", [0, 1]))
        col = classes.index(1) if 1 in classes else len(classes) - 1
        proba = model.predict_proba(X)[:, col]
        for i, p in zip(idx, proba, strict=True):
            out[i] = float(p)
        return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        from sciReason.representations import mol_from_smiles

        return self.score_mols([mol_from_smiles(c) for c in candidates])


def bioactivity_oracle(
    name: str, *, variant: Variant = "current", path: str | Path | None = None
) -> BioactivityOracle:
    """Build the PMO bioactivity oracle ``name`` (``drd2``, ``gsk3b``, ``jnk3``).

    Raises:
        MissingDependencyError: molscore (which ships the models) is not installed.
        OracleError: unknown name or variant.
    """
    return BioactivityOracle(name, variant=variant, path=path)


def bioactivity_objective(name: str, *, variant: Variant = "current") -> Any:
    """The PMO objective for ``pmo:drd2|gsk3b|jnk3``: the model's P(active) as the value, unchanged.

    A one-term :class:`~sciReason.oracles.objective.CompositeObjective` (arithmetic aggregation, so the
    value is exactly the probability); ``Scored.terms`` holds it under the model's name.
    """
    from sciReason.oracles.modifiers import Identity
    from sciReason.oracles.objective import CompositeObjective, Term

    oracle = bioactivity_oracle(name, variant=variant)
    term = Term(name=oracle.name, oracle=oracle, transform=Identity(), weight=1.0, source=oracle.name)
    return CompositeObjective(
        [term],
        name=f"pmo:{oracle.name}",
        domain="molecule",
        aggregate="arithmetic",
        description=f"PMO {oracle.description}",
    )


def _register() -> None:
    from sciReason.oracles.registry import register_oracle

    def make(model_name: str) -> Any:
        def factory(*args: Any, **params: Any) -> BioactivityOracle:
            if args:
                raise TypeError(f"{model_name} takes no positional arguments (got {args!r})")
            unknown = set(params) - {"variant", "path"}
            if unknown:
                raise TypeError(f"{model_name} accepts only variant= and path= (got {sorted(unknown)})")
            return bioactivity_oracle(model_name, **params)

        factory.__module__ = __name__
        return factory

    for key, spec in BIOACTIVITY_MODELS.items():
        register_oracle(
            key, make(key), description=spec.description, domain="molecule", signature=key, replace=True
        )


_register()
