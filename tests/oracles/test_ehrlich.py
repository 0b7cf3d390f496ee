"""Ehrlich functions: holo-identical instances (ehrlich.md §6 fixtures), structure (§7), objective, target."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from sciReason.errors import ConfigError, InputError, TargetSyntaxError
from sciReason.oracles.base import Objective
from sciReason.oracles.ehrlich import DEFAULT_ALPHABET, Ehrlich, EhrlichObjective, ehrlich_objective

NEG_INF = float("-inf")

# Reference instances of shared/reference/ehrlich.md §6 (pytorch-holo 0.0.5, torch 2.14.1 CPU), verbatim.
# fmt: off
HOLO = {
    "A": {
        "params": (32, 32, 2, 4, 4, 0),  # (v, L, c, k, q, seed)
        "band_centres": [20, 25, 8, 27, 28, 9, 7, 4, 17, 0, 29, 30, 21, 19, 22, 14, 15, 6, 2, 11, 12, 23, 18, 5, 3, 16, 31, 10, 13, 1, 26, 24],
        "motifs": [[10, 17, 13, 30], [14, 21, 28, 13]],
        "spacings": [[1, 3, 9], [1, 3, 10]],
        "offsets": [[0, 1, 4, 13], [0, 1, 4, 14]],
        "banned": {0: [1, 2, 3, 4, 5, 6, 7], 1: [6, 7, 8, 9, 10, 11, 12], 2: [21, 22, 23, 24, 25, 26, 27]},
        "sequences": {
            "S1": ("10 17 17 17 13 13 13 13 13 13 13 13 13 30 14 21 21 21 28 28 28 28 28 28 28 28 28 28 13 13 13 13", (1.0,)),
            "S2": ("0 17 17 17 13 13 13 13 13 13 13 13 13 30 14 21 21 21 28 28 28 28 28 28 28 28 28 28 13 13 13 13", (0.75,)),
            "S3": ("10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10", (0.0,)),
            "S4": ("10 17 17 17 13 13 13 13 13 13 13 13 13 30 14 21 4 21 28 28 28 28 28 28 28 28 28 28 13 13 13 13", (NEG_INF,)),
            "S5": ("10 17 17 17 0 13 13 13 13 13 13 13 13 7 14 21 21 21 0 28 28 28 28 28 28 28 28 28 1 13 13 13", (0.375,)),
            "S6": ("11 1 13 16 26 19 12 9 1 27 0 24 2 20 13 19 12 9 12 9 0 27 0 29 5 10 17 9 11 6 5 0", (0.0625,)),
        },
    },
    "B": {
        "params": (32, 128, 4, 4, 4, 0),  # (v, L, c, k, q, seed)
        "band_centres": [20, 25, 8, 27, 28, 9, 7, 4, 17, 0, 29, 30, 21, 19, 22, 14, 15, 6, 2, 11, 12, 23, 18, 5, 3, 16, 31, 10, 13, 1, 26, 24],
        "motifs": [[10, 17, 13, 30], [14, 21, 28, 13], [14, 28, 13, 16], [26, 6, 7, 24]],
        "spacings": [[11, 12, 7], [2, 18, 9], [9, 5, 15], [10, 14, 5]],
        "offsets": [[0, 11, 23, 30], [0, 2, 20, 29], [0, 9, 14, 29], [0, 10, 24, 29]],
        "banned": {0: [1, 2, 3, 4, 5, 6, 7], 1: [6, 7, 8, 9, 10, 11, 12], 2: [21, 22, 23, 24, 25, 26, 27]},
        "sequences": {
            "S1": ("10 10 10 10 10 10 10 10 10 10 10 17 17 17 17 17 17 17 17 17 17 17 17 13 13 13 13 13 13 13 30 14 14 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 28 28 28 28 28 28 28 28 28 13 14 14 14 14 14 14 14 14 14 28 28 28 28 28 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 16 26 26 26 26 26 26 26 26 26 26 6 6 6 6 6 6 6 6 6 6 6 6 6 6 7 7 7 7 7 24 24 24 24 24 24 24 24", (1.0,)),
            "S2": ("0 10 10 10 10 10 10 10 10 10 10 17 17 17 17 17 17 17 17 17 17 17 17 13 13 13 13 13 13 13 30 14 14 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 28 28 28 28 28 28 28 28 28 13 14 14 14 14 14 14 14 14 14 28 28 28 28 28 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 16 26 26 26 26 26 26 26 26 26 26 6 6 6 6 6 6 6 6 6 6 6 6 6 6 7 7 7 7 7 24 24 24 24 24 24 24 24", (0.75,)),
            "S3": ("10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10", (0.0,)),
            "S4": ("10 10 10 10 10 10 10 10 10 10 10 17 17 17 17 17 17 17 17 17 17 17 17 13 13 13 13 13 13 13 30 14 14 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 28 28 28 28 28 28 28 28 28 13 14 14 14 3 14 14 14 14 14 28 28 28 28 28 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 16 26 26 26 26 26 26 26 26 26 26 6 6 6 6 6 6 6 6 6 6 6 6 6 6 7 7 7 7 7 24 24 24 24 24 24 24 24", (NEG_INF,)),
            "S5": ("10 10 10 10 10 10 10 10 10 10 10 17 17 17 17 17 17 17 17 17 17 17 17 0 13 13 13 13 13 13 8 14 14 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 21 0 28 28 28 28 28 28 28 28 1 14 14 14 14 14 14 14 14 14 28 28 28 28 28 1 13 13 13 13 13 13 13 13 13 13 13 13 13 13 8 26 26 26 26 26 26 26 26 26 26 6 6 6 6 6 6 6 6 6 6 6 6 6 6 2 7 7 7 7 0 24 24 24 24 24 24 24", (0.421875,)),
            "S6": ("11 1 13 16 26 19 12 9 1 27 0 24 2 20 13 19 12 9 12 9 0 27 0 29 5 10 17 9 11 6 5 0 19 7 29 25 13 10 17 29 2 5 7 1 27 19 11 11 5 8 15 13 20 13 16 26 25 13 7 25 10 17 29 2 15 13 20 15 6 6 18 29 24 30 14 13 30 25 5 4 6 7 25 22 30 14 28 13 30 4 6 19 12 9 12 9 28 13 9 11 5 16 26 19 7 1 27 0 23 29 2 5 5 20 22 23 14 30 14 11 2 5 6 8 14 15 10 24", (0.0078125,)),
        },
    },
    "C": {
        "params": (32, 32, 4, 4, 4, 50494),  # (v, L, c, k, q, seed)
        "band_centres": [10, 25, 16, 28, 23, 26, 19, 21, 18, 11, 2, 17, 1, 8, 20, 9, 15, 0, 14, 22, 12, 4, 30, 27, 13, 29, 7, 3, 24, 31, 5, 6],
        "motifs": [[23, 21, 10, 27], [14, 9, 31, 9], [31, 29, 6, 21], [10, 10, 8, 11]],
        "spacings": [[2, 1, 3], [1, 2, 2], [2, 2, 1], [2, 3, 1]],
        "offsets": [[0, 2, 3, 6], [0, 1, 3, 5], [0, 2, 4, 5], [0, 2, 5, 6]],
        "banned": {0: [23, 24, 25, 26, 27, 28, 29], 1: [6, 7, 8, 9, 10, 11, 12], 2: [0, 1, 3, 29, 30, 31]},
        "sequences": {
            "S1": ("23 23 21 10 10 10 27 14 9 9 31 31 9 31 31 29 29 6 21 10 10 10 10 10 8 11 11 11 11 11 11 11", (1.0, 1.0,)),
            "S2": ("1 23 21 10 10 10 27 14 9 9 31 31 9 31 31 29 29 6 21 10 10 10 10 10 8 11 11 11 11 11 11 11", (0.75, 0.5,)),
            "S3": ("23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23", (0.0, 0.0,)),
            "S4": ("23 23 21 10 10 10 27 14 9 9 31 31 9 31 31 29 12 6 21 10 10 10 10 10 8 11 11 11 11 11 11 11", (NEG_INF, NEG_INF,)),
            "S5": ("23 23 21 0 10 10 0 14 9 9 0 31 0 31 31 29 29 0 0 10 10 10 10 10 0 0 11 11 11 11 11 11", (0.09375, 0.0625,)),
            "S6": ("4 23 21 10 10 25 19 27 10 8 9 12 31 9 31 10 27 28 16 24 10 5 27 7 12 31 27 1 28 16 15 11", (0.046875, 0.0,)),
        },
    },
}
# fmt: on


def _instance(name: str, q: int | None = None) -> Ehrlich:
    v, L, c, k, q0, seed = HOLO[name]["params"]
    return Ehrlich(v, L, c, k, quantization=q or q0, random_seed=seed)


def _seq(text: str) -> np.ndarray:
    return np.array([int(t) for t in text.split()], dtype=np.int64)


@pytest.mark.parametrize("name", ["A", "B", "C"])
def test_instance_matches_holo_exactly(name: str) -> None:
    inst, ref = _instance(name), HOLO[name]
    assert inst.bandwidth == 12
    assert inst.band_centres.tolist() == ref["band_centres"]
    assert inst.motifs.tolist() == ref["motifs"]
    assert inst.spacings.tolist() == ref["spacings"]
    assert inst.offsets.tolist() == ref["offsets"]
    for state, banned in ref["banned"].items():
        assert np.flatnonzero(~inst.transition_mask[state]).tolist() == banned
    assert sorted({int(n) for n in (~inst.transition_mask).sum(axis=1)}) == [6, 7]
    assert inst.optimal_solution().tolist() == _seq(ref["sequences"]["S1"][0]).tolist()
    assert inst.initial_solution()[0].tolist() == _seq(ref["sequences"]["S6"][0]).tolist()


@pytest.mark.parametrize("name", ["A", "B", "C"])
def test_values_match_holo_exactly(name: str) -> None:
    ref = HOLO[name]
    qs = [4, 2] if name == "C" else [4]
    for col, q in enumerate(qs):
        inst = _instance(name, q)
        seqs = np.stack([_seq(text) for text, _ in ref["sequences"].values()])
        expected = [values[col] for _, values in ref["sequences"].values()]
        assert inst.evaluate(seqs).tolist() == expected  # exact, -inf included


def test_epistasis_values_match_holo() -> None:
    inst = Ehrlich(32, 32, 2, 4, quantization=4, epistasis_factor=0.5, random_seed=0)
    seqs = np.stack([_seq(text) for text, _ in HOLO["A"]["sequences"].values()])
    assert inst.evaluate(seqs).tolist() == [1.0, 0.6796875, 0.0, NEG_INF, 0.29736328125, 0.05133056640625]


def test_a_initial_solution_is_prefix_of_b_and_floats_close() -> None:
    a, b = _instance("A"), _instance("B")
    assert a.initial_solution()[0].tolist() == b.initial_solution()[0, :32].tolist()
    assert np.array_equal(a.transition_mask, b.transition_mask)
    p0 = [0.0008, 0, 0, 0, 0, 0, 0, 0, 0.0141, 0.0006, 0.0149, 0.0137, 0.0094, 0.0878, 0.0689, 0.0045, 0.0005,
          0.0002, 0.0229, 0.0361, 0.0245, 0.0003, 0.0037, 0.3004, 0.0331, 0.0023, 0.0052, 0.0107, 0.1189, 0.1762,
          0.049, 0.0014]  # fmt: skip
    mu = [0.0426, 0.0287, 0.0387, 0.0118, 0.0144, 0.0515, 0.0279, 0.0373, 0.0083, 0.0571, 0.026, 0.039, 0.0392,
          0.0772, 0.0325, 0.015, 0.0405, 0.0427, 0.0119, 0.0454, 0.022, 0.0092, 0.0115, 0.0178, 0.0059, 0.0413,
          0.0488, 0.0332, 0.0297, 0.0408, 0.0427, 0.0097]  # fmt: skip
    np.testing.assert_allclose(a.transition_matrix[0], p0, atol=5.1e-5)
    np.testing.assert_allclose(a.stationary_dist, mu, atol=5.1e-5)


def test_feasible_fractions_match_reference() -> None:
    assert _instance("A").feasible_fraction() == pytest.approx(6.03e-4, rel=2e-3)
    assert _instance("B").feasible_fraction() == pytest.approx(6.45e-14, rel=2e-3)
    assert _instance("C").feasible_fraction() == pytest.approx(6.27e-4, rel=2e-3)


def _naive_value(inst: Ehrlich, x: np.ndarray) -> float:
    """The §2.6 formula written out with Python loops (independent of the vectorised evaluator)."""
    for a, b in zip(x[:-1], x[1:], strict=True):
        if not inst.transition_mask[a, b]:
            return NEG_INF
    k, q = inst.motif_length, inst.quantization
    total = 1.0
    for motif, offs in zip(inst.motifs, inst.offsets, strict=True):
        best = 0
        for start in range(inst.dim - offs[-1]):
            best = max(best, sum(int(x[start + o] == m) for o, m in zip(offs, motif, strict=True)))
        level = math.floor(best * q / k) / q
        total *= level * (1 + inst.epistasis_factor * level * (level - 1))
    return total


SETTINGS = [
    (32, 32, 2, 4, 4),
    (32, 32, 4, 4, 2),
    (20, 64, 2, 4, 4),
    (8, 40, 3, 6, 3),
    (4, 8, 2, 2, 2),
    (21, 50, 3, 5, 5),
]


@pytest.mark.parametrize(("v", "L", "c", "k", "q"), SETTINGS)
def test_structure_for_many_seeds(v: int, L: int, c: int, k: int, q: int) -> None:
    for seed in range(6):
        inst = Ehrlich(v, L, c, k, quantization=q, random_seed=seed)
        b = inst.bandwidth
        mask, p = inst.transition_mask, inst.transition_matrix
        assert mask.diagonal().all()
        for i in range(v):
            dist = min((i - inst.band_centres[i]) % v, (inst.band_centres[i] - i) % v)
            assert mask[i].sum() == (2 * b + 1 if dist <= b else 2 * b + 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)
        assert np.array_equal(p > 0, mask)
        traj = inst.motifs.ravel()
        assert mask[traj[:-1], traj[1:]].all()  # motif trajectory is feasible across motif boundaries
        assert (inst.spacings >= 1).all() and (inst.offsets[:, -1] + 1).sum() <= L
        opt = inst.optimal_solution()
        assert inst.is_feasible(opt)[0] and inst.evaluate(opt)[0] == 1.0
        samples = inst.sample(16, seed=seed + 100)
        values = inst.evaluate(samples)
        assert inst.is_feasible(samples).all() and ((values >= 0) & (values <= 1)).all()
        levels = [j / q for j in range(q + 1)]
        lattice = {round(math.prod(t), 6) for t in product(levels, repeat=c)}  # holo computes in float32
        assert {round(float(x), 6) for x in values} <= lattice
        mutants = np.concatenate([samples, inst.random_solution(16, seed=seed)])
        np.testing.assert_allclose(
            inst.evaluate(mutants), [_naive_value(inst, x) for x in mutants], rtol=1e-6
        )
        assert inst.evaluate(np.full((1, L), opt[0]))[0] >= 0.0  # constant sequences are feasible


def test_breaking_one_motif_element_drops_to_next_level() -> None:
    inst = _instance("A")
    opt = inst.optimal_solution()
    bad = opt.copy()
    bad[inst.offsets[1, 1] + inst.offsets[0, -1] + 1] = 0  # second element of motif 2 (21 -> 0), allowed
    assert inst.is_feasible(bad)[0]
    assert inst.evaluate(bad)[0] == 0.75


def test_banned_pair_is_minus_infinity() -> None:
    inst = _instance("C")
    seq = np.full(32, 0)
    seq[10] = 23  # 0 -> 23 is banned for instance C
    assert inst.evaluate(seq)[0] == NEG_INF
    assert not inst.is_feasible(seq)[0]


def test_initial_solution_batch_is_deterministic_and_feasible() -> None:
    inst = _instance("B")
    batch = inst.initial_solution(5)
    assert batch.shape == (5, 128)
    assert np.array_equal(batch, inst.initial_solution(5))
    assert inst.is_feasible(batch).all()
    assert not np.array_equal(inst.sample(3, seed=1), inst.sample(3, seed=2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_motifs": 9, "motif_length": 4, "dim": 32}, "do not fit"),
        ({"motif_length": 4, "quantization": 3}, "must divide"),
        ({"motif_length": 1}, "k must be >= 2"),
        ({"num_states": 3}, "v >= 4"),
        ({"epistasis_factor": float("nan")}, "finite"),
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Ehrlich(**kwargs)  # type: ignore[arg-type]


def test_evaluate_rejects_bad_arrays() -> None:
    inst = _instance("A")
    with pytest.raises(InputError, match="length 32"):
        inst.evaluate(np.zeros((2, 31), dtype=int))
    with pytest.raises(InputError, match="0..31"):
        inst.evaluate(np.full(32, 32))


def test_objective_maps_infeasible_and_keeps_batch() -> None:
    obj = ehrlich_objective(L=32, c=4, k=4, seed=50494)
    assert isinstance(obj, Objective)
    assert obj.alphabet == DEFAULT_ALPHABET[:32] and obj.length == 32 and obj.domain == "any"
    ref = HOLO["C"]["sequences"]
    infeasible = obj.decode(_seq(ref["S4"][0]))
    opt, init = obj.optimal_solution(), obj.initial_solution()[0]
    assert opt == obj.decode(_seq(ref["S1"][0]))
    scored = obj.score([opt, " " + init.lower() + "\n", infeasible, "ARN", opt[:-1] + "!"])
    assert [s.value for s in scored] == [1.0, 0.046875, 0.0, None, None]
    assert scored[2].terms == {"ehrlich": None} and scored[2].desirabilities == (0.0,)  # holo: -inf
    assert scored[1].terms == {"ehrlich": 0.046875} and scored[1].desirabilities == (0.046875,)
    assert scored[3].terms == {"ehrlich": None} and scored[3].desirabilities == (None,)
    info = obj.feedback([infeasible, opt, "ARN"])
    assert info[0] == {
        "feasible": False,
        "banned": (15, obj.decode([29, 12])),
        "motifs": [1.0, 1.0, 1.0, 1.0],
    }
    assert info[1] == {"feasible": True, "banned": None, "motifs": [1.0, 1.0, 1.0, 1.0]} and info[2] is None
    assert obj([opt]) == [1.0]
    lenient = ehrlich_objective(L=32, c=4, k=4, seed=50494, infeasible_value=0.25)
    assert lenient([infeasible]) == [0.25]


def test_objective_alphabet_options() -> None:
    protein_like = ehrlich_objective(L=16, c=2, k=4, v=20)
    assert protein_like.domain == "protein" and protein_like.alphabet == "ARNDCEQGHILKMFPSTWYV"
    custom = EhrlichObjective(Ehrlich(4, 8, 2, 2), alphabet="acgt")
    assert custom.decode(custom.encode("acgtacgt")) == "acgtacgt"
    assert custom.encode("ACGTACGT") is None  # custom lower-case alphabets are case-sensitive
    with pytest.raises(ConfigError, match="distinct"):
        EhrlichObjective(Ehrlich(4, 8, 2, 2), alphabet="aacg")
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        EhrlichObjective(Ehrlich(4, 8, 2, 2), infeasible_value=-1.0)


def test_target_prefix() -> None:
    from sciReason.oracles.target import parse_target

    obj = parse_target("ehrlich: L=32, c=4, k=4, q=2, seed=50494")
    assert isinstance(obj, EhrlichObjective)
    ref = HOLO["C"]["sequences"]
    assert obj([obj.decode(_seq(ref["S2"][0])), obj.decode(_seq(ref["S5"][0]))]) == [0.5, 0.0625]
    for bad, token in [
        ("ehrlich:L=32,c=4", "L=32,c=4"),
        ("ehrlich:L=32,c=4,k=4,z=1", "z=1"),
        ("ehrlich:L=x,c=1,k=2", "L=x"),
    ]:
        with pytest.raises(TargetSyntaxError) as info:
            parse_target(bad)
        assert info.value.token == token
    with pytest.raises(TargetSyntaxError, match="must divide"):
        parse_target("ehrlich:L=32,c=4,k=4,q=3")


def _torch_reference(
    v: int, L: int, c: int, k: int, seed: int, n: int
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Build (π, motifs, spacings, initial solution) with real torch primitives in ehrlich.md §2-§3 order."""
    import torch

    g = torch.Generator().manual_seed(seed)
    dense = (torch.randn(v, v, generator=g) / 0.5).softmax(dim=-1)
    b = int(v * 0.4)
    band = torch.zeros(v, v, dtype=torch.bool)
    for i in range(v):
        for j in range(i - b, i + b + 1):
            band[i, j % v] = True
    perm = torch.randperm(v, generator=g)
    mask = band[perm] | torch.eye(v, dtype=torch.bool)
    p = torch.where(mask, dense, torch.zeros_like(dense))
    p = p / p.sum(dim=-1, keepdim=True)
    a = torch.cat([(torch.eye(v) - p).T, torch.ones(1, v)])
    rhs = torch.zeros(v + 1, 1)
    rhs[-1] = 1
    qm, r = torch.linalg.qr(a)
    mu = torch.linalg.solve(r, qm.T @ rhs).squeeze(-1)

    def dmp(steps: int, count: int) -> torch.Tensor:
        out = torch.zeros(count, steps, dtype=torch.int64)
        out[:, 0] = torch.multinomial(mu, count, replacement=True, generator=g)
        for t in range(1, steps):
            out[:, t] = torch.multinomial(p[out[:, t - 1]], 1, generator=g).squeeze(-1)
        return out

    motifs = dmp(c * k, 1)[0]
    spacings = []
    for _ in range(c):
        w = torch.rand(k - 1, generator=g)
        w /= w.sum()
        spacings += (1 + (((L - c * k) // c) * w).floor().to(torch.int64)).tolist()
    g.manual_seed(seed)
    return perm.tolist(), motifs.tolist(), spacings, dmp(L, n).ravel().tolist()


@pytest.mark.parametrize(
    ("v", "L", "c", "k"), [(32, 128, 4, 4), (20, 64, 2, 4), (21, 50, 3, 5), (8, 128, 8, 8)]
)
def test_rng_recipe_agrees_with_installed_torch(v: int, L: int, c: int, k: int) -> None:
    """Cross-check of the numpy torch-stream re-creation against the torch installed here (no holo)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    for seed in (0, 7, 50494):
        inst = Ehrlich(v, L, c, k, random_seed=seed)
        for n in (1, 3):
            perm, motifs, spacings, initial = _torch_reference(v, L, c, k, seed, n)
            assert inst.band_centres.tolist() == perm
            assert inst.motifs.ravel().tolist() == motifs
            assert inst.spacings.ravel().tolist() == spacings
            assert inst.initial_solution(n).ravel().tolist() == initial


@pytest.mark.parametrize(
    "target", ["ehrlich:L=32,c=4,k=4,seed=50494", "ehrlich:L=24,c=2,k=4,q=2,v=20,epistasis=0.5"]
)
def test_contract_suite(target: str) -> None:
    from sciReason.oracles.target import parse_target
    from sciReason.testing.oracles import check_objective

    obj = parse_target(target)
    assert isinstance(obj, EhrlichObjective)
    infeasible = obj.initial_solution()[0]
    bad = next(j for j in range(obj.instance.num_states) if not obj.instance.transition_mask[0, j])
    infeasible = obj.decode([0, bad]) + infeasible[2:]
    valid = [obj.optimal_solution(), *obj.initial_solution(2), *obj.sample(3, seed=5), infeasible]
    check_objective(obj, valid=valid, invalid=["", obj.optimal_solution()[:-1], "!" * obj.length, "AR N"])


def test_ehrlich_term_combines_with_protparam() -> None:
    from sciReason.oracles.target import parse_target

    obj = parse_target("protein:ehrlich(L=32,c=2,k=4)>0.5, instability<40")
    ehr = obj.terms[0].oracle
    assert isinstance(ehr, EhrlichObjective) and ehr.instance.num_states == 20 and ehr.domain == "protein"
    opt = ehr.optimal_solution()
    assert set(opt) <= set("ACDEFGHIKLMNPQRSTVWY")
    init_seq = ehr.initial_solution()[0]
    best, init = obj.score([opt, init_seq])
    assert best.terms["ehrlich(L=32,c=2,k=4)"] == 1.0 and best.desirabilities[0] == 1.0
    assert init.terms["ehrlich(L=32,c=2,k=4)"] == ehr([init_seq])[0]
    assert best.value is not None and init.value is not None and best.value > init.value
    positional = parse_target("protein:ehrlich(32, 2, 4, seed=3)").terms[0].oracle
    assert positional.instance.to_dict()["random_seed"] == 3
    for bad, match in [
        ("ehrlich(L=32,c=2)", "needs k"),
        ("ehrlich(L=32,c=2,k=4,v=32)", "no protein alphabet"),
    ]:
        with pytest.raises(TargetSyntaxError, match=match):
            parse_target(f"protein:{bad}")


def test_allowed_letters_keep_feasibility() -> None:
    obj = ehrlich_objective(L=32, c=4, k=4, seed=50494)
    seq = obj.initial_solution()[0]
    for pos in (0, 7, 31):
        letters = obj.allowed_letters(seq, pos)
        assert seq[pos] in letters
        mutants = [seq[:pos] + ch + seq[pos + 1 :] for ch in obj.alphabet]
        feasible = {
            ch for ch, s in zip(obj.alphabet, obj.feedback(mutants), strict=True) if s and s["feasible"]
        }
        assert feasible == set(letters)
    with pytest.raises(InputError):
        obj.allowed_letters("AR", 0)


@pytest.mark.extra("holo")
@pytest.mark.parametrize(
    ("v", "L", "c", "k", "q", "seed"),
    [(32, 32, 4, 4, 4, 50494), (32, 128, 4, 4, 4, 7), (20, 24, 2, 4, 2, 101)],
)
def test_matches_installed_pytorch_holo(v: int, L: int, c: int, k: int, q: int, seed: int) -> None:
    """The optional cross-check of ehrlich.md §7 against the real package (``pip install --no-deps
    pytorch-holo==0.0.5`` plus the ``holo`` extra): construction, initial solution, optimum and values on
    DMP samples, single-site mutants of the optimum (some infeasible) and random sequences."""
    import torch
    from holo.test_functions import closed_form as holo

    ref = holo.Ehrlich(num_states=v, dim=L, num_motifs=c, motif_length=k, quantization=q, random_seed=seed)
    ours = Ehrlich(v, L, c, k, quantization=q, random_seed=seed)
    assert [m.tolist() for m in ref.motifs] == ours.motifs.tolist()
    assert [s.tolist() for s in ref.spacings] == ours.spacings.tolist()
    assert np.array_equal((ref.transition_matrix > 0).numpy(), ours.transition_mask)
    assert ref.initial_solution().tolist() == ours.initial_solution()[0].tolist()
    assert ref.optimal_solution().tolist() == ours.optimal_solution().tolist()
    rng = np.random.default_rng(seed)
    opt = ours.optimal_solution()
    mutants = np.repeat(opt[None, :], 60, axis=0)
    mutants[np.arange(60), rng.integers(0, L, 60)] = rng.integers(0, v, 60)
    batch = np.concatenate([ours.sample(60, seed=seed + 1), mutants, rng.integers(0, v, (20, L))])
    expected = ref(torch.as_tensor(batch)).numpy().astype(np.float64)
    got = ours.evaluate(batch)
    assert np.isneginf(got).sum() > 0 and np.array_equal(np.isneginf(expected), np.isneginf(got))
    assert np.array_equal(expected[np.isfinite(expected)], got[np.isfinite(got)])


def test_alphabet_key_and_listing() -> None:
    from sciReason.oracles import list_oracles, parse_target

    obj = parse_target("ehrlich:L=8,c=2,k=2,v=4,seed=3,alphabet=ACGT")
    assert obj.alphabet == "ACGT" and set(obj.initial_solution()[0]) <= set("ACGT")
    assert obj.optimum == 1.0 and obj.score([obj.optimal_solution()])[0].value == 1.0
    with pytest.raises(TargetSyntaxError, match="distinct letters"):
        parse_target("ehrlich:L=8,c=2,k=2,v=4,alphabet=AC")
    listing = {i.name: i.signature for i in list_oracles() if i.name == "ehrlich"}
    assert "alphabet" in listing["ehrlich"] and "seed" in listing["ehrlich"] and "q=" in listing["ehrlich"]


def test_infeasible_results_are_flagged() -> None:
    obj = ehrlich_objective(32, 2, 4, seed=0)
    opt = obj.optimal_solution()
    bad = opt[:15] + obj.alphabet[4] + opt[16:]  # S4 of instance A: a banned pair
    good, worse = obj.score([opt, bad])
    assert good.feasible and good.value == 1.0
    assert not worse.feasible and worse.value == 0.0 and worse.terms["ehrlich"] is None
