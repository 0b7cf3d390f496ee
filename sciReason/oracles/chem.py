"""RDKit chemistry oracles: validity, drug-likeness, physchem descriptors, alerts, similarity, SMARTS, formula.

Every oracle here is a :class:`MolOracle`: a batch callable over SMILES that returns ``None`` for a SMILES
RDKit cannot parse (never 0), plus a ``score_mols`` fast path that objectives use so a molecule is parsed
once per batch, not once per term. ``bounds`` (natural range) and ``scale`` (a typical difference) tell the
target language how to turn a bare term or a soft constraint into a desirability.

Fingerprints follow GuacaMol's choices (checked equal to its Tanimoto values): ``ecfp4``/``ecfp6`` =
unhashed Morgan count fingerprint of radius 2/3, ``fcfp4``/``fcfp6`` = the same with feature invariants,
``ap`` = atom-pair count fingerprint with max distance 10, ``phco`` = Gobbi 2D pharmacophore; plus
``tt`` (topological torsion), ``maccs`` and ``rdkit`` (path) bit fingerprints. ``count=False`` switches the
Morgan/AP/TT families to 2048-bit vectors.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Sequence
from typing import Any

from sciReason.oracles.base import Direction
from sciReason.oracles.failures import FailureCounter
from sciReason.oracles.fingerprints import FINGERPRINTS, fingerprint, tanimoto
from sciReason.oracles.registry import register_oracle
from sciReason.representations import mol_from_smiles, parse_formula

__all__ = [
    "FINGERPRINTS",
    "MolOracle",
    "fingerprint",
    "isomer_score",
    "sa_score",
    "similarity",
    "smarts",
    "tanimoto",
]


class MolOracle:
    """A per-molecule RDKit function as a batch oracle.

    Args:
        name: the term name (``qed``, ``sim(CCO)``).
        fn: ``fn(mol) -> float``; an exception from it means "could not score" (``None``).
        direction: which way is better for a bare term.
        description: one line for listings.
        bounds: natural ``(low, high)`` range, if any (enables the bare term).
        scale: typical difference, used as the default softness of constraints.
    """

    domain = "molecule"

    def __init__(
        self,
        name: str,
        fn: Callable[[Any], float],
        *,
        direction: Direction = "maximize",
        description: str = "",
        bounds: tuple[float, float] | None = None,
        scale: float | None = None,
    ) -> None:
        self.name = name
        self.fn = fn
        self.direction = direction
        self.description = description
        self.bounds = bounds
        self.scale = scale
        self.failure_counts = FailureCounter(name)

    def __repr__(self) -> str:
        return f"MolOracle({self.name!r})"

    def score_mols(self, mols: Sequence[Any]) -> list[float | None]:
        out: list[float | None] = []
        for mol in mols:
            if mol is None:
                out.append(None)
                continue
            try:
                out.append(float(self.fn(mol)))
            except Exception as exc:  # noqa: BLE001 - an RDKit failure on one molecule: "could not score", counted
                self.failure_counts.record(exc)
                out.append(None)
        return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return self.score_mols([mol_from_smiles(c) for c in candidates])


class _Validity(MolOracle):
    """1.0 if the SMILES parses, else 0.0: here 0 is the measured value, not an error."""

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [0.0 if mol_from_smiles(c) is None else 1.0 for c in candidates]

    def score_mols(self, mols: Sequence[Any]) -> list[float | None]:
        return [0.0 if m is None else 1.0 for m in mols]


def _reference_mol(smiles: str, what: str) -> Any:
    mol = mol_from_smiles(smiles) if isinstance(smiles, str) else None
    if mol is None:
        raise ValueError(f"{what} {smiles!r} is not a valid SMILES")
    return mol


def similarity(smiles: str, fp: str = "ecfp4", count: bool = True) -> MolOracle:
    """Tanimoto similarity to a reference molecule; the reference fingerprint is computed once."""
    fp = str(fp).lower()
    if fp not in FINGERPRINTS:
        raise ValueError(f"unknown fingerprint {fp!r}; choose one of {', '.join(FINGERPRINTS)}")
    ref = fingerprint(_reference_mol(smiles, "similarity reference"), fp, bool(count))

    def fn(mol: Any) -> float:
        return tanimoto(fingerprint(mol, fp, bool(count)), ref)

    suffix = "" if fp == "ecfp4" and count else f", fp={fp}" + ("" if count else ", count=false")
    return MolOracle(
        f"sim({smiles}{suffix})",
        fn,
        description=f"Tanimoto similarity ({fp}, {'count' if count else 'bit'}) to {smiles}",
        bounds=(0.0, 1.0),
        scale=0.1,
    )


def smarts(pattern: str, absent: bool = False) -> MolOracle:
    """1.0 if the SMARTS pattern is present (``absent=True``: if it is absent), else 0.0."""
    from rdkit import Chem

    from sciReason.representations import rdkit_quiet

    with rdkit_quiet():
        query = Chem.MolFromSmarts(pattern) if isinstance(pattern, str) else None
    if query is None:
        raise ValueError(f"{pattern!r} is not a valid SMARTS pattern")

    def fn(mol: Any) -> float:
        hit = mol.HasSubstructMatch(query)
        return float(hit != absent)

    name = f"{'no_smarts' if absent else 'smarts'}({pattern})"
    what = "absent" if absent else "present"
    return MolOracle(name, fn, description=f"1 if SMARTS {pattern} is {what}", bounds=(0.0, 1.0), scale=0.5)


def _atom_count(mol: Any, element: str) -> int:
    """GuacaMol's AtomCounter: hydrogens are counted after adding the implicit ones."""
    from rdkit import Chem

    if element == "H":
        mol = Chem.AddHs(mol)
    return sum(1 for a in mol.GetAtoms() if a.GetSymbol() == element)


def isomer_score(formula: str, mean: str = "geometric") -> Callable[[Any], float]:
    """GuacaMol's isomer score for ``formula``: per-element Gaussian(n, 1) on the atom counts (H added)
    and Gaussian(total, 2) on the total atom count, combined by a geometric (or arithmetic) mean.

    This is the current (fixed) definition, not TDC's ``*_prev`` variant.
    """
    from sciReason.oracles.modifiers import Gaussian, arithmetic_mean, geometric_mean

    counts = parse_formula(formula) if isinstance(formula, str) else None
    if not counts or "charge" in counts:
        raise ValueError(f"{formula!r} is not a molecular formula like C7H8N2O2")
    elements = list(counts.items())
    total = sum(n for _, n in elements)
    mods = [(el, Gaussian(n, 1.0)) for el, n in elements]
    total_mod = Gaussian(total, 2.0)
    agg = geometric_mean if mean == "geometric" else arithmetic_mean
    if mean not in ("geometric", "arithmetic"):
        raise ValueError(f"mean must be 'geometric' or 'arithmetic', got {mean!r}")

    def fn(mol: Any) -> float:
        from rdkit import Chem

        molh = Chem.AddHs(mol)
        symbols = [a.GetSymbol() for a in molh.GetAtoms()]
        parts = [m(symbols.count(el)) for el, m in mods]
        parts.append(total_mod(len(symbols)))
        return agg(parts)

    return fn


@functools.lru_cache(maxsize=1)
def _sascorer() -> Any:
    from rdkit import RDConfig

    path = os.path.join(RDConfig.RDContribDir, "SA_Score", "sascorer.py")
    spec = importlib.util.spec_from_file_location("sciReason_sascorer", path)
    if spec is None or spec.loader is None or not os.path.exists(path):
        from sciReason.errors import missing

        raise missing("rdkit Contrib SA_Score", "pip install rdkit", "the SA score")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.readFragmentScores()
    return module


def sa_score(mol: Any) -> float:
    """Ertl & Schuffenhauer synthetic accessibility (1 easy .. 10 hard), RDKit Contrib implementation."""
    return float(_sascorer().calculateScore(mol))


@functools.cache
def _catalog(name: str) -> Any:
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

    params = FilterCatalogParams()
    params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, name))
    return FilterCatalog(params)


def _alerts(name: str) -> Callable[[Any], float]:
    def fn(mol: Any) -> float:
        return float(len(_catalog(name).GetMatches(mol)))

    return fn


# --- descriptor functions -----------------------------------------------------------------------------


def _d(name: str) -> Callable[[Any], float]:
    def fn(mol: Any) -> float:
        from rdkit.Chem import Descriptors

        return float(getattr(Descriptors, name)(mol))

    return fn


def _r(name: str) -> Callable[[Any], float]:
    def fn(mol: Any) -> float:
        from rdkit.Chem import rdMolDescriptors

        return float(getattr(rdMolDescriptors, name)(mol))

    return fn


def _lipinski_violations(mol: Any) -> float:
    from rdkit.Chem import Crippen, Descriptors, Lipinski

    return float(
        (Descriptors.MolWt(mol) > 500)
        + (Crippen.MolLogP(mol) > 5)
        + (Lipinski.NumHDonors(mol) > 5)
        + (Lipinski.NumHAcceptors(mol) > 10)
    )


def _veber(mol: Any) -> float:
    from rdkit.Chem import Descriptors

    return float(Descriptors.NumRotatableBonds(mol) <= 10 and Descriptors.TPSA(mol) <= 140)


def _qed(mol: Any) -> float:
    from rdkit.Chem import QED

    return float(QED.qed(mol))


_SIMPLE: dict[
    str, tuple[Callable[[Any], float], Direction, tuple[float, float] | None, float | None, str]
] = {
    "qed": (_qed, "maximize", (0.0, 1.0), 0.1, "quantitative estimate of drug-likeness (RDKit QED)"),
    "sa": (
        sa_score,
        "minimize",
        (1.0, 10.0),
        1.0,
        "synthetic accessibility, 1 easy .. 10 hard (RDKit Contrib)",
    ),
    "logp": (_d("MolLogP"), "maximize", None, 1.0, "Crippen logP"),
    "tpsa": (_d("TPSA"), "maximize", None, 20.0, "topological polar surface area (A^2)"),
    "mw": (_d("MolWt"), "maximize", None, 50.0, "molecular weight (g/mol)"),
    "hbd": (_d("NumHDonors"), "maximize", None, 1.0, "H-bond donors (Lipinski)"),
    "hba": (_d("NumHAcceptors"), "maximize", None, 1.0, "H-bond acceptors (Lipinski)"),
    "rotb": (_d("NumRotatableBonds"), "maximize", None, 1.0, "rotatable bonds"),
    "rings": (_r("CalcNumRings"), "maximize", None, 0.5, "ring count"),
    "arom_rings": (_r("CalcNumAromaticRings"), "maximize", None, 0.5, "aromatic ring count"),
    "heavy_atoms": (_d("HeavyAtomCount"), "maximize", None, 3.0, "heavy-atom count"),
    "fsp3": (_r("CalcFractionCSP3"), "maximize", (0.0, 1.0), 0.1, "fraction of sp3 carbons"),
    "bertz": (_d("BertzCT"), "maximize", None, 30.0, "Bertz complexity index"),
    "lipinski_violations": (
        _lipinski_violations,
        "minimize",
        (0.0, 4.0),
        0.5,
        "number of Lipinski rule-of-5 violations",
    ),
    "lipinski": (
        lambda m: float(_lipinski_violations(m) <= 1),
        "maximize",
        (0.0, 1.0),
        0.5,
        "1 if at most one Lipinski violation",
    ),
    "veber": (_veber, "maximize", (0.0, 1.0), 0.5, "1 if rotatable bonds <= 10 and TPSA <= 140 (Veber)"),
    "pains": (
        _alerts("PAINS"),
        "minimize",
        None,
        0.5,
        "number of PAINS alerts (A+B+C); use pains=0 or pains<0.5",
    ),
    "brenk": (_alerts("BRENK"), "minimize", None, 0.5, "number of Brenk structural alerts"),
}


def _simple_factory(name: str) -> Callable[[], MolOracle]:
    fn, direction, bounds, scale, desc = _SIMPLE[name]

    def factory() -> MolOracle:
        return MolOracle(name, fn, direction=direction, description=desc, bounds=bounds, scale=scale)

    factory.__module__ = __name__
    return factory


def validity() -> MolOracle:
    return _Validity(
        "valid", lambda m: 1.0, description="1 if RDKit parses the SMILES, else 0", bounds=(0.0, 1.0)
    )


def no_smarts(pattern: str) -> MolOracle:
    return smarts(pattern, absent=True)


def atom_count(element: str) -> MolOracle:
    if not isinstance(element, str) or parse_formula(element) != {element: 1}:
        raise ValueError(f"{element!r} is not an element symbol")
    return MolOracle(
        f"atom_count({element})",
        lambda m: float(_atom_count(m, element)),
        scale=1.0,
        description=f"number of {element} atoms",
    )


def isomer(formula: str, mean: str = "geometric") -> MolOracle:
    return MolOracle(
        f"isomer({formula})",
        isomer_score(formula, mean),
        description=f"closeness to the formula {formula} (GuacaMol isomer score)",
        bounds=(0.0, 1.0),
        scale=0.1,
    )


def formula(formula: str) -> MolOracle:
    target = parse_formula(formula) if isinstance(formula, str) else None
    if not target:
        raise ValueError(f"{formula!r} is not a molecular formula like C7H8N2O2")

    def fn(mol: Any) -> float:
        from rdkit.Chem import rdMolDescriptors

        return float(parse_formula(rdMolDescriptors.CalcMolFormula(mol)) == target)

    return MolOracle(
        f"formula({formula})",
        fn,
        description=f"1 if the molecular formula is exactly {formula}",
        bounds=(0.0, 1.0),
        scale=0.5,
    )


for _name, (_fn, _dir, _b, _s, _desc) in _SIMPLE.items():
    register_oracle(_name, _simple_factory(_name), description=_desc, domain="molecule")
register_oracle("valid", validity, description="1 if RDKit parses the SMILES, else 0")
register_oracle(
    "sim",
    similarity,
    description="Tanimoto similarity to a reference",
    signature="sim(smiles, fp=ecfp4, count=true)",
)
register_oracle("smarts", smarts, description="1 if the SMARTS is present", signature="smarts(pattern)")
register_oracle(
    "no_smarts", no_smarts, description="1 if the SMARTS is absent", signature="no_smarts(pattern)"
)
register_oracle(
    "atom_count",
    atom_count,
    description="number of atoms of an element (H included)",
    signature="atom_count(element)",
)
register_oracle(
    "isomer",
    isomer,
    description="GuacaMol isomer score for a formula",
    signature="isomer(formula, mean=geometric)",
)
register_oracle(
    "formula", formula, description="1 if the molecular formula matches exactly", signature="formula(formula)"
)
