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


class ScanProposer:
    """Site scan and pooled substitutions on the incumbent (deep-mutational-scanning style).

    When only one or two of the ``L * (v - 1)`` single substitutions of a sequence still improve it,
    random mutation needs hundreds of calls per step. This proposer works on one incumbent at a time (the
    earliest record with the best value, so it stays put while the population drifts on a plateau):

    1. **knock-out scan**: each site once, with a letter that fits its neighbours; a lower value marks the
       site *essential*, an equal value *free*;
    2. **pooled substitutions**: children that change ``pool`` free sites at once, each to a letter not
       yet tried there. An unchanged value rules out every one of those (site, letter) moves in one call;
       a higher value is a new incumbent. Moves of a pool that came back worse or infeasible are tried
       again in other pools. Letters must form known-allowed pairs with their neighbours when the
       campaign has learned a transition constraint.

    When every move on free sites has been tried, the incumbent (the plateau's *home*) is a local
    optimum for single substitutions. In a product of factors (Ehrlich motifs) this is typically one
    factor one element short whose missing site is taken by another factor or walled in by banned pairs.
    The knock-out values say which sites are that factor's (they drop further than a complete factor's),
    so the scan then:

    3. **relocates** them: a child with those letters copied, spacing kept, over free sites elsewhere
       (free neighbours re-drawn where the learned constraint does not know the new pair to be allowed);
       it should score the same, since the original stays;
    4. **completes the copy**: pooled substitutions on the neutral child, sites next to the copy first
       (the original's own sites are spare now, its sites shared with another factor are not), up to
       ``max_relocations`` starts per home;
    5. **re-homes**: with every start tried, the newest plateau member not scanned yet becomes the home
       (drift by the other proposers has given it another layout, perhaps with room for the copy), at
       most once per ``rehome_wait`` calls so that the scan does not take the calls the drift needs.

    Measured on Ehrlich(32, 32, 4, 4, q=4), 100 runs on tuning instances: relocation + re-homing raise
    the solve rate within 20,000 calls from 81 to 97 % (``docs/benchmarks.md``).
    """

    name = "scan"
    screen_exempt = True  # knock-outs hit essential sites on purpose: the engine's site screen skips them

    def __init__(
        self, pool: int = 6, max_relocations: int = 12, max_homes: int = 1_000_000, rehome_wait: int = 1500
    ) -> None:
        self.pool = pool
        self.rehome_wait = rehome_wait
        self.rehome_pool = True
        self._clock = 0  # the newest call index seen
        self._home_clock = 0  # ... when the current plateau home was taken
        self.made = 0
        self._target: str | None = None
        self._value = -1.0
        self._knockouts: list[int] = []
        self._status: dict[int, str] = {}  # site -> "essential" | "free"
        self._moves: list[tuple[int, str]] = []
        self._tried: set[tuple[int, str]] = set()
        self._pending: dict[str, tuple[str, list[tuple[int, str]]]] = {}  # child -> (kind, moves)
        self._scanned: set[str] = set()
        self._built = False  # the pooled moves of the current incumbent have been listed
        self.max_relocations = max_relocations
        self.max_homes = max_homes
        self._relocations = 0  # relocation children made from the current home
        self._relocating = False
        self._home_done = False  # every relocation of the home has been tried
        self._homes = 0  # plateau members scanned as homes since the value last rose
        self._next: tuple[str, list[int]] | None = None  # a neutral relocation child (and its copy) to scan
        self._ko_value: dict[int, float] = {}
        # the plateau's fully scanned incumbent: (key, knock-out values, site status); relocations copy
        # its weak sites, also while a relocated child is being scanned (whose copies mask them)
        self._home: tuple[str, dict[int, float], dict[int, str]] | None = None
        self._starts_tried: set[int] = set()
        self._near: list[int] = []  # the copied sites of a relocated child: pooled moves start next to them
        self.relocated = 0

    # --- incumbent --------------------------------------------------------------------------------------
    def _pick_target(self, view: CampaignView, rng: random.Random) -> None:
        pop = view.population
        if not pop:
            return
        best = max(r.score for r in pop)
        if best < self._value - 1e-12:  # the population restarted (a new epoch): start over with it
            self._target, self._value, self._next, self._relocating = None, -1.0, None, False
        plateau = self._value >= best - 1e-12  # nothing better than the value being worked on
        if plateau and self._target is not None:
            # keep the incumbent while its scan has work (on a plateau the newest-first population may
            # no longer hold it), then complete a neutral relocation, then make the next one
            if self._knockouts or self._moves or not self._built:
                return
            if self._next is not None:
                (key, copied), self._next = self._next, None
                self._start_copy(key, copied)
                return
            if not self._home_done:
                self._relocating = True
                return
            self._target = None
        if plateau:
            # the home is spent: scan the newest plateau member not seen yet (drift has given it another
            # layout, perhaps with room for the copy), or idle until one appears
            if self._homes >= self.max_homes or self._clock < self._home_clock + self.rehome_wait:
                return
            fresh = [r for r in pop if r.score >= best - 1e-12 and r.key not in self._scanned]
            if fresh:
                self._homes += 1
                self._home_clock = self._clock
                rec = max(fresh, key=lambda r: r.call_index)
                self._start(rec.key, rec.score, rng)
            return
        top = sorted((r for r in pop if r.score >= best), key=lambda r: r.call_index)
        for rec in top + sorted(pop, key=lambda r: (-r.score, -r.call_index)):
            if rec.key not in self._scanned:
                self._start(rec.key, rec.score, rng)
                return
        self._target = None

    def _start(self, key: str, value: float, rng: random.Random) -> None:
        if value > self._value + 1e-12:
            self._homes = 0
        self._home, self._starts_tried, self._home_done, self._relocations = None, set(), False, 0
        self._target, self._value = key, value
        self._ko_value = {}
        self._scanned.add(key)
        self._knockouts = list(range(len(key)))
        rng.shuffle(self._knockouts)
        self._status, self._moves, self._tried, self._pending = {}, [], set(), {}
        self._near = []
        self._built = False

    def _start_copy(self, key: str, copied: list[int]) -> None:
        """Scan a relocated child without knock-outs: its sites are the home incumbent's, less the copy
        (both copies of the weak sites now look free) and the sites it overwrote; the completing move sits
        next to the copy, so pooled moves are ordered by distance to it."""
        assert self._home is not None
        _, _, status = self._home
        self._target = key
        self._scanned.add(key)
        self._knockouts, self._ko_value = [], {}
        skip = set(copied)
        # the original is redundant next to its copy, except where it shares a site with another factor
        # (those knock out lower than the factor's own sites)
        ko = self._home[1]
        weak = self._weak_sites(ko, status)
        own = max((ko[i] for i in weak), default=0.0)
        spare = {i for i in weak if ko[i] >= own - 1e-12}
        self._status = {i: "free" if i in spare else st for i, st in status.items() if i not in skip}
        self._moves, self._tried, self._pending = [], set(), {}
        self._near = list(copied)
        self._built = False

    def _weak_sites(self, ko: dict[int, float], status: dict[int, str]) -> list[int]:
        """The sites of the least complete factor. In a product of factors a knock-out lowers the value by
        the factor's own loss: a complete factor's sites give the mildest drop, an incomplete one's a
        larger drop and a site shared by two factors the largest, so every essential site below the
        mildest drop belongs to an incomplete factor (a shared one included: the copy needs it too)."""
        essential = {i: v for i, v in ko.items() if status.get(i) == "essential"}
        if len(essential) < 2:
            return []
        top = max(essential.values())
        weak = sorted(i for i, v in essential.items() if v < top - 1e-12)
        if len(weak) < 2:  # every factor knocks out alike: take the lowest
            low = min(essential.values())
            weak = sorted(i for i, v in essential.items() if v <= low + 1e-12)
        return weak if len(weak) >= 2 else []

    def _relocation(self, rng: random.Random, constraint: Any) -> tuple[str, list[int]] | None:
        """A copy of the home incumbent's weak sites, letters and relative spacing kept, pasted over free
        sites elsewhere; the original stays, so the child should score the same, and its scan may
        complete the copy where the original's missing site is taken by another factor. Starts whose
        pairs are all known-allowed come first, then those with no known-banned pair."""
        if self._home is None:
            return None
        home, ko, status = self._home
        weak = self._weak_sites(ko, status)
        if not weak:
            return None
        offsets = [i - weak[0] for i in weak]
        free = {i for i, st in status.items() if st == "free"} - set(weak)
        starts = [
            t
            for t in range(0, len(home) - offsets[-1])
            if t != weak[0] and t not in self._starts_tried and all(t + o in free for o in offsets)
        ]
        rng.shuffle(starts)
        loose: tuple[str, list[int], int] | None = None
        for t in starts:
            child = list(home)
            for o, i in zip(offsets, weak, strict=True):
                child[t + o] = home[i]
            copied = [t + o for o in offsets]
            self._repair_around(child, copied, free, constraint, rng)
            text = "".join(child)
            if all(self._fits(child, j, child[j], constraint) for j in copied):
                self._starts_tried.add(t)
                return text, copied
            if loose is None and (constraint is None or not constraint.known_infeasible(text)):
                loose = (text, copied, t)
        if loose is None:
            return None
        self._starts_tried.add(loose[2])
        return loose[0], loose[1]

    def _repair_around(
        self, child: list[str], copied: list[int], free: set[int], constraint: Any, rng: random.Random
    ) -> None:
        """Re-draw the free neighbours of a pasted copy whose pair with it is not known to be allowed, so
        that a copy is not ruled out by the letters that happen to sit beside it."""
        if constraint is None or not constraint.active:
            return
        taken = set(copied)
        for j in copied:
            for n in (j - 1, j + 1):
                if n < 0 or n >= len(child) or n in taken or n not in free:
                    continue
                if self._fits(child, n, child[n], constraint):
                    continue
                left = child[n - 1] if n > 0 else None
                right = child[n + 1] if n + 1 < len(child) else None
                options = [
                    a for a in constraint.may_follow(left, right) if self._fits(child, n, a, constraint)
                ]
                if options:
                    child[n] = rng.choice(options)
                    taken.add(n)

    def _fits(self, child: list[str], pos: int, letter: str, constraint: Any) -> bool:
        """``letter`` at ``pos`` forms no known banned pair, and only known-allowed pairs when the
        campaign has learned a constraint (pooled moves must not waste a call on infeasibility)."""
        if constraint is None or not constraint.active:
            return True
        idx = constraint.index
        for a, b in (
            (child[pos - 1] if pos > 0 else None, letter),
            (letter, child[pos + 1] if pos + 1 < len(child) else None),
        ):
            if a is None or b is None:
                continue
            if a not in idx or b not in idx or not constraint.allowed[idx[a], idx[b]]:
                return False
        return True

    # --- proposals --------------------------------------------------------------------------------------
    def propose(self, view: CampaignView, n: int, rng: random.Random) -> list[Proposal]:
        if n <= 0:
            return []
        for kind, moves in self._pending.values():  # proposed last round but not scored: queue again
            if kind == "knockout":
                self._knockouts.append(moves[0][0])
            else:
                self._moves.extend(moves)
        self._pending.clear()
        self._pick_target(view, rng)
        target = self._target
        if target is None:
            return []
        constraint = getattr(view, "constraint", None)
        if self._relocating:
            self._relocating = False
            self._relocations += 1
            if self._home is None and not self._near:  # the exhausted incumbent is the plateau's home
                self._home = (target, dict(self._ko_value), dict(self._status))
            made = self._relocation(rng, constraint) if self._relocations <= self.max_relocations else None
            if made is None:
                self._home_done = True
            out: list[Proposal] = []
            if made is not None:
                self._emit(list(made[0]), "relocate", [(j, made[0][j]) for j in made[1]], view, out)
            return self._done(out)
        alphabet = sequence_alphabet(view.objective)
        out = []
        while self._knockouts and len(out) < n:
            pos = self._knockouts.pop()
            child = list(target)
            options = [a for a in alphabet if a != target[pos] and self._fits(child, pos, a, constraint)]
            if not options:
                options = (
                    [
                        a
                        for a in constraint.may_follow(
                            child[pos - 1] if pos > 0 else None,
                            child[pos + 1] if pos + 1 < len(child) else None,
                        )
                        if a != target[pos]
                    ]
                    if constraint is not None
                    else [a for a in alphabet if a != target[pos]]
                )
            if not options:
                self._status[pos] = "essential"  # cannot be tested: leave it alone
                continue
            child[pos] = rng.choice(options)
            self._emit(child, "knockout", [(pos, child[pos])], view, out)
        if self._knockouts or len(out) >= n:
            return self._done(out)
        if not self._built and not self._pending and self._homes and not self._near and not self.rehome_pool:
            self._built = True  # a re-homed plateau member: knock-outs for its relocations, no pooled moves
        if not self._built and not self._pending:
            free = [i for i, st in self._status.items() if st == "free"]
            self._moves = [
                (i, a) for i in free for a in alphabet if a != target[i] and (i, a) not in self._tried
            ]
            rng.shuffle(self._moves)
            if self._near:  # a relocated child: sites next to the copy first (moves are popped from the end)
                near = self._near
                self._moves.sort(key=lambda m: -min(abs(m[0] - j) for j in near))
            self._built = True
        while self._moves and len(out) < n:
            child = list(target)
            used: set[int] = set()
            picked: list[tuple[int, str]] = []
            rest: list[tuple[int, str]] = []
            for pos, letter in reversed(self._moves):
                if len(picked) >= self.pool or pos in used or pos - 1 in used or pos + 1 in used:
                    rest.append((pos, letter))
                    continue
                if not self._fits(child, pos, letter, constraint):
                    rest.append((pos, letter))
                    continue
                child[pos] = letter
                used.add(pos)
                picked.append((pos, letter))
            if not picked:
                if self._moves:  # what is left never fits a pool: try the moves one by one
                    pos, letter = self._moves.pop()
                    child = list(target)
                    child[pos] = letter
                    self._emit(child, "pool", [(pos, letter)], view, out)
                continue
            self._moves = list(reversed(rest))
            self._emit(child, "pool", picked, view, out)
        return self._done(out)

    def _emit(
        self,
        child: list[str],
        kind: str,
        moves: list[tuple[int, str]],
        view: CampaignView,
        out: list[Proposal],
    ) -> None:
        text = "".join(child)
        if text in view.known or text in self._pending or not feasible(view, text):
            if kind == "knockout" and text in view.known:
                self._status.setdefault(moves[0][0], "free")  # unknown outcome: treat as testable
            return
        self._pending[text] = (kind, moves)
        out.append(Proposal(text, self.name, (self._target,) if self._target else ()))

    def _done(self, out: list[Proposal]) -> list[Proposal]:
        self.made += len(out)
        return out

    def learn(self, records: Sequence[Record]) -> None:
        for rec in records:
            self._clock = max(self._clock, rec.call_index)
            entry = self._pending.pop(rec.key, None)
            if entry is None:
                continue
            kind, moves = entry
            if not rec.feasible or rec.value is None:
                if kind == "pool" and len(moves) > 1:
                    self._moves.extend(moves)  # one of them made a banned pair: retry them elsewhere
                elif kind == "knockout":
                    self._status[moves[0][0]] = "free"
                continue
            worse = rec.score < self._value - 1e-12
            if kind == "relocate":
                if not worse:
                    self._next = (rec.key, [j for j, _ in moves])
                    self.relocated += 1
            elif kind == "knockout":
                self._status[moves[0][0]] = "essential" if worse else "free"
                self._ko_value[moves[0][0]] = rec.score
                self._tried.add(moves[0])
            elif worse and len(moves) > 1:
                self._moves.extend(moves)  # a site was not as free as it looked: test the moves apart
            else:
                self._tried.update(moves)
