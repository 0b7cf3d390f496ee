"""Fingerprints with GuacaMol's conventions, built from RDKit's fingerprint generators (created once).

``ecfp4``/``ecfp6`` = unhashed Morgan *count* fingerprints of radius 2/3 (GuacaMol calls RDKit's legacy
``GetMorganFingerprint(mol, r)``; the generator gives identical Tanimoto values, checked in the tests),
``fcfp4``/``fcfp6`` = the same with feature invariants, ``ap`` = atom-pair counts with max distance 10,
``tt`` = topological torsions, ``maccs``, ``rdkit`` (path) and ``phco`` (Gobbi 2D pharmacophore) bit vectors.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["FINGERPRINTS", "fingerprint", "tanimoto"]

FINGERPRINTS = ("ecfp4", "ecfp6", "fcfp4", "fcfp6", "ap", "tt", "maccs", "rdkit", "phco")


@functools.cache
def _generator(kind: str, count: bool) -> Any:
    from rdkit.Chem import rdFingerprintGenerator as G

    feat = G.GetMorganFeatureAtomInvGen
    if kind in ("ecfp4", "ecfp6", "fcfp4", "fcfp6"):
        radius = 2 if kind.endswith("4") else 3
        inv = feat() if kind.startswith("f") else None
        size = 2048
        if inv is not None:
            return G.GetMorganGenerator(radius=radius, atomInvariantsGenerator=inv, fpSize=size)
        return G.GetMorganGenerator(radius=radius, fpSize=size)
    if kind == "ap":
        return G.GetAtomPairGenerator(maxDistance=10, fpSize=2048)
    if kind == "tt":
        return G.GetTopologicalTorsionGenerator(fpSize=2048)
    if kind == "rdkit":
        return G.GetRDKitFPGenerator(fpSize=2048)
    raise ValueError(kind)


def fingerprint(mol: Any, kind: str = "ecfp4", count: bool = True) -> Any:
    """The fingerprint of ``mol`` (``kind`` in :data:`FINGERPRINTS`), for :func:`tanimoto`.

    Count fingerprints are unhashed sparse count vectors (GuacaMol's ECFP/FCFP/AP); ``count=False``
    gives 2048-bit vectors. ``maccs``, ``rdkit`` and ``phco`` are always bit vectors.
    """
    kind = kind.lower()
    if kind not in FINGERPRINTS:
        raise ValueError(f"unknown fingerprint {kind!r}; choose one of {', '.join(FINGERPRINTS)}")
    if kind == "maccs":
        from rdkit.Chem import MACCSkeys

        return MACCSkeys.GenMACCSKeys(mol)
    if kind == "phco":
        # Same bits as Generate.Gen2DFingerprint(mol, Gobbi_Pharm2D.factory), which is pure Python and
        # takes up to seconds on large molecules; see sciReason.oracles.pharm2d.
        from sciReason.oracles.pharm2d import gobbi_2d_fingerprint

        return gobbi_2d_fingerprint(mol)
    gen = _generator(kind, count)
    if kind == "rdkit":
        return gen.GetFingerprint(mol)
    return gen.GetSparseCountFingerprint(mol) if count else gen.GetFingerprint(mol)


def tanimoto(fp_a: Any, fp_b: Any) -> float:
    """RDKit Tanimoto similarity of two fingerprints of the same kind."""
    from rdkit import DataStructs

    return float(DataStructs.TanimotoSimilarity(fp_a, fp_b))
