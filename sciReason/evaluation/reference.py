"""How the SciReasoner reference evaluation would read one raw completion, for the ``comparable`` flag.

sciReason reads answers with its own rules (:mod:`sciReason.parsing`): one reasoning splitter, tolerant
tags, the final verdict. Where those rules differ from the reference's extraction (documented in
``docs/evaluation.md``), a number can differ. This module re-states the reference's extraction rules
(facts taken from the public OpenCompass fork dave1362/SciReason, commit 1f45b58b; no code copied) so
that every scored item can be checked: does sciReason read this answer the way the reference does?
An item read differently, or one the reference would hand to a model (the Biology-Instructions NLI
classifier, the PEER GPT judge), makes the metric ``comparable: false`` with the count in the note.

A reading is ``ReferenceReading(status, value)``: ``status`` is ``"read"`` (``value`` is the answer in
sciReason's value space, or ``None`` when the reference finds no usable answer) or ``"model"`` (the
reference would ask a model; the value is unknown).

The reference's decoder stops at the EOS tokens, so special tokens are removed first here as in
:func:`sciReason.parsing.strip_special`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sciReason import verdicts
from sciReason.parsing import strip_special

__all__ = ["ReferenceReading", "agrees", "gold_agrees", "reference_reading"]


@dataclass(frozen=True)
class ReferenceReading:
    status: str  # "read" | "model"
    value: Any = None


_NONE = ReferenceReading("read", None)
_MODEL = ReferenceReading("model", None)


def _read(value: Any) -> ReferenceReading:
    return ReferenceReading("read", value)


# ---------------------------------------------------------------- shared extraction steps


def _drop_closed_think(text: str) -> str:
    return re.sub(r"<think>.*?</think>", "", text, flags=re.S)


def _drop_through_think_close(text: str) -> str:
    # Mol-Instructions and PEER also drop everything up to a leftover </think> ("for gpt-oss-120b").
    return re.sub(r".*?</think>\s*", "", text, flags=re.S)


def _between_first(text: str, left: str, right: str) -> str:
    """LLM4Chem/OPI tag extraction: first left tag, first right tag (anywhere), the text between."""
    i, j = text.find(left), text.find(right)
    if i == -1 or j == -1:
        return ""
    return text[i + len(left) : j].strip()


def _gue_think(text: str) -> str:
    """GUE and LLM4Mat: closed blocks removed; an unclosed <think> blanks the whole answer."""
    if "<think>" not in text:
        return text
    if "</think>" not in text:
        return ""
    return _drop_closed_think(text)


def _float(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _rdkit_canonical(smiles: str, isomeric: bool = True) -> str | None:
    """Canonical SMILES when RDKit parses every '.'-component of ``smiles`` as given (no clean-up)."""
    if not smiles:
        return None
    from rdkit import Chem

    from sciReason.representations import rdkit_quiet

    with rdkit_quiet():
        for part in smiles.split("."):
            if not part or Chem.MolFromSmiles(part) is None:
                return None
        mol = Chem.MolFromSmiles(smiles)
        return None if mol is None else Chem.MolToSmiles(mol, isomericSmiles=isomeric)


# ---------------------------------------------------------------- SMolInstruct (LLM4Chem)

_SMOL_TAGS = {
    "smiles": "SMILES",
    "formula": "MOLFORMULA",
    "iupac": "IUPAC",
    "number": "NUMBER",
    "boolean": "BOOLEAN",
}
_SMOL_FORMULA = re.compile(
    r"[\[\(]?[A-Z][a-z]?\d*(?:\([A-Za-z0-9]+\)\d*)?[\]\)]?(?:[A-Z][a-z]?\d*|\([^\)]+\)\d*|\[[^\]]+\]\d*)*"
    r"(?:[+-]{1,2})?(?:·\d*[A-Z][a-z]?\d*)*"
)


def _smol(spec: Any, text: str) -> ReferenceReading:
    text = _drop_closed_think(text)
    tag = _SMOL_TAGS.get(spec.parser)
    if tag is None:  # captioning: the whole (think-free) text
        plain = text.replace("<unk>", "").replace("</s>", "").strip()
        return _read(plain or None)
    pred = _between_first(text, f"<{tag}>", f"</{tag}>")
    if spec.parser == "smiles":
        pred = pred.replace(";", ".")
    if pred == "":
        if tag == "BOOLEAN":
            words = re.findall(r"\b(?:yes|true|no|false)\b", text, re.I)
            return _read(words[-1].lower() in ("yes", "true") if words else None)
        if tag == "NUMBER":
            nums = re.findall(r"-?\d*\.\d+|-?\d+", re.sub(r"<SMILES>.*?</SMILES>", "", text, flags=re.S))
            return _read(_float(nums[-1]) if nums else None)
        if tag == "MOLFORMULA":
            found = _SMOL_FORMULA.findall(text)
            pred = found[-1] if found else ""
        if pred == "":
            return _NONE
    if spec.parser == "smiles":
        return _read(_rdkit_canonical(pred))
    if spec.parser == "number":
        return _read(_float(pred))
    if spec.parser == "boolean":
        word = pred.strip().lower()
        return _read({"yes": True, "no": False}.get(word))
    if spec.parser == "formula":  # the reference's formula check rejects anything but letters/digits/charge
        return _read(pred if _smol_formula_counts(pred) is not None else None)
    return _read(pred)


def _uspto(spec: Any, text: str) -> ReferenceReading:
    found = re.findall(r"<SMILES>(.*?)</SMILES>", _drop_closed_think(text), re.S)
    return _read(_rdkit_canonical(found[-1].strip()) if found else None)


# ---------------------------------------------------------------- Biology-Instructions

# The reference's keyword lists live in sciReason.verdicts (shared with the parser that extends them).
_BIO_NEGATIVE = verdicts.BIO.keywords["no"]
_BIO_POSITIVE = verdicts.BIO.keywords["yes"]
_BIO_DONT_KNOW = verdicts.BIO.dont_know
_MODIFICATIONS = ("AtoI", "m6Am", "m1A", "m5C", "m5U", "m6A", "m7G", "Psi", "Am", "Cm", "Gm", "Um", "none")


def _any_keyword(words: Sequence[str], text: str) -> bool:
    return re.search(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", text) is not None


def bio_keyword_class(text: str) -> int | str | None:
    """The reference's Biology-Instructions keyword classifier: 0, 1, "dont_know", or None (NLI model)."""
    low = text.lower()
    if _any_keyword(_BIO_NEGATIVE, low):
        return 0
    if _any_keyword(_BIO_POSITIVE, low):
        return 1
    if _any_keyword(_BIO_DONT_KNOW, low):
        return "dont_know"
    return None


def _bio_numbers(text: str) -> list[float]:
    text = text.replace("5'", "five'").replace("3'", "three")
    out = []
    for num in re.findall(r"(?<![a-zA-Z])[-\u2011]?\d+\.?\d*", text):
        out.append(float(f"{float(num.replace(chr(0x2011), '-')):.6g}"))
    return out


def _bio(spec: Any, text: str) -> ReferenceReading:
    multi = spec.parser == "numbers"  # enhancer_activity, ProgrammableRNASwitches: no <summary> split
    if "<summary>" in text and not multi:
        text = text.split("<summary>")[-1]
    unterminated = "</think>" not in text and "<think>" in text
    if "</think>" in text:
        text = text.split("</think>")[-1]
    if spec.parser == "yes_no":
        cls = bio_keyword_class(text)
        if cls == "dont_know":
            return _NONE  # forced wrong, as an unparsed answer
        if cls is None:
            return _MODEL if text.strip() else _NONE
        return _read(bool(cls))
    if spec.parser == "number":
        if unterminated:
            return _NONE
        nums = _bio_numbers(text)
        # the Isoform (> 80) and CRISPROnTarget (> 300) cuts are metric parameters on both sides
        return _read(nums[0] if len(nums) == 1 else None)
    if multi:
        nums = _bio_numbers(text)
        return _read(nums if len(nums) == spec.n_values else None)
    if spec.parser == "label_set":
        found = [c for c in _MODIFICATIONS if re.search(rf"\b{c}\b", text)]
        if found:
            return _read(found)
        cls = bio_keyword_class(text)
        if cls == 0:
            return _read(["none"])
        if cls in (1, "dont_know"):  # "dont_know" becomes an all-zero label vector in the reference
            return _read([])
        return _MODEL
    return _NONE


# ---------------------------------------------------------------- GUE, LLM4Mat, PEER

_GUE_POSITIVE = verdicts.GUE.keywords["yes"]
_GUE_NEGATIVE = verdicts.GUE.keywords["no"]


def _gue(spec: Any, text: str) -> ReferenceReading:
    text = _gue_think(text.strip())
    if not text:
        return _NONE
    m = re.search(r"\bThe prediction result is\s+(positive|negative)\b", text, re.I)
    if m:
        return _read(m.group(1).lower() == "positive")
    if any(re.search(rf"\b{re.escape(w)}\b", text, re.I) for w in _GUE_NEGATIVE):
        return _read(False)
    if any(re.search(rf"\b{re.escape(w)}\b", text, re.I) for w in _GUE_POSITIVE):
        return _read(True)
    return _NONE


_LLM4MAT_OPTIONS = {
    "Direct_or_indirect": ("Indirect", "Direct"),
    "Direct_or_indirect_HSE": ("Indirect", "Direct"),
    "SOC": ("True", "False"),
    "is_gap_direct": ("True", "False"),
    "is_stable": ("True", "False"),
}


def _llm4mat(spec: Any, text: str) -> ReferenceReading:
    import json

    text = _gue_think(text.strip())
    if not text:
        return _NONE
    key = spec.property_key or ""
    options = _LLM4MAT_OPTIONS.get(key)
    clean = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip(), flags=re.I | re.M)

    def option(raw: Any) -> Any:
        low = str(raw).lower()
        return next((o for o in options or () if o.lower() == low), None)

    def number_as_option(value: float) -> Any:
        # the reference compares a JSON number with "True"/True and "False"/False: 1 and 0 only
        yes = next((o for o in options or () if o in ("True", "Direct")), None)
        no = next((o for o in options or () if o in ("False", "Indirect")), None)
        return {1.0: yes, 0.0: no}.get(value)

    try:
        data = json.loads(clean)
    except ValueError:
        data = None
    if isinstance(data, dict) and key in data:
        raw = data[key]
        if isinstance(raw, (int, float)):
            return _read(number_as_option(float(raw)) if options else _float(raw))
        return _read(option(raw) if options else _float(raw))
    m = re.search(rf"\{{[^{{}}]*\"?{re.escape(key)}\"?\s*:\s*(.*?)\s*\}}", clean, flags=re.S | re.I)
    if not m:
        return _NONE
    raw = m.group(1).strip().strip('"')
    return _read(option(raw) if options else _float(raw))


_PEER_POSITIVE = verdicts.PEER.keywords["yes"]
_PEER_NEGATIVE = verdicts.PEER.keywords["no"]


def _peer(spec: Any, text: str) -> ReferenceReading:
    text = _drop_through_think_close(_drop_closed_think(text))
    m = re.search(r"The answer is\s+(Yes|No)", text, re.I)
    if m:
        return _read(m.group(1).lower() == "yes")
    if any(re.search(re.escape(p), text, re.I) for p in _PEER_POSITIVE):  # substrings, positive first
        return _read(True)
    if any(re.search(re.escape(p), text, re.I) for p in _PEER_NEGATIVE):
        return _read(False)
    return _NONE if spec.id == "stability" else _MODEL  # stability runs without the GPT judge


# ---------------------------------------------------------------- Mol-Instructions


def _mol_instructions_clean(text: str, prefixes: bool) -> str:
    text = text.strip()
    if prefixes:
        text = re.sub(r"^(Response:|Answer:)\s*", "", text, flags=re.I)
    text = _drop_through_think_close(_drop_closed_think(text))
    if prefixes:
        text = re.sub(r"^(I would say that|I would like to say that)\s*", "", text, flags=re.I)
    return text.strip()


def _choice_letter(pred: str) -> str | None:
    for letter in "ABCD":
        if f"({letter}" in pred or f"{letter})" in pred or f" {letter} " in pred:
            return letter
    return pred[0] if pred and pred[0] in "ABCD" else None


def _tf_word(pred: str) -> str | None:
    low = pred.strip().lower()
    if "yes" in low:
        return "yes"
    if "no" in low:
        return "no"
    if "maybe" in low or "may be" in low or "might" in low:
        return "maybe"
    return None


def _mol_instructions(spec: Any, text: str) -> ReferenceReading:
    group = spec.group
    if group.startswith("Mol-Instructions biotext"):
        text = _mol_instructions_clean(text, prefixes=True)
        if spec.parser == "tuples":
            low = text.lower()
            found = re.findall(r"\(.*?\)", low) or re.findall(r"\(.*?\)", f"({low})")
            return _read(sorted({t.strip() for t in found}))
        if spec.parser == "entity_list":
            return _read(sorted(set(text.lower().split(", "))))
        if spec.parser == "choice":
            return _read(_choice_letter(text))
        if spec.parser == "yes_no_maybe":
            return _read(_tf_word(text))
        return _read(text or None)
    if group.startswith("Mol-Instructions molecule"):
        text = _mol_instructions_clean(text, prefixes=False)
        if spec.parser == "number":
            text = re.sub(r"(?<=\d) +(?=\d)|(?<=\.) +(?=\d)", "", text)
            m = re.search(r"[-+]?\d*\.\d+|\d+", text)
            return _read(float(m.group(0)) if m else 0.0)  # no number reads as 0 in the reference
        if spec.parser == "smiles":
            m = re.search(r"<SMILES>(.*?)</SMILES>", text)
            if not m:
                return _NONE
            content = m.group(1).strip()
            if content == "":
                return _read("")  # RDKit parses '' as an empty molecule: counted valid by the reference
            return _read(_rdkit_canonical(content, isomeric=False))
        if "." in text:  # description generation: the text up to its last period
            text = text.rsplit(".", 1)[0] + "."
        return _read(text or None)
    # Mol-Instructions protein
    text = strip_special(text).strip()
    text = _drop_through_think_close(_drop_closed_think(text))
    if spec.parser == "protein":
        m = re.search(r"<protein>(.*?)</protein>", text)
        seq = "".join(ch for ch in m.group(1) if ch in "ACDEFGHIKLMNPQRSTVWY") if m else ""
        return _read(seq or None)
    return _read(text.strip() or None)


# ---------------------------------------------------------------- OPI


def _opi(spec: Any, text: str) -> ReferenceReading:
    text = text.strip()  # OPI never strips <think> and never reads its answer tags
    if spec.parser == "term_list":
        return _read(sorted({p.strip() for p in re.split(r"[;,，；]\s*", text) if p.strip()}))
    if spec.parser == "text":
        return _read(text or None)
    return _read(text.lower() or None)  # EC / fold / location: whole-string match (the key bug)


# ---------------------------------------------------------------- generation tasks


def _material(spec: Any, text: str) -> ReferenceReading:
    m = re.search(r"<material>(.*?)</material>", text, re.S | re.I)
    content = m.group(1).strip() if m else ""
    # every material config runs the bulk-modulus evaluator (name shadowing): ASCII <sg> only
    fm = re.match(r"([A-Z][a-z]?(?: [A-Z][a-z]?)*?)\s*(?:<sg>\s*)?<sg(\d+)>", content)
    if not fm:
        return _NONE
    return _read((tuple(sorted(fm.group(1).split())), int(fm.group(2))))


def _rna(spec: Any, text: str) -> ReferenceReading:
    text = text.replace("T", "U").replace("t", "u")
    m = re.search(r"<rna>(.*?)</rna>", text, re.S | re.I)
    seq = m.group(1).strip().upper() if m else ""
    return _read(seq if seq and set(seq) <= set("AUCG") else None)


def _upg(spec: Any, text: str) -> ReferenceReading:
    found = re.findall(r"<protein>(.*?)</protein>", text, re.S)
    if not found:
        return _NONE
    seq = found[-1].strip().replace(";", "").replace(" ", "").upper()
    seq = "".join(ch for ch in seq if ch in "ACDEFGHIKLMNPQRSTVWY-")
    return _read(seq or None)


def _umg(spec: Any, text: str) -> ReferenceReading:
    from rdkit import Chem

    from sciReason.representations import rdkit_quiet

    with rdkit_quiet():
        if "<SMILES>" not in text:

            def wrap(m: re.Match[str]) -> str:
                cand = m.group(1)
                ok = len(cand) >= 4 and "<" not in cand and ">" not in cand
                if ok and Chem.MolFromSmiles(cand, sanitize=False) is not None:
                    return f"<SMILES> {cand} </SMILES>"
                return cand

            text = re.sub(
                r"(?<!\*)([A-Za-z0-9\u2080-\u2089\(\)\.\+\-\=\#\$\:\@\*/%\\]{2,})(?!\*)", wrap, text
            )
        m = re.search(r"<SMILES> ([A-Za-z0-9()=#+@\\/\.-]+) </SMILES>", text)
        smiles = m.group(1) if m else text
        if Chem.MolFromSmiles(smiles.strip()) is None:
            return _NONE
    return _read(_rdkit_canonical(smiles.strip()))


# ---------------------------------------------------------------- dispatch

_BY_GROUP: tuple[tuple[str, Callable[[Any, str], ReferenceReading]], ...] = (
    ("LLM4Chem", _smol),
    ("Retrosynthesis USPTO", _uspto),
    ("bio_instruction", _bio),
    ("GUE", _gue),
    ("LLM4Mat", _llm4mat),
    ("PEER", _peer),
    ("Mol-Instructions", _mol_instructions),
    ("OPI", _opi),
    ("uncond material", _material),
    ("composition->material", _material),
    ("bulk modulus->material", _material),
    ("uncond RNA", _rna),
    ("UPG", _upg),
    ("UMG", _umg),
)


def reference_reading(spec: Any, text: str | None) -> ReferenceReading | None:
    """The reference's reading of ``text`` for task ``spec``; ``None`` for a task it does not cover."""
    if not isinstance(text, str):
        return _NONE
    group = str(getattr(spec, "group", ""))
    for prefix, fn in _BY_GROUP:
        if group.startswith(prefix):
            try:
                return fn(spec, strip_special(text))
            except Exception:  # noqa: BLE001 - a crash in the reference is "no usable answer"
                return _NONE
    return None


# ---------------------------------------------------------------- agreement


def _smol_formula_counts(formula: str) -> dict[str, int] | None:
    """The reference's element counting: letters/digits/charge only, atoms read greedily until the first
    character that is not an atom (so "Done" counts as one "Do")."""
    if not re.match(r"([A-Za-z]\d*)+([\+\-]\d*)*$", formula):
        return None
    counts: dict[str, int] = {}
    rest = formula
    while rest:
        m = re.match(r"([A-Z][a-z]?)(\d+)?", rest)
        if not m:
            break
        counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2) or 1)
        rest = rest[m.end() :]
    charge = re.search(r"[\+\-]\d*", formula)
    if charge:
        counts[charge.group()[0]] = int(charge.group()[1:] or 1)
    return counts


def _same_number(a: Any, b: Any) -> bool:
    fa, fb = _float(a), _float(b)
    if fa is None or fb is None:
        return fa is fb
    return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa), abs(fb))


def _as_binary(value: Any) -> int | None:
    from sciReason.evaluation.metrics.base import as_binary

    return as_binary(value)


def agrees(spec: Any, ours: Any, ref: ReferenceReading) -> bool:
    """Whether sciReason's parsed value ``ours`` (``None`` = unparsed) is the reference's reading."""
    if ref.status == "model":
        return False
    theirs = ref.value
    if ours is None or theirs is None:
        return ours is None and theirs is None
    kind, parser, group = spec.output_kind, spec.parser, str(spec.group)
    if parser == "smiles":
        from sciReason.representations import canonical_smiles

        if group.startswith("Mol-Instructions"):
            return canonical_smiles(ours, isomeric=False) == theirs
        from sciReason.evaluation.metrics.chem import inchi_set

        return inchi_set(ours) is not None and inchi_set(ours) == inchi_set(theirs)
    if parser == "formula":
        return _smol_formula_counts(str(ours)) == _smol_formula_counts(str(theirs))
    if parser == "iupac":
        return sorted(str(ours).split(";")) == sorted(str(theirs).split(";"))
    if kind == "number":
        return _same_number(ours, theirs)
    if kind == "numbers":
        return len(ours) == len(theirs) and all(_same_number(a, b) for a, b in zip(ours, theirs, strict=True))
    if kind == "boolean" or (parser == "llm4mat" and spec.options):
        return _as_binary(ours) is not None and _as_binary(ours) == _as_binary(theirs)
    if parser == "tuples":
        rendered = sorted({"(" + ", ".join(p.lower() for p in t) + ")" for t in ours})
        return rendered == theirs
    if parser == "entity_list":
        return sorted({e.lower() for e in ours}) == theirs
    if parser == "term_list":
        return sorted(set(ours)) == theirs
    if parser == "label_set":
        return sorted(ours) == sorted(theirs)
    if parser in ("choice", "yes_no_maybe"):
        return ours == theirs
    if parser in ("label", "ec_numbers"):  # OPI whole-string comparison (already not comparable)
        text = ", ".join(ours) if isinstance(ours, list) else str(ours)
        return text.strip().lower() == str(theirs)
    if parser == "material":
        els = tuple(sorted(ours.get("elements", ()))) if isinstance(ours, dict) else ()
        return (els, ours.get("space_group") if isinstance(ours, dict) else None) == theirs
    if parser in ("protein", "rna", "dna"):
        return str(ours) == str(theirs)
    if kind == "text":
        return str(ours).strip().rstrip(".") == str(theirs).strip().rstrip(".")
    return ours == theirs


def gold_agrees(spec: Any, gold: Any, ours: Sequence[Any]) -> bool:
    """Whether the reference reads a string gold answer as sciReason does (true/false and multiple-choice
    questions have their own gold rules in the reference; other golds are stored in the answer format)."""
    if not isinstance(gold, str):
        return True
    if spec.parser == "yes_no_maybe":
        word = gold.split(",")[0].strip().lower()
        return word in ("yes", "no", "maybe") and list(ours) == [word]
    if spec.parser == "choice":
        try:
            letter = gold.split("(")[1].split(")")[0]
        except IndexError:
            return False
        return list(ours) == [letter]
    return True
