"""Parity with the SciReasoner reference evaluation, family by family: how one raw completion is read.

Every case was derived by reading the reference's extraction code (OpenCompass fork dave1362/SciReason,
commit 1f45b58b: LLM4Chem/evaluator.py, retrosynthesis_evaluator.py, bio_instruction/bio_instrcution.py,
GUE.py, LLM4Mat.py, Mol_Instructions/{biotext,molecule,protein}.py, opi/evaluator.py, PEER/evaluator.py,
the material / RNA / UPG / UMG evaluators). Each case pins three things:

- ``ref``: what the reference reads (``MODEL`` = it would ask its NLI classifier or GPT judge);
- ``ours``: what sciReason reads (``None`` = unparsed);
- the label: "same as reference" (both read the same answer, so the item keeps the metric comparable),
  or "deliberate deviation: <why>" (the item is counted as read differently and the metric's
  ``comparable`` flag turns false). Every deviation is listed in docs/evaluation.md.

Metric-level parity (the reference's number on batches it reads correctly) is in
test_reference_parity_metrics.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sciReason.evaluation.reference import agrees, reference_reading
from sciReason.evaluation.scoring import parse_record
from sciReason.parsing import parse_answer
from sciReason.tasks import get_task

SAME = "same as reference"
MODEL = object()


def dev(why: str) -> str:
    return f"deliberate deviation: {why}"


@dataclass(frozen=True)
class Case:
    task: str
    raw: str
    ref: Any
    ours: Any
    label: str


def _norm(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):  # a parsed material
        return (tuple(sorted(value["elements"])), value["space_group"])
    return value


BARE = dev("a bare untagged answer is accepted")
LAST_TAG = dev("the last complete tag is the answer (a model restates input tags before answering)")
UNFINISHED = dev("nothing inside an unfinished <think> is read as an answer")
NLI = dev("the reference's NLI fallback is not run; a small extension vocabulary reads it (flagged)")
FINAL = dev("the final verdict wins over an earlier, self-corrected one")
NEGATED = dev("a negated keyword counts for the other side")
LENIENT_NUMBER = dev("a number is read inside surrounding text (units, U+2212 minus)")
WRONG_KIND = dev("a reply of the wrong kind (tag, yes/no, number, bare SMILES) is invalid")

CASES = [
    # ---------------------------------------------------------------- SMolInstruct SMILES tasks
    Case("smol_forward_synthesis", "<SMILES> CCO </SMILES>", "CCO", "CCO", SAME),
    Case("smol_forward_synthesis", "<think>maybe <SMILES> CC </SMILES></think> <SMILES> OCC </SMILES>", "CCO", "CCO", SAME),
    Case("smol_retrosynthesis", "<SMILES> CC;O </SMILES>", "CC.O", "CC.O", SAME),
    Case("smol_forward_synthesis", "<SMILES> CCO.C1CC </SMILES>", None, None, SAME),
    Case("smol_forward_synthesis", "From <SMILES> CC </SMILES> we get <SMILES> CCO </SMILES>", "CC", "CCO", LAST_TAG),
    Case("smol_forward_synthesis", "<think>the product is <SMILES> CCO </SMILES>", "CCO", None, UNFINISHED),
    Case("smol_name_conversion-i2s", "CCO", None, "CCO", BARE),
    Case("smol_molecule_generation", "<SMILES> C C O </SMILES>", "C", None, dev("whitespace inside a SMILES is invalid (RDKit stops reading at the space)")),
    # ---------------------------------------------------------------- SMolInstruct formula, IUPAC, number, boolean, text
    Case("smol_name_conversion-s2f", "<MOLFORMULA> C2H6O </MOLFORMULA>", "C2H6O", "C2H6O", SAME),
    Case("smol_name_conversion-s2f", "Its formula works out to C2H6O.", "C2H6O", "C2H6O", SAME),
    Case("smol_name_conversion-i2f", "C2H6O", "C2H6O", "C2H6O", SAME),
    Case("smol_name_conversion-s2f", "<MOLFORMULA> Ca(OH)2 </MOLFORMULA>", None, None, SAME),
    Case("smol_name_conversion-s2f", "Done", "Do", None, dev("no element symbol is read out of an ordinary word")),
    Case("smol_name_conversion-s2f", "I think it is C2H6O, I guess", "I", "C2H6O", dev("a formula in a sentence is a whole word with a count or two elements")),
    Case("smol_name_conversion-s2i", "<IUPAC> ethanol </IUPAC>", "ethanol", "ethanol", SAME),
    Case("smol_name_conversion-s2i", "ethanol", None, "ethanol", BARE),
    Case("smol_name_conversion-s2i", "<IUPAC> ethanol. </IUPAC>", "ethanol.", "ethanol", dev("a trailing period is not part of a name")),
    Case("smol_property_prediction-esol", "<NUMBER> -1.2 </NUMBER>", -1.2, -1.2, SAME),
    Case("smol_property_prediction-esol", "<NUMBER> 1e-3 </NUMBER>", 0.001, 0.001, SAME),
    Case("smol_property_prediction-lipo", "The logP is about 2.3", 2.3, 2.3, SAME),
    Case("smol_property_prediction-esol", "With 3 rings, the logS is -2.1", -2.1, -2.1, SAME),
    Case("smol_property_prediction-esol", "For <SMILES> CC1CC1 </SMILES> it is 0.5", 0.5, 0.5, SAME),
    Case("smol_property_prediction-esol", "<NUMBER> -1.2 mol/L </NUMBER>", None, -1.2, LENIENT_NUMBER),
    Case("smol_property_prediction-esol", "<NUMBER> \u22122.5 </NUMBER>", None, -2.5, LENIENT_NUMBER),
    Case("smol_property_prediction-bbbp", "<BOOLEAN> Yes </BOOLEAN>", True, True, SAME),
    Case("smol_property_prediction-bbbp", "<think>no</think><BOOLEAN> No </BOOLEAN>", False, False, SAME),
    Case("smol_property_prediction-hiv", "No, wait - yes, it does.", True, True, SAME),
    Case("smol_property_prediction-sider", "Hmm. The answer: false", False, False, SAME),
    Case("smol_property_prediction-bbbp", "I don't know", None, None, SAME),
    Case("smol_property_prediction-bbbp", "Yes, because no other mechanism explains it", False, True, dev("a verdict that opens the reply is not overturned by a later 'no' used as a determiner")),
    Case("smol_property_prediction-bbbp", "It is not true.", True, False, NEGATED),
    Case("smol_property_prediction-clintox", "<BOOLEAN> True </BOOLEAN>", None, True, dev("true/false inside <BOOLEAN> is read as yes/no")),
    Case("smol_molecule_captioning", "The molecule is an alcohol.", "The molecule is an alcohol.", "The molecule is an alcohol.", SAME),
    # ---------------------------------------------------------------- USPTO-50k
    Case("retrosynthesis_USPTO_50K", "<SMILES> CC </SMILES> then <SMILES> CCO </SMILES>", "CCO", "CCO", SAME),
    Case("retrosynthesis_USPTO_50K", "<think>CC</think><SMILES>OCC</SMILES>", "CCO", "CCO", SAME),
    Case("retrosynthesis_USPTO_50K", "<SMILES> CCO", None, "CCO", dev("an unclosed final tag is read (servers drop the stop string)")),
    # ---------------------------------------------------------------- Biology-Instructions binary (keyword classifier)
    Case("antibody_antigen", "Yes, the antibody binds the antigen.", True, True, SAME),
    Case("rna_protein_interaction", "The sequence shows no affinity for the protein.", False, False, SAME),
    Case("emp", "Insoluble in water.", False, False, SAME),
    Case("tf_m", "Binding sites are present in this region.", True, True, SAME),
    Case("pd", "The motif is absent in one region. <summary>Yes, binding is predicted.</summary>", True, True, SAME),
    Case("cpd", "<think>hmm</think> Long analysis. <summary>Negative</summary>", False, False, SAME),
    Case("tf_h", "I don't know.", None, None, SAME),
    Case("promoter_enhancer_interaction", "", None, None, SAME),
    Case("antibody_antigen", "carries the motif needed for activity", MODEL, True, NLI),
    Case("antibody_antigen", "Most probably.", MODEL, True, NLI),
    Case("antibody_antigen", "It is not positive.", True, False, NEGATED),
    Case("antibody_antigen", "No, wait - yes, it does.", False, True, FINAL),
    Case("antibody_antigen", "Positive at first sight; on reflection, negative.", False, False, SAME),
    Case("antibody_antigen", "<think>Looking at it, yes", True, None, UNFINISHED),
    # ---------------------------------------------------------------- Biology-Instructions regression
    Case("Isoform", "0.45", 0.45, 0.45, SAME),
    Case("MeanRibosomeLoading", "The 5' UTR suggests a value of 4.5", 4.5, 4.5, SAME),
    Case("CRISPROnTarget", "<summary>0.45</summary>", 0.45, 0.45, SAME),
    Case("sirnaEfficiency", "0.1234567", 0.123457, 0.123457, SAME),
    Case("Isoform", "<think>about 0.4", None, None, SAME),
    Case("Isoform", "The value is 0.45 (range 0-1)", None, 0.45, dev("with several numbers the first is read (the reference needs exactly one)")),
    Case("MeanRibosomeLoading", "\u22120.5", 0.5, -0.5, dev("U+2212 is a minus sign")),
    Case("enhancer_activity", "hk: 1.2, dev: 3.4", [1.2, 3.4], [1.2, 3.4], SAME),
    Case("ProgrammableRNASwitches", "ON 0.5, OFF 0.2, ON/OFF 2.5", [0.5, 0.2, 2.5], [0.5, 0.2, 2.5], SAME),
    Case("enhancer_activity", "1.2 and 3.4 and 5.6", None, [1.2, 3.4], dev("with more numbers than values the first ones are read")),
    # ---------------------------------------------------------------- Biology-Instructions RNA modification
    Case("Modification", "m6A", ["m6A"], ["m6A"], SAME),
    Case("Modification", "m6A and Psi", ["m6A", "Psi"], ["Psi", "m6A"], SAME),
    Case("Modification", "No modification is present.", ["none"], ["none"], SAME),
    Case("Modification", "Yes, the RNA is modified.", [], [], SAME),
    Case("Modification", "M6A", MODEL, ["m6A"], dev("a reply that is just a label is matched case-insensitively")),
    # ---------------------------------------------------------------- GUE
    Case("cpd-prom_core_all", "Analysis... The prediction result is positive.", True, True, SAME),
    Case("pd-prom_300_tata", "No promoter elements are present.", False, False, SAME),
    Case("tf-h-0", "The sequence contains a binding site.", True, True, SAME),
    Case("tf-h-1", "It is not a binding site.", False, False, SAME),
    Case("tf-h-2", "<think>hmm", None, None, SAME),
    Case("tf-h-3", "The prediction result is negative. Wait, the prediction result is positive.", False, True, FINAL),
    # ---------------------------------------------------------------- LLM4Mat
    Case("MP_Bandgap", "{band_gap : 1.2}", 1.2, 1.2, SAME),
    Case("MP_Bandgap", '{"band_gap": 1.2}', 1.2, 1.2, SAME),
    Case("MP_Bandgap", "<think>x</think>{band_gap : 0.5}", 0.5, 0.5, SAME),
    Case("MP_Bandgap", "{band_gap : 1.2 eV}", None, 1.2, LENIENT_NUMBER),
    Case("MP_IsStable", "{is_stable : True}", "True", "True", SAME),
    Case("MP_IsStable", '{"is_stable": true}', "True", "True", SAME),
    Case("SNUMAT_IsDirect", "{Direct_or_indirect : indirect}", "Indirect", "Indirect", SAME),
    Case("MP_IsStable", "{is_stable : yes}", None, None, SAME),
    # ---------------------------------------------------------------- Mol-Instructions biotext
    Case("mol_instruction_chemical_disease_interaction_extraction", "(aspirin, headache)", ["(aspirin, headache)"], [("aspirin", "headache")], SAME),
    Case("mol_instruction_chemical_protein_interaction_extraction", "ibuprofen, inhibitor, ptgs2", ["(ibuprofen, inhibitor, ptgs2)"], [("ibuprofen", "inhibitor", "ptgs2")], SAME),
    Case("mol_instruction_chemical_disease_interaction_extraction", "Answer: (aspirin, headache)", ["(aspirin, headache)"], [("aspirin", "headache")], SAME),
    Case("mol_instruction_chemical_disease_interaction_extraction", "(aspirin,headache)", ["(aspirin,headache)"], [("aspirin", "headache")], dev("spacing inside a tuple is normalised")),
    Case("mol_instruction_chemical_protein_interaction_extraction", "(2-(4-isobutylphenyl)propanoic acid, inhibitor, ptgs2)", ["(2-(4-isobutylphenyl)"], [("2-(4-isobutylphenyl)propanoic acid", "inhibitor", "ptgs2")], dev("parentheses nested in a chemical name stay inside the tuple")),
    Case("mol_instruction_chemical_disease_interaction_extraction", "<BOOLEAN> Yes </BOOLEAN>", ["(<boolean> yes </boolean>)"], None, WRONG_KIND),
    Case("mol_instruction_chemical_entity_recognition", "aspirin, caffeine", ["aspirin", "caffeine"], ["aspirin", "caffeine"], SAME),
    Case("mol_instruction_chemical_entity_recognition", "Answer: aspirin, caffeine", ["aspirin", "caffeine"], ["aspirin", "caffeine"], SAME),
    Case("mol_instruction_chemical_entity_recognition", "aspirin, caffeine.", ["aspirin", "caffeine."], ["aspirin", "caffeine"], dev("a final period is not part of the last entity")),
    Case("mol_instruction_chemical_entity_recognition", "<BOOLEAN> Yes </BOOLEAN>", ["<boolean> yes </boolean>"], None, WRONG_KIND),
    Case("mol_instruction_chemical_entity_recognition", "CC(=O)Oc1ccccc1C(=O)O", ["cc(=o)oc1ccccc1c(=o)o"], None, WRONG_KIND),
    Case("mol_instruction_chemical_entity_recognition", "Yes", ["yes"], None, WRONG_KIND),
    Case("mol_instruction_multi_choice_question", "(C)", "C", "C", SAME),
    Case("mol_instruction_multi_choice_question", "I would choose C here", "C", "C", SAME),
    Case("mol_instruction_multi_choice_question", "C. Because the others are wrong.", "C", "C", SAME),
    Case("mol_instruction_multi_choice_question", "(A) is wrong; the answer is (C)", "A", "C", dev("an explicit choice wins over the first letter mentioned")),
    Case("mol_instruction_multi_choice_question", "A good choice is B", "A", "B", dev("an article 'A' is not an option letter")),
    Case("mol_instruction_true_or_false_question", "Yes, it is.", "yes", "yes", SAME),
    Case("mol_instruction_true_or_false_question", "My verdict, after weighing it: yes", "yes", "yes", SAME),
    Case("mol_instruction_true_or_false_question", "Maybe.", "maybe", "maybe", SAME),
    Case("mol_instruction_true_or_false_question", "It is not true.", "no", "no", SAME),
    Case("mol_instruction_true_or_false_question", "I don't know.", "no", None, dev("'I don't know' is not 'no' (the reference found 'no' inside 'know')")),
    Case("mol_instruction_true_or_false_question", "Perhaps, the data are mixed", None, "maybe", dev("'perhaps'/'possibly' read as maybe")),
    Case("mol_instruction_open_question", "Answer: It binds zinc.", "It binds zinc.", "It binds zinc.", SAME),
    # ---------------------------------------------------------------- Mol-Instructions molecule
    Case("mol_instruction_property_prediction_str", "0.25", 0.25, 0.25, SAME),
    Case("mol_instruction_property_prediction_str", "-1.5", -1.5, -1.5, SAME),
    Case("mol_instruction_property_prediction_str", "The HOMO-LUMO gap is 0.2 eV", 0.2, 0.2, SAME),
    Case("mol_instruction_property_prediction_str", "-1", 1.0, -1.0, dev("the sign of -1 is kept")),
    Case("mol_instruction_property_prediction_str", "no idea", 0.0, None, dev("no number is unparsed (penalised), not the value 0")),
    Case("mol_instruction_forward_reaction_prediction", "<SMILES> CCO </SMILES>", "CCO", "CCO", SAME),
    Case("mol_instruction_retrosynthesis", "<SMILES> C[C@@H](N)C(=O)O </SMILES>", "CC(N)C(=O)O", "C[C@@H](N)C(=O)O", SAME),
    Case("mol_instruction_reagent_prediction", "<SMILES></SMILES>", "", None, dev("an empty tag is invalid")),
    Case("mol_instruction_description_guided_molecule_design", "<SMILES>\nCCO\n</SMILES>", None, "CCO", dev("a line break inside the tag is allowed")),
    Case("mol_instruction_molecular_description_generation", "The molecule is an alcohol.", "The molecule is an alcohol.", "The molecule is an alcohol.", SAME),
    Case("mol_instruction_molecular_description_generation", "The molecule is an alcohol. It", "The molecule is an alcohol.", "The molecule is an alcohol. It", dev("text after the last period is kept")),
    # ---------------------------------------------------------------- Mol-Instructions protein
    Case("mol_instruction_catalytic_activity", "<think>x</think>Catalyzes the reaction.", "Catalyzes the reaction.", "Catalyzes the reaction.", SAME),
    Case("mol_instruction_protein_design", "<protein> MKTAYIAKQR </protein>", "MKTAYIAKQR", "MKTAYIAKQR", SAME),
    Case("mol_instruction_protein_design", "<protein> mktayiakqr </protein>", None, "MKTAYIAKQR", dev("lower-case residues are read")),
    # ---------------------------------------------------------------- OPI
    Case("GO_CASPSimilarSeq_go", "ATP binding; kinase activity", ["ATP binding", "kinase activity"], ["ATP binding", "kinase activity"], SAME),
    Case("gSymbol2Tissue_gene_symbol_to_tissue", "liver, kidney", ["kidney", "liver"], ["liver", "kidney"], SAME),
    Case("GO_UniProtSeq_go", "<GO_TERMS> ATP binding; kinase activity </GO_TERMS>", ["<GO_TERMS> ATP binding", "kinase activity </GO_TERMS>"], ["ATP binding", "kinase activity"], dev("OPI answer tags are read")),
    Case("Keywords_UniProtSeq_keywords", "<think>x</think>Kinase", ["<think>x</think>Kinase"], ["Kinase"], dev("OPI reasoning is removed")),
    Case("Function_UniProtSeq_function", "Binds ATP.", "Binds ATP.", "Binds ATP.", SAME),
    Case("EC_number_CLEAN_EC_number_new", "2.7.11.1", "2.7.11.1", ["2.7.11.1"], SAME),
    Case("EC_number_CLEAN_EC_number_price", "<EC_NUMBER> 2.7.11.1 </EC_NUMBER>", "<ec_number> 2.7.11.1 </ec_number>", ["2.7.11.1"], dev("OPI answer tags are read (the reference's key bug compared raw strings)")),
    Case("Fold_type_fold_type", "<FOLD> TIM barrel </FOLD>", "<fold> tim barrel </fold>", "TIM barrel", dev("OPI answer tags are read (the reference's key bug compared raw strings)")),
    # ---------------------------------------------------------------- PEER
    Case("solubility", "The answer is Yes", True, True, SAME),
    Case("solubility", "This protein is soluble.", True, True, SAME),
    Case("human_ppi", "These proteins will not interact. No.", False, False, SAME),
    Case("stability", "It is hard to say", None, None, SAME),
    Case("stability", "That would be incorrect to say", True, False, dev("keywords are whole words ('incorrect' is not 'correct')")),
    Case("solubility", "The protein will not be soluble", True, False, NEGATED),
    Case("solubility", "It is hard to say", MODEL, None, dev("no GPT judge")),
    # ---------------------------------------------------------------- generation tasks
    Case("composition_to_material_generation", "<material> Fe Fe O O O <sg> <sg12> </material>", (("Fe", "Fe", "O", "O", "O"), 12), (("Fe", "Fe", "O", "O", "O"), 12), SAME),
    Case("bulk_modulus_to_material_generation", "<material> Na Cl <sg> <sg225> </material>", (("Cl", "Na"), 225), (("Cl", "Na"), 225), SAME),
    Case("unconditional_material_generation", "<material> Fe O \u27e8sg\u27e9 \u27e8sg225\u27e9 </material>", None, (("Fe", "O"), 225), dev("the space group may be written with \u27e8sg\u27e9, as the prompt does")),
    Case("unconditional_RNA_generation", "<rna> AUGC </rna>", "AUGC", "AUGC", SAME),
    Case("unconditional_RNA_generation", "<rna> AUG CUA </rna>", None, "AUGCUA", dev("whitespace inside a sequence tag is dropped")),
    Case("unconditional_RNA_generation", "<rna> ATGC </rna>", "AUGC", None, dev("a T in an RNA answer is invalid (the reference converts it to U)")),
    Case("unconditional_protein_generation", "<protein> mktay </protein>", "MKTAY", "MKTAY", SAME),
    Case("unconditional_protein_generation", "<protein> MKT*AY </protein>", "MKTAY", None, dev("'*' or digits make a protein invalid (the reference drops them)")),
    Case("unconditional_molecule_generation", "<SMILES> CCO </SMILES>", "CCO", "CCO", SAME),
    Case("unconditional_molecule_generation", "CCO </SMILES>", "CCO", "CCO", SAME),
    Case("unconditional_molecule_generation", "<SMILES>CCO</SMILES>", None, "CCO", dev("the tag may be written without inner spaces")),
    Case("unconditional_molecule_generation", "<SMILES> C[NH3+] </SMILES>", None, "C[NH3+]", dev("bracket atoms are allowed")),
]  # fmt: skip


def _case_id(case: Case) -> str:
    return f"{case.task}:{case.raw[:30]}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_reading_matches_the_pinned_reference_and_sciReason_rules(case: Case) -> None:
    spec = get_task(case.task)
    ref = reference_reading(spec, case.raw)
    assert ref is not None
    if case.ref is MODEL:
        assert ref.status == "model"
    else:
        assert ref.status == "read"
        assert _norm(ref.value) == _norm(case.ref)
    parsed = parse_answer(spec, case.raw).parsed
    ours = parsed.value if parsed.valid else None
    assert _norm(ours) == _norm(case.ours), parsed.reason
    assert case.label == SAME or case.label.startswith("deliberate deviation: ")
    assert agrees(spec, ours, ref) is (case.label == SAME)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_item_carries_its_reference_status(case: Case) -> None:
    rec = parse_record(get_task(case.task), {"raw": case.raw, "output": None}, 0)
    expected = "same" if case.label == SAME else "model" if case.ref is MODEL else "different"
    assert rec.reference == expected


def test_every_task_family_is_covered() -> None:
    from sciReason.tasks import TASKS

    groups = {get_task(c.task).group for c in CASES}
    assert groups == {t.group for t in TASKS.values()}
    parsers = {get_task(c.task).parser for c in CASES}
    assert parsers == {t.parser for t in TASKS.values()}


@pytest.mark.parametrize(
    ("task", "gold", "same"),
    [
        ("mol_instruction_true_or_false_question", "Yes, because the data agree.", True),
        ("mol_instruction_true_or_false_question", "Yes.", False),  # the reference never matches "yes."
        ("mol_instruction_multi_choice_question", "The answer is (B).", True),
    ],
)
def test_gold_answers_read_like_the_reference(task: str, gold: str, same: bool) -> None:
    answer = {"mol_instruction_true_or_false_question": "Yes", "mol_instruction_multi_choice_question": "(B)"}
    rec = parse_record(get_task(task), {"raw": answer[task], "output": gold}, 0)
    assert rec.item.gold and rec.reference == ("same" if same else "different")
