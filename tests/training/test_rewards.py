from __future__ import annotations

import pytest

from sciReason.training.builders import build_records, rule_trace, task_spec
from sciReason.training.config import RewardConfig
from sciReason.training.rewards import is_correct, repetition_share, reward_group, shaped_reward, task_reward


def _rec(task):
    return next(build_records("instructions", tasks=[task], n_per_task=1, max_molecules=300))


def test_groups_route_by_task():
    assert reward_group(task_spec("rdkit_tpsa")) == "distance"
    assert reward_group(task_spec("smol_molecule_generation")) == "tool"
    assert reward_group(task_spec("smol_name_conversion-s2f")) == "matching"


def test_distance_reward_is_softened_and_monotone():
    spec, rec = task_spec("rdkit_tpsa"), {"reference": 50.0}
    r = [task_reward(spec, v, rec) for v in (50.0, 52.0, 60.0, 500.0)]
    assert r[0] == 1.0 and 1 > r[1] > r[2] > r[3] >= 0


def test_formula_partial_credit_below_exact():
    spec = task_spec("smol_name_conversion-s2f")
    assert task_reward(spec, "C6H6O", {"reference": "C6H6O"}) == 1.0
    assert 0 < task_reward(spec, "C6H6", {"reference": "C6H6O"}) < 0.8


def test_tool_verified_molecule_rewards():
    spec = task_spec("smol_molecule_generation")
    rec = {"reference": "Oc1ccccc1Cl", "formula": "C6H5ClO"}
    assert task_reward(spec, "Clc1ccccc1O", rec) == 1.0  # same formula (and molecule)
    assert task_reward(spec, "c1ccccc1", rec) < 1.0
    text_ok = "<think>\nneed C 6\n</think>\n\n<SMILES> Oc1ccccc1Cl </SMILES>"
    full = shaped_reward(spec, text_ok, rec)
    assert full.total == pytest.approx(1.0) and full.valid
    no_think = shaped_reward(spec, "<SMILES> Oc1ccccc1Cl </SMILES>", rec)
    assert no_think.total < full.total  # thinking task without its rationale loses the format share


def test_tags_must_survive_decoding():
    """training.md §5.1: the same completion with its tags stripped (as skip_special_tokens does to tags
    registered as special tokens) loses the think block and the answer tag, and with them reward."""
    spec = task_spec("smol_molecule_generation")
    rec = {"reference": "Oc1ccccc1Cl", "formula": "C6H5ClO"}
    tagged = "<think>\nC 6, H 5, Cl 1, O 1\n</think>\n\n<SMILES> Oc1ccccc1Cl </SMILES>"
    stripped = (
        tagged.replace("<think>", "").replace("</think>", "").replace("<SMILES>", "").replace("</SMILES>", "")
    )
    assert shaped_reward(spec, tagged, rec).total == pytest.approx(1.0)
    assert shaped_reward(spec, stripped, rec).total < 0.5


def test_repetition_guard_penalises_loops():
    cfg = RewardConfig()
    spec, rec = task_spec("rdkit_aromatic"), {"reference": True}
    clean = shaped_reward(spec, "<BOOLEAN> Yes </BOOLEAN>", rec, cfg).total
    loop = shaped_reward(spec, "yes it is " * 20 + "<BOOLEAN> Yes </BOOLEAN>", rec, cfg).total
    assert repetition_share("a b c a b c a b c a b c") > 0.5 and loop < clean


@pytest.mark.parametrize("task", ["dna_to_protein", "smol_molecule_generation", "smol_name_conversion-s2f"])
def test_rule_traces_verify_and_corruptions_fail(task):
    import random

    rec = _rec(task)
    spec = task_spec(task)
    good = rule_trace(rec, random.Random(0), corrupt=0.0)
    assert good.startswith("<think>") and "</think>" in good and is_correct(spec, good, rec)
    bad = rule_trace(rec, random.Random(0), corrupt=1.0)
    if task != "smol_molecule_generation":  # a random molecule could share the formula by chance
        assert not is_correct(spec, bad, rec)


def test_unreadable_reference_skips_the_sample_instead_of_rewarding_zero():
    from sciReason.training.rewards import completion_reward, reference_usable

    spec = task_spec("smol_property_prediction-esol")
    for rec in ({"reference": "n/a"}, {"reference": None}, {}):
        assert not reference_usable(spec, rec)
        r = shaped_reward(spec, "<NUMBER> -1.0 </NUMBER>", rec)
        assert r.total is None and r.task is None and r.skip
        assert completion_reward(spec, "<NUMBER> -1.0 </NUMBER>", -1.0, rec) is None
        assert is_correct(spec, "<NUMBER> -1.0 </NUMBER>", rec) is False
    local = task_spec("rdkit_tpsa")
    assert task_reward(local, 20.0, {"reference": "unknown"}) is None
    assert shaped_reward(local, "<NUMBER> 20 </NUMBER>", {"reference": None}).skip
    # a readable reference still scores (a wrong answer is 0, not None)
    ok = shaped_reward(spec, "no number here", {"reference": "-1.0"})
    assert ok.total is not None and ok.task == 0.0
