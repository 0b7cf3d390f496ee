"""Read model output: split reasoning from the answer, extract answer tags, parse typed values.

One shared reasoning splitter for every task (closed ``<think>`` blocks, unterminated reasoning, and a
server-separated reasoning field), applied before any extraction. Parsers never raise on model output:
they return :class:`Parsed` with ``valid=False`` and a reason. Tags are matched tolerantly (spaces inside
and around the tag, any case); when a tag occurs several times the LAST complete occurrence is the answer
(a model may restate the question's tags before answering).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sciReason import verdicts
from sciReason.representations import (
    canonical_smiles,
    normalize_sequence,
    parse_formula,
    parse_material,
    sequence_problem,
)

SPECIAL_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|im_start|>assistant", "<|im_start|>")
_THINK_OPEN = re.compile(r"<\s*think\s*>", re.I)
_THINK_CLOSE = re.compile(r"<\s*/\s*think\s*>", re.I)


@dataclass(frozen=True)
class Reasoned:
    reasoning: str | None
    answer: str
    unterminated: bool = False


@dataclass(frozen=True)
class Parsed:
    """A parsed answer.

    Attributes:
        value: the typed value (canonical SMILES, float, bool, label, list, dict) or ``None``.
        valid: whether ``value`` passed validation.
        reason: why it is invalid (``None`` when valid).
        answer: the answer text the value was read from (tag content, or the answer part).
    """

    value: Any
    valid: bool
    reason: str | None
    answer: str


def _bad(reason: str, answer: str = "") -> Parsed:
    return Parsed(None, False, reason, answer)


def strip_special(text: str) -> str:
    for tok in SPECIAL_TOKENS:
        text = text.replace(tok, "")
    return text


def split_reasoning(text: str | None, reasoning: str | None = None) -> Reasoned:
    """Split ``<think>...</think>`` (or a server's reasoning field) from the answer.

    - closed block(s): reasoning = everything up to the last ``</think>``, answer = the rest;
    - ``<think>`` without ``</think>``: the completion stopped while reasoning: answer is empty and
      ``unterminated`` is True (never parse reasoning text as an answer);
    - ``reasoning`` given (vLLM ``reasoning`` / SGLang ``reasoning_content``): it is the reasoning and the
      text is the answer (inline blocks in the text are still removed).
    """
    body = strip_special(text or "")
    closes = list(_THINK_CLOSE.finditer(body))
    if closes:
        last = closes[-1]
        inline = _THINK_OPEN.sub("", body[: last.start()]).strip()
        answer = body[last.end() :].strip()
        merged = "\n".join(x for x in (reasoning, inline) if x) or None
        return Reasoned(merged, answer)
    opened = _THINK_OPEN.search(body)
    if opened:
        inline = body[opened.end() :].strip()
        merged = "\n".join(x for x in (reasoning, inline) if x) or None
        return Reasoned(merged, body[: opened.start()].strip(), unterminated=True)
    return Reasoned(reasoning or None, body.strip())


_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z_|]+\s*>")


def _tag_pattern(tag: str) -> re.Pattern[str]:
    t = re.escape(tag)
    return re.compile(rf"<\s*{t}\s*>(.*?)<\s*/\s*{t}\s*>", re.I | re.S)


def extract_tag(text: str, tag: str, allow_unclosed: bool = True) -> str | None:
    """Content of the last complete ``<tag> ... </tag>``; with ``allow_unclosed``, the text after a final
    opening tag that was never closed (servers drop the stop string from the output)."""
    matches = _tag_pattern(tag).findall(text)
    if matches:
        return matches[-1].strip()
    if allow_unclosed:
        opens = list(re.finditer(rf"<\s*{re.escape(tag)}\s*>", text, re.I))
        if opens:
            rest = text[opens[-1].end() :]
            rest = re.split(r"<\s*/?\s*[A-Za-z_]+\s*>", rest, maxsplit=1)[0]
            return rest.strip() or None
    return None


_DONT_KNOW = re.compile(
    r"\b(i don'?t know|unknown|unsure|uncertain|cannot (?:be )?determine|not sure|not applicable)\b", re.I
)


# ---------------------------------------------------------------- numbers

# A number not glued to a word (``C1``) and not a 5'/3' end label; keeps signs (also U+2011 and U+2212) and
# exponents.
_NUM = re.compile(
    r"(?<![\w.])([-+\u2212\u2011]\s?)?(\d+(?:\.\d*)?|\.\d+)(?:\s?[eE]\s?([-+\u2212]?\d+))?(?![\d'\u2032\u2019])"
)


def find_numbers(text: str) -> list[float]:
    """All numbers in ``text``, keeping signs (``-1``, ``- 0.2``, ``−3``) and exponents (``1e-3``); the
    ``5'`` / ``3'`` of a sequence end are not numbers."""
    out = []
    for m in _NUM.finditer(text):
        sign = (m.group(1) or "").replace(" ", "").replace("\u2212", "-").replace("\u2011", "-")
        exp = (m.group(3) or "").replace("\u2212", "-")
        literal = f"{sign}{m.group(2)}" + (f"e{exp}" if exp else "")
        try:
            value = float(literal)
        except ValueError:
            continue
        if math.isfinite(value):
            out.append(value)
    return out


def _six_significant(value: float) -> float:
    # Biology-Instructions keeps 6 significant digits of every number it reads (same as the reference).
    return float(f"{value:.6g}")


_SMILES_BLOCK = re.compile(r"<\s*SMILES\s*>.*?<\s*/\s*SMILES\s*>", re.I | re.S)


def parse_number(answer: str, group: str = "") -> Parsed:
    """A number: the first one inside ``<NUMBER>``; untagged, by the task family's rule.

    SMolInstruct reads the LAST number outside ``<SMILES>`` blocks (the final value of a reasoned reply);
    Biology-Instructions reads the ``<summary>`` block first and keeps 6 significant digits; other
    families read the first number.
    """
    tagged = extract_tag(answer, "NUMBER")
    if tagged is not None:
        nums = find_numbers(tagged)
        if not nums:
            return _bad(f"no number in answer {tagged[:60]!r}", tagged)
        return Parsed(nums[0], True, None, tagged)
    source = answer
    if group.startswith("bio_instruction"):
        source = after_summary(answer)
    elif group.startswith("LLM4Chem"):
        nums = find_numbers(_SMILES_BLOCK.sub(" ", answer))
        if not nums:
            return _bad(f"no number in answer {answer[:60]!r}", answer)
        return Parsed(nums[-1], True, None, answer)
    nums = find_numbers(source)
    if not nums:
        return _bad(f"no number in answer {source[:60]!r}", source)
    value = _six_significant(nums[0]) if group.startswith("bio_instruction") else nums[0]
    return Parsed(value, True, None, source)


def parse_numbers(answer: str, n_values: int = 1, group: str = "") -> Parsed:
    bio = group.startswith("bio_instruction")
    source = after_summary(answer) if bio else answer
    nums = find_numbers(source)
    if len(nums) < n_values:
        return _bad(f"expected {n_values} numbers, found {len(nums)} in {source[:60]!r}", source)
    values = [_six_significant(x) for x in nums[:n_values]] if bio else nums[:n_values]
    return Parsed(values, True, None, source)


# ---------------------------------------------------------------- molecules and sequences


def parse_smiles(answer: str) -> Parsed:
    tagged = extract_tag(answer, "SMILES")
    if tagged is None:
        tokens = answer.split()
        if len(tokens) != 1:
            return _bad("no <SMILES> tag in answer", answer)
        tagged = tokens[0]
    text = tagged.replace(";", ".").strip()
    if not text:
        return _bad("empty <SMILES> tag", tagged)
    frags = text.split(".")
    canon_frags = []
    for frag in frags:  # every component must parse: 'CCO.C1CC' is invalid, not silently 'CCO'
        c = canonical_smiles(frag)
        if c is None:
            return _bad(f"RDKit cannot parse SMILES {frag!r}", text)
        canon_frags.append(c)
    whole = canonical_smiles(text)
    return Parsed(whole if whole is not None else ".".join(canon_frags), True, None, text)


def parse_iupac(answer: str) -> Parsed:
    tagged = extract_tag(answer, "IUPAC")
    if tagged is None:
        lines = [ln for ln in answer.splitlines() if ln.strip()]
        # Untagged fallback only for a bare name: one short line, not a sentence, not "I am not sure".
        if (
            len(lines) != 1
            or len(lines[0].split()) > 4
            or _DONT_KNOW.search(lines[0])
            or _ANY_TAG.search(lines[0])
        ):
            return _bad("no <IUPAC> tag in answer", answer)
        tagged = lines[0]
    name = tagged.strip().rstrip(".")
    return Parsed(name, True, None, tagged) if name else _bad("empty IUPAC name", tagged)


_FORMULA_WORD = re.compile(r"(?:[A-Z][a-z]?\d*)+(?:[+-]\d*|\d*[+-])?")
_WORD_EDGE = ".,;:!?\"'`*()[]{}"


def _formula_in_sentence(answer: str) -> str | None:
    """The last whole word of a sentence that is a formula (``Its formula works out to C2H6O.``).

    A word must parse as a formula over real element symbols AND carry a count or two elements, so
    ordinary capitalised words (``I``, ``In``, ``He``, ``Done``) are never read as formulas.
    """
    found = None
    for token in answer.split():
        word = token.strip(_WORD_EDGE)
        if not _FORMULA_WORD.fullmatch(word) or parse_formula(word) is None:
            continue
        if re.search(r"\d", word) or len(re.findall(r"[A-Z]", word)) >= 2:
            found = word
    return found


def parse_formula_answer(answer: str) -> Parsed:
    tagged = extract_tag(answer, "MOLFORMULA")
    if tagged is None:
        tokens = answer.split()
        if len(tokens) == 1:
            tagged = tokens[0].strip(_WORD_EDGE) or tokens[0]
        else:  # never read a formula out of ordinary words ("Do" from "Done")
            tagged = _formula_in_sentence(answer)
            if tagged is None:
                return _bad("no <MOLFORMULA> tag and no formula in the answer", answer)
    counts = parse_formula(tagged)
    if counts is None:
        return _bad(f"not a molecular formula: {tagged!r}", tagged)
    return Parsed(tagged.replace(" ", ""), True, None, tagged)


def _parse_sequence(answer: str, kind: str, tag: str) -> Parsed:
    tagged = extract_tag(answer, tag)
    if tagged is None:
        tokens = answer.split()
        if len(tokens) != 1:
            return _bad(f"no <{tag}> tag in answer", answer)
        tagged = tokens[0]
    seq = normalize_sequence(tagged)  # lower case and line breaks inside the tag are fine
    problem = sequence_problem(seq, kind)
    return _bad(problem, tagged) if problem else Parsed(seq, True, None, tagged)


def parse_material_answer(answer: str) -> Parsed:
    tagged = extract_tag(answer, "material")
    if tagged is None:
        return _bad("no <material> tag in answer", answer)
    mat, problem = parse_material(tagged)
    if mat is None:
        return _bad(problem or "unparsable material", tagged)
    value = {"elements": list(mat.elements), "space_group": mat.space_group, "formula": mat.formula}
    return Parsed(value, True, None, tagged)


# ---------------------------------------------------------------- labels and verdicts

_SUMMARY_OPEN = re.compile(r"<\s*summary\s*>", re.I)
_SUMMARY_CLOSE = re.compile(r"<\s*/\s*summary\s*>", re.I)


def after_summary(answer: str) -> str:
    """The text after the last ``<summary>`` tag (its closing tag removed), else the whole answer.

    Biology-Instructions prompts ask for a ``<summary>`` of the prediction; the reference reads it first.
    """
    opens = list(_SUMMARY_OPEN.finditer(answer))
    if not opens:
        return answer
    return _SUMMARY_CLOSE.sub(" ", answer[opens[-1].end() :]).strip()


def _verdict(text: str, vocab: verdicts.Vocabulary, source: str) -> Parsed:
    v = verdicts.read_verdict(text, vocab)
    if v.label is None:
        return _bad(v.reason or "no clear verdict in answer", source)
    return Parsed(v.label == "yes", True, None, source)


def parse_boolean(answer: str) -> Parsed:
    """SMolInstruct ``<BOOLEAN>``: the tag's verdict; untagged, the final verdict (the reference reads the
    last yes/true/no/false word)."""
    tagged = extract_tag(answer, "BOOLEAN")
    source = tagged if tagged is not None else answer
    return _verdict(source, verdicts.BOOLEAN, source)


def parse_bio_yes_no(answer: str) -> Parsed:
    """Biology-Instructions binary tasks: the ``<summary>`` block first, then the reference's keyword
    classifier (negative keywords before positive ones, "don't know" forced wrong) under the final-verdict
    layers of :mod:`sciReason.verdicts`. The reference's NLI-model fallback is not run."""
    text = after_summary(answer)
    return _verdict(text, verdicts.BIO, text)


def parse_gue(answer: str) -> Parsed:
    """GUE: the last "The prediction result is positive/negative", else the reference's keyword rule."""
    found = list(re.finditer(r"\bThe prediction result is\s+(positive|negative)\b", answer, re.I))
    if found:
        m = found[-1]
        return Parsed(m.group(1).lower() == "positive", True, None, m.group(0))
    return _verdict(answer, verdicts.GUE, answer)


def parse_peer(answer: str) -> Parsed:
    """PEER: the last "The answer is Yes/No", else the reference's keyword rule with word boundaries."""
    found = list(re.finditer(r"\bThe answer is\s*:?\s*(yes|no)\b", answer, re.I))
    if found:
        m = found[-1]
        return Parsed(m.group(1).lower() == "yes", True, None, m.group(0))
    return _verdict(answer, verdicts.PEER, answer)


_ANSWER_PREFIX = re.compile(
    r"^\s*(?:(?:final\s+)?answer|response|result|output)\s*[:：]\s*|^\s*I would (?:like to )?say that\s+",
    re.I,
)


def strip_answer_prefix(answer: str) -> str:
    """Drop a leading "Answer:" / "Response:" / "I would say that" (the reference strips these too)."""
    text = answer.strip()
    while True:
        cut = _ANSWER_PREFIX.sub("", text, count=1)
        if cut == text:
            return text
        text = cut.strip()


def parse_yes_no_maybe(answer: str) -> Parsed:
    """Mol-Instructions true/false questions: Yes / No / Maybe wherever the verdict stands."""
    text = strip_answer_prefix(answer)
    v = verdicts.read_verdict(text, verdicts.TRUE_FALSE)
    if v.label is None:
        return _bad(v.reason or "no Yes, No or Maybe in answer", text)
    return Parsed(v.label, True, None, text)


_LETTERS = "ABCD"
_CHOICE_CUES = (
    rf"\b(?:answer|option|choice)\s*(?:is|would be|:)?\s*(?:option\s*)?\(?([{_LETTERS}])\)?(?![\w'])",
    rf"\b(?:choose|chose|pick|select|go with|opt for)\s+(?:option\s*)?\(?([{_LETTERS}])\)?(?![\w'])",
)


def parse_choice(answer: str) -> Parsed:
    """The option letter A-D: an explicit choice ("the answer is C", "I would choose C") wins (the last
    one); else a letter opening the reply ("C.", "(C)"), else the first "(X)" / "X)", else the first
    letter standing alone as a word ("... C here"). An article "A" before a word is not a letter."""
    text = strip_answer_prefix(answer)
    for pat in _CHOICE_CUES:
        found = re.findall(pat, text)
        if found:
            return Parsed(found[-1], True, None, text)
    lead = re.match(rf"[\W_]*\(?([{_LETTERS}])(?![\w'])(?!\s+[a-z])", text)
    if lead:
        return Parsed(lead.group(1), True, None, text)
    paren = re.search(rf"\(([{_LETTERS}])\)|(?<![\w(])([{_LETTERS}])\)", text)
    if paren:
        return Parsed(paren.group(1) or paren.group(2), True, None, text)
    for m in re.finditer(rf"(?<![\w'-])([{_LETTERS}])(?![\w'-])", text):
        rest = text[m.end() :]
        if m.group(1) == "A" and re.match(r"\s+[a-z]", rest):  # the article
            continue
        return Parsed(m.group(1), True, None, text)
    return _bad("no option letter A-D in answer", text)


def _tag_or_answer(answer: str, tags: tuple[str, ...]) -> str:
    for tag in tags:
        got = extract_tag(answer, tag)
        if got is not None:
            return got
    return answer.strip()


# Answer tags of other output kinds: a reply wrapped in one of these is the wrong kind of answer for a
# list/label task (a <BOOLEAN> verdict is not a list of entities).
_KIND_TAGS = ("SMILES", "BOOLEAN", "NUMBER", "MOLFORMULA", "IUPAC", "protein", "rna", "dna", "material")
_SMILES_MARKS = re.compile(r"[=#@\[\]\\/]|[A-Za-z\])]\d|\(")


def wrong_kind(answer: str, own_tags: tuple[str, ...] = ()) -> str | None:
    """Why ``answer`` is the wrong kind of reply for a text list or label (``None`` when it is not)."""
    for tag in _KIND_TAGS:
        if tag not in own_tags and re.search(rf"<\s*/?\s*{tag}\s*>", answer, re.I):
            return f"the answer is a <{tag}> value, not the expected text"
    text = answer.strip().strip(".").strip()
    if re.fullmatch(r"(?:yes|no|true|false)", text, re.I):
        return f"the answer is a bare yes/no verdict ({text!r}), not the expected text"
    if find_numbers(text) and _NUM.sub("", text).strip(" ,;") == "":
        return f"the answer is a bare number ({text!r}), not the expected text"
    if text and not re.search(r"\s", text) and _SMILES_MARKS.search(text) and canonical_smiles(text):
        return f"the answer is a bare SMILES ({text!r}), not the expected text"
    if _DONT_KNOW.search(text) and len(text.split()) <= 8:
        return "the model says it does not know"
    return None


def parse_label(answer: str, tags: tuple[str, ...] = ()) -> Parsed:
    text = _tag_or_answer(answer, tags)
    problem = wrong_kind(text, tags)
    if problem:
        return _bad(problem, text)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return Parsed(first.rstrip("."), True, None, text) if first else _bad("empty answer", text)


def parse_term_list(answer: str, tags: tuple[str, ...] = ()) -> Parsed:
    text = _tag_or_answer(answer, tags)
    problem = wrong_kind(text, tags)
    if problem:
        return _bad(problem, text)
    terms = [t.strip().rstrip(".") for t in re.split(r"[;,，；\n]", text) if t.strip().rstrip(".")]
    return Parsed(terms, True, None, text) if terms else _bad("no terms in answer", text)


# RNA modification classes whose mention the reference reads as a label (case-sensitive, whole words).
def parse_label_set(answer: str, options: tuple[str, ...], group: str = "") -> Parsed:
    """Labels from a closed set (Biology-Instructions RNA modifications).

    The ``<summary>`` block is read first. Labels are whole, case-sensitive words (``m6A``, ``Psi``); a
    reply that names none is read by the verdict rule as the reference does: a negative verdict means the
    label ``none``, a positive one an empty label set.
    """
    text = after_summary(answer)
    terms = [t.strip(" .") for t in re.split(r"[;,，；\n]|\band\b", text) if t.strip(" .")]
    lookup = {o.lower(): o for o in options}
    found = [lookup[t.lower()] for t in terms if t.lower() in lookup]
    if not found:  # labels embedded in a sentence
        found = [o for o in options if re.search(rf"(?<![\w]){re.escape(o)}(?![\w])", text)]
    if found:
        return Parsed(sorted(set(found)), True, None, text)
    if group.startswith("bio_instruction") and "none" in lookup:
        v = verdicts.read_verdict(text, verdicts.BIO)
        if v.label == "no":
            return Parsed([lookup["none"]], True, None, text)
        if v.label == "yes":
            return Parsed([], True, None, text)
    return _bad("no known label in answer", text)


_EC = re.compile(r"(?<![\w.])\d+\.(?:\d+|-)\.(?:\d+|-)\.(?:n?\d+|-)(?![\w.])")


def parse_ec_numbers(answer: str, tags: tuple[str, ...] = ()) -> Parsed:
    text = _tag_or_answer(answer, tags)
    found = list(dict.fromkeys(_EC.findall(text)))
    return Parsed(found, True, None, text) if found else _bad("no EC number a.b.c.d in answer", text)


def _top_level_groups(text: str) -> list[str]:
    """Contents of the top-level ``( ... )`` groups; nested parentheses (chemical names) stay inside."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(text[start:i])
    return groups


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}" and depth:
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def parse_tuples(answer: str) -> Parsed:
    """Relation tuples ``(chemical, relation, target)``; a reply without parentheses is one tuple per line
    (the reference reads an untagged reply as one tuple)."""
    text = strip_answer_prefix(answer)
    problem = wrong_kind(text)
    if problem:
        return _bad(problem, text)
    groups = _top_level_groups(text)
    if not groups:
        groups = [ln.strip().rstrip(".") for ln in text.splitlines() if ln.strip().rstrip(".")]
    found = [tuple(_split_top_level(g)) for g in groups]
    found = [t for t in found if any(t)]
    return Parsed(found, True, None, text) if found else _bad("no (a, b) tuples in answer", text)


def parse_entity_list(answer: str) -> Parsed:
    """Entity names separated by ", " (or one per line); an "Answer:" prefix is not part of the first one,
    and a reply of another kind (a tag, a yes/no, a number, a bare SMILES) is invalid."""
    text = strip_answer_prefix(answer)
    problem = wrong_kind(text)
    if problem:
        return _bad(problem, text)
    items = [e.strip() for e in re.split(r", |\n", text.rstrip(".")) if e.strip()]
    return Parsed(items, True, None, text) if items else _bad("no entities in answer", text)


def parse_text(answer: str, group: str = "") -> Parsed:
    text = strip_answer_prefix(answer) if group.startswith("Mol-Instructions biotext") else answer.strip()
    return Parsed(text, True, None, text) if text else _bad("empty answer", text)


def parse_llm4mat(answer: str, key: str, options: tuple[str, ...] = ()) -> Parsed:
    text = re.sub(r"```(?:json)?", "", answer).strip()
    raw: Any = None
    try:
        data = json.loads(text)
        if isinstance(data, dict) and key in data:
            raw = data[key]
    except (ValueError, TypeError):
        pass
    if raw is None:
        m = re.search(r"\{[^{}]*?\"?" + re.escape(key) + r"\"?\s*:\s*(.*?)\s*\}", text, re.I | re.S)
        if not m:
            return _bad(f"no {{{key} : value}} in answer", text)
        raw = m.group(1).strip().strip("\"'")
    if options:
        lookup = {o.lower(): o for o in options}
        label = lookup.get(str(raw).strip().lower())
        return (
            Parsed(label, True, None, str(raw))
            if label
            else _bad(f"{raw!r} is not one of {list(options)}", str(raw))
        )
    nums = find_numbers(str(raw)) if not isinstance(raw, (int, float)) else [float(raw)]
    if not nums:
        return _bad(f"value {raw!r} is not a number", str(raw))
    return Parsed(nums[0], True, None, str(raw))


ParserFn = Callable[..., Parsed]


def _group(spec: Any) -> str:
    return str(getattr(spec, "group", "") or "")


PARSERS: dict[str, ParserFn] = {
    "smiles": lambda a, s: parse_smiles(a),
    "iupac": lambda a, s: parse_iupac(a),
    "formula": lambda a, s: parse_formula_answer(a),
    "number": lambda a, s: parse_number(a, _group(s)),
    "numbers": lambda a, s: parse_numbers(a, s.n_values if s else 1, _group(s)),
    "boolean": lambda a, s: parse_boolean(a),
    "yes_no": lambda a, s: parse_bio_yes_no(a),
    "gue": lambda a, s: parse_gue(a),
    "peer": lambda a, s: parse_peer(a),
    "yes_no_maybe": lambda a, s: parse_yes_no_maybe(a),
    "choice": lambda a, s: parse_choice(a),
    "label": lambda a, s: parse_label(a, s.answer_tags if s else ()),
    "label_set": lambda a, s: parse_label_set(a, s.options if s else (), _group(s)),
    "term_list": lambda a, s: parse_term_list(a, s.answer_tags if s else ()),
    "ec_numbers": lambda a, s: parse_ec_numbers(a, s.answer_tags if s else ()),
    "tuples": lambda a, s: parse_tuples(a),
    "entity_list": lambda a, s: parse_entity_list(a),
    "text": lambda a, s: parse_text(a, _group(s)),
    "llm4mat": lambda a, s: (
        parse_llm4mat(a, s.property_key or "", s.options) if s else _bad("llm4mat needs a task")
    ),
    "material": lambda a, s: parse_material_answer(a),
    "protein": lambda a, s: _parse_sequence(a, "protein", "protein"),
    "rna": lambda a, s: _parse_sequence(a, "rna", "rna"),
    "dna": lambda a, s: _parse_sequence(a, "dna", "dna"),
}


@dataclass(frozen=True)
class ParsedCompletion:
    parsed: Parsed
    reasoning: str | None
    truncated_in_reasoning: bool


def parse_answer(
    spec_or_parser: Any, text: str | None, reasoning: str | None = None, finish_reason: str | None = "stop"
) -> ParsedCompletion:
    """Split reasoning, then parse the answer with the task's rule. Never raises on model output.

    Args:
        spec_or_parser: a :class:`~sciReason.tasks.TaskSpec` or a parser name from :data:`PARSERS`.
        text: the completion text (tags intact).
        reasoning: a server-separated reasoning field, if any.
        finish_reason: ``"length"`` marks a completion cut at max_tokens: an unterminated reasoning block
            then means "truncated in reasoning", and an unclosed answer tag is not accepted.
    """
    spec = None if isinstance(spec_or_parser, str) else spec_or_parser
    name = spec_or_parser if isinstance(spec_or_parser, str) else spec.parser
    split = split_reasoning(text, reasoning)
    if split.unterminated:
        why = (
            "completion stopped inside <think> (max_tokens reached while reasoning)"
            if finish_reason == "length"
            else "reasoning block was never closed; no answer after it"
        )
        return ParsedCompletion(_bad(why), split.reasoning, finish_reason == "length" or not split.answer)
    answer = split.answer
    if spec is not None:
        for tag in spec.answer_tags:  # the prompt primed the opening tag ("... with <SMILES> "): restore it
            if re.search(rf"<\s*/\s*{re.escape(tag)}\s*>", answer, re.I) and not re.search(
                rf"<\s*{re.escape(tag)}\s*>", answer, re.I
            ):
                answer = f"<{tag}> {answer}"
    if finish_reason == "length" and spec is not None and spec.answer_tags:
        for tag in spec.answer_tags:  # a cut-off answer tag is not an answer
            if re.search(rf"<\s*{re.escape(tag)}\s*>", answer, re.I) and not _tag_pattern(tag).search(answer):
                return ParsedCompletion(
                    _bad(f"answer cut off by max_tokens inside <{tag}>", answer), split.reasoning, False
                )
        if not any(_tag_pattern(tag).search(answer) for tag in spec.answer_tags):
            # an untagged reply cut at max_tokens may end inside its value ("4444..." of a runaway number):
            # nothing in it can be trusted as the answer
            return ParsedCompletion(
                _bad("reply cut off by max_tokens before a tagged answer (raise max_tokens)", answer),
                split.reasoning,
                False,
            )
    try:
        parsed = PARSERS[name](answer, spec)
    except Exception as exc:  # a parser bug must surface as an invalid result, not a crash of the batch
        parsed = _bad(f"parser {name!r} failed: {type(exc).__name__}: {exc}", answer)
    return ParsedCompletion(parsed, split.reasoning, False)
