"""The task catalog as data: one :class:`TaskSpec` per SciReasoner evaluation config (149).

Specs are loaded from ``sciReason/data/tasks.json`` (built by ``scripts/build_task_catalog.py`` from the
reference catalog). Tasks are chosen by id (``get_task``) or by natural keywords (``find_task``), e.g.
``find_task("translate", source="smiles", target="iupac")`` or ``find_task("predict", property="esol")``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from sciReason.errors import InputError, UnknownTaskError
from sciReason.types import Message

Family = Literal["translate", "extract", "predict", "classify", "generate"]
FAMILIES: tuple[str, ...] = ("translate", "extract", "predict", "classify", "generate")
DOMAINS: tuple[str, ...] = ("molecule", "protein", "dna", "rna", "rna+protein", "material", "text")

# Aliases users type for representations in translate(source=..., target=...).
_REPR_ALIASES = {
    "smi": "smiles",
    "smiles": "smiles",
    "iupac": "iupac",
    "name": "iupac",
    "formula": "formula",
    "molformula": "formula",
    "description": "description",
    "caption": "description",
    "text": "description",
    "protein": "protein",
    "sequence": "protein",
    "function": "function",
    "reactants": "reactants",
    "product": "product",
    "reaction": "reactants",
    "reagents": "reagents",
}


# Input alphabets (project decision): datasets drawn from UniProt or genome assemblies contain extended
# letters (protein X, U, O, B, Z, J; nucleotide N), so their tasks accept them as input; every other task
# (PEER, ...) takes the standard alphabet only (20 residues, ACGT, ACGU).
EXTENDED_INPUT_GROUPS: tuple[str, ...] = ("OPI", "Mol-Instructions protein", "GUE", "bio_instruction")


@dataclass(frozen=True)
class Decoding:
    """Default decoding of a task (the reference's generation settings)."""

    mode: Literal["greedy", "beam", "sample"] = "greedy"
    num_beams: int = 1
    n: int = 1
    temperature: float = 0.0
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int = 1024


@dataclass(frozen=True)
class TaskSpec:
    """One task: how to prompt it, how to read its answer, how to score it.

    Attributes:
        id: stable id (the reference config's abbreviation).
        family: translate / extract / predict / classify / generate.
        domain: molecule, protein, dna, rna, rna+protein, material or text.
        input_kind: smiles, iupac, reaction, protein, dna, rna, text, material_text, none, or a pair kind
            (protein_pair, dna_pair, rna_pair, rna_protein_pair) whose fields are ``input_fields``.
        output_kind: smiles, iupac, formula, number, numbers, boolean, label, labels, text, protein, rna,
            material, tuples, entities, choice, yes_no_maybe.
        answer_tags: tag names the answer is wrapped in (``SMILES`` -> ``<SMILES> ... </SMILES>``).
        parser: the parse rule in :mod:`sciReason.parsing`.
        metrics: metric names implemented in :mod:`sciReason.evaluation`.
        thinking: whether the model should reason (``<think>``) before answering (project choice; the
            paper names retrosynthesis/design as thinking tasks and property prediction as instant).
        prompt_template: user message with ``{input}`` or the named ``input_fields``.
    """

    id: str
    group: str
    family: str
    domain: str
    input_kind: str
    output_kind: str
    parser: str
    prompt_template: str
    decoding: Decoding = field(default_factory=Decoding)
    answer_tags: tuple[str, ...] = ()
    input_fields: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    thinking: bool = False
    keywords: tuple[str, ...] = ()
    description: str = ""
    options: tuple[str, ...] = ()
    property_key: str | None = None
    unit: str | None = None
    n_values: int = 1

    def render(self, item: Any) -> list[Message]:
        """The chat messages for one input (already validated)."""
        if self.input_fields:
            values = _pair_values(self, item)
            text = self.prompt_template.format(**values)
        elif self.input_kind == "none":
            text = self.prompt_template
            if item not in (None, ""):
                text = f"{text}{item}" if self.prompt_template.endswith("> ") else f"{text} {item}"
        else:
            text = self.prompt_template.replace("{input}", str(item))
        return [Message(role="user", content=text)]

    @property
    def extended_alphabet(self) -> bool:
        """Whether sequence inputs may use extended letters (see ``EXTENDED_INPUT_GROUPS``)."""
        return self.group.startswith(EXTENDED_INPUT_GROUPS)

    @property
    def stop_strings(self) -> tuple[str, ...]:
        """Strings that end a completion: the closing answer tag (generation stops once the answer is complete)."""
        return tuple(f"</{tag}>" for tag in self.answer_tags)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _pair_values(spec: TaskSpec, item: Any) -> dict[str, str]:
    fields = spec.input_fields
    if isinstance(item, Mapping):
        missing = [f for f in fields if f not in item]
        if missing:
            raise InputError(
                f"task {spec.id!r} needs the fields {list(fields)}; missing {missing} in {dict(item)!r}"
            )
        return {f: str(item[f]) for f in fields}
    if isinstance(item, tuple) and len(item) == len(fields):
        return dict(zip(fields, (str(x) for x in item), strict=True))
    raise InputError(
        f"task {spec.id!r} takes a pair: give a tuple of {len(fields)} or a dict with keys {list(fields)}, got {item!r}"
    )


def _from_dict(d: dict[str, Any]) -> TaskSpec:
    d = dict(d)
    d["decoding"] = Decoding(**d.get("decoding", {}))
    for key in ("answer_tags", "input_fields", "metrics", "keywords", "options"):
        d[key] = tuple(d.get(key, ()))
    return TaskSpec(**d)


@lru_cache(maxsize=1)
def _load() -> dict[str, TaskSpec]:
    raw = json.loads(resources.files("sciReason").joinpath("data/tasks.json").read_text(encoding="utf-8"))
    return {d["id"]: _from_dict(d) for d in raw}


class _Catalog(Mapping[str, TaskSpec]):
    """Read-only mapping id -> TaskSpec, loaded on first use."""

    def __getitem__(self, key: str) -> TaskSpec:
        return _load()[key]

    def __iter__(self):  # noqa: ANN204
        return iter(_load())

    def __len__(self) -> int:
        return len(_load())

    def __repr__(self) -> str:
        return f"<TASKS: {len(self)} task specs>"


TASKS: Mapping[str, TaskSpec] = _Catalog()


def get_task(task_id: str | TaskSpec) -> TaskSpec:
    """The task with this id (case-insensitive), or :class:`UnknownTaskError` with close matches."""
    if isinstance(task_id, TaskSpec):
        return task_id
    tasks = _load()
    if task_id in tasks:
        return tasks[task_id]
    lowered = {k.lower(): v for k, v in tasks.items()}
    if str(task_id).lower() in lowered:
        return lowered[str(task_id).lower()]
    import difflib

    close = difflib.get_close_matches(str(task_id), list(tasks), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownTaskError(f"unknown task {task_id!r}{hint} Run `sciReason tasks` to list all task ids.")


def list_tasks(
    family: str | None = None, domain: str | None = None, search: str | None = None
) -> list[TaskSpec]:
    """Tasks filtered by family, domain and a case-insensitive substring of id/keywords/group."""
    if family is not None and family not in FAMILIES:
        raise InputError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")
    if domain is not None and domain not in DOMAINS:
        raise InputError(f"unknown domain {domain!r}; use one of {', '.join(DOMAINS)}")
    out = []
    for spec in _load().values():
        if family and spec.family != family:
            continue
        if domain and spec.domain != domain:
            continue
        if search:
            hay = " ".join((spec.id, spec.group, *spec.keywords)).lower()
            if search.lower() not in hay:
                continue
        out.append(spec)
    return out


def _norm_repr(value: str) -> str:
    key = value.strip().lower()
    return _REPR_ALIASES.get(key, key)


def find_task(
    family: str,
    *,
    source: str | None = None,
    target: str | None = None,
    property: str | None = None,
    kind: str | None = None,
) -> TaskSpec:
    """Pick a task from natural keywords.

    ``translate``: ``source``/``target`` representations (smiles, iupac, formula, description, protein, ...);
    ``predict``/``classify``: ``property`` (esol, lipo, bbbp, band_gap, solubility, ...);
    ``generate``: ``kind`` (molecule, protein, rna, material).
    """
    candidates = list_tasks(family=family)
    if family == "translate":
        if not (source and target):
            raise InputError(
                "translate needs source= and target= (e.g. source='smiles', target='iupac') or task=ID"
            )
        key = f"{_norm_repr(source)}->{_norm_repr(target)}"
    elif family in ("predict", "classify", "extract"):
        if not property:
            raise InputError(
                f"{family} needs property= (e.g. property='esol') or task=ID; see `sciReason tasks --family {family}`"
            )
        key = property.strip().lower()
    else:
        key = (kind or "molecule").strip().lower()
    exact = [
        s
        for s in candidates
        if key in s.keywords or key == s.id.lower() or key == (s.property_key or "").lower()
    ]
    if exact:
        return exact[0]
    options = sorted({k for s in candidates for k in s.keywords if "->" in k or family != "translate"})
    raise UnknownTaskError(
        f"no {family} task for {key!r}; known keywords include: {', '.join(options[:25])} ... "
        f"(see `sciReason tasks --family {family}`), or pass task=ID"
    )
