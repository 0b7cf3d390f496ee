"""Every task of the catalog reaches implemented metrics, by exact name, and scores end to end."""

from __future__ import annotations

import math

import pytest

from sciReason.errors import InputError
from sciReason.evaluation.registry import METRICS, TASK_PARAMS, compute, get_metric
from sciReason.evaluation.scoring import score_task
from sciReason.tasks import TASKS


def test_every_task_metric_is_implemented_under_its_exact_name():
    assert len(TASKS) == 149
    used = {m for spec in TASKS.values() for m in spec.metrics}
    assert used <= set(METRICS), sorted(used - set(METRICS))
    assert set(METRICS) <= used, "registry has metrics no task uses"
    for spec in TASKS.values():
        assert spec.metrics, spec.id


def test_task_params_are_keyed_by_existing_task_ids_and_metrics():
    for task_id, per_metric in TASK_PARAMS.items():
        assert task_id in TASKS
        assert set(per_metric) <= set(TASKS[task_id].metrics)


def test_unknown_metric_is_an_input_error():
    with pytest.raises(InputError, match="unknown metric 'bleu5'"):
        get_metric("bleu5")


def test_opi_tasks_are_not_scored_by_a_split_name_fallback():
    # the reference mapped 'EC_number_...' to 'EC' and fell back to raw-string accuracy; here the
    # tasks carry their own metrics and the EC answer is parsed from its tag
    spec = TASKS["EC_number_CLEAN_EC_number_new"]
    assert spec.metrics == ("accuracy", "set_f1")
    rec = {"raw": "The enzyme is <EC_NUMBER> 2.7.11.1 </EC_NUMBER>", "output": "2.7.11.1"}
    score = score_task(spec, [rec])
    assert [m.value for m in score.metrics] == [1.0, 1.0]


def _answer(spec) -> str:  # noqa: ANN001
    """A well-formed answer for any task, built from its parser and tags."""
    tag = spec.answer_tags[0] if spec.answer_tags else None
    wrap = (lambda x: f"<{tag}> {x} </{tag}>") if tag else (lambda x: x)
    by_parser = {
        "smiles": "<SMILES> CCO </SMILES>",
        "iupac": "<IUPAC> ethanol </IUPAC>",
        "formula": "<MOLFORMULA> C2H6O </MOLFORMULA>",
        "number": "<NUMBER> 1.5 </NUMBER>",
        "numbers": " ".join(["1.5"] * max(1, spec.n_values)),
        "boolean": "Yes",
        "yes_no": "Yes",
        "gue": "The prediction result is positive.",
        "peer": "The answer is Yes",
        "yes_no_maybe": "Yes",
        "choice": "(A)",
        "label": wrap(spec.options[0] if spec.options else "cytoplasm"),
        "label_set": spec.options[0] if spec.options else "x",
        "term_list": wrap("kinase activity; ATP binding"),
        "ec_numbers": wrap("2.7.11.1"),
        "tuples": "(aspirin, pain)",
        "entity_list": "aspirin, ibuprofen",
        "text": "The molecule is an alcohol.",
        "material": "<material> Na Cl <sg> <sg225> </material>",
        "protein": "<protein> MKTAYIAKQR </protein>",
        "rna": "<rna> ACGUACGU </rna>",
    }
    if spec.parser == "llm4mat":
        value = spec.options[0] if spec.options else "1.5"
        return f"{{{spec.property_key} : {value}}}"
    return by_parser[spec.parser]


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_every_task_scores_a_correct_and_an_unparsable_answer(task_id):
    spec = TASKS[task_id]
    good = _answer(spec)
    gold = good
    records = [
        {"id": "good", "raw": good, "output": gold, "input": "composition Na Cl"},
        {"id": "bad", "raw": "<think>unfinished", "output": gold, "finish_reason": "length"},
    ]
    score = score_task(spec, records)
    assert [r.valid for r in score.records] == [True, False], score.records[0].reason
    assert score.records[1].truncated_in_reasoning
    assert [m.metric for m in score.metrics] == list(spec.metrics)
    for m in score.metrics:
        assert m.n >= 1 and 0 <= m.n_parsed <= m.n, m
        assert m.value is None or math.isfinite(m.value), m
        if m.value is None:
            assert m.reason and m.comparable is False, m
        if m.per_item is not None and m.n == 2:
            good_score, bad_score = m.per_item
            assert (
                bad_score is None or not METRICS[m.metric].higher_is_better or bad_score <= (good_score or 0)
            )


def test_compute_stamps_flags_from_the_registry():
    spec = TASKS["smol_property_prediction-esol"]
    items = score_task(spec, [{"raw": "<NUMBER> 1 </NUMBER>", "output": "<NUMBER> 1.5 </NUMBER>"}]).records
    res = compute("rmse", [r.item for r in items], spec)
    assert res.value == pytest.approx(0.5) and res.comparable is True and "worst in-range" in res.note
