"""Scientific representations: molecules (RDKit), protein/DNA/RNA alphabets, materials.

Validation helpers return ``None``/a reason for bad values (soft, for parsing model output) and the
``require_*`` twins raise :class:`~sciReason.errors.InvalidSequenceError` (hard, for user input).
RDKit is imported lazily and its log noise is muted.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sciReason.errors import InvalidSequenceError

PROTEIN_ALPHABET = frozenset("ACDEFGHIKLMNPQRSTVWY")
# Extended letters some datasets use: selenocysteine, pyrrolysine, ambiguity codes.
PROTEIN_EXTENDED = PROTEIN_ALPHABET | frozenset("UOBZXJ")
DNA_ALPHABET = frozenset("ACGT")
DNA_EXTENDED = DNA_ALPHABET | frozenset("N")
RNA_ALPHABET = frozenset("ACGU")
RNA_EXTENDED = RNA_ALPHABET | frozenset("N")

ALPHABETS: dict[str, frozenset[str]] = {
    "protein": PROTEIN_EXTENDED,
    "dna": DNA_EXTENDED,
    "rna": RNA_EXTENDED,
}

ELEMENTS = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr "
    "Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir "
    "Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl "
    "Mc Lv Ts Og"
).split()
ELEMENT_SET = frozenset(ELEMENTS)


@contextlib.contextmanager
def rdkit_quiet() -> Iterator[None]:
    """Silence RDKit's parse warnings inside the block (they go to stderr otherwise)."""
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")
    try:
        yield
    finally:
        RDLogger.EnableLog("rdApp.*")


def mol_from_smiles(smiles: str) -> Any | None:
    """RDKit Mol or ``None``; empty and whitespace-only strings are invalid."""
    if not isinstance(smiles, str):
        return None
    text = smiles.strip()
    if not text or any(ch.isspace() for ch in text):
        return None
    from rdkit import Chem

    with rdkit_quiet():
        mol = Chem.MolFromSmiles(text)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return mol


@lru_cache(maxsize=200_000)
def canonical_smiles(smiles: str, isomeric: bool = True) -> str | None:
    """RDKit canonical SMILES, or ``None`` if ``smiles`` does not parse.

    >>> canonical_smiles("OCC")
    'CCO'
    """
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit import Chem

    return Chem.MolToSmiles(mol, isomericSmiles=isomeric)


#: Longest SMILES accepted as user input. RDKit's canonicaliser crashes the process (segmentation fault) on
#: chains of some 20,000 atoms; no molecule a language model reads comes close to this.
MAX_SMILES_CHARS = 10_000


def require_smiles(smiles: str) -> str:
    """Canonical SMILES of user input, or :class:`InvalidSequenceError` naming the value."""
    if isinstance(smiles, str) and len(smiles) > MAX_SMILES_CHARS:
        raise InvalidSequenceError(
            f"SMILES {smiles[:40]!r}... has {len(smiles)} characters, more than the {MAX_SMILES_CHARS} sciReason "
            "accepts; give a smaller molecule"
        )
    canon = canonical_smiles(smiles) if isinstance(smiles, str) else None
    if canon is None:
        raise InvalidSequenceError(
            f"{smiles!r} is not a valid SMILES (RDKit cannot parse it); check brackets, ring closures and "
            "valences, or pass a different representation with source=..."
        )
    return canon


@lru_cache(maxsize=200_000)
def murcko_scaffold(smiles: str) -> str | None:
    """Canonical Bemis-Murcko scaffold SMILES ('' for an acyclic molecule), or None if unparsable."""
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    try:
        return Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol))
    except Exception:  # RDKit cannot build a scaffold for a few exotic valences
        return None


def smiles_to_inchi(smiles: str) -> str | None:
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit import Chem

    with rdkit_quiet():
        inchi = Chem.MolToInchi(mol)
    return inchi or None


def selfies_to_smiles(selfies: str) -> str | None:
    import selfies as sf

    try:
        smi = sf.decoder(selfies.strip())
    except Exception:
        return None
    return canonical_smiles(smi) if smi else None


def smiles_to_selfies(smiles: str) -> str | None:
    import selfies as sf

    canon = canonical_smiles(smiles)
    if canon is None:
        return None
    try:
        return sf.encoder(canon)
    except Exception:
        return None


def inchi_to_smiles(inchi: str) -> str | None:
    from rdkit import Chem

    with rdkit_quiet():
        mol = Chem.MolFromInchi(inchi.strip())
    return Chem.MolToSmiles(mol) if mol is not None else None


def molecular_formula(smiles: str) -> str | None:
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit.Chem import rdMolDescriptors

    return rdMolDescriptors.CalcMolFormula(mol)


_FORMULA_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")
_CHARGE = re.compile(r"([+-])(\d*)$")


def parse_formula(formula: str) -> dict[str, int] | None:
    """Element counts of a Hill-style formula (``C2H6O``, ``C2H3O2-``); ``None`` if malformed.

    Parentheses are not accepted (as in the reference metric). Unknown element symbols are rejected,
    so words such as ``Done`` are not read as formulas.
    """
    text = formula.strip().replace(" ", "")
    if not text:
        return None
    counts: dict[str, int] = {}
    m = _CHARGE.search(text)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        counts["charge"] = sign * int(m.group(2) or 1)
        text = text[: m.start()]
    pos = 0
    for tok in _FORMULA_TOKEN.finditer(text):
        if tok.start() != pos:
            return None
        element, num = tok.group(1), tok.group(2)
        if element not in ELEMENT_SET:
            return None
        counts[element] = counts.get(element, 0) + (int(num) if num else 1)
        pos = tok.end()
    if pos != len(text) or not any(k != "charge" for k in counts):
        return None
    return counts


CANDIDATE_COLUMNS = ("smiles", "sequence", "seq", "key", "candidate", "input")


def parse_candidates(text: str, name: str = "") -> list[str]:
    """Candidates in a file's text: FASTA (``>`` headers; a record's lines are joined), CSV/TSV (``name``
    ends in .csv/.tsv; column smiles, sequence, seq, key, candidate or input) or one per line (the first
    whitespace-separated token). Blank lines and ``#`` comments are skipped; order is kept.

    Raises:
        InputError: a CSV/TSV without one of those columns (the message lists the columns found).
    """
    import csv
    import io

    from sciReason.errors import InputError

    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if lines and lines[0].startswith(">"):
        out: list[str] = []
        current: list[str] = []
        for line in lines:
            if line.startswith(">"):
                if current:
                    out.append("".join(current))
                current = []
            elif not line.startswith(";"):
                current.append("".join(line.split()))
        if current:
            out.append("".join(current))
        return out
    if name.lower().endswith((".csv", ".tsv")):
        dialect = "excel-tab" if name.lower().endswith(".tsv") else "excel"
        rows = list(csv.DictReader(io.StringIO("\n".join(lines)), dialect=dialect))
        fields = {f.lower().strip(): f for f in (rows[0].keys() if rows else [])}
        col = next((fields[c] for c in CANDIDATE_COLUMNS if c in fields), None)
        if col is None:
            raise InputError(
                f"{name!r} has no column named one of {', '.join(CANDIDATE_COLUMNS)} "
                f"(found: {', '.join(fields)})"
            )
        return [r[col].strip() for r in rows if (r.get(col) or "").strip()]
    return [ln.split()[0] for ln in lines]


def sequence_problem(seq: str, kind: str) -> str | None:
    """Why ``seq`` is not a valid ``kind`` ("protein", "dna", "rna") sequence, or ``None`` if it is."""
    alphabet = ALPHABETS[kind]
    if not seq:
        return f"empty {kind} sequence"
    bad = sorted({ch for ch in seq if ch not in alphabet})
    if bad:
        return f"{kind} sequence has letters outside its alphabet: {''.join(bad)!r}"
    return None


def normalize_sequence(seq: str) -> str:
    """Upper-case and drop whitespace (model output often wraps or spaces sequences)."""
    return re.sub(r"\s+", "", seq).upper()


STANDARD_ALPHABETS: dict[str, frozenset[str]] = {
    "protein": PROTEIN_ALPHABET,
    "dna": DNA_ALPHABET,
    "rna": RNA_ALPHABET,
}


def require_sequence(seq: str, kind: str, *, extended: bool = False) -> str:
    """User input as a ``kind`` sequence ("protein", "dna", "rna"), or :class:`InvalidSequenceError`.

    User input is checked as given, not repaired: only the standard letters (20 residues, ACGT, ACGU) are
    accepted, plus the extended ones (protein U O B Z X J, nucleotide N) when ``extended`` is true (tasks
    whose datasets contain them). Spaces, line breaks and lower case are rejected with the offending letters
    named; to normalise on purpose, pass ``normalize_sequence(seq)`` (upper-cases and drops whitespace).
    Leading and trailing whitespace is ignored.

    >>> require_sequence("MKTAYIAKQR", "protein")
    'MKTAYIAKQR'
    """
    if not isinstance(seq, str):
        raise InvalidSequenceError(f"{kind} sequence must be a string, got {type(seq).__name__}")
    text = seq.strip()
    if not text:
        raise InvalidSequenceError(f"empty {kind} sequence; give the sequence as one string of letters")
    alphabet = (ALPHABETS if extended else STANDARD_ALPHABETS)[kind]
    bad = sorted({ch for ch in text if ch not in alphabet})
    if not bad:
        return text
    hints = []
    if any(ch.isspace() for ch in bad):
        hints.append("remove the spaces and line breaks")
    if any(ch.islower() and ch.upper() in ALPHABETS[kind] for ch in bad):
        hints.append("upper-case it")
    if hints:
        hints.append("or pass sciReason.representations.normalize_sequence(seq) to do both on purpose")
    only_extended = [ch for ch in bad if ch in ALPHABETS[kind]]
    if only_extended and not extended:
        hints.append(
            f"{''.join(only_extended)} {'is' if len(only_extended) == 1 else 'are'} allowed only by tasks "
            "whose data use extended letters"
        )
    named = ", ".join(repr(ch) for ch in bad)
    what = "standard " if not extended else ""
    fix = f"; {'; '.join(hints)}" if hints else ""
    raise InvalidSequenceError(
        f"{kind} sequence {text[:60]!r} has letters outside the {what}{kind} alphabet: {named} "
        f"(allowed: {''.join(sorted(alphabet))}){fix}"
    )


@dataclass(frozen=True)
class Material:
    """A material as the model writes it: one element token per atom plus a space-group number."""

    elements: tuple[str, ...]
    space_group: int | None

    @property
    def composition(self) -> dict[str, int]:
        comp: dict[str, int] = {}
        for el in self.elements:
            comp[el] = comp.get(el, 0) + 1
        return comp

    @property
    def formula(self) -> str:
        return "".join(f"{el}{n}" for el, n in sorted(self.composition.items()))

    def to_tagged(self) -> str:
        sg = f" <sg> <sg{self.space_group}>" if self.space_group is not None else ""
        return f"<material> {' '.join(self.elements)}{sg} </material>"


# Accept ASCII <sg> and the mathematical angle brackets the 0-shot prompt uses.
_SG = re.compile(r"[<⟨]\s*sg\s*(\d+)\s*[>⟩]")
_SG_MARK = re.compile(r"[<⟨]\s*sg\s*[>⟩]")


def parse_material(text: str) -> tuple[Material | None, str | None]:
    """Parse ``El El El <sg> <sgN>`` (the inside of a ``<material>`` tag) into a :class:`Material`."""
    body = text.strip()
    m = _SG.search(body)
    space_group = int(m.group(1)) if m else None
    if m:
        body = body[: m.start()]
    body = _SG_MARK.sub(" ", body)
    tokens = body.split()
    if not tokens:
        return None, "no element tokens in material"
    bad = [t for t in tokens if t not in ELEMENT_SET]
    if bad:
        return None, f"unknown element token(s) in material: {bad[:5]}"
    if space_group is not None and not 1 <= space_group <= 230:
        return None, f"space group {space_group} is outside 1..230"
    return Material(tuple(tokens), space_group), None
