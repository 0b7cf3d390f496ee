"""TransitionModel: what a black-box campaign may infer about banned adjacent pairs, and nothing more."""

from __future__ import annotations

import numpy as np
import pytest

from sciReason.agents.feasibility import TransitionModel, build_transition_model
from sciReason.agents.records import Record
from sciReason.oracles import parse_target


def _rec(key: str, feasible: bool, value: float | None = 0.5) -> Record:
    return Record(key=key, call_index=1, value=value, feasible=feasible)


def test_inactive_until_an_infeasible_result_is_seen():
    model = TransitionModel("ABC")
    model.observe([_rec("ABAB", True)])
    assert not model.active and model.status("CCCC") == (0, 0) and model.p_feasible("CACA") == 1.0
    assert model.may_follow("A", "B") == ["A", "B", "C"]


def test_single_unknown_pair_is_proven_banned_and_clauses_resolve_later():
    model = TransitionModel("ABC")
    model.observe([_rec("ABAB", True)])  # AB, BA allowed
    model.observe([_rec("ABAC", False)])  # only AC unknown -> banned
    assert model.banned[0, 2] and model.known_infeasible("BAC")
    assert not model.known_infeasible("CA")  # CA is unknown, not banned
    model.observe([_rec("CBCB", False)])  # CB, BC both unknown: a clause, nothing banned yet
    assert not model.banned[2, 1] and not model.banned[1, 2]
    model.observe([_rec("ABC", True)])  # BC proven allowed -> the clause leaves CB banned
    assert model.banned[2, 1] and model.known_infeasible("ACB") and model.summary()["pairs_banned"] == 2


def test_contradiction_unbans_a_pair_instead_of_blocking_the_search():
    model = TransitionModel("AB")
    model.observe([_rec("AA", True), _rec("AB", False)])
    assert model.banned[0, 1]
    model.observe([_rec("AB", True)])  # a feasible result with the 'banned' pair: the hypothesis was wrong
    assert not model.banned[0, 1] and model.contradictions == 1


def test_p_feasible_uses_the_observed_ban_rate():
    model = TransitionModel("ABC")
    model.observe([_rec("AAAA", True), _rec("AB", False)])
    rate = model.ban_rate()
    assert 0.0 < rate < 1.0
    assert model.p_feasible("ACA") == pytest.approx((1 - rate) ** 2)  # AC and CA unknown
    assert model.p_feasible("AB") == 0.0


def test_learned_bans_on_an_ehrlich_instance_are_all_true_bans():
    """Soundness on a real instance: every pair the model calls banned is banned in the hidden mask."""
    obj = parse_target("ehrlich:L=16,c=2,k=4,seed=5")
    mask = obj.instance.transition_mask
    model = TransitionModel(obj.alphabet)
    rng = np.random.default_rng(0)
    start = obj.initial_solution()[0]
    seqs = [start]
    for _ in range(400):  # random single substitutions of feasible sequences, as a campaign makes them
        parent = seqs[rng.integers(len(seqs))]
        pos = int(rng.integers(len(parent)))
        child = parent[:pos] + obj.alphabet[int(rng.integers(len(obj.alphabet)))] + parent[pos + 1 :]
        scored = obj.score([child])[0]
        model.observe([Record(child, 1, scored.value, feasible=scored.feasible)])
        if scored.feasible:
            seqs.append(child)
    banned = np.argwhere(model.banned)
    assert len(banned) > 10
    assert all(not mask[a, b] for a, b in banned)
    assert all(mask[a, b] for a, b in np.argwhere(model.allowed))


def test_declared_only_outside_benchmark_mode():
    obj = parse_target("ehrlich:L=16,c=2,k=4,seed=5")
    declared = build_transition_model(obj, obj.alphabet, benchmark_mode=False)
    learned = build_transition_model(obj, obj.alphabet, benchmark_mode=True)
    assert declared.declared and declared.summary()["mode"] == "declared"
    assert not learned.declared and int(learned.banned.sum()) == 0 and int(learned.allowed.sum()) == 0
