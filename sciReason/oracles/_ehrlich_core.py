"""The Ehrlich instance itself: holo's construction and evaluation in numpy (see :mod:`sciReason.oracles.ehrlich`).

Split from the string/target-language face so each module reads in one sitting. Nothing here imports torch:
``_TorchCPUStream`` re-creates the CPU ``torch.Generator`` word stream (MT19937, numpy's legacy seeding) and
the torch sampling primitives pytorch-holo uses (``shared/reference/ehrlich.md`` §3).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sciReason.errors import ConfigError, InputError, OracleError

__all__ = ["Ehrlich"]

_SOFTMAX_TEMP = 0.5


class _TorchCPUStream:
    """``torch.Generator().manual_seed(seed)`` on CPU and the torch primitives holo uses (ehrlich.md §3).

    torch's CPU generator is MT19937 with ``init_genrand(seed mod 2**32)``, the same as numpy's legacy
    ``RandomState``; each primitive consumes the 32-bit words as torch 2.x CPU kernels do.
    """

    def __init__(self, seed: int) -> None:
        self._state = np.random.RandomState(int(seed) & 0xFFFFFFFF)

    def words(self, n: int) -> NDArray[np.uint64]:
        return self._state.randint(0, 2**32, size=n, dtype=np.uint32).astype(np.uint64)

    def rand_f32(self, n: int) -> NDArray[np.float32]:
        """``torch.rand``: 24 bits per float32."""
        return ((self.words(n) & 0xFFFFFF).astype(np.float64) * 2.0**-24).astype(np.float32)

    def rand_f64(self, n: int) -> NDArray[np.float64]:
        """torch's double uniform: low 53 bits of ``(w_a << 32) | w_b``."""
        w = self.words(2 * n).reshape(n, 2)
        x = ((w[:, 0] << np.uint64(32)) | w[:, 1]) & np.uint64((1 << 53) - 1)
        return x.astype(np.float64) * 2.0**-53

    def randn_f32(self, n: int) -> NDArray[np.float32]:
        """``torch.randn`` (n >= 16): Box-Muller per block of 16; a ragged tail redraws the last 16."""
        a = self.rand_f32(n).astype(np.float64)
        out = np.empty(n)
        for start in range(0, n - 15, 16):
            out[start : start + 16] = _box_muller16(a[start : start + 16])
        if n % 16:
            out[n - 16 :] = _box_muller16(self.rand_f32(16).astype(np.float64))
        return out.astype(np.float32)

    def randperm(self, n: int) -> NDArray[np.int64]:
        """``torch.randperm``: forward swaps with ``word % (n - i)``."""
        r = np.arange(n, dtype=np.int64)
        w = self.words(max(n - 1, 0))
        for i in range(n - 1):
            z = i + int(w[i] % np.uint64(n - i))
            r[i], r[z] = r[z], r[i]
        return r

    def categorical(self, probs: NDArray[np.float32]) -> NDArray[np.int64]:
        """``torch.multinomial(p, 1)`` per row: exponential race ``argmax(p / E)``, E drawn row-major."""
        p = np.atleast_2d(probs).astype(np.float32)
        e = (-np.log1p(-self.rand_f64(p.size))).astype(np.float32).reshape(p.shape)
        with np.errstate(divide="ignore"):
            return np.argmax(p / e, axis=1).astype(np.int64)

    def multinomial_replacement(self, probs: NDArray[np.float32], n: int) -> NDArray[np.int64]:
        """``torch.multinomial(p, n, replacement=True)``: first j with cdf_j >= u (double uniforms)."""
        p = probs.astype(np.float32)
        cdf = (np.cumsum(p, dtype=np.float32) / p.sum(dtype=np.float32)).astype(np.float64)
        return np.searchsorted(cdf, self.rand_f64(n), side="left").clip(0, p.size - 1).astype(np.int64)


def _box_muller16(a: NDArray[np.float64]) -> NDArray[np.float64]:
    radius = np.sqrt(-2.0 * np.log(1.0 - a[:8]))
    theta = 2.0 * np.pi * a[8:]
    return np.concatenate([radius * np.cos(theta), radius * np.sin(theta)])


class Ehrlich:
    """One Ehrlich instance Ehr(v, L, c, k, q) over integer states ``0..v-1`` (holo-identical).

    Attributes:
        num_states, dim, num_motifs, motif_length, quantization, epistasis_factor, random_seed: parameters.
        transition_matrix: (v, v) float32 DMP matrix (values agree with holo to ~1e-7, not bitwise).
        transition_mask: (v, v) bool, ``mask[a, b]`` iff ``b`` may follow ``a`` (exact).
        band_centres: the permutation π: row i allows the circular window of ±bandwidth around π_i.
        stationary_dist: (v,) float32 stationary distribution of the DMP (first-state law for sampling).
        motifs: (c, k) int64; spacings: (c, k-1) int64; offsets: (c, k) int64 (cumulative, first 0).
    """

    def __init__(
        self,
        num_states: int = 32,
        dim: int = 32,
        num_motifs: int = 4,
        motif_length: int = 4,
        quantization: int | None = None,
        epistasis_factor: float = 0.0,
        random_seed: int = 0,
    ) -> None:
        v, L, c, k = int(num_states), int(dim), int(num_motifs), int(motif_length)
        q = k if quantization is None else int(quantization)
        _validate(v, L, c, k, q, epistasis_factor)
        self.num_states, self.dim, self.num_motifs, self.motif_length = v, L, c, k
        self.quantization = q
        self.epistasis_factor = float(epistasis_factor)
        self.random_seed = int(random_seed)
        self.bandwidth = int(v * 0.4)

        rng = _TorchCPUStream(self.random_seed)
        logits = rng.randn_f32(v * v).reshape(v, v).astype(np.float64) / _SOFTMAX_TEMP
        dense = np.exp(logits - logits.max(axis=1, keepdims=True))
        dense /= dense.sum(axis=1, keepdims=True)
        offset = (np.arange(v)[None, :] - np.arange(v)[:, None]) % v
        band = (offset <= self.bandwidth) | (offset >= v - self.bandwidth)
        self.band_centres = rng.randperm(v)
        self.transition_mask = band[self.band_centres] | np.eye(v, dtype=bool)
        masked = np.where(self.transition_mask, dense, 0.0)
        self.transition_matrix = (masked / masked.sum(axis=1, keepdims=True)).astype(np.float32)
        self._check_ergodic()
        self.stationary_dist = _stationary(self.transition_matrix)

        self.motifs = self._sample_dmp(rng, c * k, 1)[0].reshape(c, k)
        gap = np.float32((L - c * k) // c)
        spacings = []
        for _ in range(c):
            w = rng.rand_f32(k - 1)
            w = w / w.sum(dtype=np.float32)
            spacings.append(1 + np.floor(gap * w).astype(np.int64))
        self.spacings = np.array(spacings, dtype=np.int64).reshape(c, k - 1)
        self.offsets = np.concatenate([np.zeros((c, 1), np.int64), np.cumsum(self.spacings, axis=1)], axis=1)

    # --- construction helpers -------------------------------------------------------------------------
    def _check_ergodic(self) -> None:
        """holo's Perron-Frobenius check, done exactly on the mask (P > 0 exactly where the mask is)."""
        reach = self.transition_mask.astype(np.int64)
        power = np.eye(self.num_states, dtype=np.int64)
        exponent = (self.num_states - 1) ** 2 + 1
        while exponent:
            if exponent & 1:
                power = np.minimum(power @ reach, 1)
            reach = np.minimum(reach @ reach, 1)
            exponent >>= 1
        if not power.all():
            raise OracleError(
                f"Ehrlich seed {self.random_seed}: transition matrix is not ergodic; try another seed"
            )

    def _sample_dmp(self, rng: _TorchCPUStream, steps: int, n: int) -> NDArray[np.int64]:
        """holo's ``sample_dmp``: first state ~ stationary dist, then rows of P (always feasible)."""
        out = np.empty((n, steps), dtype=np.int64)
        if n == 1:
            out[:, 0] = rng.categorical(self.stationary_dist)
        else:
            out[:, 0] = rng.multinomial_replacement(self.stationary_dist, n)
        for t in range(1, steps):
            out[:, t] = rng.categorical(self.transition_matrix[out[:, t - 1]])
        return out

    # --- evaluation -----------------------------------------------------------------------------------
    def _states(self, x: ArrayLike) -> NDArray[np.int64]:
        arr = np.asarray(x)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != self.dim:
            raise InputError(
                f"Ehrlich expects sequences of length {self.dim}, got an array of shape {arr.shape}"
            )
        if arr.size and (
            not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= self.num_states
        ):
            raise InputError(
                f"Ehrlich states must be integers in 0..{self.num_states - 1}; encode letters first"
            )
        return arr.astype(np.int64, copy=False)

    def is_feasible(self, x: ArrayLike) -> NDArray[np.bool_]:
        """True where every adjacent pair is an allowed transition (the first state is free)."""
        s = self._states(x)
        return self.transition_mask[s[:, :-1], s[:, 1:]].all(axis=1)

    def allowed_at(self, x: ArrayLike, position: int) -> NDArray[np.bool_]:
        """(v,) mask of states that may stand at ``position`` of the single sequence ``x``, given its neighbours."""
        s = self._states(x)[0]
        if not 0 <= position < self.dim:
            raise InputError(f"position {position} is outside 0..{self.dim - 1}")
        ok = np.ones(self.num_states, dtype=bool)
        if position > 0:
            ok &= self.transition_mask[s[position - 1]]
        if position < self.dim - 1:
            ok &= self.transition_mask[:, s[position + 1]]
        return ok

    def motif_scores(self, x: ArrayLike) -> NDArray[np.float32]:
        """(n, c) quantised motif presence h_i = max over windows of Q(#elements at their offsets)."""
        s = self._states(x)
        group = math.ceil(self.motif_length / self.quantization)
        scale = np.float32(self.motif_length / group)
        out = np.empty((s.shape[0], self.num_motifs), dtype=np.float32)
        for i, (motif, offs) in enumerate(zip(self.motifs, self.offsets, strict=True)):
            width = self.dim - int(offs[-1])  # window starts 0..L-1-o_k; one shifted slice per element
            counts = np.zeros((s.shape[0], width), dtype=np.int32)
            for off, element in zip(offs, motif, strict=True):
                counts += s[:, off : off + width] == element
            present = counts.max(axis=1)
            out[:, i] = np.floor(present.astype(np.float32) / np.float32(group)) / scale
        return out

    def motif_product(self, x: ArrayLike) -> NDArray[np.float32]:
        """∏_i r(h_i) in float32 like holo, ignoring feasibility (r = cubic epistasis response)."""
        h = self.motif_scores(x)
        e = np.float32(self.epistasis_factor)
        r = (e * h * (h - np.float32(1.0)) + np.float32(1.0)) * h
        prod = r[:, 0].copy()
        for i in range(1, self.num_motifs):
            prod = prod * r[:, i]
        return prod

    def evaluate(self, x: ArrayLike) -> NDArray[np.float64]:
        """holo's ``Ehrlich.evaluate_true``: f in [0, 1] for feasible rows, ``-inf`` for infeasible ones."""
        s = self._states(x)
        return np.where(self.is_feasible(s), self.motif_product(s).astype(np.float64), -np.inf)

    __call__ = evaluate

    # --- solutions --------------------------------------------------------------------------------------
    def initial_solution(self, n: int = 1) -> NDArray[np.int64]:
        """holo's ``initial_solution(n)`` as an (n, L) array: DMP samples from the re-seeded generator."""
        return self._sample_dmp(_TorchCPUStream(self.random_seed), self.dim, _positive(n))

    def sample(self, n: int = 1, seed: int = 0) -> NDArray[np.int64]:
        """(n, L) feasible DMP samples drawn as holo's ``sample_dmp`` with a generator seeded ``seed``."""
        return self._sample_dmp(_TorchCPUStream(seed), self.dim, _positive(n))

    def random_solution(self, n: int = 1, seed: int | None = None) -> NDArray[np.int64]:
        """(n, L) uniform random states (almost always infeasible, as holo's ``random_solution``)."""
        return np.random.default_rng(seed).integers(0, self.num_states, size=(_positive(n), self.dim))

    def optimal_solution(self) -> NDArray[np.int64]:
        """holo's constructed optimum (ehrlich.md §2.7): motifs side by side, gaps repeat; scores 1.0."""
        soln = np.empty(self.dim, dtype=np.int64)
        pos = 0
        for motif, offs in zip(self.motifs, self.offsets, strict=True):
            block = np.searchsorted(offs, np.arange(offs[-1] + 1), side="right") - 1
            soln[pos : pos + offs[-1] + 1] = motif[block]
            pos += int(offs[-1]) + 1
        soln[pos:] = soln[pos - 1]
        if self.evaluate(soln)[0] != 1.0:  # cannot happen when q divides k; holo raises too
            raise OracleError(f"{self!r}: constructed optimum does not score 1.0")
        return soln

    def feasible_fraction(self) -> float:
        """Exact share of feasible sequences among all v^L (1ᵀM^(L-1)1 / v^L)."""
        x = np.full(self.num_states, 1.0 / self.num_states)
        for _ in range(self.dim - 1):
            x = (x @ self.transition_mask) / self.num_states
        return float(x.sum())

    def to_dict(self) -> dict[str, Any]:
        """The instance as plain data (parameters, π, motifs, spacings) for reports and reproducibility."""
        return {
            "num_states": self.num_states,
            "dim": self.dim,
            "num_motifs": self.num_motifs,
            "motif_length": self.motif_length,
            "quantization": self.quantization,
            "epistasis_factor": self.epistasis_factor,
            "random_seed": self.random_seed,
            "band_centres": self.band_centres.tolist(),
            "motifs": self.motifs.tolist(),
            "spacings": self.spacings.tolist(),
        }

    def __repr__(self) -> str:
        return (
            f"Ehrlich(v={self.num_states}, L={self.dim}, c={self.num_motifs}, k={self.motif_length}, "
            f"q={self.quantization}, e={self.epistasis_factor:g}, seed={self.random_seed})"
        )


def _validate(v: int, L: int, c: int, k: int, q: int, e: float) -> None:
    if v < 4:
        raise ConfigError(
            f"Ehrlich needs v >= 4 states (got v={v}); holo's construction is only reproduced there"
        )
    if c < 1 or L < 1:
        raise ConfigError(f"Ehrlich needs L >= 1 and c >= 1 motifs (got L={L}, c={c})")
    if k < 2:
        raise ConfigError(f"Ehrlich motif length k must be >= 2 (got k={k}); holo divides by k - 1")
    if c * k > L:
        raise ConfigError(
            f"c*k = {c}*{k} = {c * k} motif elements do not fit in L={L}; lower c or k or raise L"
        )
    if not 1 <= q <= k or k % q:
        raise ConfigError(
            f"quantization q={q} must divide the motif length k={k} (e.g. q={k}); else 1.0 is unreachable"
        )
    if not math.isfinite(e):
        raise ConfigError(f"epistasis factor must be finite, got {e}")


def _stationary(p: NDArray[np.float32]) -> NDArray[np.float32]:
    """μ with μᵀP = μᵀ, Σμ = 1: least squares on [(I−P)ᵀ; 1ᵀ] like holo (float64 here, rounded)."""
    n = p.shape[0]
    a = np.vstack([(np.eye(n) - p.astype(np.float64)).T, np.ones((1, n))])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    mu = np.linalg.lstsq(a, b, rcond=None)[0]
    return np.clip(mu, 0.0, None).astype(np.float32)


def _positive(n: int) -> int:
    if int(n) < 1:
        raise InputError(f"number of sequences must be >= 1, got {n}")
    return int(n)
