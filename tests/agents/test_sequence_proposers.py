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


def _scored(key, value, parent, proposer="scan"):
    return Record(key, 1, value, proposer=proposer, parents=(parent,))


def test_scan_knocks_out_each_site_then_pools_free_sites():
    from sciReason.agents.proposers.protein import ScanProposer

    target = "AAAABBBBCCCC"
    essential = {0, 5}  # a hidden objective: editing these sites lowers the value

    def value(seq):
        if any(seq[i] != target[i] for i in essential):
            return 0.2
        return 1.0 if seq[7] == "D" else 0.5

    scan = ScanProposer(pool=3)
    view = _view([target])
    view.population[0] = Record(target, 1, 0.5)
    rng = random.Random(7)
    knockouts = scan.propose(view, 50, rng)
    assert len(knockouts) == 12  # one child per site
    assert sorted(next(i for i in range(12) if p.key[i] != target[i]) for p in knockouts) == list(range(12))
    scan.learn([_scored(p.key, value(p.key), target) for p in knockouts if value(p.key) < 1.0])
    pools = scan.propose(view, 100, rng)
    assert pools
    for p in pools:
        changed = [i for i in range(12) if p.key[i] != target[i]]
        assert not set(changed) & essential  # pooled moves only touch free sites
        assert len(changed) >= 2 or len(pools) > 20
    hit = [p for p in pools if p.key[7] == "D"]
    assert hit  # the improving (site 7, letter D) move is inside some pool
    moves_tested = sum(sum(p.key[i] != target[i] for i in range(12)) for p in pools)
    assert moves_tested > 2 * len(pools)  # each call tests several moves


def test_scan_moves_to_a_better_incumbent_and_idles_on_an_exhausted_plateau():
    from sciReason.agents.proposers.protein import ScanProposer

    scan = ScanProposer(pool=4)
    scan.max_relocations = 0
    rng = random.Random(8)
    a = "ABCDABCD"
    view = _view([a])
    view.population[0] = Record(a, 1, 0.5)
    for _ in range(40):  # every child scores the same: all sites free, then every move tried
        out = scan.propose(view, 20, rng)
        if not out:
            break
        scan.learn([_scored(p.key, 0.5, a) for p in out])
    assert scan.propose(view, 20, rng) == []  # plateau exhausted: idle
    better = "DBCDABCD"
    view2 = _view([better, a])
    view2.population[0] = Record(better, 2, 0.9)
    assert scan.propose(view2, 5, rng)  # a better value appeared: a new scan starts
    assert scan._target == better


def _motif_product(seq: str, motifs: list[tuple[str, tuple[int, ...]]]) -> float:
    """A small Ehrlich-like objective: the product over spaced motifs of the best fraction of a motif's
    letters present, at their offsets, from any start."""
    out = 1.0
    for letters, offsets in motifs:
        best = max(
            sum(seq[t + o] == a for a, o in zip(letters, offsets, strict=True))
            for t in range(len(seq) - offsets[-1])
        )
        out *= best / len(letters)
    return out


def test_scan_relocates_an_incomplete_motif_whose_missing_site_is_taken():
    """FC_G_H sits at 4-9 with C shared with the complete motif CDEK at 5-8, and its G belongs at 7, where
    CDEK has its E: no single substitution improves. The knock-outs tell the incomplete motif's sites
    (4, 9 and the shared 5 drop further than CDEK's own), the scan copies them with their spacing over
    free sites and completes the copy with the substitution next to it."""
    from sciReason.agents.proposers.protein import ScanProposer

    motifs = [("CDEK", (0, 1, 2, 3)), ("FCGH", (0, 1, 3, 5))]
    start = "AAAAFCDEKHAAAAAAAA"
    obj = _Fixed()
    obj.alphabet, obj.length = "ABCDEFGHK", len(start)
    assert _motif_product(start, motifs) == 0.75
    scan = ScanProposer(pool=3)
    rng = random.Random(11)
    records = [Record(start, 1, _motif_product(start, motifs))]
    kinds: list[str] = []
    for _ in range(300):
        best = max(r.score for r in records)
        pop = sorted((r for r in records if r.score >= best - 1e-12), key=lambda r: -r.call_index)
        view = CampaignView(obj, pop, {r.key for r in records}, {"intensity": 0}, 1, True)
        out = scan.propose(view, 8, rng)
        if not out:
            break
        new = [Record(p.key, len(records) + i + 1, _motif_product(p.key, motifs)) for i, p in enumerate(out)]
        kinds.extend(scan._pending[p.key][0] for p in out)
        records.extend(new)
        scan.learn(new)
        if max(r.score for r in new) >= 1.0:
            break
    best = max(records, key=lambda r: r.score)
    assert best.score == 1.0, (best.key, best.score)
    assert scan.relocated >= 1 and "relocate" in kinds
    assert best.key[5:9] == "CDEK"  # the complete motif was left alone: FCGH was completed elsewhere
    assert len(records) < 200
