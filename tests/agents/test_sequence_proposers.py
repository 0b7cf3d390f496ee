"""Sequence proposers: block edits, distant crossover, adaptive sizes, constraint-aware letters."""

from __future__ import annotations

import random
import statistics

from sciReason.agents.feasibility import TransitionModel
from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.proposers.protein import (
    BlockProposer,
    PointMutationProposer,
    RecombinationProposer,
    _distant_partner,
    _substitute,
)
from sciReason.agents.records import Record


class _Fixed:
    """A fixed-length sequence objective over ABCD (only what proposers read)."""

    domain = "any"
    alphabet = "ABCD"
    length = 12


class _Free:
    """A protein objective of free length."""

    domain = "protein"


def _view(keys, objective=None, intensity=0, constraint=None):
    pop = [Record(k, i, 1.0 - i / 100) for i, k in enumerate(keys, 1)]
    return CampaignView(
        objective or _Fixed(), pop, set(), {"intensity": intensity}, 1, True, constraint=constraint
    )


def _hamming(a, b):
    return sum(x != y for x, y in zip(a, b, strict=True))


class _Long:
    domain = "protein"
    alphabet = "ACDEFGHIKLMNPQRSTVWY"
    length = 40


def test_point_mutation_edits_grow_with_intensity():
    parent = "ACDEFGHIKLMNPQRSTVWY" * 2
    sizes = {}
    for level in (0, 3):
        view = _view([parent], objective=_Long(), intensity=level)
        out = PointMutationProposer().propose(view, 200, random.Random(0))
        sizes[level] = statistics.mean(_hamming(parent, p.key) for p in out)
    assert sizes[0] < 1.6 and sizes[3] > sizes[0] + 0.8


def test_block_shift_moves_a_segment_and_keeps_the_length():
    parent = "AAAABCDBAAAA"
    prop = BlockProposer(weights=(1, 0, 0, 0))
    out = prop.propose(_view([parent]), 100, random.Random(1))
    assert out and all(len(p.key) == len(parent) for p in out)
    # some shift moved the BCDB block by one position, pattern intact
    assert any("BCDB" in p.key and p.key.index("BCDB") != parent.index("BCDB") for p in out)


def test_block_transplant_copies_a_segment_of_another_parent():
    a, b = "AAAAAAAAAAAA", "BCDBCDBCDBCD"
    prop = BlockProposer(weights=(0, 1, 0, 0))
    out = prop.propose(_view([a, b]), 60, random.Random(2))
    children = [p for p in out if p.parents[0] == a]
    assert children
    for p in children:
        assert p.parents == (a, b)
        changed = [i for i, (x, y) in enumerate(zip(a, p.key, strict=True)) if x != y]
        assert changed == list(range(changed[0], changed[-1] + 1))  # one contiguous segment
        assert p.key[changed[0] : changed[-1] + 1] in b


def test_block_duplicate_and_rewrite_stay_in_the_alphabet():
    parent = "ABCDDCBAABCD"
    out = BlockProposer(weights=(0, 0, 1, 1)).propose(_view([parent]), 50, random.Random(3))
    assert len(out) >= 20
    assert all(set(p.key) <= set("ABCD") and len(p.key) == 12 for p in out)


def test_free_length_objectives_also_get_insertions_and_deletions():
    parent = "MKTAYIAKQRQISFVK"
    view = _view([parent], objective=_Free())
    out = BlockProposer(weights=(1, 0, 0, 0)).propose(view, 200, random.Random(4))
    lengths = {len(p.key) for p in out}
    assert {len(parent) - 1, len(parent), len(parent) + 1} <= lengths


def test_recombination_prefers_a_distant_partner():
    a = "AAAAAAAAAAAA"
    pool = ["AAAAAAAAAAAB", "AAAAAAAAABBB", "BBBBBBBBBBBB"]
    picks = [_distant_partner(a, pool, random.Random(s), 4) for s in range(50)]
    far = sum(p == "BBBBBBBBBBBB" for p in picks)
    near = sum(p == "AAAAAAAAAAAB" for p in picks)
    assert far > 3 * max(1, near)
    out = RecombinationProposer().propose(_view([a, *pool]), 40, random.Random(5))
    assert out and all(len(p.parents) == 2 and p.parents[0] != p.parents[1] for p in out)


def test_letters_avoid_known_banned_pairs_and_repair_fixes_a_neighbour():
    model = TransitionModel("ABCD")
    # everything allowed except A->B, proven by hand
    model.allowed[:] = True
    model.allowed[0, 1] = False
    model.banned[0, 1] = True
    model.n_infeasible_seen = 1
    rng = random.Random(6)
    for _ in range(200):
        child = list("AAAA")
        _substitute(child, [2], rng, "ABCD", model, repair=0.0)
        assert "".join(child)[1:3] != "AB"
    repaired = 0
    for _ in range(300):
        child = list("CAAC")
        _substitute(child, [2], rng, "ABCD", model, repair=1.0)
        text = "".join(child)
        assert "AB" not in text
        repaired += text[2] == "B"  # B was reachable: its left neighbour was re-drawn
    assert repaired > 20
