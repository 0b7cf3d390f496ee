"""The crafted cases that break the reference evaluation (scireasoner_tasks.md section 7, item 12),
each checked the RIGHT way round through the full path: raw model text -> parse -> metric."""

from __future__ import annotations

import pytest

from sciReason.evaluation.scoring import score_task
from sciReason.tasks import TASKS


def _metrics(task: str, records: list[dict]) -> dict:
    return {m.metric: m for m in score_task(TASKS[task], records).metrics}


def test_uspto_repeated_correct_answer_keeps_rank_one():
    rec = {
        "candidates": ["<SMILES> CCO </SMILES>", "<SMILES> CCN </SMILES>", "<SMILES> OCC </SMILES>"],
        "output": "<SMILES> CCO </SMILES>",
    }
    m = _metrics("retrosynthesis_USPTO_50K", [rec])
    assert m["top1_accuracy"].value == 1.0 and m["top3_accuracy"].value == 1.0


def test_invalid_component_makes_the_whole_answer_invalid():
    m = _metrics(
        "smol_forward_synthesis", [{"raw": "<SMILES> CCO.C1CC </SMILES>", "output": "<SMILES> CCO </SMILES>"}]
    )
    assert m["top1_exact_match"].value == 0.0
    assert m["validity"].value == 0.0 and m["top1_exact_match"].n_parsed == 0


def test_mol_instructions_empty_tag_wrong_enantiomer_and_all_failed_batch():
    task = "mol_instruction_description_guided_molecule_design"
    empty = _metrics(task, [{"raw": "<SMILES></SMILES>", "output": "<SMILES> CCO </SMILES>"}])
    assert empty["validity"].value == 0.0 and empty["exact_match"].value == 0.0
    enantiomer = _metrics(
        task, [{"raw": "<SMILES> C[C@@H](N)C(=O)O </SMILES>", "output": "<SMILES> C[C@H](N)C(=O)O </SMILES>"}]
    )
    assert enantiomer["exact_match"].value == 0.0
    nothing = _metrics(task, [{"raw": "no idea", "output": "<SMILES> CCO </SMILES>"}] * 3)  # must not raise
    assert nothing["exact_match"].value == 0.0 and nothing["exact_match"].coverage == 0.0
    assert nothing["levenshtein"].value == 3.0  # distance to '' = len('CCO')


@pytest.mark.parametrize(("text", "gold"), [("-1", -1.0), ("- 0.2", -0.2), ("1e-3", 0.001)])
def test_number_sign_and_exponent(text, gold):
    m = _metrics("mol_instruction_property_prediction_str", [{"raw": text, "output": str(gold)}])
    assert m["mae_x1000"].value == pytest.approx(0.0, abs=1e-9)


def test_protein_rouge_is_the_mean():
    recs = [
        {"raw": "binds zinc", "output": "binds zinc"},
        {"raw": "kinase", "output": "transport"},
        {"raw": "membrane", "output": "nucleus"},
    ]
    m = _metrics("mol_instruction_catalytic_activity", recs)
    assert m["rouge1"].value == pytest.approx(1 / 3)


def test_true_false_dont_know_is_not_no_and_gold_without_comma_matches():
    recs = [{"raw": "I don't know.", "output": "No, because ..."}, {"raw": "Yes", "output": "Yes."}]
    m = _metrics("mol_instruction_true_or_false_question", recs)
    assert m["accuracy"].value == pytest.approx(0.5) and m["accuracy"].n_parsed == 1


def test_formula_is_never_read_out_of_a_word():
    m = _metrics(
        "smol_name_conversion-s2f",
        [
            {"raw": "Done", "output": "<MOLFORMULA> DO </MOLFORMULA>"},
            {"raw": "Done", "output": "<MOLFORMULA> C2H6O </MOLFORMULA>"},
        ],
    )
    assert m["top1_element_match"].n_parsed == 0 and m["top1_element_match"].value == 0.0


def test_protein_design_lower_case_and_newline_inside_tag():
    recs = [
        {"raw": "<protein> mktayiakqr </protein>", "output": "<protein> MKTAYIAKQR </protein>"},
        {"raw": "<protein> MKTAY\nIAKQR </protein>", "output": "<protein> MKTAYIAKQR </protein>"},
    ]
    m = _metrics("mol_instruction_protein_design", recs)
    assert m["smith_waterman_blosum45"].value == pytest.approx(1.0)


def test_salt_is_identical_to_itself_under_every_fingerprint():
    m = _metrics(
        "smol_molecule_generation",
        [{"raw": "<SMILES> [Na+].[Cl-] </SMILES>", "output": "<SMILES> [Cl-].[Na+] </SMILES>"}],
    )
    for name in ("maccs_fts", "rdk_fts", "morgan_count_fts", "top1_exact_match"):
        assert m[name].value == 1.0, name


def test_unterminated_reasoning_is_never_parsed_for_an_answer():
    m = _metrics(
        "smol_property_prediction-bbbp",
        [
            {
                "raw": "<think>The answer is <BOOLEAN> Yes </BOOLEAN> maybe",
                "output": "<BOOLEAN> Yes </BOOLEAN>",
                "finish_reason": "length",
            }
        ],
    )
    assert m["accuracy"].value == 0.0 and m["accuracy"].n_parsed == 0
