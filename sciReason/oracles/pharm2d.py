"""A fast, bit-identical replacement for RDKit's Gobbi 2D pharmacophore fingerprint (GuacaMol's PHCO).

``rdkit.Chem.Pharm2D.Generate.Gen2DFingerprint(mol, Gobbi_Pharm2D.factory)`` is pure Python: for each of
the 156 family combinations ("perms") it enumerates the Cartesian product of feature matches
(``Utils.GetUniqueCombinations``), sorts and de-duplicates them, and looks up the shortest-path distances
one pair at a time. On 40-70 heavy-atom molecules that takes up to seconds. The result is only a *set*
of bits (``useCounts`` is off), so the enumeration order and duplicates do not matter, and we can:

* enumerate each unordered pair / triple of feature points once, vectorised with numpy;
* bin all point-to-point distances in one go;
* map (families, distance bins) to a bit through a table built once from RDKit's own
  ``SigFactory.GetBitIdx``, so the bit numbering (scaffold list, triangle pruning, ``OrderTriangle``
  canonicalisation, ``CountUpTo`` offsets) is RDKit's by construction.

Semantics reproduced from RDKit's sources (Generate.py, SigFactory.py, Utils.py):

* Features come from ``sigFactory.GetMolFeats`` (cheap; we keep calling it). Every Gobbi feature is a
  single atom; for anything else (multi-atom features: min-over-atoms distances need not obey the
  triangle inequality) we fall back to RDKit.
* A 2- or 3-point pharmacophore is a set of distinct features whose pairwise distances ``d`` (from
  ``Chem.GetDistanceMatrix(mol, includeBondOrder)``) all satisfy ``d != 0``, ``minD <= d < maxD`` with
  ``minD``/``maxD`` the first bin's lower and the last bin's upper bound (2 and 100 for Gobbi), else
  ``_ShortestPathsMatch`` drops it. Disconnected atoms have distance 1e8, so they are dropped too.
  Two features of different families on the same atom have distance 0 and are dropped, as are the
  duplicates ``GetUniqueCombinations`` removes.
* RDKit orders a match by (family, atom ids) and passes the distances (0,1), (0,2), (1,2) in that order
  to ``GetBitIdx(perm, dists, sortIndices=False)``. We enumerate points sorted the same way.
* ``GetBitIdx`` depends on the raw distances only through their bins: binning is monotone, and
  ``OrderTriangle`` only reorders distances by comparing them (a descending sort among equal families),
  so comparing raw distances or their bins gives the same binned result. Hence a table indexed by
  (families, bins), filled with each bin's lower bound as its representative distance, is exact.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = ["gobbi_2d_fingerprint", "pharm2d_fingerprint"]


@functools.lru_cache(maxsize=1)
def _gobbi_factory() -> Any:
    from rdkit.Chem.Pharm2D import Gobbi_Pharm2D

    return Gobbi_Pharm2D.factory


class _BitTables:
    """Bit index lookup for one SigFactory: ``two[f0, f1, b01]`` and ``three[f0, f1, f2, b01, b02, b12]``.

    Entries are filled for non-decreasing families (the only perms Gen2DFingerprint uses); -1 marks bin
    combinations RDKit cannot number (pruned by the triangle inequality; real single-atom shortest-path
    distances never produce them, see the module docstring) and unused family orders.
    """

    def __init__(self, factory: Any) -> None:
        from rdkit.Chem.Pharm2D import Utils

        bins = factory.GetBins()
        n_feats = len(factory.GetFeatFamilies())
        n_bins = len(bins)
        self.min_d = bins[0][0]
        self.max_d = bins[-1][1]
        # lower bound and (exclusive) upper bound of each bin, to bin a distance with np.searchsorted
        self.lowers = np.array([lo for lo, _ in bins], dtype=float)
        self.uppers = np.array([hi for _, hi in bins], dtype=float)
        self.contiguous = all(bins[i][1] == bins[i + 1][0] for i in range(n_bins - 1))
        self.point_counts = range(factory.minPointCount, min(factory.maxPointCount, 3) + 1)
        self.two = np.full((n_feats,) * 2 + (n_bins,), -1, dtype=np.int64)
        self.three = np.full((n_feats,) * 3 + (n_bins,) * 3, -1, dtype=np.int64)
        reps = [lo for lo, _ in bins]  # one representative distance per bin
        for n_pts, table in ((2, self.two), (3, self.three)):
            if n_pts not in self.point_counts:
                continue
            n_dists = len(Utils.nPointDistDict[n_pts])
            for perm in Utils.GetIndexCombinations(n_feats, n_pts):
                for scaffold in np.ndindex(*(n_bins,) * n_dists):
                    try:
                        idx = factory.GetBitIdx(list(perm), [reps[b] for b in scaffold], sortIndices=False)
                    except (IndexError, ValueError):  # bin combination absent from the scaffold list
                        continue
                    table[tuple(perm) + scaffold] = idx


@functools.lru_cache(maxsize=4)
def _tables(factory: Any) -> _BitTables:
    return _BitTables(factory)


def _supported(factory: Any) -> bool:
    """Whether the fast path reproduces this factory (Gobbi's settings: bits, shortest paths, <= 3 points)."""
    return (
        factory.shortestPathsOnly
        and not factory.useCounts
        and factory.minPointCount >= 2
        and factory.maxPointCount <= 3
    )


def pharm2d_fingerprint(mol: Any, factory: Any) -> Any:
    """``Gen2DFingerprint(mol, factory)`` (same on bits, length and type), computed fast.

    Falls back to RDKit's generator for factory settings or features the fast path does not cover.
    """
    from rdkit import Chem
    from rdkit.Chem.Pharm2D import Generate

    if not _supported(factory):
        return Generate.Gen2DFingerprint(mol, factory)
    tables = _tables(factory)
    if not tables.contiguous:
        return Generate.Gen2DFingerprint(mol, factory)

    # Feature points: (family index, atom), one per feature, sorted by (family, atom) as RDKit's matches.
    fams: list[int] = []
    atoms: list[int] = []
    for fam, matches in enumerate(factory.GetMolFeats(mol)):
        if any(len(m) != 1 for m in matches):
            return Generate.Gen2DFingerprint(mol, factory)  # multi-atom features: not the Gobbi case
        for atom in sorted({m[0] for m in matches}):  # set: GetUniqueCombinations drops duplicates
            fams.append(fam)
            atoms.append(atom)

    sig = factory.GetSignature()
    n = len(atoms)
    if n < 2:
        return sig
    fam = np.array(fams, dtype=np.intp)
    at = np.array(atoms, dtype=np.intp)

    # Bin every point-to-point distance once; -1 = outside [minD, maxD) or 0 (same atom), i.e. rejected.
    dmat = np.asarray(Chem.GetDistanceMatrix(mol, factory.includeBondOrder))[np.ix_(at, at)]
    ok = (dmat != 0) & (dmat >= tables.min_d) & (dmat < tables.max_d)
    # _ShortestPathsMatch truncates with int(); GetDistanceMatrix gives integers here (no bond orders)
    dist = np.floor(dmat)
    bins = np.where(ok, np.searchsorted(tables.uppers, dist, side="right"), -1)

    on_bits = []
    # 2-point pharmacophores: every unordered pair of points with a valid distance.
    if 2 in tables.point_counts:
        i, j = np.triu_indices(n, 1)
        b = bins[i, j]
        keep = b >= 0
        on_bits.append(tables.two[fam[i[keep]], fam[j[keep]], b[keep]])

    # 3-point pharmacophores: triples i < j < k whose three distances are all valid. Build them from the
    # valid pairs (i, j) and, for each, the k > j valid to both, in one boolean mask of shape (pairs, n).
    if 3 in tables.point_counts and n >= 3:
        valid = bins >= 0
        i, j = np.nonzero(np.triu(valid, 1))
        if len(i):
            later = np.arange(n)[None, :] > j[:, None]
            pair_idx, k = np.nonzero(valid[i] & valid[j] & later)
            i, j = i[pair_idx], j[pair_idx]
            on_bits.append(tables.three[fam[i], fam[j], fam[k], bins[i, j], bins[i, k], bins[j, k]])

    if on_bits:
        bits = np.unique(np.concatenate(on_bits))
        if len(bits) and bits[0] < 0:  # a bin combination RDKit cannot number: let RDKit decide
            return Generate.Gen2DFingerprint(mol, factory)
        for bit in bits.tolist():
            sig.SetBit(bit)
    return sig


def gobbi_2d_fingerprint(mol: Any) -> Any:
    """RDKit's Gobbi 2D pharmacophore fingerprint of ``mol`` (GuacaMol's PHCO), bit-identical to
    ``Gen2DFingerprint(mol, Gobbi_Pharm2D.factory)``: a ``SparseBitVect`` of ``factory.GetSigSize()`` bits."""
    return pharm2d_fingerprint(mol, _gobbi_factory())
