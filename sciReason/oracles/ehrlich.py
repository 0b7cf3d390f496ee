"""Ehrlich functions (Stanton et al. 2024) in pure numpy, reproducing pytorch-holo instances from a seed.

An Ehrlich function is a closed-form black box over length-L sequences of v states that mimics two features
of protein design: a hard feasibility constraint (a sparse "DMP" transition matrix bans some adjacent
pairs) and a non-additive reward (c spaced motifs of length k must all be present). Definition, RNG recipe
and reference values: ``shared/reference/ehrlich.md``; this module follows it step by step:

* construction (mask, motifs, spacings) and ``initial_solution()`` use holo's draws from one CPU
  ``torch.Generator`` seeded with ``random_seed``, re-created here from numpy's MT19937, so instances equal
  pytorch-holo 0.0.5's ``Ehrlich(num_states=v, dim=L, num_motifs=c, motif_length=k, quantization=q,
  epistasis_factor=e, random_seed=s)`` (the §6 fixtures are tests); torch is never imported;
* ``Ehrlich.evaluate`` returns holo's values exactly (float32 arithmetic as holo), **−∞ for infeasible**;
* :class:`EhrlichObjective` (the design-loop face) maps infeasible to an explicit ``infeasible_value``
  (default 0.0, the bottom of the [0, 1] desirability scale); the raw term ``terms["ehrlich"]`` is holo's f
  for feasible sequences and ``None`` (non-finite, holo's −∞) for infeasible ones, so regret and feasibility
  rate stay recoverable (a feasible sequence with no motif present also has value 0.0).

Quantization must divide the motif length (holo would silently make 1.0 unreachable otherwise). The numeric
instance (:class:`Ehrlich`, integer states) lives in ``_ehrlich_core``; this module adds letters, the
:class:`EhrlichObjective`, the ``ehrlich:`` prefix and the ``ehrlich(...)`` protein term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sciReason.errors import ConfigError, InputError, TargetSyntaxError
from sciReason.oracles._ehrlich_core import Ehrlich
from sciReason.oracles.base import Direction, Domain, Scored
from sciReason.representations import PROTEIN_EXTENDED

__all__ = [
    "DEFAULT_ALPHABET",
    "Ehrlich",
    "EhrlichObjective",
    "ehrlich_from_target",
    "ehrlich_objective",
    "ehrlich_term",
]

# State i <-> letter i. The first 20 are poli's amino-acid order (its `ehrlich_holo` default alphabet), so a
# v=20 instance reads as protein sequences; upper case + digits survive `normalize_sequence`.
DEFAULT_ALPHABET = "ARNDCEQGHILKMFPSTWYV" + "BJOUXZ" + "0123456789"
_WS = re.compile(r"\s+")


class EhrlichObjective:
    """An :class:`~sciReason.oracles.base.Objective` over letter strings for one Ehrlich instance.

    ``value`` = holo's f for feasible sequences and ``infeasible_value`` (default 0.0; holo: −∞) for
    infeasible ones; ``None`` only when a candidate cannot be read (wrong length, a letter outside
    ``alphabet``). ``terms["ehrlich"]`` is holo's raw f, ``None`` where it is −∞ (infeasible), as the project
    stores non-finite raw values, and ``Scored.feasible`` is False there (the call happened and counts).
    :meth:`feedback` gives feasibility and per-motif presence for designers (white-box: never used by a
    campaign in benchmark mode). ``optimum`` (1.0) is the known maximum.
    """

    direction: Direction = "maximize"
    multi_objective = False
    bounds = (0.0, 1.0)  # natural range: a bare `ehrlich(...)` term is used as is
    optimum = 1.0  # known maximum: a design campaign stops when it reaches it (stopped: "optimum")
    scale = 0.1
    term_names: tuple[str, ...] = ("ehrlich",)

    def __init__(
        self, instance: Ehrlich, *, infeasible_value: float = 0.0, alphabet: str | None = None
    ) -> None:
        if not 0.0 <= infeasible_value <= 1.0:
            raise ConfigError(
                f"infeasible_value={infeasible_value} must lie in [0, 1] (the desirability scale)"
            )
        v = instance.num_states
        if alphabet is None:
            if v > len(DEFAULT_ALPHABET):
                raise ConfigError(
                    f"v={v} states exceed the default alphabet ({len(DEFAULT_ALPHABET)}); pass alphabet="
                )
            alphabet = DEFAULT_ALPHABET[:v]
        if len(alphabet) != v or len(set(alphabet)) != v:
            raise ConfigError(f"alphabet {alphabet!r} must have exactly {v} distinct letters (one per state)")
        self.instance = instance
        self.alphabet = alphabet
        self.infeasible_value = float(infeasible_value)
        self._index = {ch: i for i, ch in enumerate(alphabet)}
        self._lut: NDArray[np.int64] | None = None  # byte -> state, for one-byte alphabets (fast path)
        if all(ord(ch) < 128 for ch in alphabet):
            self._lut = np.full(256, -1, dtype=np.int64)
            self._lut[[ord(ch) for ch in alphabet]] = np.arange(v)
        self._upper = not any(ch.islower() for ch in alphabet)
        # "protein" only when every letter is one (v <= 26); otherwise generic strings over `alphabet`.
        self.domain: Domain = "protein" if set(alphabet) <= PROTEIN_EXTENDED else "any"
        i = instance
        self.name = f"ehrlich(v={v},L={i.dim},c={i.num_motifs},k={i.motif_length},q={i.quantization},seed={i.random_seed})"
        self.description = (
            f"Ehrlich function (Stanton et al. 2024, holo-identical): length-{i.dim} sequences over {v} letters; "
            f"{i.num_motifs} spaced motifs of length {i.motif_length}, quantization {i.quantization}; "
            f"infeasible (banned adjacent pair) -> {self.infeasible_value:g}; optimum 1.0"
        )

    @property
    def length(self) -> int:
        return self.instance.dim

    def encode(self, sequence: str) -> NDArray[np.int64] | None:
        """States of a letter string, or ``None`` if it has the wrong length or a foreign letter."""
        if not isinstance(sequence, str):
            return None
        text = _WS.sub("", sequence)
        text = text.upper() if self._upper else text
        if len(text) != self.instance.dim:
            return None
        if self._lut is not None and text.isascii():
            states = self._lut[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
            return None if (states < 0).any() else states
        try:
            return np.fromiter((self._index[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError:
            return None

    def decode(self, states: ArrayLike) -> str:
        return "".join(self.alphabet[int(s)] for s in np.asarray(states).ravel())

    def allowed_letters(self, sequence: str, position: int) -> str:
        """Letters that keep both transitions around ``position`` allowed (for feasible mutations)."""
        states = self.encode(sequence)
        if states is None:
            raise InputError(
                f"{sequence[:40]!r} is not a length-{self.length} sequence over {self.alphabet!r}"
            )
        return self.decode(np.flatnonzero(self.instance.allowed_at(states, position)))

    def initial_solution(self, n: int = 1) -> list[str]:
        return [self.decode(row) for row in self.instance.initial_solution(n)]

    def sample(self, n: int = 1, seed: int = 0) -> list[str]:
        return [self.decode(row) for row in self.instance.sample(n, seed)]

    def optimal_solution(self) -> str:
        return self.decode(self.instance.optimal_solution())

    def score(self, candidates: Sequence[str]) -> list[Scored]:
        encoded = [self.encode(c) for c in candidates]
        good = [j for j, e in enumerate(encoded) if e is not None]
        out = [Scored(value=None, desirabilities=(None,), terms={"ehrlich": None}) for _ in encoded]
        if good:
            states = np.stack([encoded[j] for j in good])  # type: ignore[misc]
            feasible = self.instance.is_feasible(states)
            motifs = self.instance.motif_product(states)
            for j, ok, m in zip(good, feasible, motifs, strict=True):
                value = float(m) if ok else self.infeasible_value
                out[j] = Scored(
                    value=value,
                    desirabilities=(value,),
                    terms={"ehrlich": float(m) if ok else None},
                    feasible=bool(ok),
                )
        return out

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        return [s.value for s in self.score(candidates)]

    def feedback(self, candidates: Sequence[str]) -> list[dict[str, Any] | None]:
        """Per candidate: ``feasible``, the first banned ``(position, pair)`` if any, and ``motifs`` (the
        quantised presence h_i of each motif); ``None`` if it cannot be read. For prompts and reports."""
        out: list[dict[str, Any] | None] = []
        for cand in candidates:
            states = self.encode(cand)
            if states is None:
                out.append(None)
                continue
            allowed = self.instance.transition_mask[states[:-1], states[1:]]
            bad = np.flatnonzero(~allowed)
            first = None if bad.size == 0 else (int(bad[0]), self.decode(states[bad[0] : bad[0] + 2]))
            h = self.instance.motif_scores(states)[0]
            out.append({"feasible": first is None, "banned": first, "motifs": [float(x) for x in h]})
        return out

    def __repr__(self) -> str:
        return f"EhrlichObjective({self.instance!r}, infeasible_value={self.infeasible_value:g})"


def ehrlich_objective(
    L: int,
    c: int,
    k: int,
    q: int | None = None,
    v: int = 32,
    seed: int = 0,
    epistasis: float = 0.0,
    infeasible_value: float = 0.0,
    alphabet: str | None = None,
) -> EhrlichObjective:
    """Build the objective for Ehr(v, L, c, k, q) with instance seed ``seed`` (holo's ``random_seed``)."""
    instance = Ehrlich(v, L, c, k, quantization=q, epistasis_factor=epistasis, random_seed=seed)
    return EhrlichObjective(instance, infeasible_value=infeasible_value, alphabet=alphabet)


_PREFIX_KEYS = {
    "l": "L", "length": "L", "c": "c", "motifs": "c", "k": "k", "motif_length": "k", "q": "q",
    "quantization": "q", "v": "v", "states": "v", "seed": "seed", "e": "epistasis", "epistasis": "epistasis",
    "infeasible": "infeasible_value", "infeasible_value": "infeasible_value", "alphabet": "alphabet",
}  # fmt: skip
_FLOAT_KEYS = ("epistasis", "infeasible_value")


def ehrlich_from_target(body: str, *, text: str = "", offset: int = 0) -> EhrlichObjective:
    """The ``ehrlich:`` prefix of the target language: ``ehrlich:L=32,c=4,k=4[,q=4,v=32,seed=0,...]``.

    Keys: L (length), c (motifs), k (motif length), q (quantization, default k), v (states, default 32),
    seed (instance seed, default 0), epistasis (default 0), infeasible (value for infeasible, default 0),
    alphabet (v distinct letters, one per state; default the first v of ``DEFAULT_ALPHABET``).
    """
    text = text or body
    params: dict[str, Any] = {}
    pos = offset
    for raw in body.split(","):
        col = pos + len(raw) - len(raw.lstrip())
        pos += len(raw) + 1
        token = raw.strip()
        key, sep, value = token.partition("=")
        name = _PREFIX_KEYS.get(key.strip().lower())
        if not sep or name is None:
            keys = "L, c, k, q, v, seed, epistasis, infeasible, alphabet"
            raise TargetSyntaxError(
                f"expected key=value with a key in {keys}", text=text, position=col, token=token or ","
            )
        if name in params:
            raise TargetSyntaxError(
                f"ehrlich parameter {name} given twice", text=text, position=col, token=token
            )
        try:
            params[name] = _convert(name, value)
        except ValueError:
            kind = "a number" if name in _FLOAT_KEYS else "an integer"
            raise TargetSyntaxError(
                f"{key.strip()}= needs {kind}", text=text, position=col, token=token
            ) from None
    missing = [key for key in ("L", "c", "k") if key not in params]
    if missing:
        raise TargetSyntaxError(
            f"ehrlich: needs {', '.join(missing)} (e.g. ehrlich:L=32,c=4,k=4)",
            text=text,
            position=offset,
            token=body.strip() or " ",
        )
    return ehrlich_objective(**params)


def ehrlich_term(*args: Any, **params: Any) -> EhrlichObjective:
    """Ehrlich as a *term* of a protein target, to combine with ProtParam terms (design_benchmarks §7.1):
    ``protein:ehrlich(L=32,c=2,k=4)>0.5, instability<40, gravy<0``.

    Arguments: positional ``L, c, k, q`` or ``key=value`` with the ``ehrlich:`` keys (long names such as
    ``length``/``motifs``/``motif_length`` also work as keywords). ``v`` defaults to 20 here so sequences are
    amino-acid strings; v > 26 has no protein alphabet (use the ``ehrlich:`` prefix). Infeasible sequences
    score ``infeasible`` (default 0.0), the bottom of the scale (a bare term then zeroes the geometric mean).
    """
    merged: dict[str, Any] = {"v": 20}
    positional: list[Any] = []
    pairs: list[tuple[str, Any]] = list(params.items())
    for arg in args:
        if isinstance(arg, str) and "=" in arg:  # single-letter keys (L=32) arrive as positional text
            key, _, value = arg.partition("=")
            pairs.append((key.strip(), value))
        else:
            positional.append(arg)
    if len(positional) > 4:
        raise ValueError(
            f"ehrlich(...) takes at most 4 positional values (L, c, k, q), got {len(positional)}"
        )
    given: dict[str, Any] = dict(zip(("L", "c", "k", "q"), positional, strict=False))
    for key, value in pairs:
        name = _PREFIX_KEYS.get(key.lower())
        if name is None or name in given:
            raise ValueError(
                f"ehrlich(...): unknown or repeated parameter {key!r}; "
                "use L, c, k, q, v, seed, epistasis, infeasible, alphabet"
            )
        given[name] = value
    missing = [key for key in ("L", "c", "k") if key not in given]
    if missing:
        raise ValueError(f"ehrlich(...) needs {', '.join(missing)}, e.g. ehrlich(L=32,c=2,k=4)")
    merged.update({name: _convert(name, value) for name, value in given.items()})
    objective = ehrlich_objective(**merged)
    if objective.domain != "protein":
        raise ValueError(
            f"ehrlich(...) with v={merged['v']} has no protein alphabet; use the ehrlich: prefix instead"
        )
    return objective


def _convert(name: str, value: Any) -> int | float | str:
    """A parameter value as int (float keys: float); ``ValueError`` if it is not one."""
    if name == "alphabet":
        return str(value).strip()  # type: ignore[return-value]
    if isinstance(value, bool):
        raise ValueError(f"{name} needs a number, got {value}")
    if name in _FLOAT_KEYS:
        return float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else int(str(value).strip())


def _register() -> None:
    from sciReason.oracles import registry

    registry.register_oracle(
        "ehrlich",
        ehrlich_term,
        description="Ehrlich function as a protein term (v=20 amino-acid letters); infeasible -> 0",
        domain="protein",
        signature="ehrlich(L, c, k, q=k, v=20, seed=0, epistasis=0, infeasible=0, alphabet=None)",
    )
    registry.register_prefix(
        "ehrlich",
        ehrlich_from_target,
        description="Ehrlich holo function (Stanton et al. 2024), numpy, holo-identical instances; optimum 1.0",
        domain="protein",
        signature="ehrlich:L=32,c=4,k=4(,q=4,v=32,seed=0,epistasis=0,infeasible=0,alphabet=...)",
    )


_register()
