"""Protein sequence oracles: biopython ProtParam properties, motif and composition constraints.

Each oracle is a batch callable ``(sequences) -> list[float | None]`` following
:mod:`sciReason.oracles.base`. Sequences are normalised (whitespace removed, upper-cased) first;
``None`` means the sequence could not be scored: not a string, empty, or (for the ProtParam properties,
whose residue tables only cover them) a letter outside the 20 standard amino acids. ``length``, ``motif``
and ``composition`` also accept the extended letters B, J, O, U, X, Z.

The properties are registered as target-language terms on import (``protein:gravy<0, pi=6..8,
instability<40``); :func:`protein_oracle` builds one directly. ``direction`` is the usual preference for
design (e.g. lower instability); for properties without one (pI, charge, mass, length) it is nominal and a
target should give a constraint. ``bounds`` (natural range, allows a bare term) and ``scale`` (default
width of a soft constraint) are read by the target parser.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sciReason.errors import OracleError
from sciReason.oracles.base import Direction, Domain
from sciReason.representations import (
    PROTEIN_ALPHABET,
    PROTEIN_EXTENDED,
    normalize_sequence,
    parse_candidates,
)

__all__ = [
    "PROTEIN_ORACLES",
    "RESIDUE_GROUPS",
    "ProteinOracle",
    "edit_distance",
    "prosite_to_regex",
    "protein_oracle",
]

logger = logging.getLogger(__name__)

# Named residue groups for composition(...): common physico-chemical classes.
RESIDUE_GROUPS: dict[str, str] = {
    "hydrophobic": "AVILMFWC",
    "aromatic": "FWY",
    "positive": "KRH",
    "negative": "DE",
    "charged": "DEKRH",
    "polar": "STNQCYH",
    "small": "AGSCTP",
}


@dataclass(frozen=True, eq=False)
class ProteinOracle:
    """A per-sequence protein property as a batch oracle.

    Attributes:
        name: registry name (with arguments, e.g. ``"charge(ph=7.4)"``).
        direction: preferred direction ("maximize"/"minimize"; nominal for two-sided properties).
        description: one line for listings.
        bounds: natural value range, or ``None`` if unbounded (a bare target term then needs a constraint).
        scale: default width of a soft constraint on this property, or ``None`` (target parser decides).
        standard_only: only the 20 standard amino acids are scored (ProtParam tables).
    """

    name: str
    direction: Direction
    description: str
    fn: Callable[[str], float]
    bounds: tuple[float, float] | None = None
    scale: float | None = None
    standard_only: bool = True
    domain: Domain = "protein"
    cheap: bool = False  # True: no model, no heavy table; the design engine may check it before scoring

    def score_one(self, sequence: object) -> float | None:
        """The property of one sequence, or ``None`` if it cannot be scored."""
        if not isinstance(sequence, str):
            return None
        seq = normalize_sequence(sequence)
        allowed = PROTEIN_ALPHABET if self.standard_only else PROTEIN_EXTENDED
        if not seq or not set(seq) <= allowed:
            return None
        try:
            return float(self.fn(seq))
        except (KeyError, ValueError, ZeroDivisionError) as exc:  # a table gap is "could not score"
            logger.debug("protein oracle %s could not score %r: %s", self.name, seq[:40], exc)
            return None

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [self.score_one(c) for c in candidates]

    def __repr__(self) -> str:
        return f"ProteinOracle({self.name!r})"


def _analysis(seq: str) -> Any:
    from Bio.SeqUtils.ProtParam import ProteinAnalysis

    return ProteinAnalysis(seq)


def _protparam(
    name: str, direction: Direction, description: str, fn: Callable[[Any], float], **kw: Any
) -> ProteinOracle:
    return ProteinOracle(name, direction, description, lambda s: fn(_analysis(s)), **kw)


def gravy() -> ProteinOracle:
    return _protparam(
        "gravy",
        "minimize",
        "GRAVY, mean Kyte-Doolittle hydropathy (<0: hydrophilic)",
        lambda a: a.gravy(),
        scale=0.3,
    )


def pi() -> ProteinOracle:
    return _protparam(
        "pi",
        "maximize",
        "isoelectric point (pH units; use a window, e.g. pi=6..8)",
        lambda a: a.isoelectric_point(),
        scale=0.5,
    )


def instability() -> ProteinOracle:
    return _protparam(
        "instability",
        "minimize",
        "Guruprasad instability index (<40: predicted stable)",
        lambda a: a.instability_index(),
        scale=5.0,
    )


def aromaticity() -> ProteinOracle:
    return _protparam(
        "aromaticity",
        "maximize",
        "aromaticity, fraction of F+W+Y (Lobry 1994)",
        lambda a: a.aromaticity(),
        bounds=(0.0, 1.0),
        scale=0.05,
    )


def charge(ph: float = 7.0) -> ProteinOracle:
    ph = float(ph)
    if not 0.0 <= ph <= 14.0:
        raise ValueError(f"charge(ph={ph}): pH must lie in 0..14")
    return _protparam(
        f"charge(ph={ph:g})", "maximize", f"net charge at pH {ph:g} (Henderson-Hasselbalch, ProtParam pKa)",
        lambda a: a.charge_at_pH(ph), scale=1.0,
    )  # fmt: skip


def mw(monoisotopic: bool = False) -> ProteinOracle:
    kind = "monoisotopic" if monoisotopic else "average"
    return ProteinOracle(
        "mw(monoisotopic=true)" if monoisotopic else "mw", "minimize", f"molecular weight in Da ({kind} masses)",
        lambda s: _monoisotopic(s) if monoisotopic else _analysis(s).molecular_weight(),
    )  # fmt: skip


def _monoisotopic(seq: str) -> float:
    from Bio.SeqUtils.ProtParam import ProteinAnalysis

    return float(ProteinAnalysis(seq, monoisotopic=True).molecular_weight())


def helix() -> ProteinOracle:
    return _protparam(
        "helix",
        "maximize",
        "helix-prone fraction (E, M, A, L, K; biopython >= 1.82)",
        lambda a: a.secondary_structure_fraction()[0],
        bounds=(0.0, 1.0),
        scale=0.05,
    )


def turn() -> ProteinOracle:
    return _protparam(
        "turn",
        "maximize",
        "turn-prone fraction (N, P, G, S, D)",
        lambda a: a.secondary_structure_fraction()[1],
        bounds=(0.0, 1.0),
        scale=0.05,
    )


def sheet() -> ProteinOracle:
    return _protparam(
        "sheet",
        "maximize",
        "sheet-prone fraction (V, I, Y, F, W, L, T)",
        lambda a: a.secondary_structure_fraction()[2],
        bounds=(0.0, 1.0),
        scale=0.05,
    )


def length() -> ProteinOracle:
    return ProteinOracle(
        "length",
        "maximize",
        "sequence length in residues (use a window, e.g. length=100..150)",
        len,
        standard_only=False,
    )


_PROSITE_ELEMENT = re.compile(r"(x|[A-Z]|\[[A-Z]+>?\]|\{[A-Z]+\})(?:\((\d+)(?:,(\d+))?\))?")


def prosite_to_regex(pattern: str) -> str:
    """Translate a PROSITE pattern (``N-{P}-[ST]-{P}``, ``C-x(2,4)-C``, ``<M-x(3)``) into a Python regex.

    Raises:
        ValueError: ``pattern`` is not PROSITE syntax (the message names the bad element).
    """
    text = pattern.strip().rstrip(".")
    start = text.startswith("<")
    end = text.endswith(">") and not text.endswith(">]")
    body = text[1 if start else 0 : len(text) - 1 if end else len(text)]
    parts: list[str] = ["^"] if start else []
    for element in body.split("-"):
        m = _PROSITE_ELEMENT.fullmatch(element)
        if not m:
            raise ValueError(
                f"{element!r} in PROSITE pattern {pattern!r} is not an element like A, x, [ST], {{P}} or x(2,4)"
            )
        core, lo, hi = m.groups()
        if core == "x":
            atom = "."
        elif core.startswith("["):
            atom = f"(?:[{core[1:-2]}]|$)" if core.endswith(">]") else core
        elif core.startswith("{"):
            atom = f"[^{core[1:-1]}]"
        else:
            atom = core
        parts.append(atom + (f"{{{lo},{hi}}}" if hi else f"{{{lo}}}" if lo else ""))
    if end:
        parts.append("$")
    return "".join(parts)


def _looks_prosite(pattern: str) -> bool:
    text = pattern.strip().rstrip(".").lstrip("<").rstrip(">")
    elements = text.split("-")
    return ("-" in text or "x" in text or "{" in text) and all(
        _PROSITE_ELEMENT.fullmatch(e) for e in elements
    )


def motif(pattern: Any, mode: str = "count", syntax: str = "auto") -> ProteinOracle:
    """Occurrences of a sequence motif: a regex (``N[^P][ST]``), a plain string or a PROSITE pattern.

    ``mode="count"`` counts start positions of (overlapping) matches; ``mode="present"`` gives 1.0/0.0.
    ``syntax`` is "auto" (PROSITE when the pattern parses as PROSITE and uses ``-``, ``x`` or ``{}``),
    "regex" or "prosite".
    """
    pattern = str(pattern).strip()
    if not pattern:
        raise ValueError("motif(...) needs a non-empty pattern, e.g. motif(N[^P][ST])")
    if mode not in ("count", "present"):
        raise ValueError(f"motif mode {mode!r} must be 'count' or 'present'")
    if syntax not in ("auto", "regex", "prosite"):
        raise ValueError(f"motif syntax {syntax!r} must be 'auto', 'regex' or 'prosite'")
    prosite = syntax == "prosite" or (syntax == "auto" and _looks_prosite(pattern))
    regex = prosite_to_regex(pattern) if prosite else pattern
    try:
        compiled = re.compile(f"(?=(?:{regex}))")
    except re.error as exc:
        raise ValueError(f"motif pattern {pattern!r} is not a valid regular expression: {exc}") from None

    def count(seq: str) -> float:
        n = sum(1 for _ in compiled.finditer(seq))
        return float(min(n, 1)) if mode == "present" else float(n)

    present = mode == "present"
    return ProteinOracle(
        f"motif({pattern})" if not present else f"motif({pattern}, mode=present)", "maximize",
        f"{'presence' if present else 'number of occurrences'} of motif {pattern!r}" + (" (PROSITE)" if prosite else ""),
        count, bounds=(0.0, 1.0) if present else None, scale=0.5, standard_only=False,
    )  # fmt: skip


def composition(residues: Any) -> ProteinOracle:
    """Fraction of residues that are in ``residues`` (letters such as ``DE`` or a group in RESIDUE_GROUPS)."""
    key = str(residues).strip()
    letters = RESIDUE_GROUPS.get(key.lower(), key.upper())
    bad = sorted(set(letters) - PROTEIN_EXTENDED)
    if not letters or bad:
        groups = ", ".join(RESIDUE_GROUPS)
        raise ValueError(
            f"composition({key!r}): give amino-acid letters (e.g. DE) or a group ({groups}); bad: {''.join(bad)!r}"
        )
    chosen = frozenset(letters)
    return ProteinOracle(
        f"composition({key})", "maximize", f"fraction of residues in {{{''.join(sorted(chosen))}}}",
        lambda s: sum(ch in chosen for ch in s) / len(s), bounds=(0.0, 1.0), scale=0.05, standard_only=False,
    )  # fmt: skip


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (substitutions, insertions, deletions each cost 1), numpy row updates."""
    import numpy as np

    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    steps = np.arange(len(b) + 1)
    prev = steps.copy()
    for i, ch in enumerate(a, 1):
        cost = (bb != ord(ch)).astype(np.int64)
        tmp = np.empty_like(prev)
        tmp[0] = i
        tmp[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        # insertions along the row: D[j] = min_k<=j (tmp[k] + j - k)
        prev = np.minimum.accumulate(tmp - steps) + steps
    return int(prev[-1])


def maxdist(parent: Any) -> ProteinOracle:
    """Edit distance to a parent sequence, for designs that must stay close to it: ``maxdist(SEQ)<=5``
    (``SEQ`` may also be a FASTA/text file: its first sequence is the parent).

    The limit is hard: the default softness is 0.01 residues, so one edit over the limit already scores 0
    (a veto in the geometric mean), and outside benchmark mode the design engine rejects such candidates
    before scoring, for free (the term is ``cheap``)."""
    from pathlib import Path

    text = str(parent).strip()
    if Path(text).expanduser().is_file():  # maxdist(parent.fasta): the file's first sequence
        path = Path(text).expanduser()
        records = parse_candidates(path.read_text(), path.name)
        text = records[0] if records else ""
    ref = normalize_sequence(text)
    if not ref or not set(ref) <= PROTEIN_EXTENDED:
        raise ValueError(
            f"maxdist(...) needs a protein sequence (letters {''.join(sorted(PROTEIN_EXTENDED))}), "
            f"got {str(parent)[:40]!r}"
        )
    short = ref if len(ref) <= 12 else f"{ref[:6]}..{ref[-4:]}"
    return ProteinOracle(
        f"maxdist({ref})", "minimize", f"edit distance to the parent {short} ({len(ref)} aa)",
        lambda s: float(edit_distance(s, ref)), scale=0.01, standard_only=False, cheap=True,
    )  # fmt: skip


PROTEIN_ORACLES: dict[str, Callable[..., ProteinOracle]] = {
    "gravy": gravy,
    "pi": pi,
    "instability": instability,
    "aromaticity": aromaticity,
    "charge": charge,
    "mw": mw,
    "helix": helix,
    "turn": turn,
    "sheet": sheet,
    "length": length,
    "motif": motif,
    "composition": composition,
    "maxdist": maxdist,
}

_SIGNATURES = {
    "charge": "charge(ph=7.0)",
    "mw": "mw(monoisotopic=false)",
    "motif": "motif(pattern, mode=count)",
    "composition": "composition(residues)",
    "maxdist": "maxdist(parent)",
}


_GENERIC_DESCRIPTIONS = {
    "motif": "occurrences of a sequence motif (regex, plain string or PROSITE pattern)",
    "composition": "fraction of residues from a set of letters or a named group (e.g. charged)",
    "maxdist": "edit distance to a parent sequence; maxdist(SEQ)<=5 is a hard limit",
}


def protein_oracle(name: str, *args: Any, **params: Any) -> ProteinOracle:
    """Build the protein oracle ``name`` (one of :data:`PROTEIN_ORACLES`) with its arguments.

    >>> protein_oracle("charge", ph=7.4)(["KKKK"])[0] > 0
    True
    """
    factory = PROTEIN_ORACLES.get(name.lower())
    if factory is None:
        raise OracleError(f"unknown protein oracle {name!r}; known: {', '.join(PROTEIN_ORACLES)}")
    return factory(*args, **params)


def _register() -> None:
    """Register every protein oracle as a target term; a name another module owns gets ``protein_`` prefixed."""
    from sciReason.oracles import registry

    # Load the built-in (molecule) modules first so their names win whatever the import order (e.g. "mw").
    registry.is_prefix_name("protein")
    for name, factory in PROTEIN_ORACLES.items():
        sig = _SIGNATURES.get(name, name)
        desc = _GENERIC_DESCRIPTIONS.get(name) or factory().description
        try:
            registry.register_oracle(name, factory, description=desc, domain="protein", signature=sig)
        except OracleError:
            alias = f"protein_{name}"
            logger.debug("oracle name %r is taken; registering the protein one as %r", name, alias)
            registry.register_oracle(
                alias, factory, description=desc, domain="protein", signature=f"protein_{sig}"
            )


_register()
