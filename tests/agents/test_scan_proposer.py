"""The site-scan proposer: knock-outs, pooled substitutions, and motif relocation on a plateau."""

from __future__ import annotations

import random

from sciReason.agents.proposers.base import CampaignView
from sciReason.agents.records import Record


class _Fixed:
    """A fixed-length sequence objective over ABCD (only what proposers read)."""

    domain = "any"
    alphabet = "ABCD"
    length = 12


def _view(keys, objective=None):
    pop = [Record(k, i, 1.0 - i / 100) for i, k in enumerate(keys, 1)]
    return CampaignView(objective or _Fixed(), pop, set(), {"intensity": 0}, 1, True)


def _scored(key, value, parent, proposer="scan"):
    return Record(key, 1, value, proposer=proposer, parents=(parent,))


def test_scan_knocks_out_each_site_then_pools_free_sites():
    from sciReason.agents.proposers.scan import ScanProposer

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
    from sciReason.agents.proposers.scan import ScanProposer

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
    from sciReason.agents.proposers.scan import ScanProposer

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
