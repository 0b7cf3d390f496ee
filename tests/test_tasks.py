from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sciReason.errors import InputError, UnknownTaskError
from sciReason.parsing import PARSERS
from sciReason.prompts import Sampling, build_request, validate_input
from sciReason.tasks import FAMILIES, TASKS, find_task, get_task, list_tasks

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "scireasoner_tasks.json"

SAMPLE_INPUT = {
    "smiles": "CCO",
    "reaction": "CCO.CC(=O)O",
    "iupac": "ethanol",
    "text": "a passage",
    "material_text": "NaCl, rock salt",
    "protein": "MKTAYIAKQR",
    "dna": "ACGTACGTAA",
    "rna": "ACGUACGU",
    "none": None,
    "protein_pair": ("MKTAYIAK", "MSSHEG"),
    "dna_pair": ("ACGT", "TTGA"),
    "rna_pair": ("ACGU", "UUGA"),
    "rna_protein_pair": ("ACGU", "MKV"),
}


def test_catalog_has_all_149_tasks() -> None:
    assert len(TASKS) == 149
    if REFERENCE.is_file():  # the reference copy lies beside the checkout in development and CI
        ref_ids = {t["id"] for t in json.loads(REFERENCE.read_text())}
        assert ref_ids == set(TASKS)


def test_counts_per_family_and_domain_match_reference() -> None:
    fam = Counter(s.family for s in TASKS.values())
    assert fam == {"predict": 69, "classify": 43, "translate": 22, "extract": 9, "generate": 6}
    dom = Counter(s.domain for s in TASKS.values())
    assert dom == {
        "material": 68,
        "protein": 24,
        "molecule": 22,
        "dna": 18,
        "text": 9,
        "rna": 7,
        "rna+protein": 1,
    }


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_every_task_is_complete_and_renders(task_id: str) -> None:
    spec = TASKS[task_id]
    assert spec.family in FAMILIES
    assert spec.parser in PARSERS
    assert spec.metrics, "every task names its metrics"
    assert spec.decoding.max_tokens > 0
    item = validate_input(spec, SAMPLE_INPUT[spec.input_kind])
    req = build_request(spec, item, Sampling())
    text = req.messages[-1].content
    assert "{" not in text.replace("{" + (spec.property_key or "") + " : value}", "")
    if spec.input_kind not in ("none",):
        needle = item[0] if isinstance(item, tuple) else item
        assert needle in text


def test_reference_decoding_settings() -> None:
    s2i = get_task("smol_name_conversion-s2i")
    assert (s2i.decoding.mode, s2i.decoding.num_beams, s2i.decoding.n) == ("beam", 5, 5)
    assert get_task("retrosynthesis_USPTO_50K").decoding.num_beams == 3
    assert get_task("smol_property_prediction-esol").decoding.mode == "greedy"
    umg = get_task("unconditional_molecule_generation").decoding
    assert (umg.mode, umg.temperature, umg.top_k, umg.top_p) == ("sample", 0.95, 50, 0.95)
    assert get_task("MP_Bandgap").property_key == "band_gap"
    assert get_task("MP_IsStable").options == ("True", "False")
    assert get_task("smol_name_conversion-s2i").stop_strings == ("</IUPAC>",)


def test_find_task_by_keywords() -> None:
    assert find_task("translate", source="smiles", target="iupac").id == "smol_name_conversion-s2i"
    assert find_task("translate", source="IUPAC", target="SMILES").id == "smol_name_conversion-i2s"
    assert find_task("predict", property="esol").id == "smol_property_prediction-esol"
    assert find_task("classify", property="BBBP").id == "smol_property_prediction-bbbp"
    assert find_task("generate", kind="protein").id == "unconditional_protein_generation"
    assert find_task("predict", property="jarvisdft:mbj_bandgap").id == "JARVISDFT_Bandgap_MBJ"


def test_unknown_task_and_keyword_errors_name_the_value() -> None:
    with pytest.raises(UnknownTaskError, match="smol_name_convertion.*did you mean smol_name_conversion"):
        get_task("smol_name_convertion-s2i")
    with pytest.raises(UnknownTaskError, match="'melting point'"):
        find_task("predict", property="melting point")
    with pytest.raises(InputError, match="source= and target="):
        find_task("translate", source="smiles")
    with pytest.raises(InputError, match="unknown family"):
        list_tasks(family="regress")


def test_list_tasks_filters() -> None:
    mol_pred = list_tasks(family="predict", domain="molecule")
    assert {s.id for s in mol_pred} == {
        "smol_property_prediction-esol",
        "smol_property_prediction-lipo",
        "mol_instruction_property_prediction_str",
    }
    assert all("gue" in s.group.lower() for s in list_tasks(search="GUE"))
