"""Sequence proposers: point mutations, recombination and block (motif-scale) edits.

All three work over the objective's alphabet and see the objective only as a black box: which adjacent
pairs are safe comes from the campaign's :class:`~sciReason.agents.feasibility.TransitionModel`
(``view.constraint``), which is either the user's declared constraint or what the campaign learned from
infeasible results, never the objective's hidden feasibility test. Letters are drawn among those not
known to make a banned pair with their neighbours.

Move sizes adapt to stagnation: the engine passes ``intensity`` (0 while the best value improves, +1 each
time the wait since the last improvement doubles) and every proposer makes larger edits when it grows.

* ``point_mutation``: 1..k substitutions (k grows with ``intensity``);
* ``recombination``: uniform, one-point or two-point crossover with a *distant* partner (the farthest of a
  few candidates in Hamming distance), so crossover mixes different solutions instead of near-copies;
* ``block``: edits that move or copy whole segments: a shift (delete at one position, insert at another,
  so the segment between moves by one and keeps its internal pattern), a transplant of a segment of
  another parent to a possibly different position, a duplication within the parent, and the rewrite of
  a run of positions. For objectives without a fixed length, shifts also insert or delete.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.pool import sequence_alphabet
from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Proposal, Record
from sciReason.agents.selection import sample_parents
from sciReason.errors import OracleError

__all__ = [
    "BlockProposer",
    "PointMutationProposer",
    "RecombinationProposer",
    "feasible",
    "fixed_length",
]


def feasible(view_or_objective: Any, seq: str) -> bool:
    """False when ``seq`` is known to be infeasible.

    Given a :class:`CampaignView`: by the campaign's transition model (declared or learned), and outside
    benchmark mode also by the objective's own ``is_feasible`` (a constraint the user declared). Given an
    objective (tests, reports): by its own test.

    Raises:
        OracleError: the objective's ``is_feasible`` raised. A crashing test is a bug to fix, not an
            infeasible sequence (answering False would silently starve the campaign of children).
    """
    if isinstance(view_or_objective, CampaignView):
        constraint = view_or_objective.constraint
        if constraint is not None and constraint.known_infeasible(seq):
            return False
        if view_or_objective.benchmark_mode:
            return True
        objective = view_or_objective.objective
        if callable(getattr(objective, "is_feasible", None)):
            return feasible(objective, seq)
        return True
    objective = view_or_objective
    instance, encode = getattr(objective, "instance", None), getattr(objective, "encode", None)
    if callable(encode) and callable(getattr(instance, "is_feasible", None)):
        states = encode(seq)
        return states is not None and bool(instance.is_feasible(states[None, :])[0])
    check = getattr(objective, "is_feasible", None)
    if callable(check):
        try:
            return bool(check(seq))
        except Exception as exc:
            name = getattr(objective, "name", type(objective).__name__)
            raise OracleError(
                f"{name}.is_feasible({seq[:40]!r}) raised {type(exc).__name__}: {exc}; a feasibility test "
                "must answer True or False"
            ) from exc
    return True


def fixed_length(objective: Any) -> int | None:
    """The objective's required sequence length (Ehrlich: ``length``), or None when any length scores."""
    length = getattr(objective, "length", None)
    return int(length) if isinstance(length, int) and length > 0 else None


def _intensity(view: CampaignView) -> int:
    return max(0, int(view.knobs.get("intensity", 0)))


def _letter(
    rng: random.Random, alphabet: str, constraint: Any, left: str | None, right: str | None, avoid: str = ""
) -> str:
    """A letter for a position between ``left`` and ``right``, not known to make a banned pair there."""
    pool = constraint.may_follow(left, right) if constraint is not None else list(alphabet)
    choices = [a for a in pool if a != avoid] or [a for a in alphabet if a != avoid] or list(alphabet)
    return rng.choice(choices)


def _banned(constraint: Any, a: str | None, b: str | None) -> bool:
    if constraint is None or a is None or b is None or not constraint.active:
        return False
    idx = constraint.index
    return a in idx and b in idx and bool(constraint.banned[idx[a], idx[b]])


def _substitute(
    child: list[str],
    positions: Sequence[int],
    rng: random.Random,
    alphabet: str,
    constraint: Any,
    repair: float = 0.5,
) -> None:
    """Substitute at ``positions``. With probability ``repair`` a letter is drawn from the whole alphabet
    and a neighbour that would then form a known banned pair is re-drawn to fit (a two- or three-position
    move that reaches letters a one-position move never can); otherwise the letter is drawn among those
    that fit the current neighbours."""
    fixed = set(positions)
    for pos in sorted(positions):
        left = child[pos - 1] if pos > 0 else None
        right = child[pos + 1] if pos + 1 < len(child) else None
        if constraint is None or rng.random() >= repair:
            child[pos] = _letter(rng, alphabet, constraint, left, right, avoid=child[pos])
            continue
        child[pos] = rng.choice([a for a in alphabet if a != child[pos]] or list(alphabet))
        for nb in (pos - 1, pos + 1):
            if not 0 <= nb < len(child) or nb in fixed:
                continue
            a, b = (child[nb], child[pos]) if nb < pos else (child[pos], child[nb])
            if not _banned(constraint, a, b):
                continue
            outer_l = child[nb - 1] if nb > 0 else None
            outer_r = child[nb + 1] if nb + 1 < len(child) else None
            options = constraint.may_follow(outer_l, outer_r)
            if options:
                child[nb] = rng.choice(options)


def _n_edits(rng: random.Random, base_cap: int, p_more: float, intensity: int, length: int) -> int:
    """1 + a truncated geometric count; both the cap and the continuation chance grow with intensity."""
    cap = min(max(1, length), base_cap + 2 * intensity)
    p = min(0.8, p_more + 0.1 * intensity)
    k = 1
    while k < cap and rng.random() < p:
        k += 1
    return k


def _explore(intensity: int) -> float:
    """Chance to edit a site known to be essential: 0.1, doubling with each stagnation level."""
    return min(1.0, 0.1 * 2**intensity)


def _free_positions(parent: str, k: int, rng: random.Random, sites: Any, explore: float = 0.1) -> list[int]:
    """``k`` distinct positions, avoiding sites the campaign found essential for this parent's letters
    (each is still picked with a small ``explore`` chance, so its status can be re-tested)."""
    n = len(parent)
    if sites is None:
        return rng.sample(range(n), min(k, n))
    pool = [i for i in range(n) if not sites.essential(i, parent[i]) or rng.random() < explore]
    if len(pool) < k:
        pool = list(range(n))
    return rng.sample(pool, min(k, len(pool)))


def _free_start(parent: str, w: int, rng: random.Random, sites: Any, tries: int = 4) -> int:
    """A window start for overwriting ``w`` positions, preferring windows without essential sites."""
    starts = [rng.randrange(0, len(parent) - w + 1) for _ in range(tries if sites is not None else 1)]
    if sites is None:
        return starts[0]
    return min(starts, key=lambda t: sum(sites.essential(i, parent[i]) for i in range(t, t + w)))


def _hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def _distant_partner(a: str, pool: Sequence[str], rng: random.Random, tries: int) -> str:
    """The farthest (Hamming) of ``tries`` random picks from ``pool`` that differ from ``a``."""
    picks = [rng.choice(pool) for _ in range(max(1, tries))]
    picks = [b for b in picks if b != a] or picks
    return max(picks, key=lambda b: (_hamming(a, b), -picks.index(b)))


class _SequenceProposer:
    """Shared loop: draw parents, make children until ``n`` new ones or the attempt limit."""

    name = "sequence"

    def __init__(self) -> None:
        self.made = 0

    def _child(self, parent: str, view: CampaignView, rng: random.Random, ctx: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0 or not view.population:
            return []
        method = str(view.knobs.get("parent_selection", "quantile"))
        parents = sample_parents(view.population, n, rng, method)
        ctx: dict[str, Any] = {
            "alphabet": sequence_alphabet(view.objective),
            "constraint": getattr(view, "constraint", None),
            "intensity": _intensity(view),
            "length": fixed_length(view.objective),
            "pool": [r.key for r in view.population],
            "rate": float(view.knobs.get("mutation_rate", 0.1)),
            "sites": getattr(view, "sites", None),
        }
        out: list[Proposal] = []
        seen: set[str] = set()
        for attempt in range(4 * n):
            if len(out) >= n:
                break
            parent = parents[attempt % len(parents)]
            ctx["partner"] = None
            child = self._child(parent, view, rng, ctx)
            if not child or child == parent or child in seen or child in view.known:
                continue
            if not feasible(view, child):
                continue
            seen.add(child)
            origin = (parent, ctx["partner"]) if ctx["partner"] else (parent,)
            out.append(Proposal(child, self.name, origin))
        self.made += len(out)
        return out

    def learn(self, records: Sequence[Record]) -> None:
        return None


class PointMutationProposer(_SequenceProposer):
    """Children with 1..k substitutions; k ~ truncated geometric, larger when the search stalls.

    Args:
        max_mutations: the cap on substitutions at intensity 0 (it grows by 2 per intensity level).
    """

    name = "point_mutation"

    def __init__(self, max_mutations: int = 3, repair: float = 0.5) -> None:
        super().__init__()
        self.max_mutations = max_mutations
        self.repair = repair

    def _child(self, parent: str, view: CampaignView, rng: random.Random, ctx: dict[str, Any]) -> str | None:
        child = list(parent)
        k = _n_edits(rng, self.max_mutations, ctx["rate"] * 3, ctx["intensity"], len(child))
        positions = _free_positions(parent, k, rng, ctx["sites"], _explore(ctx["intensity"]))
        _substitute(child, positions, rng, ctx["alphabet"], ctx["constraint"], self.repair)
        return "".join(child)


class RecombinationProposer(_SequenceProposer):
    """Uniform, one-point or two-point crossover of a parent and a distant partner of the same length.

    Args:
        partner_tries: candidates drawn for the partner; the farthest in Hamming distance is used
            (1 = a random partner).
    """

    name = "recombination"

    def __init__(self, partner_tries: int = 4) -> None:
        super().__init__()
        self.partner_tries = partner_tries

    def _child(self, parent: str, view: CampaignView, rng: random.Random, ctx: dict[str, Any]) -> str | None:
        pool = [k for k in ctx["pool"] if len(k) == len(parent) and k != parent]
        if not pool or len(parent) < 2:
            return None
        b = _distant_partner(parent, pool, rng, self.partner_tries)
        ctx["partner"] = b
        u = rng.random()
        if u < 1 / 3:
            cut = rng.randrange(1, len(parent))
            return parent[:cut] + b[cut:]
        if u < 2 / 3:
            i, j = sorted(rng.sample(range(len(parent) + 1), 2))
            return parent[:i] + b[i:j] + parent[j:]
        return "".join(x if rng.random() < 0.5 else y for x, y in zip(parent, b, strict=True))


class BlockProposer(_SequenceProposer):
    """Motif-scale edits: shift, transplant, duplicate, rewrite (see module docstring).

    Args:
        max_width: the cap on segment widths at intensity 0 (it grows by 2 per intensity level).
        weights: relative frequency of (shift, transplant, duplicate, rewrite).
    """

    name = "block"

    def __init__(
        self,
        max_width: int = 8,
        weights: tuple[float, float, float, float] = (1, 1, 1, 1),
        repair: float = 0.5,
    ) -> None:
        super().__init__()
        self.max_width = max_width
        self.weights = weights
        self.repair = repair

    def _width(self, rng: random.Random, ctx: dict[str, Any], length: int) -> int:
        cap = max(2, min(length, self.max_width + 2 * ctx["intensity"]))
        return rng.randint(2, cap) if cap > 2 else 2

    def _child(self, parent: str, view: CampaignView, rng: random.Random, ctx: dict[str, Any]) -> str | None:
        if len(parent) < 3:
            return None
        op = rng.choices(("shift", "transplant", "duplicate", "rewrite"), weights=self.weights)[0]
        if op == "shift":
            return self._shift(parent, rng, ctx)
        if op == "rewrite":
            return self._rewrite(parent, rng, ctx)
        if op == "transplant":
            pool = [k for k in ctx["pool"] if k != parent]
            if not pool:
                return None
            donor = _distant_partner(parent, pool, rng, 2)
            ctx["partner"] = donor
        else:
            donor = parent
        w = min(self._width(rng, ctx, len(parent)), len(donor), len(parent))
        s = rng.randrange(0, len(donor) - w + 1)
        same_place = op == "transplant" and rng.random() < 0.5
        t = s if same_place and s + w <= len(parent) else _free_start(parent, w, rng, ctx["sites"])
        return parent[:t] + donor[s : s + w] + parent[t + w :]

    def _shift(self, parent: str, rng: random.Random, ctx: dict[str, Any]) -> str:
        n = len(parent)
        span = min(n - 1, self._width(rng, ctx, n) * 2)
        i = rng.randrange(n)
        j = min(n - 1, max(0, i + rng.choice((-1, 1)) * rng.randint(1, max(1, span))))
        if ctx["length"] is None and rng.random() < 1 / 3:  # free length: a plain insertion or deletion
            if rng.random() < 0.5 and n > 2:
                return parent[:i] + parent[i + 1 :]
            left = parent[i - 1] if i > 0 else None
            return parent[:i] + _letter(rng, ctx["alphabet"], ctx["constraint"], left, parent[i]) + parent[i:]
        chars = list(parent)
        del chars[i]
        left = chars[j - 1] if j > 0 else None
        right = chars[j] if j < len(chars) else None
        # the inserted letter repeats a neighbour half of the time (a repeat is the commonest safe pair)
        if rng.random() < 0.5 and (left or right):
            letter = left if left is not None and (right is None or rng.random() < 0.5) else right
        else:
            letter = _letter(rng, ctx["alphabet"], ctx["constraint"], left, right)
        chars.insert(j, letter)  # type: ignore[arg-type]
        return "".join(chars)

    def _rewrite(self, parent: str, rng: random.Random, ctx: dict[str, Any]) -> str:
        w = min(self._width(rng, ctx, len(parent)), len(parent))
        t = _free_start(parent, w, rng, ctx["sites"])
        chars = list(parent)
        for pos in range(t, t + w):
            left = chars[pos - 1] if pos > 0 else None
            right = chars[pos + 1] if pos == t + w - 1 and pos + 1 < len(chars) else None
            chars[pos] = _letter(rng, ctx["alphabet"], ctx["constraint"], left, right)
        return "".join(chars)
