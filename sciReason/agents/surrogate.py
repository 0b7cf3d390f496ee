"""Offspring screen: a Tanimoto-kernel Gaussian process fitted on the campaign's own scores.

Oracle calls are the scarce resource (PMO counts them), proposals are cheap, so the engine asks the
proposers for ``oversample`` times more children than it will score and keeps the ones with the best
upper confidence bound ``mean + beta * std`` under a GP with the Tanimoto (min-max on binary Morgan
fingerprints) kernel. The GP is fitted on the best half plus a random half of at most
``train_size`` scored records, so a fit stays ~0.1 s at any campaign size. Everything is deterministic
given the rng.

Sequences have two kernels. ``onehot``: Tanimoto on position-wise one-hot encodings (a Hamming-type
kernel: two sequences are similar when they carry the same letters at the same positions). ``pairs``
(the default): Tanimoto on the set of *gapped letter pairs* ``(a, b, d)``, "letter b occurs d positions
after letter a somewhere", for d = 1..``max_gap``. It is position-invariant: a spaced motif contributes
the same features wherever it sits, so a candidate that moves or copies a segment is judged by what it
contains, not where. Infeasible records (a hard constraint violated) are left out of the fit (their value
says nothing about the motif content; the engine's transition model handles feasibility).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.records import Record
from sciReason.representations import mol_from_smiles

__all__ = ["GPScreen", "featurize", "gapped_pairs"]


def featurize(keys: Sequence[str], domain: str, alphabet: str = "") -> Any:
    """Binary feature matrix: 2048-bit Morgan r=2 for molecules, one-hot for sequences."""
    import numpy as np

    if domain == "molecule":
        from rdkit.Chem import rdFingerprintGenerator

        gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
        x = np.zeros((len(keys), 2048), dtype=np.float32)
        for i, k in enumerate(keys):
            mol = mol_from_smiles(k)
            if mol is not None:
                x[i] = gen.GetFingerprintAsNumPy(mol)
        return x
    letters = {ch: i for i, ch in enumerate(alphabet or sorted({c for k in keys for c in k}))}
    length = max((len(k) for k in keys), default=0)
    x = np.zeros((len(keys), length * len(letters)), dtype=np.float32)
    for i, k in enumerate(keys):
        for j, ch in enumerate(k):
            if ch in letters:
                x[i, j * len(letters) + letters[ch]] = 1.0
    return x


def _pair_columns(key: str, index: dict[str, int], v: int, max_gap: int) -> Any:
    import numpy as np

    codes = np.fromiter((index.get(ch, -1) for ch in key), dtype=np.int64, count=len(key))
    feats = []
    for d in range(1, min(max_gap, len(codes) - 1) + 1):
        a, b = codes[:-d], codes[d:]
        ok = (a >= 0) & (b >= 0)
        feats.append((a[ok] * v + b[ok]) * max_gap + d - 1)
    return np.unique(np.concatenate(feats)) if feats else np.zeros(0, dtype=np.int64)


def _csr(columns: Sequence[Any], n_cols: int) -> Any:
    import numpy as np
    import scipy.sparse

    indptr = np.zeros(len(columns) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([c.size for c in columns])
    indices = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    data = np.ones(indices.size, dtype=np.float32)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(len(columns), n_cols))


def gapped_pairs(keys: Sequence[str], alphabet: str, max_gap: int) -> Any:
    """Sparse binary (n, v*v*max_gap) matrix: column ((a*v + b)*max_gap + d - 1) is 1 when letter b
    occurs d positions after letter a in the sequence (letters outside ``alphabet`` are skipped)."""
    index = {ch: i for i, ch in enumerate(alphabet)}
    v = len(alphabet)
    return _csr([_pair_columns(k, index, v, max_gap) for k in keys], v * v * max_gap)


def _tanimoto(a: Any, b: Any) -> Any:
    import numpy as np
    import scipy.sparse

    if scipy.sparse.issparse(a):
        ab = np.asarray((a @ b.T).todense())
        na, nb = np.asarray(a.sum(1)).ravel(), np.asarray(b.sum(1)).ravel()
        return ab / (na[:, None] + nb[None, :] - ab + 1e-9)
    ab = a @ b.T
    return ab / (a.sum(1)[:, None] + b.sum(1)[None, :] - ab + 1e-9)


class GPScreen:
    """Rank proposals by GP upper confidence bound (see module docstring)."""

    def __init__(
        self,
        domain: str,
        *,
        train_size: int = 1000,
        noise: float = 1e-2,
        alphabet: str = "",
        kernel: str = "pairs",
        max_gap: int = 8,
    ) -> None:
        self.domain, self.train_size, self.noise, self.alphabet = domain, train_size, noise, alphabet
        self.kernel = "fingerprint" if domain == "molecule" else kernel
        self.max_gap = max_gap
        self._cache: dict[str, Any] = {}

    def _features(self, keys: Sequence[str]) -> Any:
        import numpy as np

        if self.kernel == "pairs":
            index = {ch: i for i, ch in enumerate(self.alphabet)}
            v = len(self.alphabet)
            for k in keys:
                if k not in self._cache:
                    self._cache[k] = _pair_columns(k, index, v, self.max_gap)
            return _csr([self._cache[k] for k in keys], v * v * self.max_gap)
        missing = [k for k in keys if k not in self._cache]
        if missing:
            for k, row in zip(missing, featurize(missing, self.domain, self.alphabet), strict=True):
                self._cache[k] = row
        return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)

    def rank(
        self,
        records: Sequence[Record],
        keys: Sequence[str],
        n: int,
        rng: random.Random,
        beta: float,
    ) -> list[str]:
        """The ``n`` keys with the highest UCB (all keys, in order, when there is too little data)."""
        import numpy as np
        import scipy.linalg

        scored = [r for r in records if r.value is not None and r.feasible]
        if len(keys) <= n or len(scored) < 20:
            return list(keys[:n])
        by_score = sorted(scored, key=lambda r: (-r.score, r.call_index))
        half = self.train_size // 2
        train = by_score[:half]
        rest = by_score[half:]
        train += rng.sample(rest, min(len(rest), self.train_size - len(train)))
        x = self._features([r.key for r in train])
        y = np.array([r.score for r in train], dtype=np.float64)
        mean = float(y.mean())
        kernel = _tanimoto(x, x).astype(np.float64) + self.noise * np.eye(x.shape[0])
        try:
            chol = np.linalg.cholesky(kernel)
        except np.linalg.LinAlgError:
            return list(keys[:n])
        alpha = scipy.linalg.cho_solve((chol, True), y - mean)
        xs = self._features(list(keys))
        ks = _tanimoto(xs, x).astype(np.float64)
        mu = ks @ alpha + mean
        v = scipy.linalg.solve_triangular(chol, ks.T, lower=True)
        sd = np.sqrt(np.clip(1.0 - (v**2).sum(0), 1e-12, None))
        ucb = mu + beta * sd
        order = sorted(range(len(keys)), key=lambda i: (-float(ucb[i]), i))
        if len(self._cache) > 50_000:  # bound memory on very long campaigns
            self._cache.clear()
        return [keys[i] for i in order[:n]]
