"""RL rewards: in [0, 1], built on the evaluation metric functions, 0 for unparsed, None for bad gold."""

from __future__ import annotations

import math

import pytest

from sciReason.evaluation.metrics.base import EvalItem
from sciReason.evaluation.registry import METRICS
from sciReason.evaluation.rewards import (
    REWARD_GROUPS,
    item_reward,
    make_reward,
    reward,
    reward_group,
    rewards,
)
from sciReason.tasks import TASKS


def test_every_metric_has_a_reward_group_and_every_task_a_reward():
    assert set(REWARD_GROUPS) == set(METRICS)
    groups = {reward_group(spec) for spec in TASKS.values()}
    assert groups == {"matching", "distance", "tool_verified"}


def test_matching_reward_agrees_with_the_metric():
    task = "smol_name_conversion-i2s"
    assert reward(task, "<SMILES> OCC </SMILES>", "<SMILES> CCO </SMILES>") == 1.0
    assert reward(task, "no answer", "<SMILES> CCO </SMILES>") == 0.0
    partial = reward(task, "<SMILES> CCCO </SMILES>", "<SMILES> CCO </SMILES>")
    assert 0.0 < partial < 0.5  # wrong molecule: half its Morgan-count similarity
    assert reward(task, "<SMILES> CCO </SMILES>", "<SMILES> C1CC </SMILES>") is None  # gold unreadable


def test_distance_reward():
    task = "smol_property_prediction-esol"
    assert reward(task, "<NUMBER> -2 </NUMBER>", "-2") == pytest.approx(1.0)
    r = reward(task, "<NUMBER> -1 </NUMBER>", "-2")
    assert r == pytest.approx(math.exp(-1 / 0.2))
    assert reward(task, "<NUMBER> 5 </NUMBER>", "-2", params={"reward_scale": 7.0}) == pytest.approx(
        math.exp(-1)
    )


def test_tool_verified_rewards():
    assert reward("unconditional_molecule_generation", "<SMILES> c1ccccc1 </SMILES>", None) == 1.0
    assert reward("unconditional_molecule_generation", "<SMILES> c1cccc1 </SMILES>", None) == 0.0
    mat = "<material> Na Cl <sg> <sg225> </material>"
    assert reward("unconditional_material_generation", mat, None) == 1.0
    assert (
        reward("composition_to_material_generation", mat, "<material> Na Cl Cl <sg> <sg12> </material>")
        == 1.0
    )
    assert (
        reward(
            "composition_to_material_generation",
            "<material> Na Cl Cl </material>",
            None,
            input="composition Na Cl",
        )
        == 0.0
    )  # not charge balanced


def test_classification_and_text_rewards():
    assert reward("tf-h-0", "The prediction result is positive.", "positive") == 1.0
    assert reward("tf-h-0", "The prediction result is negative.", "positive") == 0.0
    assert reward("Function_UniProtSeq_function", "binds zinc ions", "binds zinc ions") == pytest.approx(1.0)


def test_batch_and_trl_style_callable():
    golds = ["<SMILES> CCO </SMILES>", "<SMILES> CCN </SMILES>"]
    out = rewards("smol_name_conversion-i2s", ["<SMILES> CCO </SMILES>", "???"], golds)
    assert out == [1.0, 0.0]
    fn = make_reward("smol_name_conversion-i2s")
    assert fn(["<SMILES> CCO </SMILES>"], gold=golds[:1]) == [1.0]


@pytest.mark.parametrize("task_id", sorted(TASKS)[::7])
def test_rewards_are_bounded(task_id):
    spec = TASKS[task_id]
    item = EvalItem(id="0", task=task_id, value=None, gold=("x",))
    r = item_reward(spec, item)
    assert r is None or 0.0 <= r <= 1.0


@pytest.mark.parametrize(
    ("task", "gold"),
    [
        ("smol_property_prediction-esol", "not a number"),
        ("smol_name_conversion-i2s", "<SMILES> C1CC </SMILES>"),
        ("smol_property_prediction-bbbp", None),
        ("mol_instruction_chemical_entity_recognition", ""),
    ],
)
def test_unreadable_gold_means_skip_never_zero(task, gold):
    from sciReason.evaluation.rewards import gold_usable

    assert not gold_usable(task, gold)
    assert reward(task, "<NUMBER> 1 </NUMBER>", gold) is None
    assert rewards(task, ["a", "b"], [gold, gold]) == [None, None]


def test_generation_rewards_need_no_gold():
    from sciReason.evaluation.rewards import gold_usable

    assert gold_usable("unconditional_molecule_generation", None)
    assert reward("unconditional_molecule_generation", "<SMILES> CCO </SMILES>", None) == 1.0
