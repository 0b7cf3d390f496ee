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

_NUM = re.compile(r"(?<![\w.])([-+−]\s?)?(\d+(?:\.\d*)?|\.\d+)(?:\s?[eE]\s?([-+−]?\d+))?")


def find_numbers(text: str) -> list[float]:
    """All numbers in ``text``, keeping signs (``-1``, ``- 0.2``, ``−3``) and exponents (``1e-3``)."""
    out = []
    for m in _NUM.finditer(text):
        sign = (m.group(1) or "").replace(" ", "").replace("−", "-")
        exp = (m.group(3) or "").replace("−", "-")
        literal = f"{sign}{m.group(2)}" + (f"e{exp}" if exp else "")
        try:
            value = float(literal)
        except ValueError:
            continue
        if math.isfinite(value):
            out.append(value)
    return out


def parse_number(answer: str) -> Parsed:
    tagged = extract_tag(answer, "NUMBER")
    source = tagged if tagged is not None else answer
    nums = find_numbers(source)
    if not nums:
        return _bad(f"no number in answer {source[:60]!r}", source)
    return Parsed(nums[0], True, None, source)


def parse_numbers(answer: str, n_values: int = 1) -> Parsed:
    nums = find_numbers(answer)
    if len(nums) < n_values:
        return _bad(f"expected {n_values} numbers, found {len(nums)} in {answer[:60]!r}", answer)
    return Parsed(nums[:n_values], True, None, answer)


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


def parse_formula_answer(answer: str) -> Parsed:
    tagged = extract_tag(answer, "MOLFORMULA")
    if tagged is None:
        tokens = answer.split()
        if len(tokens) != 1:  # never read a formula out of ordinary words ("Do" from "Done")
            return _bad("no <MOLFORMULA> tag in answer", answer)
        tagged = tokens[0]
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


# ---------------------------------------------------------------- labels

_YES = re.compile(r"\b(yes|positive|true)\b", re.I)
_NO = re.compile(r"\b(no|negative|false)\b", re.I)


def _yes_no_core(text: str) -> bool | None | str:
    """True/False, or a reason string when undecidable."""
    t = text.strip()
    if not t:
        return "empty answer"
    m = re.search(
        r"\bthe (?:answer|prediction result) is\s*:?\s*(yes|no|positive|negative|true|false)\b", t, re.I
    )
    if m:
        return m.group(1).lower() in ("yes", "positive", "true")
    lead = re.match(r"\W*(yes|no|positive|negative|true|false)\b", t, re.I)
    if lead:
        return lead.group(1).lower() in ("yes", "positive", "true")
    if _DONT_KNOW.search(t):
        return "the model says it does not know"
    yes, no = bool(_YES.search(t)), bool(_NO.search(t))
    if yes != no:
        return yes
    return "no clear yes/no in answer" if not yes else "answer contains both yes and no"


def parse_boolean(answer: str) -> Parsed:
    tagged = extract_tag(answer, "BOOLEAN")
    source = tagged if tagged is not None else answer
    v = _yes_no_core(source)
    return _bad(v, source) if isinstance(v, str) else Parsed(v, True, None, source)


def parse_gue(answer: str) -> Parsed:
    m = re.search(r"\bThe prediction result is\s+(positive|negative)\b", answer, re.I)
    if m:
        return Parsed(m.group(1).lower() == "positive", True, None, m.group(0))
    return parse_boolean(answer)


def parse_peer(answer: str) -> Parsed:
    m = re.search(r"\bThe answer is\s*:?\s*(yes|no)\b", answer, re.I)
    if m:
        return Parsed(m.group(1).lower() == "yes", True, None, m.group(0))
    return parse_boolean(answer)


def parse_yes_no_maybe(answer: str) -> Parsed:
    m = re.match(r"\W*(yes|no|maybe)\b", answer.strip(), re.I)
    if not m:
        return _bad("answer does not start with Yes, No or Maybe", answer)
    return Parsed(m.group(1).lower(), True, None, answer)


def parse_choice(answer: str) -> Parsed:
    for pat in (r"\(([A-D])\)", r"\banswer is\s*:?\s*\(?([A-D])\b", r"^\W*([A-D])\b[).:]?", r"\b([A-D])\)"):
        m = re.search(pat, answer.strip(), re.M)
        if m:
            return Parsed(m.group(1), True, None, answer)
    return _bad("no option letter A-D in answer", answer)


def _tag_or_answer(answer: str, tags: tuple[str, ...]) -> str:
    for tag in tags:
        got = extract_tag(answer, tag)
        if got is not None:
            return got
    return answer.strip()


def parse_label(answer: str, tags: tuple[str, ...] = ()) -> Parsed:
    text = _tag_or_answer(answer, tags)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first and _DONT_KNOW.search(first):
        return _bad("the model says it does not know", text)
    return Parsed(first.rstrip("."), True, None, text) if first else _bad("empty answer", text)


def parse_term_list(answer: str, tags: tuple[str, ...] = ()) -> Parsed:
    text = _tag_or_answer(answer, tags)
    terms = [t.strip().rstrip(".") for t in re.split(r"[;,，；\n]", text) if t.strip().rstrip(".")]
    return Parsed(terms, True, None, text) if terms else _bad("no terms in answer", text)


def parse_label_set(answer: str, options: tuple[str, ...]) -> Parsed:
    terms = [t.strip() for t in re.split(r"[;,，；\n]|\band\b", answer) if t.strip()]
    lookup = {o.lower(): o for o in options}
    found = []
    for term in terms:
        key = term.strip(" .").lower()
        if key in lookup:
            found.append(lookup[key])
    if not found:  # labels embedded in a sentence
        found = [o for o in options if re.search(rf"(?<![\w]){re.escape(o)}(?![\w])", answer)]
    return (
        Parsed(sorted(set(found)), True, None, answer) if found else _bad("no known label in answer", answer)
    )


_EC = re.compile(r"(?<![\w.])\d+\.(?:\d+|-)\.(?:\d+|-)\.(?:n?\d+|-)(?![\w.])")


def parse_ec_numbers(answer: str, tags: tuple[str, ...] = ()) -> Parsed:
    text = _tag_or_answer(answer, tags)
    found = list(dict.fromkeys(_EC.findall(text)))
    return Parsed(found, True, None, text) if found else _bad("no EC number a.b.c.d in answer", text)


def parse_tuples(answer: str) -> Parsed:
    found = [tuple(p.strip() for p in m.split(",")) for m in re.findall(r"\(([^()]*)\)", answer)]
    found = [t for t in found if any(t)]
    return Parsed(found, True, None, answer) if found else _bad("no (a, b) tuples in answer", answer)


def parse_entity_list(answer: str) -> Parsed:
    items = [e.strip() for e in answer.strip().rstrip(".").split(", ") if e.strip()]
    return Parsed(items, True, None, answer) if items else _bad("no entities in answer", answer)


def parse_text(answer: str) -> Parsed:
    text = answer.strip()
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

PARSERS: dict[str, ParserFn] = {
    "smiles": lambda a, s: parse_smiles(a),
    "iupac": lambda a, s: parse_iupac(a),
    "formula": lambda a, s: parse_formula_answer(a),
    "number": lambda a, s: parse_number(a),
    "numbers": lambda a, s: parse_numbers(a, s.n_values if s else 1),
    "boolean": lambda a, s: parse_boolean(a),
    "yes_no": lambda a, s: parse_boolean(a),
    "gue": lambda a, s: parse_gue(a),
    "peer": lambda a, s: parse_peer(a),
    "yes_no_maybe": lambda a, s: parse_yes_no_maybe(a),
    "choice": lambda a, s: parse_choice(a),
    "label": lambda a, s: parse_label(a, s.answer_tags if s else ()),
    "label_set": lambda a, s: parse_label_set(a, s.options if s else ()),
    "term_list": lambda a, s: parse_term_list(a, s.answer_tags if s else ()),
    "ec_numbers": lambda a, s: parse_ec_numbers(a, s.answer_tags if s else ()),
    "tuples": lambda a, s: parse_tuples(a),
    "entity_list": lambda a, s: parse_entity_list(a),
    "text": lambda a, s: parse_text(a),
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
    if finish_reason == "length" and spec is not None:
        for tag in spec.answer_tags:  # a cut-off answer tag is not an answer
            if re.search(rf"<\s*{re.escape(tag)}\s*>", answer, re.I) and not _tag_pattern(tag).search(answer):
                return ParsedCompletion(
                    _bad(f"answer cut off by max_tokens inside <{tag}>", answer), split.reasoning, False
                )
    try:
        parsed = PARSERS[name](answer, spec)
    except Exception as exc:  # a parser bug must surface as an invalid result, not a crash of the batch
        parsed = _bad(f"parser {name!r} failed: {type(exc).__name__}: {exc}", answer)
    return ParsedCompletion(parsed, split.reasoning, False)
