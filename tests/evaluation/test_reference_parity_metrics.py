"""Parity with the SciReasoner reference evaluation, metric family by metric family: the number.

Each batch below is made of answers the reference reads correctly (same reading as sciReason, pinned in
test_reference_parity.py). The expected value is computed here with the REFERENCE's formula on the
reference's reading (sklearn / scipy where the reference calls them), so `sciReason eval --predictions`
must print the reference's number (as a fraction; the reference prints most metrics x100), and the line
must say ``comparable: true``. A second batch per family adds one answer that sciReason reads
differently on purpose, and the same line must then say ``comparable: false``.

Labels: "same as reference" for the first kind of check, "deliberate deviation: <why>" for the second.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from sciReason.evaluation.runner import EvalConfig, run_eval
from sciReason.evaluation.scoring import score_task
from sciReason.tasks import get_task

SAME = "same as reference"


def _metrics(task: str, records: list[dict[str, Any]], names: list[str] | None = None) -> dict[str, Any]:
    return {m.metric: m for m in score_task(get_task(task), records, metrics=names).metrics}


def _recs(pairs: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    return [{"id": str(i), "raw": raw, "output": gold} for i, (raw, gold) in enumerate(pairs)]


# ---------------------------------------------------------------- SMolInstruct


def test_smol_smiles_exact_match_and_fingerprints():
    """same as reference: top-1 = InChI-set matches / all; fingerprints over parsed answers."""
    recs = _recs(
        [
            ("<SMILES> OCC </SMILES>", "<SMILES> CCO </SMILES>"),
            ("<think>hmm</think><SMILES> CCN </SMILES>", "<SMILES> CCO </SMILES>"),
            ("<SMILES> O.CC </SMILES>", "<SMILES> CC.O </SMILES>"),
            ("<SMILES> c1ccccc1 </SMILES>", "<SMILES> C1=CC=CC=C1 </SMILES>"),
        ]
    )
    m = _metrics("smol_forward_synthesis", recs)
    assert m["top1_exact_match"].value == pytest.approx(3 / 4) and m["top1_exact_match"].comparable
    for name in ("maccs_fts", "morgan_count_fts"):  # rdk_fts: identical molecules forced to 1 (flagged)
        assert m[name].comparable, name
        assert m[name].value == pytest.approx(m[name].details["mean_over_parsed"])


def test_smol_smiles_deviation_makes_the_line_not_comparable():
    """deliberate deviation: the last complete tag is the answer (the reference reads the first)."""
    recs = _recs(
        [
            ("<SMILES> OCC </SMILES>", "<SMILES> CCO </SMILES>"),
            ("From <SMILES> CC </SMILES> we get <SMILES> CCO </SMILES>", "<SMILES> CCO </SMILES>"),
        ]
    )
    top1 = _metrics("smol_forward_synthesis", recs)["top1_exact_match"]
    assert top1.value == 1.0 and not top1.comparable  # the reference: 1/2
    assert top1.details["n_read_differently"] == 1 and "read differently" in top1.note


def test_smol_formula_and_name_matches():
    """same as reference: element-count equality; sorted ';'-split names."""
    f = _metrics(
        "smol_name_conversion-s2f",
        _recs(
            [
                ("Its formula works out to C2H6O.", "<MOLFORMULA> C2H6O </MOLFORMULA>"),
                ("<MOLFORMULA> H6C2O </MOLFORMULA>", "<MOLFORMULA> C2H6O </MOLFORMULA>"),
                ("<MOLFORMULA> CH4 </MOLFORMULA>", "<MOLFORMULA> C2H6O </MOLFORMULA>"),
            ]
        ),
    )["top1_element_match"]
    assert f.value == pytest.approx(2 / 3) and f.comparable
    s = _metrics(
        "smol_name_conversion-s2i",
        _recs([("<IUPAC> b;a </IUPAC>", "<IUPAC> a;b </IUPAC>"), ("<IUPAC> ethanol </IUPAC>", "methanol")]),
    )["top1_split_match"]
    assert s.value == pytest.approx(1 / 2) and s.comparable


def test_smol_rmse():
    """same as reference: sqrt(mean((pred - gold)^2)) (every answer parsed, so no dropping)."""
    pairs = [
        ("<NUMBER> -1.2 </NUMBER>", -1.0),
        ("The logS is about -2.5", -3.0),
        ("<NUMBER> 0.5 </NUMBER>", 0.0),
    ]
    rmse = _metrics("smol_property_prediction-esol", _recs(pairs))["rmse"]
    expected = math.sqrt(((-1.2 + 1.0) ** 2 + (-2.5 + 3.0) ** 2 + 0.5**2) / 3)
    assert rmse.value == pytest.approx(expected) and rmse.comparable


def test_smol_boolean_accuracy_auc_f1_mcc():
    """same as reference: accuracy over all; AUC, F1, MCC over valid answers (sklearn)."""
    from sklearn.metrics import f1_score, matthews_corrcoef, roc_auc_score

    texts = ["<BOOLEAN> Yes </BOOLEAN>", "No, wait - yes, it does.", "<BOOLEAN> No </BOOLEAN>", "Answer: no"]
    golds = ["Yes", "No", "No", "Yes"]
    m = _metrics("smol_property_prediction-bbbp", _recs(list(zip(texts, golds, strict=True))))
    y_true, y_pred = [1, 0, 0, 1], [1, 1, 0, 0]
    assert m["accuracy"].value == pytest.approx(0.5) and m["accuracy"].comparable
    assert m["auc"].value == pytest.approx(roc_auc_score(y_true, y_pred)) and m["auc"].comparable
    assert m["f1"].value == pytest.approx(f1_score(y_true, y_pred)) and m["f1"].comparable
    assert m["mcc"].value == pytest.approx(matthews_corrcoef(y_true, y_pred)) and m["mcc"].comparable


def test_smol_boolean_unparsed_answer_is_a_failure_policy_difference():
    """deliberate deviation: an unparsed answer is forced wrong in MCC (the reference drops it)."""
    m = _metrics(
        "smol_property_prediction-bbbp",
        _recs(
            [("<BOOLEAN> Yes </BOOLEAN>", "Yes"), ("<BOOLEAN> No </BOOLEAN>", "No"), ("I don't know", "Yes")]
        ),
    )
    assert m["accuracy"].comparable  # the reference counts it wrong too
    assert not m["mcc"].comparable and m["mcc"].details["over_parsed"] == pytest.approx(1.0)


def test_uspto_topk_and_repeated_candidates():
    """same as reference without repeats; deliberate deviation: a repeated correct beam keeps rank 1."""
    plain = [
        {
            "candidates": ["<SMILES> CCO </SMILES>", "<SMILES> CCN </SMILES>", "<SMILES> CC </SMILES>"],
            "output": "CCO",
        },
        {
            "candidates": ["<SMILES> CCN </SMILES>", "<SMILES> CCO </SMILES>", "<SMILES> CC </SMILES>"],
            "output": "CCO",
        },
    ]
    m = _metrics("retrosynthesis_USPTO_50K", plain)
    assert m["top1_accuracy"].value == 0.5 and m["top1_accuracy"].comparable
    assert m["top3_accuracy"].value == 1.0 and m["top3_accuracy"].comparable
    repeated = [
        {
            "candidates": ["<SMILES> CCO </SMILES>", "<SMILES> CCN </SMILES>", "<SMILES> OCC </SMILES>"],
            "output": "CCO",
        }
    ]
    top1 = _metrics("retrosynthesis_USPTO_50K", repeated)["top1_accuracy"]
    assert top1.value == 1.0 and top1.details["reference_value"] == 0.0 and not top1.comparable


# ---------------------------------------------------------------- Biology-Instructions


def test_bio_mcc_with_the_keyword_classifier():
    """same as reference: every reply is decided by the reference's keywords; sklearn MCC."""
    from sklearn.metrics import matthews_corrcoef

    pairs = [
        ("Yes, the antibody binds the antigen.", "positive"),
        ("The sequence shows no affinity for the antigen.", "negative"),
        ("<summary>Yes, binding is predicted.</summary>", "negative"),
        ("Binding sites are present.", "positive"),
        ("I don't know.", "positive"),  # forced wrong on both sides
    ]
    mcc = _metrics("antibody_antigen", _recs(pairs))["mcc"]
    assert mcc.value == pytest.approx(matthews_corrcoef([1, 0, 0, 1, 1], [1, 0, 1, 1, 0])) and mcc.comparable


def test_bio_mcc_with_an_nli_case_is_not_comparable():
    """deliberate deviation: the reference would ask bart-large-mnli; sciReason reads it by keywords."""
    pairs = [("Yes.", "positive"), ("No.", "negative"), ("carries the motif needed for activity", "positive")]
    mcc = _metrics("antibody_antigen", _recs(pairs))["mcc"]
    assert mcc.value == 1.0 and not mcc.comparable
    assert mcc.details["n_reference_model_fallback"] == 1


def test_bio_regressions_r2_spearman_mixed_score():
    """same as reference: Pearson r^2 / Spearman rho over valid pairs times valid/total; siRNA score."""
    from scipy.stats import pearsonr, spearmanr

    preds, golds = [0.1, 0.4, 0.35, 0.8], [0.2, 0.3, 0.5, 0.9]
    raws = ["0.1", "The 5' UTR gives 0.4", "<summary>0.35</summary>", "0.8"]
    recs = _recs([*zip(raws, golds, strict=True), ("no idea", 0.4)])
    r2 = _metrics("Isoform", recs)["pearson_r2"]
    assert r2.value == pytest.approx(pearsonr(golds, preds)[0] ** 2 * 4 / 5) and r2.comparable
    sp = _metrics("CRISPROnTarget", recs)["spearman"]
    assert sp.value == pytest.approx(spearmanr(golds, preds)[0] * 4 / 5) and sp.comparable
    sirna = _metrics("sirnaEfficiency", _recs([("10", 12.0), ("50", 40.0), ("20", 35.0)]))[
        "sirna_mixed_score"
    ]
    mae = (2 + 10 + 15) / 3
    range_mae = (2 + 15) / 2  # predictions in [0, 30]
    tp, fp, fn = 1, 1, 0  # positive = value < 30: gold [1, 0, 0], pred [1, 0, 1]
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert sirna.value == pytest.approx(0.5 * (1 - mae / 100) + 0.5 * (1 - range_mae / 100) * f1)
    assert sirna.comparable


def test_spearman_answer_above_the_cut_is_a_documented_difference():
    """deliberate deviation: an answer above 300 counts as unparsed (the reference keeps it in coverage)."""
    recs = _recs([("0.1", 0.2), ("0.4", 0.3), ("0.35", 0.5), ("500", 0.9)])
    sp = _metrics("CRISPROnTarget", recs)["spearman"]
    assert sp.details["reference_value"] != pytest.approx(sp.value) and not sp.comparable


def test_bio_multi_value_regressions():
    """same as reference: per-column Pearson r (enhancer) and mean r^2 over ON/OFF/ON_OFF."""
    from scipy.stats import pearsonr

    hk, dev = [1.0, 2.0, 3.5], [0.5, 0.1, 0.9]
    gh, gd = [1.1, 2.5, 3.0], [0.4, 0.3, 0.8]
    recs = [{"raw": f"hk {h}, dev {d}", "output": [a, b]} for h, d, a, b in zip(hk, dev, gh, gd, strict=True)]
    m = _metrics("enhancer_activity", recs)
    assert m["pearson_hk"].value == pytest.approx(pearsonr(gh, hk)[0]) and m["pearson_hk"].comparable
    assert m["pearson_dev"].value == pytest.approx(pearsonr(gd, dev)[0]) and m["pearson_dev"].comparable
    on, off, ratio = [0.5, 0.2, 0.9], [0.1, 0.4, 0.3], [5.0, 0.5, 3.0]
    g_on, g_off, g_ratio = [0.4, 0.3, 0.8], [0.2, 0.3, 0.35], [2.0, 1.0, 2.5]
    recs = [
        {"raw": f"ON {a}, OFF {b}, ON/OFF {c}", "output": [x, y, z]}
        for a, b, c, x, y, z in zip(on, off, ratio, g_on, g_off, g_ratio, strict=True)
    ]
    r2 = _metrics("ProgrammableRNASwitches", recs)["pearson_r2_mean"]
    expected = sum(pearsonr(g, p)[0] ** 2 for g, p in ((g_on, on), (g_off, off), (g_ratio, ratio))) / 3
    assert r2.value == pytest.approx(expected) and r2.comparable


def test_modification_macro_auc_is_flagged():
    """deliberate deviation: unparsed answers flip every label and constant classes are skipped
    (the reference's AUC is undefined as soon as one of its 13 classes is constant in the gold)."""
    m = _metrics("Modification", _recs([("m6A", "m6A"), ("Psi", "m6A"), ("No modification.", "none")]))
    auc = m["macro_auc_multilabel"]
    assert auc.value is not None and not auc.comparable


# ---------------------------------------------------------------- GUE, LLM4Mat


def test_gue_mcc():
    """same as reference: "The prediction result is ..." or its keywords; sklearn MCC."""
    from sklearn.metrics import matthews_corrcoef

    pairs = [
        ("The prediction result is positive.", "positive"),
        ("No promoter elements are present.", "negative"),
        ("The sequence contains a TATA box.", "negative"),
        ("It is not a promoter.", "positive"),
    ]
    mcc = _metrics("pd-prom_300_all", _recs(pairs))["mcc"]
    assert mcc.value == pytest.approx(matthews_corrcoef([1, 0, 0, 1], [1, 0, 1, 0])) and mcc.comparable


def test_gue_unparsed_answer_is_a_failure_policy_difference():
    """deliberate deviation: an unparsed GUE answer is forced wrong (the reference counts it negative)."""
    pairs = [("The prediction result is positive.", "positive"), ("<think>hmm", "negative")]
    mcc = _metrics("tf-h-0", _recs(pairs))["mcc"]
    assert not mcc.comparable and "counts unparsed answers differently" in mcc.note


def test_llm4mat_mad_mae_and_auc():
    """same as reference: MAE, RMSE, MAD/MAE over parsed pairs; AUC of hard labels."""
    from sklearn.metrics import roc_auc_score

    golds, preds = [1.0, 2.0, 4.0], [1.5, 2.0, 3.0]
    recs = _recs([(f"{{band_gap : {p}}}", g) for p, g in zip(preds, golds, strict=True)])
    m = _metrics("MP_Bandgap", recs)
    mae = sum(abs(p - g) for p, g in zip(preds, golds, strict=True)) / 3
    mad = sum(abs(g - sum(golds) / 3) for g in golds) / 3
    assert m["mae"].value == pytest.approx(mae) and m["mae"].comparable
    assert m["mad_mae_ratio"].value == pytest.approx(mad / mae) and m["mad_mae_ratio"].comparable
    texts = ["{is_stable : True}", '{"is_stable": false}', "{is_stable : True}"]
    auc = _metrics("MP_IsStable", _recs(list(zip(texts, ["True", "False", "False"], strict=True))))[
        "auc_hard"
    ]
    assert auc.value == pytest.approx(roc_auc_score([1, 0, 0], [1, 0, 1])) and auc.comparable


# ---------------------------------------------------------------- Mol-Instructions


def _ref_set_f1(pred: set[str], gold: set[str]) -> float:
    tp = len(pred & gold)
    p, r = tp / len(pred), tp / len(gold)
    return 2 * p * r / (p + r) if p + r else 0.0


def test_mol_instructions_extraction_set_f1():
    """same as reference: per-item F1 of lower-cased tuple / entity sets, mean over all items."""
    cdi = _metrics(
        "mol_instruction_chemical_disease_interaction_extraction",
        _recs(
            [
                ("(Aspirin, headache), (caffeine, fatigue)", "(aspirin, headache)"),
                ("ibuprofen, pain", "(ibuprofen, pain), (aspirin, fever)"),
            ]
        ),
    )["set_f1"]
    expected = (
        _ref_set_f1({"(aspirin, headache)", "(caffeine, fatigue)"}, {"(aspirin, headache)"})
        + _ref_set_f1({"(ibuprofen, pain)"}, {"(ibuprofen, pain)", "(aspirin, fever)"})
    ) / 2
    assert cdi.value == pytest.approx(expected) and cdi.comparable
    cer = _metrics(
        "mol_instruction_chemical_entity_recognition",
        _recs([("Answer: aspirin, caffeine", "aspirin, caffeine"), ("Aspirin", "aspirin, ethanol")]),
    )["set_f1"]
    assert cer.value == pytest.approx((1.0 + _ref_set_f1({"aspirin"}, {"aspirin", "ethanol"})) / 2)
    assert cer.comparable


def test_mol_instructions_choice_and_true_false_accuracy():
    """same as reference: letter and yes/no/maybe accuracy over all items."""
    mcq = _metrics(
        "mol_instruction_multi_choice_question",
        _recs([("I would choose C here", "The answer is (C)."), ("(B)", "(A) first")]),
    )["accuracy"]
    assert mcq.value == 0.5 and mcq.comparable
    tf = _metrics(
        "mol_instruction_true_or_false_question",
        _recs([("My verdict, after weighing it: yes", "Yes, because"), ("Maybe.", "No, never")]),
    )["accuracy"]
    assert tf.value == 0.5 and tf.comparable


def test_mol_instructions_true_false_gold_with_a_period_is_flagged():
    """deliberate deviation: a gold "Yes." matches "Yes" (the reference never matches it)."""
    tf = _metrics("mol_instruction_true_or_false_question", _recs([("Yes", "Yes.")]))["accuracy"]
    assert tf.value == 1.0 and not tf.comparable


def test_mol_instructions_property_mae_x1000():
    """same as reference: first number in the text; sklearn MAE x 1000."""
    m = _metrics(
        "mol_instruction_property_prediction_str",
        _recs([("0.25", "0.2"), ("The HOMO-LUMO gap is -0.1 eV", "-0.15")]),
    )["mae_x1000"]
    assert m.value == pytest.approx((0.05 + 0.05) / 2 * 1000, abs=1e-9) and m.comparable


def test_mol_instructions_molecule_levenshtein_and_validity():
    """same as reference: mean edit distance of non-isomeric canonical SMILES; parseable / all."""
    m = _metrics(
        "mol_instruction_forward_reaction_prediction",
        _recs(
            [
                ("<SMILES> OCC </SMILES>", "<SMILES> CCO </SMILES>"),
                ("<SMILES> CCN </SMILES>", "<SMILES> CCO </SMILES>"),
            ]
        ),
    )
    assert m["levenshtein"].value == pytest.approx(0.5) and m["levenshtein"].comparable  # CCN vs CCO: 1
    assert m["validity"].value == 1.0 and m["validity"].comparable


def test_protein_design_smith_waterman_is_comparable_on_same_readings():
    """same as reference: the normalised Smith-Waterman score of identical sequences is 1."""
    sw = _metrics(
        "mol_instruction_protein_design",
        _recs([("<protein> MKTAYIAKQR </protein>", "<protein> MKTAYIAKQR </protein>")]),
    )["smith_waterman_blosum45"]
    assert sw.value == pytest.approx(1.0) and sw.comparable


def test_protein_text_rouge_is_flagged():
    """deliberate deviation: the mean ROUGE, where the reference reports HF evaluate's bootstrap median."""
    r = _metrics("mol_instruction_catalytic_activity", _recs([("binds zinc", "binds zinc")]))["rouge1"]
    assert r.value == 1.0 and not r.comparable


# ---------------------------------------------------------------- OPI, PEER


def test_opi_multilabel_precision_recall_f1():
    """same as reference: per-sample micro P/R/F1 of ';'/','-split terms (case-sensitive), mean over items."""
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.preprocessing import MultiLabelBinarizer

    pairs = [("ATP binding; kinase activity", "ATP binding; DNA binding"), ("atp binding", "ATP binding")]
    m = _metrics("GO_UniProtSeq_go", _recs(pairs))
    exp = {"set_precision": [], "set_recall": [], "set_f1": []}
    for pred, gold in pairs:
        p, g = [t.strip() for t in pred.split(";")], [t.strip() for t in gold.split(";")]
        mlb = MultiLabelBinarizer(classes=sorted(set(p + g)))
        y_t, y_p = mlb.fit_transform([g]), mlb.transform([p])
        exp["set_precision"].append(precision_score(y_t, y_p, average="micro", zero_division=0))
        exp["set_recall"].append(recall_score(y_t, y_p, average="micro", zero_division=0))
        exp["set_f1"].append(f1_score(y_t, y_p, average="micro", zero_division=0))
    for name, values in exp.items():
        assert m[name].value == pytest.approx(sum(values) / len(values)) and m[name].comparable, name


def test_opi_function_rouge_and_key_bug_tasks():
    """same as reference for ROUGE-L (stemmed); the EC/fold/location tasks stay flagged (key bug)."""
    r = _metrics("Function_UniProtSeq_function", _recs([("Binds ATP.", "Binds ATP.")]))["rougeL_stemmed"]
    assert r.value == pytest.approx(1.0) and r.comparable
    acc = _metrics("Fold_type_fold_type", _recs([("TIM barrel", "TIM barrel")]))["accuracy"]
    assert acc.value == 1.0 and not acc.comparable and "key bug" in acc.note


def test_peer_is_flagged_because_the_reference_asks_a_judge():
    """deliberate deviation: the reference asks GPT-4 about every unread or wrong PEER answer."""
    m = _metrics("solubility", _recs([("The answer is Yes", "Yes"), ("This protein is soluble.", "No")]))
    assert m["accuracy"].value == 0.5 and not m["accuracy"].comparable


# ---------------------------------------------------------------- generation


def test_generation_validity_rates():
    """same as reference: valid / all for RNA (A/C/G/U), protein (non-empty) and molecules (RDKit)."""
    rna = _metrics(
        "unconditional_RNA_generation", [{"raw": "<rna> AUGC </rna>"}, {"raw": "<rna> AUGX </rna>"}]
    )["validity"]
    assert rna.value == 0.5 and rna.comparable
    prot = _metrics(
        "unconditional_protein_generation", [{"raw": "<protein> MKTAY </protein>"}, {"raw": "I cannot."}]
    )
    assert prot["validity"].value == 0.5 and prot["validity"].comparable
    assert prot["average_length"].value == 5 and prot["average_length"].comparable
    umg = _metrics(  # novelty against the ZINC sample is slow and not needed here
        "unconditional_molecule_generation",
        [{"raw": "<SMILES> CCO </SMILES>"}, {"raw": "CCO </SMILES>"}],
        ["validity"],
    )
    assert umg["validity"].value == 1.0 and umg["validity"].comparable


def test_umg_unspaced_tag_is_flagged():
    """deliberate deviation: "<SMILES>CCO</SMILES>" is a valid answer (the reference needs inner spaces)."""
    umg = _metrics("unconditional_molecule_generation", [{"raw": "<SMILES>CCO</SMILES>"}], ["validity"])[
        "validity"
    ]
    assert umg.value == 1.0 and not umg.comparable


def test_material_smact_validity_same_reading():
    """same as reference: SMACT validity over all samples of ASCII <sg> answers."""
    m = _metrics(
        "unconditional_material_generation",
        [
            {"raw": "<material> Na Cl <sg> <sg225> </material>"},
            {"raw": "<material> Na Na Cl <sg> <sg225> </material>"},
        ],
    )["smact_validity"]
    assert m.value == 0.5 and m.comparable


def test_null_metrics_say_why():
    """rfam_families and average_plddt are null offline, with the reason; never a made-up number."""
    rna = _metrics("unconditional_RNA_generation", [{"raw": "<rna> AUGC </rna>"}])
    prot = _metrics("unconditional_protein_generation", [{"raw": "<protein> MKTAY </protein>"}])
    for res in (rna["rfam_families"], prot["average_plddt"]):
        assert res.value is None and res.reason and not res.comparable


# ---------------------------------------------------------------- the CLI path


def test_eval_predictions_prints_the_reference_number(tmp_path):
    """same as reference: `sciReason eval --predictions` on answers the reference reads correctly."""
    from sklearn.metrics import matthews_corrcoef

    rows = [
        {"id": "a", "task": "tf-h-1", "raw": "The prediction result is positive.", "gold": "positive"},
        {"id": "b", "task": "tf-h-1", "raw": "No binding site is present.", "gold": "negative"},
        {"id": "c", "task": "tf-h-1", "raw": "The sequence contains a binding site.", "gold": "negative"},
        {
            "id": "d",
            "task": "smol_name_conversion-s2f",
            "raw": "Its formula works out to C2H6O.",
            "gold": "C2H6O",
        },
        {
            "id": "e",
            "task": "smol_name_conversion-s2f",
            "raw": "<MOLFORMULA> CH4O </MOLFORMULA>",
            "gold": "C2H6O",
        },
    ]
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run_eval(EvalConfig(out_dir=tmp_path / "out"), predictions_path=preds)
    lines = {(t, m["metric"]): m for t, v in summary["tasks"].items() for m in v["metrics"]}
    mcc = lines["tf-h-1", "mcc"]
    assert mcc["value"] == pytest.approx(matthews_corrcoef([1, 0, 0], [1, 0, 1])) and mcc["comparable"]
    elem = lines["smol_name_conversion-s2f", "top1_element_match"]
    assert elem["value"] == pytest.approx(0.5) and elem["comparable"]
    items = [json.loads(x) for x in (tmp_path / "out" / "items.jsonl").read_text().splitlines()]
    assert {i["read_like_reference"] for i in items} == {"same"}
