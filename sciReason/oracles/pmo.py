"""The 20 pure-RDKit PMO objectives (Gao et al. 2022), with the current GuacaMol-identical definitions.

PMO takes its oracles from TDC, which ports GuacaMol's goal-directed scoring functions. These are the
*fixed* definitions (TDC >= late 2022, identical to GuacaMol 0.5.5): isomer scores count hydrogens after
adding them and read the formula of the *test* molecule from RDKit, not the ``*_prev`` variants. The three
bioactivity tasks (drd2, gsk3b, jnk3) need TDC's model pickles and live in ``bioactivity.py``.

Each objective is built from :mod:`sciReason.oracles.modifiers` and aggregated with GuacaMol's geometric
(or, for the hop tasks, arithmetic) mean. Reference fingerprints are computed once per objective. Invalid
SMILES give ``None`` here; the PMO rule "invalid scores 0 and is not counted" lives in
:class:`sciReason.oracles.budget.BudgetedOracle`.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sciReason.errors import TargetSyntaxError
from sciReason.oracles.base import Scored
from sciReason.oracles.chem import _atom_count, fingerprint, isomer_score, tanimoto
from sciReason.oracles.failures import FailureCounter
from sciReason.oracles.modifiers import (
    Clipped,
    Gaussian,
    Identity,
    MaxGaussian,
    MinGaussian,
    Modifier,
    arithmetic_mean,
    geometric_mean,
)
from sciReason.oracles.registry import register_oracle, register_prefix
from sciReason.representations import mol_from_smiles

__all__ = ["PMO23_TASKS", "PMO_BIOACTIVITY_TASKS", "PMO_TASKS", "PMOObjective", "pmo_objective"]

# Reference molecules exactly as GuacaMol writes them (the SMILES spelling does not change fingerprints).
CELECOXIB = "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F"
TROGLITAZONE = "Cc1c(C)c2OC(C)(COc3ccc(CC4SC(=O)NC4=O)cc3)CCc2c(C)c1O"
THIOTHIXENE = "CN(C)S(=O)(=O)c1ccc2Sc3ccccc3C(=CCCN4CCN(C)CC4)c2c1"
ALBUTEROL = "CC(C)(C)NCC(O)c1ccc(O)c(CO)c1"
MESTRANOL = "COc1ccc2[C@H]3CC[C@@]4(C)[C@@H](CC[C@@]4(O)C#C)[C@@H]3CCc2c1"
CAMPHOR = "CC1(C)C2CCC1(C)C(=O)C2"
MENTHOL = "CC(C)C1CCC(C)CC1O"
TADALAFIL = "O=C1N(CC(N2C1CC3=C(C2C4=CC5=C(OCO5)C=C4)NC6=C3C=CC=C6)=O)C"
SILDENAFIL = "CCCC1=NN(C2=C1N=C(NC2=O)C3=C(C=CC(=C3)S(=O)(=O)N4CCN(CC4)C)OCC)C"
OSIMERTINIB = "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34"
FEXOFENADINE = "CC(C)(C(=O)O)c1ccc(cc1)C(O)CCCN2CCC(CC2)C(O)(c3ccccc3)c4ccccc4"
RANOLAZINE = "COc1ccccc1OCC(O)CN2CCN(CC(=O)Nc3c(C)cccc3C)CC2"
PERINDOPRIL = "O=C(OCC)C(NC(C(=O)N1C(C(=O)O)CC2CCCCC12)C)CCC"
AMLODIPINE = r"Clc1ccccc1C2C(=C(/N/C(=C2/C(=O)OCC)COCCN)C)\C(=O)OC"
SITAGLIPTIN = "Fc1cc(c(F)cc1F)CC(N)CC(=O)N3Cc2nnc(n2CC3)C(F)(F)F"
SITAGLIPTIN_VALSARTAN = "NC(CC(=O)N1CCn2c(nnc2C(F)(F)F)C1)Cc1cc(F)c(F)cc1F"  # valsartan_smarts' reference
ZALEPLON = "O=C(C)N(CC)C1=CC=CC(C2=CC=NC3=C(C=NN23)C#N)=C1"
HOP_START = "CCCOc1cc2ncnc(Nc3ccc4ncsc4c3)c2cc1S(=O)(=O)C(C)(C)C"
HOP_SCAFFOLD = "[#7]-c1n[c;h1]nc2[c;h1]c(-[#8])[c;h0][c;h1]c12"


@dataclass(frozen=True)
class Component:
    """One scored ingredient: ``modifier(raw(mol))``; ``label`` keys the raw value in ``Scored.terms``."""

    label: str
    raw: Callable[[Any], float]
    modifier: Modifier = Identity()


class PMOObjective:
    """A PMO task: a fixed aggregation of components; also a molecule oracle (``bounds`` [0, 1])."""

    domain = "molecule"
    direction = "maximize"
    multi_objective = False
    bounds = (0.0, 1.0)
    scale = 0.1

    def __init__(self, name: str, components: Sequence[Component], aggregate: str, description: str) -> None:
        self.name = name
        self.components = tuple(components)
        self.aggregate = aggregate
        self.description = description
        self.term_names = tuple(c.label for c in components)
        self._mean = geometric_mean if aggregate == "geometric" else arithmetic_mean
        self.failure_counts = FailureCounter(name)

    def __repr__(self) -> str:
        return f"PMOObjective({self.name!r})"

    def score_mol(self, mol: Any) -> Scored:
        if mol is None:
            return Scored(None, (None,) * len(self.components), dict.fromkeys(self.term_names))
        try:
            raws = [float(c.raw(mol)) for c in self.components]
            des = [float(c.modifier(r)) for c, r in zip(self.components, raws, strict=True)]
            value = float(self._mean(des))
        except Exception as exc:  # noqa: BLE001 - RDKit failing on one molecule = "could not score", counted
            self.failure_counts.record(exc, _smiles(mol))
            return Scored(None, (None,) * len(self.components), dict.fromkeys(self.term_names))
        return Scored(value, tuple(des), dict(zip(self.term_names, raws, strict=True)))

    def score(self, candidates: Sequence[str]) -> list[Scored]:
        return [self.score_mol(mol_from_smiles(c)) for c in candidates]

    def score_mols(self, mols: Sequence[Any]) -> list[float | None]:
        return [self.score_mol(m).value for m in mols]

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [s.value for s in self.score(candidates)]


def _smiles(mol: Any) -> str:
    from rdkit import Chem

    try:
        return Chem.MolToSmiles(mol)
    except Exception:  # noqa: BLE001 - only for the log line
        return "<unprintable molecule>"


# --- building blocks ----------------------------------------------------------------------------------


def _sim(label: str, smiles: str, fp: str, modifier: Modifier = Identity()) -> Component:
    mol = mol_from_smiles(smiles)
    assert mol is not None, smiles  # fixed reference molecules, checked by the tests
    ref = fingerprint(mol, fp)
    return Component(f"sim({label},{fp})", lambda m: tanimoto(fingerprint(m, fp), ref), modifier)


def _desc(name: str) -> Callable[[Any], float]:
    from rdkit.Chem import Descriptors, rdMolDescriptors

    table: dict[str, Callable[[Any], float]] = {
        "logp": Descriptors.MolLogP,
        "tpsa": Descriptors.TPSA,
        "bertz": Descriptors.BertzCT,
        "rings": rdMolDescriptors.CalcNumRings,
        "arom_rings": rdMolDescriptors.CalcNumAromaticRings,
    }
    return table[name]


def _smarts(pattern: str, present: bool) -> Component:
    from rdkit import Chem

    query = Chem.MolFromSmarts(pattern)
    assert query is not None, pattern
    label = f"{'has' if present else 'lacks'}({pattern})"
    return Component(label, lambda m: float(m.HasSubstructMatch(query) == present))


def _qed(mol: Any) -> float:
    from rdkit.Chem import QED

    return float(QED.qed(mol))


def _isomer(formula: str) -> Component:
    return Component(f"isomer({formula})", isomer_score(formula))


def _ref_value(smiles: str, desc: str) -> float:
    mol = mol_from_smiles(smiles)
    return float(_desc(desc)(mol))


def _rediscovery(name: str, smiles: str) -> list[Component]:
    return [_sim(name, smiles, "ecfp4", Clipped(1.0))]


def _valsartan() -> list[Component]:
    ref = SITAGLIPTIN_VALSARTAN
    return [
        _smarts("CN(C=O)Cc1ccc(c2ccccc2)cc1", present=True),
        Component("logp", _desc("logp"), Gaussian(_ref_value(ref, "logp"), 0.2)),
        Component("tpsa", _desc("tpsa"), Gaussian(_ref_value(ref, "tpsa"), 5)),
        Component("bertz", _desc("bertz"), Gaussian(_ref_value(ref, "bertz"), 30)),
    ]


# name -> (aggregate, builder, description)
_DEFINITIONS: dict[str, tuple[str, Callable[[], list[Component]], str]] = {
    "qed": ("geometric", lambda: [Component("qed", _qed)], "RDKit QED"),
    "celecoxib_rediscovery": (
        "geometric",
        lambda: _rediscovery("celecoxib", CELECOXIB),
        "ECFP4 Tanimoto to celecoxib",
    ),
    "troglitazone_rediscovery": (
        "geometric",
        lambda: _rediscovery("troglitazone", TROGLITAZONE),
        "ECFP4 Tanimoto to troglitazone",
    ),
    "thiothixene_rediscovery": (
        "geometric",
        lambda: _rediscovery("thiothixene", THIOTHIXENE),
        "ECFP4 Tanimoto to thiothixene",
    ),
    "albuterol_similarity": (
        "geometric",
        lambda: [_sim("albuterol", ALBUTEROL, "fcfp4", Clipped(0.75))],
        "FCFP4 Tanimoto to albuterol, clipped at 0.75",
    ),
    "mestranol_similarity": (
        "geometric",
        lambda: [_sim("mestranol", MESTRANOL, "ap", Clipped(0.75))],
        "atom-pair Tanimoto to mestranol, clipped at 0.75",
    ),
    "isomers_c7h8n2o2": ("geometric", lambda: [_isomer("C7H8N2O2")], "isomer score for C7H8N2O2"),
    "isomers_c9h10n2o2pf2cl": (
        "geometric",
        lambda: [_isomer("C9H10N2O2PF2Cl")],
        "isomer score for C9H10N2O2PF2Cl",
    ),
    "median1": (
        "geometric",
        lambda: [_sim("camphor", CAMPHOR, "ecfp4"), _sim("menthol", MENTHOL, "ecfp4")],
        "geometric mean of ECFP4 Tanimoto to camphor and menthol",
    ),
    "median2": (
        "geometric",
        lambda: [_sim("tadalafil", TADALAFIL, "ecfp6"), _sim("sildenafil", SILDENAFIL, "ecfp6")],
        "geometric mean of ECFP6 Tanimoto to tadalafil and sildenafil",
    ),
    "osimertinib_mpo": (
        "geometric",
        lambda: [
            _sim("osimertinib", OSIMERTINIB, "fcfp4", Clipped(0.8)),
            _sim("osimertinib", OSIMERTINIB, "ecfp6", MinGaussian(0.85, 0.1)),
            Component("tpsa", _desc("tpsa"), MaxGaussian(100, 10)),
            Component("logp", _desc("logp"), MinGaussian(1, 1)),
        ],
        "similar to osimertinib (FCFP4) but not too similar (ECFP6), TPSA > 100, logP < 1",
    ),
    "fexofenadine_mpo": (
        "geometric",
        lambda: [
            _sim("fexofenadine", FEXOFENADINE, "ap", Clipped(0.8)),
            Component("tpsa", _desc("tpsa"), MaxGaussian(90, 10)),
            Component("logp", _desc("logp"), MinGaussian(4, 1)),
        ],
        "similar to fexofenadine (AP), TPSA > 90, logP < 4",
    ),
    "ranolazine_mpo": (
        "geometric",
        lambda: [
            _sim("ranolazine", RANOLAZINE, "ap", Clipped(0.7)),
            Component("logp", _desc("logp"), MaxGaussian(7, 1)),
            Component("atom_count(F)", lambda m: _atom_count(m, "F"), Gaussian(1, 1.0)),
            Component("tpsa", _desc("tpsa"), MaxGaussian(95, 20)),
        ],
        "similar to ranolazine (AP), logP > 7, TPSA > 95, one fluorine",
    ),
    "perindopril_mpo": (
        "geometric",
        lambda: [
            _sim("perindopril", PERINDOPRIL, "ecfp4"),
            Component("arom_rings", _desc("arom_rings"), Gaussian(2, 0.5)),
        ],
        "similar to perindopril (ECFP4) with two aromatic rings",
    ),
    "amlodipine_mpo": (
        "geometric",
        lambda: [
            _sim("amlodipine", AMLODIPINE, "ecfp4"),
            Component("rings", _desc("rings"), Gaussian(3, 0.5)),
        ],
        "similar to amlodipine (ECFP4) with three rings",
    ),
    "sitagliptin_mpo": (
        "geometric",
        lambda: [
            _sim("sitagliptin", SITAGLIPTIN, "ecfp4", Gaussian(0, 0.1)),
            Component("logp", _desc("logp"), Gaussian(_ref_value(SITAGLIPTIN, "logp"), 0.2)),
            Component("tpsa", _desc("tpsa"), Gaussian(_ref_value(SITAGLIPTIN, "tpsa"), 5)),
            _isomer("C16H15F6N5O"),
        ],
        "dissimilar to sitagliptin (ECFP4) with its logP, TPSA and formula C16H15F6N5O",
    ),
    "zaleplon_mpo": (
        "geometric",
        lambda: [_sim("zaleplon", ZALEPLON, "ecfp4"), _isomer("C19H17N3O2")],
        "similar to zaleplon (ECFP4) with formula C19H17N3O2",
    ),
    "valsartan_smarts": (
        "geometric",
        _valsartan,
        "valsartan substructure with sitagliptin's logP, TPSA and Bertz complexity",
    ),
    "deco_hop": (
        "arithmetic",
        lambda: [
            _sim("hop_start", HOP_START, "phco", Clipped(0.85)),
            _smarts("CS([#6])(=O)=O", present=False),
            _smarts("[#7]-c1ccc2ncsc2c1", present=False),
            _smarts(HOP_SCAFFOLD, present=True),
        ],
        "keep the quinazoline scaffold and pharmacophore, change the decorations",
    ),
    "scaffold_hop": (
        "arithmetic",
        lambda: [
            _sim("hop_start", HOP_START, "phco", Clipped(0.75)),
            _smarts("[#6]-[#6]-[#6]-[#8]-[#6]~[#6]~[#6]~[#6]~[#6]-[#7]-c1ccc2ncsc2c1", present=True),
            _smarts(HOP_SCAFFOLD, present=False),
        ],
        "keep the decorations and pharmacophore, change the scaffold",
    ),
}

PMO_TASKS: tuple[str, ...] = tuple(sorted(_DEFINITIONS))
# The three ML-model tasks of PMO live in sciReason.oracles.bioactivity (models from the molscore wheel).
PMO_BIOACTIVITY_TASKS: tuple[str, ...] = ("drd2", "gsk3b", "jnk3")
PMO23_TASKS: tuple[str, ...] = tuple(sorted(PMO_TASKS + PMO_BIOACTIVITY_TASKS))


@functools.cache
def pmo_objective(name: str) -> PMOObjective:
    """The PMO objective ``name`` (one of :data:`PMO_TASKS`); built once, then shared (it is stateless).

    Raises:
        ValueError: unknown task name (the message lists close matches).
    """
    key = name.strip().lower()
    if key not in _DEFINITIONS:
        close = difflib.get_close_matches(key, PMO_TASKS, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"choose one of {', '.join(PMO_TASKS)}"
        raise ValueError(f"unknown PMO task {name!r}; {hint}")
    aggregate, build, desc = _DEFINITIONS[key]
    return PMOObjective(key, build(), aggregate, f"PMO {key}: {desc}")


def _prefix_factory(body: str, *, text: str = "", offset: int = 0) -> Any:
    stripped = body.strip()
    lead = len(body) - len(body.lstrip())
    if stripped.lower() in PMO_BIOACTIVITY_TASKS:
        from sciReason.oracles.bioactivity import bioactivity_objective

        return bioactivity_objective(stripped.lower())
    try:
        return pmo_objective(stripped)
    except ValueError as exc:
        raise TargetSyntaxError(
            str(exc), text=text or body, position=offset + lead, token=stripped or " "
        ) from None


def _term_factory(name: str) -> Callable[[], PMOObjective]:
    def factory() -> PMOObjective:
        return pmo_objective(name)

    factory.__module__ = __name__
    return factory


register_prefix(
    "pmo",
    _prefix_factory,
    description="one of the 23 PMO tasks: 20 pure-RDKit (GuacaMol-identical definitions) + drd2/gsk3b/jnk3",
    signature="pmo:TASK (e.g. pmo:celecoxib_rediscovery, pmo:jnk3)",
)
for _task in PMO_TASKS:
    if _task != "qed":  # the chemistry module's `qed` is the same function
        register_oracle(_task, _term_factory(_task), description=_DEFINITIONS[_task][2], domain="molecule")
