"""Every answer tag the model uses, the reference parsers' known failures, and a no-exception property test."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sciReason.parsing import (
    PARSERS,
    extract_tag,
    find_numbers,
    parse_answer,
    split_reasoning,
)
from sciReason.tasks import TASKS, get_task


def p(task_id: str, text: str, finish: str = "stop"):  # noqa: ANN201
    return parse_answer(get_task(task_id), text, finish_reason=finish)


# ------------------------------------------------------------ reasoning splitter


def test_split_closed_think_block() -> None:
    r = split_reasoning("<think>step 1\nstep 2</think>\n<SMILES> CCO </SMILES><|im_end|>")
    assert r.reasoning == "step 1\nstep 2" and r.answer == "<SMILES> CCO </SMILES>" and not r.unterminated


def test_unterminated_reasoning_is_never_parsed_as_answer() -> None:
    out = p(
        "smol_name_conversion-i2s", "<think>the answer might be <SMILES> CCO </SMILES> but", finish="length"
    )
    assert not out.parsed.valid and out.truncated_in_reasoning
    assert "max_tokens" in out.parsed.reason


def test_server_reasoning_field_is_used() -> None:
    out = parse_answer(get_task("smol_name_conversion-i2s"), "<SMILES> OCC </SMILES>", reasoning="thought")
    assert out.reasoning == "thought" and out.parsed.value == "CCO"


# ------------------------------------------------------------ tags


@pytest.mark.parametrize(
    "text",
    ["<SMILES>CCO</SMILES>", "<SMILES> CCO </SMILES>", "< SMILES >CCO< / SMILES >", "<smiles>CCO</smiles>"],
)
def test_tag_spacing_and_case(text: str) -> None:
    assert extract_tag(text, "SMILES") == "CCO"


def test_bracket_atoms_and_full_alphabet() -> None:
    out = p("smol_name_conversion-i2s", "<SMILES> C[C@@H](N)C(=O)[O-].[Na+] </SMILES>")
    assert out.parsed.valid and "[C@@H]" in out.parsed.value and "[Na+]" in out.parsed.value
    assert p("unconditional_molecule_generation", "<SMILES>c1cc[nH]c1</SMILES>").parsed.value == "c1cc[nH]c1"


def test_invalid_component_invalidates_multicomponent_answer() -> None:
    out = p("smol_forward_synthesis", "<SMILES> CCO.C1CC </SMILES>")
    assert not out.parsed.valid and "C1CC" in out.parsed.reason


def test_empty_smiles_tag_is_invalid() -> None:
    assert not p("mol_instruction_forward_reaction_prediction", "<SMILES></SMILES>").parsed.valid


def test_wrong_enantiomer_is_a_different_value() -> None:
    a = p("smol_name_conversion-i2s", "<SMILES> C[C@H](N)C(=O)O </SMILES>").parsed.value
    b = p("smol_name_conversion-i2s", "<SMILES> C[C@@H](N)C(=O)O </SMILES>").parsed.value
    assert a != b


def test_primed_opening_tag_is_restored() -> None:
    assert p("unconditional_molecule_generation", "c1ccccc1O </SMILES>").parsed.value == "Oc1ccccc1"


def test_cut_off_answer_tag_is_not_accepted() -> None:
    out = p("smol_name_conversion-i2s", "<SMILES> CCCCCCCC", finish="length")
    assert not out.parsed.valid and "cut off" in out.parsed.reason


def test_untagged_reply_cut_at_max_tokens_is_not_an_answer() -> None:
    # the first-hour walk: predict("C" * 3000, property="esol") read 44444444444444.0 out of a runaway reply
    cut = p("smol_property_prediction-esol", "The solubility is 44444444444444", finish="length")
    assert not cut.parsed.valid and "max_tokens" in cut.parsed.reason
    assert p("smol_property_prediction-esol", "The solubility is -2.5", finish="stop").parsed.valid
    tagged = p("smol_property_prediction-esol", "<NUMBER> -2.5 </NUMBER> and then", finish="length")
    assert tagged.parsed.valid and tagged.parsed.value == pytest.approx(-2.5)


def test_last_complete_tag_wins() -> None:
    assert (
        p("smol_forward_synthesis", "From <SMILES> CC </SMILES> we get <SMILES> CCO </SMILES>").parsed.value
        == "CCO"
    )


def test_iupac_and_formula() -> None:
    assert p("smol_name_conversion-s2i", "<IUPAC> ethanol </IUPAC>").parsed.value == "ethanol"
    assert p("smol_name_conversion-s2f", "<MOLFORMULA> C2H6O </MOLFORMULA>").parsed.value == "C2H6O"
    assert not p("smol_name_conversion-s2f", "Done").parsed.valid  # no element read out of a word
    assert not p("smol_name_conversion-s2f", "The formula is unclear").parsed.valid


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("<NUMBER> -1 </NUMBER>", -1.0),
        ("<NUMBER> - 0.2 </NUMBER>", -0.2),
        ("<NUMBER>1e-3</NUMBER>", 0.001),
        ("<NUMBER> −2.5 </NUMBER>", -2.5),
        ("The value is 3.25 log units", 3.25),
        ("<NUMBER>+4</NUMBER>", 4.0),
    ],
)
def test_numbers_keep_sign_and_exponent(text: str, value: float) -> None:
    assert p("smol_property_prediction-esol", text).parsed.value == pytest.approx(value)


def test_number_missing_is_invalid() -> None:
    out = p("smol_property_prediction-esol", "<NUMBER> unknown </NUMBER>")
    assert not out.parsed.valid and "no number" in out.parsed.reason


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("<BOOLEAN> Yes </BOOLEAN>", True),
        ("<BOOLEAN>No</BOOLEAN>", False),
        ("Yes.", True),
        ("No, it does not", False),
    ],
)
def test_boolean(text: str, value: bool) -> None:
    assert p("smol_property_prediction-bbbp", text).parsed.value is value


def test_dont_know_is_not_no() -> None:
    out = p("smol_property_prediction-bbbp", "I don't know")
    assert not out.parsed.valid and "does not know" in out.parsed.reason


def test_gue_and_peer_sentences() -> None:
    assert p("cpd-prom_core_all", "Analysis... The prediction result is positive.").parsed.value is True
    assert p("tf-h-0", "the prediction result is Negative").parsed.value is False
    assert p("solubility", "Long answer. The answer is No").parsed.value is False
    # 'incorrect' is the reference's negative keyword; it must not count as yes (the reference matched the
    # positive keyword 'correct' as a substring first)
    assert p("stability", "That would be incorrect to say").parsed.value is False


def test_yes_no_maybe_and_choice() -> None:
    assert p("mol_instruction_true_or_false_question", "Maybe, the data are mixed").parsed.value == "maybe"
    assert p("mol_instruction_true_or_false_question", "Yes").parsed.value == "yes"
    assert p("mol_instruction_multi_choice_question", "The answer is (C) because").parsed.value == "C"


def test_protein_and_rna_sequences() -> None:
    out = p("mol_instruction_protein_design", "<protein>mktay\niakqr</protein>")
    assert out.parsed.valid and out.parsed.value == "MKTAYIAKQR"  # lower case and line breaks are fine
    bad = p("unconditional_protein_generation", "<protein>MKT1AY</protein>")
    assert not bad.parsed.valid and "alphabet" in bad.parsed.reason
    assert p("unconditional_RNA_generation", "<rna>ACGUUA</rna>").parsed.value == "ACGUUA"
    assert not p("unconditional_RNA_generation", "<rna>ACGT</rna>").parsed.valid


def test_material_both_space_group_spellings() -> None:
    a = p("unconditional_material_generation", "<material> Na Cl <sg> <sg225> </material>").parsed
    b = p("unconditional_material_generation", "<material> Na Cl ⟨sg⟩ ⟨sg225⟩ </material>").parsed
    assert a.valid and b.valid and a.value == b.value
    assert a.value == {"elements": ["Na", "Cl"], "space_group": 225, "formula": "Cl1Na1"}
    assert not p("unconditional_material_generation", "<material> Xx Cl </material>").parsed.valid


def test_llm4mat_values() -> None:
    assert p("MP_Bandgap", "{band_gap : 1.25}").parsed.value == 1.25
    assert p("MP_Bandgap", '```json\n{"band_gap": -0.5}\n```').parsed.value == -0.5
    assert p("SNUMAT_IsDirect", "{Direct_or_indirect : indirect}").parsed.value == "Indirect"
    assert not p("MP_IsStable", "{is_stable : maybe}").parsed.valid
    assert not p("MP_Bandgap", "<think>thinking</think>").parsed.valid


def test_lists_tuples_labels() -> None:
    assert p("mol_instruction_chemical_entity_recognition", "aspirin, caffeine").parsed.value == [
        "aspirin",
        "caffeine",
    ]
    assert p(
        "mol_instruction_chemical_disease_interaction_extraction", "(cisplatin, nephrotoxicity)"
    ).parsed.value == [("cisplatin", "nephrotoxicity")]
    assert p("GO_UniProtSeq_go", "cytoplasm; ATP binding, kinase activity").parsed.value == [
        "cytoplasm",
        "ATP binding",
        "kinase activity",
    ]
    assert p("EC_number_CLEAN_EC_number_new", "EC 2.7.11.1 and 3.1.-.-").parsed.value == [
        "2.7.11.1",
        "3.1.-.-",
    ]
    assert p("Modification", "m6A, Psi").parsed.value == ["Psi", "m6A"]
    assert p("enhancer_activity", "hk: 1.5, dev: -0.3").parsed.value == [1.5, -0.3]
    assert p("Fold_type_fold_type", "<FOLD> TIM barrel </FOLD>").parsed.value == "TIM barrel"


def test_find_numbers_does_not_read_identifiers() -> None:
    assert find_numbers("C6H12O6 has 6 carbons") == [6.0]


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_no_parser_raises_on_arbitrary_text(text: str) -> None:
    for task_id in (
        "smol_forward_synthesis",
        "smol_property_prediction-esol",
        "MP_Bandgap",
        "Modification",
        "unconditional_material_generation",
        "mol_instruction_protein_design",
        "cpd-prom_core_all",
        "mol_instruction_chemical_disease_interaction_extraction",
        "enhancer_activity",
    ):
        for finish in ("stop", "length"):
            out = parse_answer(TASKS[task_id], text, finish_reason=finish)
            assert out.parsed.valid or out.parsed.reason


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("<>/ SMILEScC()=#[]@+-123think")), max_size=80))
def test_every_parser_survives_tag_soup(text: str) -> None:
    for name in PARSERS:
        spec = (
            next(s for s in TASKS.values() if s.parser == name)
            if any(s.parser == name for s in TASKS.values())
            else None
        )
        out = parse_answer(spec or name, text)
        assert isinstance(out.parsed.valid, bool)


def test_untagged_fallbacks_do_not_accept_sentences() -> None:
    assert not p("smol_name_conversion-s2i", "I am not sure.").parsed.valid
    assert not p("smol_name_conversion-s2i", "The compound is probably some kind of alcohol").parsed.valid
    assert p("smol_name_conversion-s2i", "acetic acid").parsed.value == "acetic acid"
    assert not p("Fold_type_fold_type", "Unknown").parsed.valid
    assert not p(
        "smol_name_conversion-s2i", "<BOOLEAN> No </BOOLEAN>"
    ).parsed.valid  # another task's tag is no name


# ------------------------------------------------------------ issue 15: answers the reference reads correctly


@pytest.mark.parametrize(
    ("task", "text", "value"),
    [
        ("smol_property_prediction-bbbp", "No, wait - yes, it does.", True),
        ("smol_property_prediction-bbbp", "Positive at first sight; on reflection, negative.", False),
        ("antibody_antigen", "No, wait - yes, it does.", True),
        ("antibody_antigen", "Positive at first sight; on reflection, negative.", False),
        ("cpd-prom_core_all", "Negative at first sight. Actually, the prediction result is positive.", True),
        ("solubility", "The answer is No. On second thought, the answer is Yes.", True),
        ("smol_property_prediction-bbbp", "Yes, because no other mechanism explains it.", True),
    ],
)
def test_bug1_the_final_verdict_wins(task: str, text: str, value: bool) -> None:
    assert p(task, text).parsed.value is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The antibody shows no affinity for this antigen.", False),
        ("The protein is insoluble in water.", False),
        ("The sequence carries the motif needed for activity.", True),
        ("Most probably.", True),
        ("It is most probably not an interaction.", False),
        ("It is not positive.", False),
        ("Binding sites are present in the sequence.", True),
        ("The motif lacks the core residues.", False),
        ("The motif is absent here. <summary>Yes, they interact.</summary>", True),
        ("<think>positive?</think> Long text, positive hints. <summary>Negative</summary>", False),
    ],
)
def test_bug2_bio_instruction_keyword_classifier(text: str, value: bool) -> None:
    assert p("antibody_antigen", text).parsed.value is value


def test_bug2_dont_know_and_empty_are_unparsed_not_no() -> None:
    for text in ("I don't know.", "", "The result is uncertain."):
        out = p("rna_protein_interaction", text).parsed
        assert not out.valid, text


@pytest.mark.parametrize("prefix", ["Answer: ", "Response: ", "Final answer: ", "I would say that "])
def test_bug3_answer_prefix_is_not_part_of_an_entity(prefix: str) -> None:
    out = p("mol_instruction_chemical_entity_recognition", f"{prefix}aspirin, caffeine").parsed
    assert out.value == ["aspirin", "caffeine"]


def test_bug4_untagged_tuple_without_parentheses() -> None:
    task = "mol_instruction_chemical_protein_interaction_extraction"
    assert p(task, "ibuprofen, inhibitor, ptgs2").parsed.value == [("ibuprofen", "inhibitor", "ptgs2")]
    assert p(task, "ibuprofen, inhibitor, ptgs2\naspirin, inhibitor, ptgs1").parsed.value == [
        ("ibuprofen", "inhibitor", "ptgs2"),
        ("aspirin", "inhibitor", "ptgs1"),
    ]
    nested = p(task, "(2-(4-isobutylphenyl)propanoic acid, inhibitor, ptgs2)").parsed.value
    assert nested == [("2-(4-isobutylphenyl)propanoic acid", "inhibitor", "ptgs2")]


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("I would choose C here", "C"),
        ("Between A and C, I'd pick C.", "C"),
        ("After weighing them, B is the one that fits", "B"),
        ("A good choice is B", "B"),
        ("D", "D"),
        ("(A) is wrong; the answer is (C)", "C"),
    ],
)
def test_bug5_bare_option_letter_inside_a_sentence(text: str, letter: str) -> None:
    assert p("mol_instruction_multi_choice_question", text).parsed.value == letter


def test_bug5_no_letter_is_invented() -> None:
    assert not p(
        "mol_instruction_multi_choice_question", "A molecule like this is hard to judge"
    ).parsed.valid


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My verdict, after weighing it: yes", "yes"),
        ("After weighing the evidence, the answer is no.", "no"),
        ("Given mixed data, maybe.", "maybe"),
        ("It is not true.", "no"),
        ("Yes", "yes"),
    ],
)
def test_bug6_true_false_verdict_not_at_the_start(text: str, value: str) -> None:
    assert p("mol_instruction_true_or_false_question", text).parsed.value == value


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("Its formula works out to C2H6O.", "C2H6O"),
        ("The molecular formula is NaCl, i.e. sodium chloride", "NaCl"),
        ("I think it is C6H12O6, I guess", "C6H12O6"),
    ],
)
def test_bug7_formula_inside_a_plain_sentence(text: str, formula: str) -> None:
    assert p("smol_name_conversion-s2f", text).parsed.value == formula


@pytest.mark.parametrize("text", ["Done", "In water it dissolves", "He said so", "I am not sure."])
def test_bug7_ordinary_words_are_never_formulas(text: str) -> None:
    assert not p("smol_name_conversion-i2f", text).parsed.valid


@pytest.mark.parametrize(
    "text",
    ["<BOOLEAN> Yes </BOOLEAN>", "CC(=O)Oc1ccccc1C(=O)O", "Yes.", "3.5", "<SMILES> CCO </SMILES>"],
)
def test_bug8_wrong_kind_entity_answers_are_invalid(text: str) -> None:
    out = p("mol_instruction_chemical_entity_recognition", text).parsed
    assert not out.valid and "not the expected text" in out.reason


def test_bug8_wrong_kind_through_the_sdk_result() -> None:
    from sciReason.backends.scripted import ScriptedBackend
    from sciReason.client import Client

    client = Client(ScriptedBackend(lambda req: "<BOOLEAN> Yes </BOOLEAN>"))
    [res] = client.run("mol_instruction_chemical_entity_recognition", ["Aspirin and caffeine were given."])
    assert res.valid is False and res.value is None
    for task, text in (
        ("mol_instruction_chemical_disease_interaction_extraction", "<BOOLEAN> Yes </BOOLEAN>"),
        ("GO_UniProtSeq_go", "<SMILES> CCO </SMILES>"),
    ):
        assert not p(task, text).parsed.valid


def test_prime_and_summary_numbers_for_biology_instructions() -> None:
    assert p("MeanRibosomeLoading", "The 5' UTR suggests 4.5").parsed.value == 4.5
    assert p("Isoform", "Reasoning with 3 steps. <summary>0.25</summary>").parsed.value == 0.25
    assert p("smol_property_prediction-esol", "With 3 rings, the logS is -2.1").parsed.value == -2.1
