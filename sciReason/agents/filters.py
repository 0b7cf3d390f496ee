"""Candidate filters applied before any oracle call: validity, structural alerts, user constraints.

A filtered candidate is never scored and never counted against the budget (PMO rule: invalid
candidates are free). Canonicalisation happens here too, so every later stage sees canonical keys.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sciReason.errors import ConfigError
from sciReason.representations import canonical_smiles, mol_from_smiles, normalize_sequence

__all__ = ["CandidateFilter", "DESCRIPTORS", "canonical_key"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}
_CONSTRAINT = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|==|<|>)\s*(-?[0-9.]+)\s*$")


def _descriptor_table() -> dict[str, Callable[[Any], float]]:
    from rdkit.Chem import Crippen, Descriptors, Lipinski, rdMolDescriptors

    return {
        "mw": Descriptors.MolWt,
        "logp": Crippen.MolLogP,
        "tpsa": rdMolDescriptors.CalcTPSA,
        "hbd": Lipinski.NumHDonors,
        "hba": Lipinski.NumHAcceptors,
        "rotb": rdMolDescriptors.CalcNumRotatableBonds,
        "rings": rdMolDescriptors.CalcNumRings,
        "aromatic_rings": rdMolDescriptors.CalcNumAromaticRings,
        "heavy_atoms": lambda m: float(m.GetNumHeavyAtoms()),
        "charge": lambda m: float(sum(a.GetFormalCharge() for a in m.GetAtoms())),
        "max_ring_size": lambda m: float(max((len(r) for r in m.GetRingInfo().AtomRings()), default=0)),
    }


DESCRIPTORS = (
    "mw",
    "logp",
    "tpsa",
    "hbd",
    "hba",
    "rotb",
    "rings",
    "aromatic_rings",
    "heavy_atoms",
    "charge",
    "max_ring_size",
)


def canonical_key(candidate: str, domain: str, alphabet: str | None = None) -> str | None:
    """Canonical identity of a candidate, or None if it is invalid for the domain."""
    if domain == "molecule":
        return canonical_smiles(candidate) if isinstance(candidate, str) else None
    if not isinstance(candidate, str):
        return None
    seq = "".join(candidate.split())
    if not alphabet or not any(ch.islower() for ch in alphabet):
        seq = normalize_sequence(seq)
    if not seq:
        return None
    if alphabet and any(ch not in alphabet for ch in seq):
        return None
    return seq


@dataclass
class CandidateFilter:
    """Validity + alerts + constraints, built from config strings.

    Args:
        domain: the objective's domain.
        alerts: RDKit FilterCatalog names ('pains', 'brenk', 'nih', 'zinc', 'chembl').
        constraints: descriptor limits such as 'mw<=500'; names from :data:`DESCRIPTORS`.
        alphabet: allowed letters for sequences.
        max_heavy_atoms: molecules with more heavy atoms are rejected (counted as ``size``).
    """

    domain: str
    alerts: Sequence[str] = ()
    constraints: Sequence[str] = ()
    alphabet: str | None = None
    max_heavy_atoms: int | None = None

    def __post_init__(self) -> None:
        self._limits: list[tuple[str, Callable[[float, float], bool], float]] = []
        for text in self.constraints:
            m = _CONSTRAINT.match(text.lower())
            if not m or m.group(1) not in DESCRIPTORS:
                raise ConfigError(
                    f"constraint {text!r} is not 'NAME OP NUMBER' with NAME in {list(DESCRIPTORS)}"
                )
            self._limits.append((m.group(1), _OPS[m.group(2)], float(m.group(3))))
        if (self.alerts or self._limits or self.max_heavy_atoms) and self.domain != "molecule":
            raise ConfigError("alerts, descriptor constraints and size caps apply to molecule targets only")
        self._catalog = self._build_catalog(self.alerts) if self.alerts else None
        self._desc = _descriptor_table() if self._limits else {}
        self.rejected: dict[str, int] = {"invalid": 0, "alert": 0, "constraint": 0, "size": 0}

    @staticmethod
    def _build_catalog(names: Sequence[str]) -> Any:
        from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

        params = FilterCatalogParams()
        table = {
            "pains": FilterCatalogParams.FilterCatalogs.PAINS,
            "brenk": FilterCatalogParams.FilterCatalogs.BRENK,
            "nih": FilterCatalogParams.FilterCatalogs.NIH,
            "zinc": FilterCatalogParams.FilterCatalogs.ZINC,
            "chembl": FilterCatalogParams.FilterCatalogs.CHEMBL,
        }
        for name in names:
            if name.lower() not in table:
                raise ConfigError(f"unknown alert catalog {name!r}; choose from {sorted(table)}")
            params.AddCatalog(table[name.lower()])
        return FilterCatalog(params)

    def key(self, candidate: str) -> str | None:
        """Canonical key if the candidate passes every filter, else None (and the reason is counted)."""
        key = canonical_key(candidate, self.domain, self.alphabet)
        if key is None:
            self.rejected["invalid"] += 1
            return None
        if self._catalog is None and not self._limits and not self.max_heavy_atoms:
            return key
        mol = mol_from_smiles(key)
        if self.max_heavy_atoms and mol.GetNumHeavyAtoms() > self.max_heavy_atoms:
            self.rejected["size"] += 1
            return None
        if self._catalog is not None and self._catalog.HasMatch(mol):
            self.rejected["alert"] += 1
            return None
        for name, op, limit in self._limits:
            if not op(float(self._desc[name](mol)), limit):
                self.rejected["constraint"] += 1
                return None
        return key
