"""Read a categorical verdict (yes/no, positive/negative, yes/no/maybe) out of free text.

The final verdict wins. A reply is read in layers, the first that decides is the answer:

1. **explicit verdicts** ("the answer is No", "Final answer: yes", "My verdict, after weighing it: yes",
   "Therefore, negative"): the LAST one;
2. **self-corrections** ("No, wait - yes", "Positive at first sight; on reflection, negative"): only the
   text after the last correction marker is read (layers 1, 3, 4, 5), when it holds a verdict;
3. a verdict word that **opens** the reply ("No, there is no other mechanism ..." is No);
4. the task family's **keyword rule**, reproduced from the SciReasoner reference evaluation: its
   vocabularies, its precedence (e.g. negative keywords before positive ones for Biology-Instructions)
   or its "last verdict word" rule (SMolInstruct), with word boundaries and with negated keywords
   ("not soluble", "isn't positive") counted for the other side;
5. a small **extension** vocabulary, consulted only where the reference's keyword rule finds nothing
   (the reference then asks an NLI model or an LLM judge, which sciReason does not run offline).

Nothing here raises on model output; an undecidable reply gives ``Verdict(None, reason)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["BIO", "BOOLEAN", "GUE", "PEER", "TRUE_FALSE", "Verdict", "Vocabulary", "read_verdict"]


@dataclass(frozen=True)
class Verdict:
    label: str | None
    reason: str | None = None
    layer: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """How one task family states its verdict.

    Attributes:
        words: label -> the bare verdict words used by layers 1-3 ("yes", "negative", ...).
        keywords: label -> the reference's keyword phrases (layer 4), matched case-insensitively as whole
            words.
        order: label precedence in layer 4 when several labels occur (the reference's order).
        last_wins: layer 4 takes the last keyword instead of the precedence order.
        extension: label -> extra keyword regexes (layer 5).
        dont_know: phrases that mean "cannot tell" (checked after layer 4 finds nothing).
        Extension entries are regexes; keyword and dont_know entries are plain phrases.
        negated: label -> the label a negated keyword counts as (empty: no negation handling).
    """

    words: Mapping[str, tuple[str, ...]]
    keywords: Mapping[str, tuple[str, ...]]
    order: tuple[str, ...]
    last_wins: bool = False
    extension: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dont_know: tuple[str, ...] = ()
    negated: Mapping[str, str] = field(default_factory=lambda: {"yes": "no", "no": "yes"})


_DONT_KNOW = (
    "i don't know",
    "i dont know",
    "i do not know",
    "unknown",
    "unsure",
    "uncertain",
    "not sure",
    "cannot determine",
    "cannot be determined",
    "can't determine",
    "can't be determined",
    "not applicable",
)

# Idioms whose negator does not negate the verdict ("no doubt it binds").
_IDIOMS = re.compile(r"\b(?:no doubt|without (?:a |any )?doubt|not only|no question)\b", re.I)
_NEGATOR = re.compile(r"(?:not|no|never|without|cannot|neither|nor|hardly|barely|\w+n['\u2019]t)", re.I)
_CLAUSE_END = re.compile(r"[.;:!?,\n()\u2013\u2014]|\s-\s")
_CORRECTION = re.compile(
    r"\b(?:wait|actually|on (?:second|further) (?:thought|reflection)|on reflection|"
    r"on closer (?:inspection|look)|correction|scratch that|i was wrong|let me reconsider|reconsidering)\b",
    re.I,
)
_CUE = (
    r"(?:the )?(?:final )?answer(?: is|:)|the prediction result is|(?:my |the )?verdict\b[^.\n]{0,40}?(?:is|:)|"
    r"conclusion(?: is|:)|therefore|thus|hence|in conclusion|in summary|to conclude|overall"
)


def _bounded(pattern: str) -> str:
    return rf"(?<![\w'-])(?:{pattern})(?![\w'])"


def _phrase(phrase: str) -> str:
    """A keyword phrase as a regex; a trailing space (the reference's ``"contains "``) means "followed by
    one space and a word"."""
    core = re.escape(phrase.rstrip(" "))
    return _bounded(core + (r"(?=\s\w)" if phrase.endswith(" ") else ""))


@dataclass(frozen=True)
class _Hit:
    label: str
    start: int
    end: int


def _negated(text: str, start: int, end: int) -> bool:
    """A negator in the same clause, at most four words before the keyword, or "not" right after it."""
    clause_start = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        clause_start = m.end()
    before = text[clause_start:start].split()[-4:]
    if any(_NEGATOR.fullmatch(w.strip("\"'")) for w in before):
        return True
    return re.match(r"\s+not\b", text[end:], re.I) is not None


def _hits(
    text: str, table: Mapping[str, tuple[str, ...]], vocab: Vocabulary, regex: bool = False
) -> list[_Hit]:
    hits: list[_Hit] = []
    for label, patterns in table.items():
        for pat in patterns:
            for m in re.finditer(_bounded(pat) if regex else _phrase(pat), text, re.I):
                own_negator = any(_NEGATOR.fullmatch(w) for w in m.group(0).split())
                lab = label
                if vocab.negated and not own_negator and _negated(text, m.start(), m.end()):
                    lab = vocab.negated.get(label, label)
                hits.append(_Hit(lab, m.start(), m.end()))
    # a keyword inside a longer keyword of the same table ("no" in "no evidence") is the longer one
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[_Hit] = []
    for h in hits:
        if kept and h.start < kept[-1].end:
            continue
        kept.append(h)
    return kept


def _decide(hits: list[_Hit], vocab: Vocabulary) -> str | None:
    if not hits:
        return None
    if vocab.last_wins:
        return hits[-1].label
    labels = {h.label for h in hits}
    return next((lab for lab in vocab.order if lab in labels), None)


def _word_pattern(vocab: Vocabulary) -> tuple[str, dict[str, str]]:
    lookup = {w.lower(): lab for lab, words in vocab.words.items() for w in words}
    alternation = "|".join(sorted((re.escape(w) for w in lookup), key=len, reverse=True))
    return alternation, lookup


def _explicit(text: str, vocab: Vocabulary) -> str | None:
    """The last verdict word that follows a cue ("the answer is", "therefore", "verdict ...:")."""
    alt, lookup = _word_pattern(vocab)
    pat = rf"\b(?:{_CUE})[\s,:*\"'`]*(?:[\w'-]+[\s,]+){{0,4}}?\**({alt})\b(?![\w'-])"
    for m in reversed(list(re.finditer(pat, text, re.I))):
        label = lookup[m.group(1).lower()]
        if _negated(text, m.start(1), m.end(1)):
            if not vocab.negated:
                continue
            label = vocab.negated.get(label, label)
        return label
    return None


def _leading(text: str, vocab: Vocabulary) -> str | None:
    """A verdict word opening the reply. Only "yes"/"no" may run on into the sentence ("No binding site
    ..."); "Positive regulatory elements are absent" does not open with a verdict."""
    alt, lookup = _word_pattern(vocab)
    m = re.match(rf"[\W_]*({alt})\b(?![\w'-])", text, re.I)
    if not m:
        return None
    word = m.group(1).lower()
    if word not in ("yes", "no") and not re.match(r"\s*(?:[.,;:!?)\-\u2013\u2014]|$)", text[m.end() :]):
        return None
    return lookup[word]


def _layers(text: str, vocab: Vocabulary) -> Verdict:
    label = _explicit(text, vocab)
    if label:
        return Verdict(label, layer="explicit")
    label = _leading(text, vocab)
    if label:
        return Verdict(label, layer="leading")
    label = _decide(_hits(text, vocab.keywords, vocab), vocab)
    if label:
        return Verdict(label, layer="keywords")
    if any(re.search(_phrase(p), text, re.I) for p in vocab.dont_know):
        return Verdict(None, "the model says it does not know", layer="dont_know")
    label = _decide(_hits(text, vocab.extension, vocab, regex=True), vocab) if vocab.extension else None
    if label:
        return Verdict(label, layer="extension")
    return Verdict(None, "no clear verdict in answer")


def read_verdict(text: str, vocab: Vocabulary) -> Verdict:
    """The final verdict of ``text`` under ``vocab`` (see the module docstring for the layers)."""
    body = _IDIOMS.sub(" ", text or "").strip()
    if not body:
        return Verdict(None, "empty answer")
    corrections = list(_CORRECTION.finditer(body))
    if corrections:
        after = body[corrections[-1].end() :]
        got = _layers(after, vocab)
        if got.label:
            return Verdict(got.label, layer=f"correction/{got.layer}")
    return _layers(body, vocab)


_YES_WORDS = ("yes", "true", "positive")
_NO_WORDS = ("no", "false", "negative")

# SMolInstruct <BOOLEAN> tasks: the reference reads the LAST yes/true/no/false word of an untagged reply.
BOOLEAN = Vocabulary(
    words={"yes": _YES_WORDS, "no": _NO_WORDS},
    keywords={"yes": ("yes", "true"), "no": ("no", "false")},
    order=("yes", "no"),
    last_wins=True,
    extension={"yes": ("positive",), "no": ("negative",)},
    dont_know=_DONT_KNOW,
)

# Biology-Instructions binary tasks: the reference lower-cases the reply, then checks its negative
# keywords, then its positive ones, then "don't know" (forced wrong), with word boundaries. Only its
# lower-case keywords can ever match (the upper-case ones, e.g. "Indeed", are dead in the reference).
BIO = Vocabulary(
    words={"yes": _YES_WORDS, "no": _NO_WORDS},
    keywords={
        "no": (
            "no",
            "negative",
            "insoluble",
            "does not",
            "unlikely",
            "absence",
            "not found",
            "not detected",
            "not associated",
            "not inferred",
            "not linked",
            "does not indicate",
            "no evidence",
            "not predicted",
            "absent",
            "not present",
            "no indicators",
            "not exhibit",
            "are absent",
            "found none",
            "did not reveal",
            "lacks",
            "exhibits no",
            "insolubility",
            "low solubility",
            "not soluble",
            "not be soluble",
            "does not display regions",
            "cannot confirm",
        ),
        "yes": (
            "yes",
            "positive",
            "empirical",
            "plausible",
            "confirms",
            "have detected",
            "are discernible",
            "are supported",
            "is supported",
            "display",
            "detected the presence",
            "shows evidence",
            "has been identified",
            "shows",
            "has identified",
            "contains ",
            "exhibits evidence",
            "is plausible",
            "contains identifiable",
            "reveals the presence",
            "include",
            "are present",
            "definitely has",
            "soluble",
            "displays regions",
            "has a high solubility",
            "dissolves easily",
            "is expected to dissolve",
            "is predicted",
            "is likely",
            "is expected",
            "will dissolve",
        ),
    },
    order=("no", "yes"),
    extension={
        "yes": (
            "true",
            "probably",
            "most likely",
            "likely",
            "carries",
            "carry",
            "possesses",
            "harbou?rs",
            "binds",
            "interacts",
            "is active",
            "present",
            "detected",
            "contains",
            "indeed",
        ),
        "no": ("false", "lack", "absent", "doesn'?t", "isn'?t", "won'?t", "cannot"),
    },
    dont_know=("don't know", "unknown", "unsure", "uncertain", "not applicable", "cannot confirm"),
)

# GUE promoter / transcription-factor tasks: "The prediction result is ..." (layer 1), else the
# reference's negative patterns before its positive ones.
GUE = Vocabulary(
    words={"yes": ("positive", "yes"), "no": ("negative", "no")},
    keywords={
        "no": ("negative", "no", "absence", "not", "cannot", "fails", "absent", "lacks"),
        "yes": (
            "positive",
            "positively",
            "presence",
            "detected",
            "identified",
            "identifiable",
            "found",
            "yes",
            "located",
            "detectable",
            "observable",
            "evident",
            "absolutely",
            "affirmative",
            "can",
            "affirm",
            "confirm",
            "confirms",
            "reveals",
            "existence",
            "certainly",
            "consistent",
            "recognizable",
            "shows core",
            "shows promoter",
            "shows characteristic",
            "evidenced by",
            "seeing characteristic patterns",
            "includes",
            "contains sequences",
            "exhibits clear",
            "contains transcription",
            "exhibits sequences",
            "clearly contains",
            "recognized",
            "exhibits features",
            "contains regulatory",
            "shows clear",
            "displays",
            "definitely has",
            "exhibits patterns",
            "clear evidence",
            "contains a",
            "yep",
            "contains sites",
            "shows sequences",
        ),
    },
    order=("no", "yes"),
    dont_know=_DONT_KNOW,
)

# PEER: "The answer is Yes/No" (layer 1), else the reference's positive patterns before its negative
# ones, with word boundaries (the reference matched substrings, so "incorrect" counted as "correct").
PEER = Vocabulary(
    words={"yes": ("yes",), "no": ("no",)},
    keywords={
        "yes": (
            "will be soluble",
            "will dissolve",
            "is soluble",
            "can be predicted",
            "positive",
            "yes",
            "correct",
            "valid",
            "accurate",
            "certainly",
            "indeed",
            "affirmative",
            "highly soluble",
            "easily soluble",
            "dissolves easily",
            "is assured",
            "be soluble",
        ),
        "no": (
            "will not be soluble",
            "is not soluble",
            "will not dissolve",
            "low solubility",
            "low",
            "cannot be predicted",
            "negative",
            "no",
            "incorrect",
            "invalid",
            "inaccurate",
            "impossible",
            "not possible",
            "denied",
            "be insoluble",
        ),
    },
    order=("yes", "no"),
    extension={
        "yes": ("soluble", "stable", "interact", "interacts", "true"),
        "no": ("insoluble", "unstable", "false"),
    },
    dont_know=_DONT_KNOW,
)

# Mol-Instructions true/false questions: the reference checks yes, then no, then maybe/may be/might.
TRUE_FALSE = Vocabulary(
    words={"yes": ("yes",), "no": ("no",), "maybe": ("maybe",)},
    keywords={"yes": ("yes",), "no": ("no",), "maybe": ("maybe", "may be", "might")},
    order=("yes", "no", "maybe"),
    extension={"yes": ("true", "correct"), "no": ("false", "incorrect"), "maybe": ("possibly", "perhaps")},
    dont_know=_DONT_KNOW,
    negated={"yes": "no"},
)
