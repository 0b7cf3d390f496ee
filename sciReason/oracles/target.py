"""The target language: one string that names a design objective (CLI ``--target`` and Python API).

Grammar (whitespace between tokens is ignored)::

    target    := ["pareto:"] ( PREFIX ":" BODY | terms )
    terms     := term ("," term)*
    term      := call [constraint] ["~" SCALE] ["*" WEIGHT]
    call      := NAME ["(" args ")"]          args: comma-separated; "key=value" or positional
    constraint:= (">" | ">=" | "<" | "<=") NUMBER | "=" NUMBER | "=" NUMBER ".." NUMBER

Examples: ``qed>0.8, sa<3, logp=2..3, sim(CC(=O)Oc1ccccc1C(=O)O)>0.4`` ·
``pmo:celecoxib_rediscovery`` · ``ehrlich:L=32,c=4,k=4`` · ``protein:gravy<0,pi=6..8`` ·
``pareto:qed, sa<3`` (keep a Pareto front over the terms instead of one scalar).

Each term becomes a desirability in [0, 1]: ``>t`` is 1 at or above ``t`` with a Gaussian decay of
width SCALE below it (``<t`` mirrors it); ``>t`` means "as high as possible": among candidates whose
values tie (typically every threshold met, value 1.0) the one further past ``t`` ranks first (the
secondary key :attr:`Scored.margin`, the summed distances past the thresholds in units of SCALE), while
``>=t`` means "at least t": meeting it is enough and adds no margin. ``=a..b`` is 1 inside the interval, ``=v`` is a Gaussian
around ``v``, and a bare term (``qed``, ``sa``) maps the oracle's natural range linearly onto [0, 1]
in its direction. SCALE defaults to the oracle's typical scale (e.g. 0.1 for QED, 1 for logP). The
terms are combined by a weighted geometric mean (one zero vetoes the candidate); with ``pareto:`` the
per-term desirabilities are what the campaign ranks on and the geometric mean is only reported.
Every malformed target raises :class:`~sciReason.errors.TargetSyntaxError` pointing at the bad token.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass
from typing import Any

from sciReason.errors import MissingDependencyError, TargetSyntaxError, UnknownTaskError
from sciReason.oracles import registry
from sciReason.oracles.base import Objective
from sciReason.oracles.modifiers import AtLeast, AtMost, Between, Identity, Near, Rescale
from sciReason.oracles.objective import CompositeObjective, Term

__all__ = ["parse_target", "parse_terms"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")
_KWARG = re.compile(r"([a-z_][a-z0-9_]+)\s*=(?!=)\s*(.*)$", re.DOTALL)
_PREFIX = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*:(?!:)")


def _err(msg: str, text: str, pos: int, token: str) -> TargetSyntaxError:
    return TargetSyntaxError(msg, text=text, position=max(0, pos), token=token or " ")


def _split_top(text: str, start: int, end: int, sep: str = ",") -> list[tuple[int, int]]:
    """Spans of ``text[start:end]`` split at ``sep`` outside () and [] (SMILES may contain commas? no,
    but they contain parentheses and brackets, and arguments contain commas)."""
    spans: list[tuple[int, int]] = []
    depth = 0
    lo = start
    for i in range(start, end):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise _err("unbalanced ')'", text, i, ch)
        elif ch == sep and depth == 0:
            spans.append((lo, i))
            lo = i + 1
    if depth > 0:
        open_at = max(text.rfind("(", start, end), text.rfind("[", start, end))
        raise _err("unclosed '(' or '['", text, open_at, text[open_at])
    spans.append((lo, end))
    return spans


def _coerce(value: str) -> Any:
    v = value.strip()
    if _NUMBER.fullmatch(v):
        f = float(v)
        return int(f) if re.fullmatch(r"[-+]?\d+", v) else f
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    return v


@dataclass
class _Cursor:
    text: str
    pos: int
    end: int

    def skip_ws(self) -> None:
        while self.pos < self.end and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, s: str) -> bool:
        self.skip_ws()
        return self.text.startswith(s, self.pos) and self.pos + len(s) <= self.end

    def number(self, what: str) -> float:
        self.skip_ws()
        m = _NUMBER.match(self.text, self.pos, self.end)
        if not m:
            tok = self.text[self.pos : self.end].split(",")[0].strip() or self.text[self.pos : self.pos + 1]
            raise _err(f"expected a number for {what}", self.text, self.pos, tok)
        self.pos = m.end()
        return float(m.group())


def _default_scale(oracle: Any, ref: float) -> float:
    scale = getattr(oracle, "scale", None)
    if scale:
        return float(scale)
    bounds = getattr(oracle, "bounds", None)
    if bounds:
        return (float(bounds[1]) - float(bounds[0])) / 10.0
    return max(abs(ref) * 0.1, 0.1)


def _build_oracle(
    name: str, args: list[Any], kwargs: dict[str, Any], text: str, pos: int, call: str, domain: str | None
) -> Any:
    # A domain-specific twin wins inside that domain (protein:mw<50000 -> protein_mw, not the molecule mw).
    if domain and domain != "molecule" and registry.has_term(f"{domain}_{name}"):
        name = f"{domain}_{name}"
    try:
        return registry.get_oracle(name, *args, **kwargs)
    except MissingDependencyError:
        raise
    except UnknownTaskError as exc:
        if registry.has_term(name):  # the oracle exists; one of its arguments named something unknown
            raise _err(f"bad arguments for {name!r}: {exc}", text, pos, call) from None
        known = sorted(i.name for i in registry.list_oracles(kind="term"))
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"
        raise _err(f"unknown property {name!r}{hint}", text, pos, name) from None
    except TargetSyntaxError:
        raise
    except (TypeError, ValueError) as exc:
        raise _err(f"bad arguments for {name!r}: {exc}", text, pos, call) from None


def _parse_term(text: str, start: int, end: int, domain: str | None = None) -> tuple[Term, str]:
    cur = _Cursor(text, start, end)
    cur.skip_ws()
    if cur.pos >= end:
        at = start if start < len(text) and text[start] == "," else max(0, start - 1)
        raise _err("empty term (two commas in a row, or a trailing comma?)", text, at, ",")
    m = _NAME.match(text, cur.pos, end)
    if not m:
        tok = text[cur.pos : end].strip().split()[0]
        raise _err("expected a property name such as qed, logp or sim(...)", text, cur.pos, tok)
    name_pos, name = cur.pos, m.group().lower()
    cur.pos = m.end()
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if cur.peek("("):
        depth, i = 0, cur.pos
        while i < end:
            depth += text[i] in "(["
            depth -= text[i] in ")]"
            if depth == 0:
                break
            i += 1
        if depth:
            raise _err("unclosed '('", text, cur.pos, "(")
        for a, b in _split_top(text, cur.pos + 1, i):
            raw = text[a:b].strip()
            if not raw:
                raise _err(f"empty argument in {name}(...)", text, a, text[a : b + 1] or ")")
            km = _KWARG.match(raw)
            if km:
                kwargs[km.group(1)] = _coerce(km.group(2))
            else:
                args.append(_coerce(raw))
        cur.pos = i + 1
    call = name + text[m.end() : cur.pos].strip()  # names are case-insensitive, arguments (SMILES) are not
    oracle = _build_oracle(name, args, kwargs, text, name_pos, call, domain)
    transform: Any
    cur.skip_ws()
    op_pos = cur.pos
    op = next((o for o in (">=", "<=", "==", ">", "<", "=") if text.startswith(o, cur.pos)), None)
    lo = hi = None
    if op:
        cur.pos += len(op)
        lo = cur.number(f"'{call}{op}'")
        if op in ("=", "==") and cur.peek(".."):
            cur.pos += 2
            hi = cur.number(f"the upper end of '{call}={lo:g}..'")
            if hi < lo:
                raise _err(
                    f"empty range {lo:g}..{hi:g} (low end above high end)",
                    text,
                    op_pos,
                    text[op_pos : cur.pos],
                )
    scale = None
    if cur.peek("~"):
        cur.pos += 1
        scale_pos = cur.pos
        scale = cur.number("the scale after '~'")
        if scale <= 0:
            raise _err("the scale after '~' must be positive", text, scale_pos, text[scale_pos : cur.pos])
    weight = 1.0
    if cur.peek("*"):
        cur.pos += 1
        w_pos = cur.pos
        weight = cur.number("the weight after '*'")
        if weight <= 0:
            raise _err("the weight after '*' must be positive", text, w_pos, text[w_pos : cur.pos])
    cur.skip_ws()
    if cur.pos < end:
        tok = text[cur.pos : end].strip()
        expected = "',' or the end" if op else "a constraint (>, <, =a..b), ',' or the end"
        raise _err(f"unexpected {tok!r} after {call!r}; expected {expected}", text, cur.pos, tok)
    if op is None:
        bounds = getattr(oracle, "bounds", None)
        if not bounds:
            raise _err(
                f"{call!r} has no natural 0..1 scale; give a constraint such as {call}>X, {call}<X or {call}=A..B",
                text,
                name_pos,
                call,
            )
        b0, b1 = float(bounds[0]), float(bounds[1])
        maximize = getattr(oracle, "direction", "maximize") == "maximize"
        transform = (
            Identity()
            if (b0, b1) == (0.0, 1.0) and maximize
            else Rescale(b0, b1)
            if maximize
            else Rescale(b1, b0)
        )
    else:
        assert lo is not None
        s = scale if scale is not None else _default_scale(oracle, lo)
        if op in (">", ">="):
            transform = AtLeast(lo, s, beyond=op == ">")
        elif op in ("<", "<="):
            transform = AtMost(lo, s, beyond=op == "<")
        elif hi is not None:
            transform = Between(lo, hi, s)
        else:
            transform = Near(lo, s)
    source = re.sub(r"\s+", "", text[start:end])
    return Term(name=call, oracle=oracle, transform=transform, weight=weight, source=source), name


def parse_terms(
    text: str, *, start: int = 0, end: int | None = None, domain: str | None = None, pareto: bool = False
) -> CompositeObjective:
    """Parse a comma-separated term list (``text[start:end]``) into a :class:`CompositeObjective`.

    Plug-ins use this for their prefix bodies (e.g. ``protein:`` passes ``domain="protein"``).
    """
    end = len(text) if end is None else end
    if not text[start:end].strip():
        raise _err(
            "empty target: name at least one property, e.g. 'qed>0.8'", text, start, text[start:end] or " "
        )
    terms: list[Term] = []
    dom: str | None = domain
    for a, b in _split_top(text, start, end):
        term, name = _parse_term(text, a, b, dom)
        term_dom = getattr(term.oracle, "domain", "molecule") or "molecule"
        if term_dom != "any" and dom is not None and term_dom != dom:
            pos = a + len(text[a:b]) - len(text[a:b].lstrip())
            raise _err(
                f"{name!r} scores {term_dom} candidates but this target is about {dom}s", text, pos, name
            )
        if term_dom != "any":
            dom = term_dom
        if any(t.source == term.source or t.name == term.source for t in terms):
            lead = len(text[a:b]) - len(text[a:b].lstrip())
            raise _err(f"term {term.source!r} appears twice", text, a + lead, text[a:b].strip())
        if any(t.name == term.name for t in terms):  # logp>1, logp<3: key the second by its full text
            term = Term(term.source, term.oracle, term.transform, term.weight, term.source)
        terms.append(term)
    if pareto and len(terms) < 2:
        raise _err("pareto: needs at least two terms to trade off", text, start, text[start:end].strip())
    name = ", ".join(t.source for t in terms)
    return CompositeObjective(terms, name=name, domain=dom or "molecule", multi_objective=pareto)  # type: ignore[arg-type]


def parse_target(text: str, *, pareto: bool = False) -> Objective:
    """Turn a target string into an :class:`~sciReason.oracles.base.Objective`.

    Args:
        text: the target, e.g. ``"qed>0.8, sa<3"``, ``"pmo:celecoxib_rediscovery"``,
            ``"ehrlich:L=32,c=4,k=4"``, ``"protein:gravy<0,pi=6..8"``; a leading ``pareto:`` asks for
            multi-objective (Pareto) treatment.
        pareto: same as the ``pareto:`` prefix (the CLI's ``--pareto``).

    Raises:
        TargetSyntaxError: a malformed target; the message shows the string with the bad token marked.
        MissingDependencyError: an optional oracle module/package is missing (the pip command is named).

    >>> parse_target("qed>0.8, sa<3").term_names
    ('qed', 'sa')
    """
    if not isinstance(text, str):
        raise TargetSyntaxError(f"a target must be a string, got {type(text).__name__}")
    start = 0
    m = _PREFIX.match(text)
    if m and m.group(1).lower() == "pareto":
        pareto = True
        start = m.end()
        m = _PREFIX.match(text, start)
    if m and registry.is_prefix_name(m.group(1).lower()):
        prefix = m.group(1).lower()
        body_start = m.end()
        entry = registry.get_prefix(prefix)
        if entry is None:  # a plug-in module that only registers terms: generic term list over its domain
            dom = registry._LAZY[prefix][2] if prefix in registry._LAZY else "molecule"
            objective = parse_terms(text, start=body_start, domain=dom, pareto=pareto)
            objective.name = f"{prefix}:{objective.name}"
            return objective
        try:
            objective = entry.factory(text[body_start:], text=text, offset=body_start)
        except (TargetSyntaxError, MissingDependencyError):
            raise
        except (TypeError, ValueError) as exc:
            raise _err(f"bad {prefix}: target: {exc}", text, body_start, text[body_start:].strip()) from None
        if pareto:
            if len(objective.term_names) < 2:
                raise _err("pareto: needs an objective with at least two terms", text, m.start(1), prefix)
            objective = copy.copy(objective)  # factories may share (cache) instances: never mutate theirs
            objective.multi_objective = True
        return objective
    if (
        m
        and text[m.end() :].strip()
        and not text[m.start(1) - 1 : m.start(1)].strip()
        and "(" not in m.group(0)
    ):
        # "foo:..." where foo is not a prefix: most likely a typo of one.
        known = sorted(i.name for i in registry.list_oracles(kind="prefix"))
        close = difflib.get_close_matches(m.group(1).lower(), known, n=2)
        hint = f"did you mean {', '.join(close)}?" if close else f"known prefixes: {', '.join(known)}"
        raise _err(f"unknown prefix {m.group(1)!r}; {hint}", text, m.start(1), m.group(1))
    return parse_terms(text, start=start, pareto=pareto)
