"""Build sciReason/data/tasks.json from the reference catalog (../shared/reference/scireasoner_tasks.json).

The reference describes each of the 149 evaluation configs in prose. This script turns it into structured
task specs with explicit rules per dataset group (answer tags, parse rule, metrics, decoding, thinking vs
instant, prompt template), so the SDK, the evaluator and the trainer share one definition. Rerun it when
the rules change:  python scripts/build_task_catalog.py [path/to/scireasoner_tasks.json]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REF = ROOT.parent / "shared" / "reference" / "scireasoner_tasks.json"
OUT = ROOT / "sciReason" / "data" / "tasks.json"

FAMILY = {
    "prediction": "predict",
    "classification": "classify",
    "translation": "translate",
    "extraction": "extract",
    "generation": "generate",
}
DOMAIN = {
    "small molecule": "molecule",
    "DNA": "dna",
    "RNA": "rna",
    "RNA+protein": "rna+protein",
    "protein": "protein",
    "material": "material",
    "text": "text",
}

GREEDY = {"mode": "greedy", "max_tokens": 1024}
SMILES_METRICS = [
    "top1_exact_match",
    "top5_exact_match",
    "maccs_fts",
    "rdk_fts",
    "morgan_count_fts",
    "validity",
]
MOLINS_SMILES_METRICS = [
    "exact_match",
    "selfies_bleu",
    "levenshtein",
    "rdk_fts",
    "maccs_fts",
    "morgan_count_fts",
    "validity",
]
CAPTION_METRICS = ["bleu2", "bleu4", "rouge1", "rouge2", "rougeL", "meteor"]
YES_NO = ["yes", "no"]

# Units of LLM4Mat properties as published in LLM4Mat-Bench (None where dimensionless or unstated).
MAT_UNITS = {
    "formation_energy_per_atom": "eV/atom",
    "band_gap": "eV",
    "GGA-PBE-based_energy_per_atom": "eV/atom",
    "energy_above_hull": "eV/atom",
    "efermi": "eV",
    "density": "g/cm^3",
    "density_atomic": "atom/A^3",
    "volume": "A^3",
    "formation_energy_peratom": "eV/atom",
    "optb88vdw_bandgap": "eV",
    "optb88vdw_total_energy": "eV/atom",
    "ehull": "eV/atom",
    "mbj_bandgap": "eV",
    "bulk_modulus_kv": "GPa",
    "shear_modulus_gv": "GPa",
    "slme": "%",
    "spillage": None,
    "mepsx": None,
    "dfpt_piezo_max_dielectric": None,
    "dfpt_piezo_max_dij": "pC/N",
    "dfpt_piezo_max_eij": "C/m^2",
    "max_efg": "V/m^2",
    "exfoliation_energy": "meV/atom",
    "avg_elec_mass": "m_e",
    "n-Seebeck": "uV/K",
    "n-powerfact": "uW/(mK^2)",
    "p-Seebeck": "uV/K",
    "p-powerfact": "uW/(mK^2)",
    "Band_gap_GGA": "eV",
    "Band_gap_HSE": "eV",
    "Band_gap_GGA_optical": "eV",
    "Band_gap_HSE_optical": "eV",
    "Formation_Energy_Per_Atom": "eV/atom",
    "Decomposition_Energy_Per_Atom": "eV/atom",
    "Bandgap": "eV",
    "Corrected_Energy": "eV",
    "Volume": "A^3",
    "Density": "g/cm^3",
    "max_co2_adsp": "mol/kg",
    "min_co2_adsp": "mol/kg",
    "lcd": "A",
    "pld": "A",
    "void_fraction": None,
    "surface_area_m2g": "m^2/g",
    "surface_area_m2cm3": "m^2/cm^3",
    "Ef_per_atom": "eV/atom",
    "e_per_atom": "eV/atom",
    "e_above_hull": "eV/atom",
    "volume_per_atom": "A^3/atom",
    "energy_total": "eV",
    "bandgap": "eV",
    "TB-based_energy_per_atom": "eV/atom",
    "indir_gap": "eV",
    "f_enp": "eV/atom",
    "final_energy": "eV",
    "e_form": "eV/atom",
}

SMOL = {
    # id suffix: (input_kind, output_kind, tag, parser, metrics, keywords, template, thinking)
    "forward_synthesis": (
        "reaction",
        "smiles",
        "SMILES",
        "smiles",
        SMILES_METRICS,
        ["reactants->product", "forward", "forward_synthesis", "reaction"],
        "Given the reactants and reagents <SMILES> {input} </SMILES>, what is the product?",
        True,
    ),
    "retrosynthesis": (
        "smiles",
        "smiles",
        "SMILES",
        "smiles",
        SMILES_METRICS,
        ["product->reactants", "retro", "retrosynthesis"],
        "Suggest the reactants needed to synthesize <SMILES> {input} </SMILES> .",
        True,
    ),
    "molecule_captioning": (
        "smiles",
        "text",
        None,
        "text",
        CAPTION_METRICS,
        ["smiles->description", "smiles->caption", "captioning"],
        "Describe this molecule: <SMILES> {input} </SMILES>",
        False,
    ),
    "molecule_generation": (
        "text",
        "smiles",
        "SMILES",
        "smiles",
        SMILES_METRICS,
        ["description->smiles", "text->smiles"],
        "Give me a molecule that satisfies the conditions outlined in the description: {input}",
        True,
    ),
    "name_conversion-i2f": (
        "iupac",
        "formula",
        "MOLFORMULA",
        "formula",
        ["top1_element_match"],
        ["iupac->formula"],
        "What is the molecular formula of the compound with this IUPAC name <IUPAC> {input} </IUPAC> ?",
        False,
    ),
    "name_conversion-i2s": (
        "iupac",
        "smiles",
        "SMILES",
        "smiles",
        SMILES_METRICS,
        ["iupac->smiles"],
        "Could you provide the SMILES for <IUPAC> {input} </IUPAC> ?",
        False,
    ),
    "name_conversion-s2f": (
        "smiles",
        "formula",
        "MOLFORMULA",
        "formula",
        ["top1_element_match"],
        ["smiles->formula"],
        "Given the SMILES <SMILES> {input} </SMILES> , write its molecular formula.",
        False,
    ),
    "name_conversion-s2i": (
        "smiles",
        "iupac",
        "IUPAC",
        "iupac",
        ["top1_split_match", "top5_split_match"],
        ["smiles->iupac"],
        "Translate the given SMILES formula of a molecule <SMILES> {input} </SMILES> into its IUPAC name.",
        False,
    ),
    "property_prediction-esol": (
        "smiles",
        "number",
        "NUMBER",
        "number",
        ["rmse"],
        ["esol", "solubility", "logs"],
        "How soluble is <SMILES> {input} </SMILES> ? Give the log solubility (log mol/L).",
        False,
    ),
    "property_prediction-lipo": (
        "smiles",
        "number",
        "NUMBER",
        "number",
        ["rmse"],
        ["lipo", "lipophilicity", "logd"],
        "Predict the octanol/water distribution coefficient logD under pH 7.4 for <SMILES> {input} </SMILES> .",
        False,
    ),
    "property_prediction-bbbp": (
        "smiles",
        "boolean",
        "BOOLEAN",
        "boolean",
        ["accuracy", "auc", "f1", "mcc"],
        ["bbbp", "bbb", "blood-brain barrier"],
        "Is blood-brain barrier permeability (BBBP) a property of <SMILES> {input} </SMILES> ?",
        False,
    ),
    "property_prediction-clintox": (
        "smiles",
        "boolean",
        "BOOLEAN",
        "boolean",
        ["accuracy", "auc", "f1", "mcc"],
        ["clintox", "toxicity", "clinical toxicity"],
        "Is <SMILES> {input} </SMILES> toxic in clinical trials?",
        False,
    ),
    "property_prediction-hiv": (
        "smiles",
        "boolean",
        "BOOLEAN",
        "boolean",
        ["accuracy", "auc", "f1", "mcc"],
        ["hiv"],
        "Can <SMILES> {input} </SMILES> inhibit HIV replication?",
        False,
    ),
    "property_prediction-sider": (
        "smiles",
        "boolean",
        "BOOLEAN",
        "boolean",
        ["accuracy", "auc", "f1", "mcc"],
        ["sider", "side effect"],
        "Are there any known side effects of <SMILES> {input} </SMILES> affecting the heart?",
        False,
    ),
}
UNITS = {"property_prediction-esol": "log(mol/L)", "property_prediction-lipo": "logD"}

BIO = {
    # id: (input_kind, input_fields, output_kind, parser, metrics, keywords, template, n_values)
    "antibody_antigen": (
        "protein_pair",
        ["antibody", "antigen"],
        "boolean",
        "yes_no",
        ["mcc"],
        ["antibody-antigen", "binding"],
        "Does the antibody <protein>{antibody}</protein> bind the antigen <protein>{antigen}</protein> ? Answer yes or no.",
    ),
    "rna_protein_interaction": (
        "rna_protein_pair",
        ["rna", "protein"],
        "boolean",
        "yes_no",
        ["mcc"],
        ["rna-protein interaction"],
        "Do the RNA <rna>{rna}</rna> and the protein <protein>{protein}</protein> interact? Answer yes or no.",
    ),
    "emp": (
        "dna",
        [],
        "boolean",
        "yes_no",
        ["mcc"],
        ["epigenetic mark", "histone mark"],
        "Is an epigenetic (histone) mark present on the yeast sequence <dna>{input}</dna> ? Answer yes or no.",
    ),
    "enhancer_activity": (
        "dna",
        [],
        "numbers",
        "numbers",
        ["pearson_hk", "pearson_dev"],
        ["enhancer activity"],
        "Predict the housekeeping and developmental enhancer activity of <dna>{input}</dna> .",
    ),
    "tf_m": (
        "dna",
        [],
        "boolean",
        "yes_no",
        ["mcc"],
        ["tf binding mouse", "tf-m"],
        "Does the mouse sequence <dna>{input}</dna> contain a transcription-factor binding site? Answer yes or no.",
    ),
    "Isoform": (
        "rna",
        [],
        "number",
        "number",
        ["pearson_r2"],
        ["isoform", "polyadenylation"],
        "Predict the alternative polyadenylation isoform usage of <rna>{input}</rna> .",
    ),
    "Modification": (
        "rna",
        [],
        "labels",
        "label_set",
        ["macro_auc_multilabel"],
        ["rna modification"],
        "Which RNA modifications are present in <rna>{input}</rna> ? Choose from Am, Cm, Gm, Um, m1A, m5C, m5U, m6A, m6Am, m7G, Psi, AtoI, or none.",
    ),
    "MeanRibosomeLoading": (
        "rna",
        [],
        "number",
        "number",
        ["pearson_r2"],
        ["mean ribosome loading", "mrl"],
        "Predict the mean ribosome loading of the 5'UTR <rna>{input}</rna> .",
    ),
    "ProgrammableRNASwitches": (
        "rna",
        [],
        "numbers",
        "numbers",
        ["pearson_r2_mean"],
        ["rna switch", "toehold"],
        "Predict the ON, OFF and ON/OFF values of the toehold switch <rna>{input}</rna> .",
    ),
    "CRISPROnTarget": (
        "rna",
        [],
        "number",
        "number",
        ["spearman"],
        ["crispr on-target", "sgrna efficiency"],
        "Predict the on-target efficiency of the guide <rna>{input}</rna> .",
    ),
    "promoter_enhancer_interaction": (
        "dna_pair",
        ["promoter", "enhancer"],
        "boolean",
        "yes_no",
        ["mcc"],
        ["promoter-enhancer interaction"],
        "Do the promoter <dna>{promoter}</dna> and the enhancer <dna>{enhancer}</dna> interact? Answer yes or no.",
    ),
    "sirnaEfficiency": (
        "rna_pair",
        ["sirna", "target"],
        "number",
        "number",
        ["sirna_mixed_score"],
        ["sirna efficiency"],
        "Predict the knock-down efficiency (%) of the siRNA <rna>{sirna}</rna> on the target <rna>{target}</rna> .",
    ),
    "cpd": (
        "dna",
        [],
        "boolean",
        "yes_no",
        ["mcc"],
        ["core promoter"],
        "Does the 70-bp sequence <dna>{input}</dna> contain a core promoter? Answer yes or no.",
    ),
    "pd": (
        "dna",
        [],
        "boolean",
        "yes_no",
        ["mcc"],
        ["promoter"],
        "Does the 300-bp sequence <dna>{input}</dna> contain a promoter? Answer yes or no.",
    ),
    "tf_h": (
        "dna",
        [],
        "boolean",
        "yes_no",
        ["mcc"],
        ["tf binding human", "tf-h"],
        "Does the human sequence <dna>{input}</dna> contain a transcription-factor binding site? Answer yes or no.",
    ),
}
MODIFICATION_LABELS = [
    "Am",
    "Cm",
    "Gm",
    "Um",
    "m1A",
    "m5C",
    "m5U",
    "m6A",
    "m6Am",
    "m7G",
    "Psi",
    "AtoI",
    "none",
]

GUE_TEXT = {
    "cpd": "Does this 70-bp DNA sequence contain a core promoter ({kind})?",
    "pd": "Does this 300-bp DNA sequence contain a promoter ({kind})?",
    "tf-h": "Does this human DNA sequence contain a transcription-factor binding site (dataset {kind})?",
}

OPI = {
    "EC_number": (
        "ec_numbers",
        "labels",
        ["accuracy", "set_f1"],
        "EC_NUMBER",
        ["ec number", "enzyme commission"],
        "What is the EC number of the protein <protein>{input}</protein> ?",
    ),
    "Fold_type": (
        "label",
        "label",
        ["accuracy"],
        "FOLD",
        ["fold type", "fold"],
        "What is the fold type of the protein <protein>{input}</protein> ?",
    ),
    "Function": (
        "text",
        "text",
        ["rougeL_stemmed"],
        "FUNCTION",
        ["protein->function", "function"],
        "Describe the function of the protein <protein>{input}</protein> .",
    ),
    "GO": (
        "term_list",
        "labels",
        ["set_precision", "set_recall", "set_f1"],
        "GO_TERMS",
        ["go terms", "gene ontology"],
        "Which Gene Ontology terms describe the protein <protein>{input}</protein> ?",
    ),
    "Keywords": (
        "term_list",
        "labels",
        ["set_precision", "set_recall", "set_f1"],
        "KEYWORDS",
        ["uniprot keywords", "keywords"],
        "Which UniProt keywords describe the protein <protein>{input}</protein> ?",
    ),
    "Subcellular": (
        "label",
        "label",
        ["accuracy"],
        "LOCATION",
        ["subcellular localization", "location"],
        "Where in the cell is the protein <protein>{input}</protein> located?",
    ),
    "gName2Cancer": (
        "term_list",
        "labels",
        ["set_precision", "set_recall", "set_f1"],
        "CANCER",
        ["gene name->cancer"],
        "Which cancer types are associated with the gene {input}?",
    ),
    "gSymbol2Cancer": (
        "term_list",
        "labels",
        ["set_precision", "set_recall", "set_f1"],
        "CANCER",
        ["gene symbol->cancer"],
        "Which cancer types are associated with the gene symbol {input}?",
    ),
    "gSymbol2Tissue": (
        "term_list",
        "labels",
        ["set_precision", "set_recall", "set_f1"],
        "TISSUE",
        ["gene symbol->tissue"],
        "In which tissues is the gene {input} expressed?",
    ),
}

PEER = {
    "solubility": (
        "protein",
        [],
        ["solubility", "soluble"],
        "Is the protein <protein>{input}</protein> soluble? End with 'The answer is Yes' or 'The answer is No'.",
    ),
    "stability": (
        "protein",
        [],
        ["stability", "stable"],
        "Is the protein <protein>{input}</protein> stable? End with 'The answer is Yes' or 'The answer is No'.",
    ),
    "human_ppi": (
        "protein_pair",
        ["protein_a", "protein_b"],
        ["human ppi", "protein-protein interaction"],
        "Do the human proteins <protein>{protein_a}</protein> and <protein>{protein_b}</protein> interact? End with 'The answer is Yes' or 'The answer is No'.",
    ),
    "yeast_ppi": (
        "protein_pair",
        ["protein_a", "protein_b"],
        ["yeast ppi"],
        "Do the yeast proteins <protein>{protein_a}</protein> and <protein>{protein_b}</protein> interact? End with 'The answer is Yes' or 'The answer is No'.",
    ),
}

MOLINS = {
    "mol_instruction_chemical_disease_interaction_extraction": (
        "text",
        "tuples",
        "tuples",
        ["set_f1"],
        ["chemical-disease", "cdi"],
        "Extract the chemical-disease interactions from the passage as (chemical, disease) tuples.\n{input}",
        False,
    ),
    "mol_instruction_chemical_protein_interaction_extraction": (
        "text",
        "tuples",
        "tuples",
        ["set_f1"],
        ["chemical-protein", "cpi"],
        "Extract the chemical-protein interactions from the passage as (chemical, relation, protein) tuples.\n{input}",
        False,
    ),
    "mol_instruction_chemical_entity_recognition": (
        "text",
        "entities",
        "entity_list",
        ["set_f1"],
        ["chemical entities", "ner", "cer"],
        "There is a single choice question about chemistry. Answer the question directly.\nQuery: List the chemical entities in the passage, separated by ', '.\n{input}",
        False,
    ),
    "mol_instruction_multi_choice_question": (
        "text",
        "choice",
        "choice",
        ["accuracy"],
        ["multiple choice", "mcq"],
        "{input}",
        True,
    ),
    "mol_instruction_open_question": (
        "text",
        "text",
        "text",
        ["bertscore_f1"],
        ["open question", "qa"],
        "{input}",
        True,
    ),
    "mol_instruction_true_or_false_question": (
        "text",
        "yes_no_maybe",
        "yes_no_maybe",
        ["accuracy"],
        ["true or false", "yes/no/maybe"],
        "{input}\nYour answer should start with 'Yes' or 'Maybe' or 'No'.",
        True,
    ),
    "mol_instruction_property_prediction_str": (
        "smiles",
        "number",
        "number",
        ["mae_x1000"],
        ["homo", "lumo", "homo-lumo gap", "quantum property"],
        "Please provide the HOMO-LUMO gap energy (Hartree) of <SMILES> {input} </SMILES> .",
        False,
    ),
    "mol_instruction_description_guided_molecule_design": (
        "text",
        "smiles",
        "smiles",
        MOLINS_SMILES_METRICS,
        ["design", "description->molecule"],
        "Create a molecule with the structure as the one described: {input}",
        True,
    ),
    "mol_instruction_forward_reaction_prediction": (
        "reaction",
        "smiles",
        "smiles",
        MOLINS_SMILES_METRICS,
        ["forward reaction"],
        "With the provided reactants and reagents, propose a potential product: <SMILES> {input} </SMILES>",
        True,
    ),
    "mol_instruction_retrosynthesis": (
        "smiles",
        "smiles",
        "smiles",
        MOLINS_SMILES_METRICS,
        ["retrosynthesis (mol-instructions)"],
        "Please suggest potential reactants for the given product: <SMILES> {input} </SMILES>",
        True,
    ),
    "mol_instruction_reagent_prediction": (
        "reaction",
        "smiles",
        "smiles",
        MOLINS_SMILES_METRICS,
        ["reagent", "reaction->reagents"],
        "Please suggest some possible reagents that could have been used in the following chemical reaction: <SMILES> {input} </SMILES>",
        True,
    ),
    "mol_instruction_molecular_description_generation": (
        "smiles",
        "text",
        "text",
        CAPTION_METRICS,
        ["molecule->description"],
        "Provide a description of this molecule: <SMILES> {input} </SMILES>",
        False,
    ),
    "mol_instruction_catalytic_activity": (
        "protein",
        "text",
        "text",
        ["rouge1", "rouge2", "rougeL", "rougeLsum"],
        ["catalytic activity"],
        "Please evaluate the following protein sequence and provide an explanation of the enzyme's catalytic activity: <protein>{input}</protein>",
        False,
    ),
    "mol_instruction_domain_motif": (
        "protein",
        "text",
        "text",
        ["rouge1", "rouge2", "rougeL", "rougeLsum"],
        ["domain", "motif"],
        "Given this protein sequence, can you identify any common protein motifs or domains? <protein>{input}</protein>",
        False,
    ),
    "mol_instruction_general_function": (
        "protein",
        "text",
        "text",
        ["rouge1", "rouge2", "rougeL", "rougeLsum"],
        ["general function"],
        "Analyze the following protein sequence and describe its general function: <protein>{input}</protein>",
        False,
    ),
    "mol_instruction_protein_function": (
        "protein",
        "text",
        "text",
        ["rouge1", "rouge2", "rougeL", "rougeLsum"],
        ["protein function"],
        "Inspect the protein sequence and offer a concise description of its functional properties: <protein>{input}</protein>",
        False,
    ),
    "mol_instruction_protein_design": (
        "text",
        "protein",
        "protein",
        ["smith_waterman_blosum45"],
        ["description->protein", "protein design"],
        "Design a protein sequence that exhibits the desired properties: {input} Put the sequence inside <protein> </protein>.",
        True,
    ),
}


def _spec(t: dict, **kw) -> dict:
    spec = {
        "id": t["id"],
        "group": t["group"],
        "family": FAMILY[t["family"]],
        "domain": DOMAIN[t["domain"]],
        "input_kind": "text",
        "input_fields": [],
        "output_kind": "text",
        "answer_tags": [],
        "parser": "text",
        "metrics": [],
        "decoding": dict(GREEDY),
        "thinking": False,
        "prompt_template": "{input}",
        "keywords": [],
        "description": t["output"],
        "options": [],
        "property_key": None,
        "unit": None,
        "n_values": 1,
    }
    spec.update(kw)
    return spec


def build(ref: list[dict]) -> list[dict]:
    out = []
    for t in ref:
        tid, group = t["id"], t["group"]
        if group.startswith("bio_instruction"):
            ik, fields, ok, parser, metrics, kws, tpl = BIO[tid]
            n_values = {"enhancer_activity": 2, "ProgrammableRNASwitches": 3}.get(tid, 1)
            out.append(
                _spec(
                    t,
                    input_kind=ik,
                    input_fields=fields,
                    output_kind=ok,
                    parser=parser,
                    metrics=metrics,
                    keywords=kws,
                    prompt_template=tpl,
                    thinking=t["family"] == "classification",
                    options=MODIFICATION_LABELS
                    if tid == "Modification"
                    else (YES_NO if ok == "boolean" else []),
                    n_values=n_values,
                )
            )
        elif group.startswith("GUE"):
            base, _, kind = tid.partition("-")
            kind = (
                kind.replace("prom_core_", "").replace("prom_300_", "")
                if base != "tf"
                else tid.split("-")[-1]
            )
            key = "tf-h" if tid.startswith("tf-h") else base
            question = GUE_TEXT[key].format(kind=kind)
            tpl = (
                question
                + " <dna>{input}</dna> End with 'The prediction result is positive.' or 'The prediction result is negative.'"
            )
            out.append(
                _spec(
                    t,
                    input_kind="dna",
                    output_kind="boolean",
                    parser="gue",
                    metrics=["mcc"],
                    keywords=[tid.lower()],
                    prompt_template=tpl,
                    thinking=True,
                    options=["positive", "negative"],
                )
            )
        elif group.startswith("LLM4Chem"):
            suffix = tid.removeprefix("smol_")
            ik, ok, tag, parser, metrics, kws, tpl, think = SMOL[suffix]
            prop = suffix.startswith("property_prediction")
            dec = (
                dict(GREEDY, max_tokens=256)
                if prop
                else {"mode": "beam", "num_beams": 5, "n": 5, "max_tokens": 512}
            )
            out.append(
                _spec(
                    t,
                    input_kind=ik,
                    output_kind=ok,
                    answer_tags=[tag] if tag else [],
                    parser=parser,
                    metrics=metrics,
                    keywords=kws,
                    prompt_template=tpl,
                    thinking=think,
                    decoding=dec,
                    options=YES_NO if ok == "boolean" else [],
                    unit=UNITS.get(suffix),
                )
            )
        elif group.startswith("Retrosynthesis USPTO"):
            out.append(
                _spec(
                    t,
                    input_kind="smiles",
                    output_kind="smiles",
                    answer_tags=["SMILES"],
                    parser="smiles",
                    metrics=["top1_accuracy", "top3_accuracy", "maxfrag_top1", "invalid_rate"],
                    keywords=["uspto-50k", "retrosynthesis uspto"],
                    thinking=True,
                    prompt_template="Suggest the reactants needed to synthesize <SMILES> {input} </SMILES> .",
                    decoding={"mode": "beam", "num_beams": 3, "n": 3, "max_tokens": 512},
                )
            )
        elif group.startswith("LLM4Mat"):
            m = re.search(r"\{([^ ]+) :\s*<?([^}>']*)", t["output"])
            key, kind = m.group(1), m.group(2)
            categorical = kind != "number"
            options = kind.split("/") if categorical else []
            source = tid.split("_")[0].lower()
            kws = [tid.lower(), f"{source}:{key.lower()}"]
            fmt = "{" + key + " : value}"
            tpl = f"{{input}}\nWhat is the {key} of this material? Answer as {fmt}."
            if categorical:
                tpl += f" The value can only be one of the following: {', '.join(options)}."
            out.append(
                _spec(
                    t,
                    input_kind="material_text",
                    output_kind="label" if categorical else "number",
                    parser="llm4mat",
                    property_key=key,
                    options=options,
                    unit=MAT_UNITS.get(key),
                    metrics=["auc_hard"] if categorical else ["mad_mae_ratio", "mae", "rmse"],
                    keywords=kws,
                    prompt_template=tpl,
                    thinking=categorical and source == "snumat",
                )
            )
        elif tid in (
            "composition_to_material_generation",
            "bulk_modulus_to_material_generation",
            "unconditional_material_generation",
        ):
            metrics = {
                "composition_to_material_generation": ["smact_validity", "composition_precision", "novelty"],
                "bulk_modulus_to_material_generation": ["smact_validity", "element_precision", "exact_match"],
                "unconditional_material_generation": ["smact_validity"],
            }[tid]
            uncond = tid.startswith("unconditional")
            dec = (
                {"mode": "sample", "temperature": 1.8, "top_k": 80, "top_p": 1.0, "max_tokens": 256}
                if uncond
                else {
                    "mode": "sample",
                    "temperature": 0.4 if tid.startswith("composition") else 0.7,
                    "max_tokens": 512,
                }
            )
            tpl = (
                "Produce a material that has any bulk modulus or composition"
                if uncond
                else "{input} Write it as <material> element tokens <sg> <sgN> </material>."
            )
            kws = (
                ["material"]
                if uncond
                else (
                    ["composition->material"] if tid.startswith("composition") else ["bulk modulus->material"]
                )
            )
            out.append(
                _spec(
                    t,
                    input_kind="none" if uncond else "text",
                    output_kind="material",
                    answer_tags=["material"],
                    parser="material",
                    metrics=metrics,
                    decoding=dec,
                    prompt_template=tpl,
                    keywords=kws,
                    thinking=not uncond,
                )
            )
        elif tid in MOLINS:
            ik, ok, parser, metrics, kws, tpl, think = MOLINS[tid]
            tags = {"smiles": ["SMILES"], "protein": ["protein"]}.get(ok, [])
            out.append(
                _spec(
                    t,
                    input_kind=ik,
                    output_kind=ok,
                    parser=parser,
                    metrics=metrics,
                    keywords=kws,
                    prompt_template=tpl,
                    thinking=think,
                    answer_tags=tags,
                    options=["A", "B", "C", "D"]
                    if parser == "choice"
                    else (["yes", "no", "maybe"] if parser == "yes_no_maybe" else []),
                    decoding=dict(GREEDY, max_tokens=8192 if "entity" in tid else 2048),
                    unit="Hartree" if "property" in tid else None,
                )
            )
        elif group.startswith("OPI"):
            key = next(k for k in OPI if tid.startswith(k))
            parser, ok, metrics, tag, kws, tpl = OPI[key]
            ik = "text" if key.startswith("g") else "protein"
            out.append(
                _spec(
                    t,
                    input_kind=ik,
                    output_kind=ok,
                    parser=parser,
                    metrics=metrics,
                    answer_tags=[tag],
                    keywords=[tid.lower()]
                    + (
                        kws
                        if tid.endswith(
                            ("UniProtSeq_go", "UniProtSeq_keywords", "UniProtSeq_function", "EC_number_new")
                        )
                        or not key.startswith(("EC", "GO", "Keywords", "Function"))
                        else []
                    ),
                    prompt_template=tpl,
                    thinking=False,
                    decoding={
                        "mode": "sample",
                        "temperature": 0.7,
                        "top_k": 50,
                        "top_p": 0.8,
                        "max_tokens": 512,
                    },
                )
            )
        elif group.startswith("PEER"):
            ik, fields, kws, tpl = PEER[tid]
            out.append(
                _spec(
                    t,
                    input_kind=ik,
                    input_fields=fields,
                    output_kind="boolean",
                    parser="peer",
                    metrics=["accuracy", "precision", "recall", "f1"],
                    keywords=kws,
                    prompt_template=tpl,
                    thinking=True,
                    options=YES_NO,
                )
            )
        elif tid == "unconditional_RNA_generation":
            out.append(
                _spec(
                    t,
                    input_kind="none",
                    output_kind="rna",
                    answer_tags=["rna"],
                    parser="rna",
                    metrics=["validity", "average_mfe", "rfam_families"],
                    keywords=["rna"],
                    prompt_template="Please generate a novel RNA sequence. <rna>",
                    decoding={
                        "mode": "sample",
                        "temperature": 1.8,
                        "top_k": 80,
                        "top_p": 1.0,
                        "max_tokens": 1024,
                    },
                )
            )
        elif tid == "unconditional_protein_generation":
            out.append(
                _spec(
                    t,
                    input_kind="none",
                    output_kind="protein",
                    answer_tags=["protein"],
                    parser="protein",
                    metrics=["validity", "average_length", "diversity", "average_plddt"],
                    keywords=["protein"],
                    prompt_template="Generate a protein sequence with <protein> </protein>.",
                    decoding={
                        "mode": "sample",
                        "temperature": 0.9,
                        "top_k": 50,
                        "top_p": 0.9,
                        "max_tokens": 2048,
                    },
                )
            )
        elif tid == "unconditional_molecule_generation":
            out.append(
                _spec(
                    t,
                    input_kind="none",
                    output_kind="smiles",
                    answer_tags=["SMILES"],
                    parser="smiles",
                    metrics=["validity", "uniqueness", "novelty"],
                    keywords=["molecule"],
                    prompt_template="Generate a molecule with <SMILES> ",
                    decoding={
                        "mode": "sample",
                        "temperature": 0.95,
                        "top_k": 50,
                        "top_p": 0.95,
                        "max_tokens": 256,
                    },
                )
            )
        else:
            raise SystemExit(f"no rule for task {tid!r} in group {group!r}")
    return out


def main() -> None:
    ref_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REF
    ref = json.loads(ref_path.read_text())
    specs = build(ref)
    assert len(specs) == len(ref) == len({s["id"] for s in specs})
    OUT.write_text(json.dumps(specs, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(specs)} task specs to {OUT}")


if __name__ == "__main__":
    main()
