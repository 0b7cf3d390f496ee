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

Molecules may add a descriptor kernel (``descriptors=True``): ``(1 - w) * Tanimoto + w * RBF`` on
standardised whole-molecule descriptors (element counts, heavy atoms, rings, aromatic rings, logP, TPSA,
donors, acceptors, rotatable bonds, Fsp3, charge). PMO-style objectives multiply a similarity by property
terms (a formula, a ring count, a logP window) that a bit-vector kernel sees only through the substructures
that happen to carry them; the descriptors make those terms smooth in feature space. ``w`` and the RBF
length scale are chosen from a small grid by the GP marginal likelihood on the campaign's own scores
(``w = 0``, the pure Tanimoto GP, is on the grid), refitted every ``refit_every`` screens.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sciReason.agents.records import Record
from sciReason.representations import mol_from_smiles

__all__ = ["GPScreen", "describe", "featurize", "gapped_pairs"]

#: (descriptor weight w, RBF length scale in units of sqrt(n_descriptors)); (0, 1) is the Tanimoto GP
DESCRIPTOR_GRID = ((0.0, 1.0),) + tuple((w, ell) for w in (0.3, 0.6, 0.85) for ell in (0.25, 0.5, 1.0))
#: the grid is scored on at most this many training points (a Cholesky per grid point stays cheap)
CHOOSE_SIZE = 300
_ELEMENTS = ("C", "N", "O", "F", "Cl", "Br", "S", "P", "I")
N_DESCRIPTORS = len(_ELEMENTS) + 11  # the element counts, then the 11 whole-molecule values of describe()


def describe(keys: Sequence[str]) -> Any:
    """Whole-molecule descriptors, one row per SMILES (zeros for an unreadable one)."""
    import numpy as np
    from rdkit.Chem import Crippen, rdMolDescriptors

    rows = []
    for k in keys:
        mol = mol_from_smiles(k)
        if mol is None:
            rows.append([0.0] * N_DESCRIPTORS)
            continue
        counts = dict.fromkeys(_ELEMENTS, 0)
        hydrogens = charge = 0
        for atom in mol.GetAtoms():
            sym = atom.GetSymbol()
            if sym in counts:
                counts[sym] += 1
            hydrogens += atom.GetTotalNumHs()
            charge += atom.GetFormalCharge()
        rows.append(
            [float(counts[e]) for e in _ELEMENTS]
            + [
                float(hydrogens),
                float(mol.GetNumHeavyAtoms()),
                float(rdMolDescriptors.CalcNumRings(mol)),
                float(rdMolDescriptors.CalcNumAromaticRings(mol)),
                Crippen.MolLogP(mol),
                rdMolDescriptors.CalcTPSA(mol),
                float(rdMolDescriptors.CalcNumHBD(mol)),
                float(rdMolDescriptors.CalcNumHBA(mol)),
                float(rdMolDescriptors.CalcNumRotatableBonds(mol)),
                rdMolDescriptors.CalcFractionCSP3(mol),
                float(charge),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(keys), N_DESCRIPTORS)


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
        descriptors: bool = False,
        refit_every: int = 5,
    ) -> None:
        self.domain, self.train_size, self.noise, self.alphabet = domain, train_size, noise, alphabet
        self.kernel = "fingerprint" if domain == "molecule" else kernel
        self.max_gap = max_gap
        self.descriptors = descriptors and domain == "molecule"
        self.refit_every = refit_every
        self.hyper = DESCRIPTOR_GRID[0]
        self.fits = 0
        self._cache: dict[str, Any] = {}
        self._desc: dict[str, Any] = {}

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

    def _descriptors(self, keys: Sequence[str]) -> Any:
        import numpy as np

        missing = [k for k in keys if k not in self._desc]
        if missing:
            for k, row in zip(missing, describe(missing), strict=True):
                self._desc[k] = row
        return np.stack([self._desc[k] for k in keys])

    def _choose(self, tan: Any, dist2: Any, y: Any) -> None:
        """Pick (w, length scale) from the grid by log marginal likelihood (amplitude = var(y))."""
        import numpy as np

        d = N_DESCRIPTORS
        if tan.shape[0] > CHOOSE_SIZE:  # evenly spaced rows: deterministic, covers best and random halves
            idx = np.linspace(0, tan.shape[0] - 1, CHOOSE_SIZE).astype(int)
            tan, dist2, y = tan[np.ix_(idx, idx)], dist2[np.ix_(idx, idx)], y[idx]
        n = tan.shape[0]
        s2 = max(float(y.var()), 1e-6)
        best, best_ll = self.hyper, -np.inf
        for w, ell in DESCRIPTOR_GRID:
            kern = (1 - w) * tan + w * np.exp(-dist2 / (2 * ell * ell * d)) + self.noise * np.eye(n)
            try:
                chol = np.linalg.cholesky(kern)
            except np.linalg.LinAlgError:
                continue
            a = np.linalg.solve(chol, y)
            ll = -0.5 * float(a @ a) / s2 - float(np.log(np.diag(chol)).sum())
            if ll > best_ll:
                best, best_ll = (w, ell), ll
        self.hyper = best

    def _kernels(self, train_keys: Sequence[str], keys: Sequence[str], y: Any) -> tuple[Any, Any]:
        """Train-train and candidate-train kernel matrices."""
        import numpy as np

        x, xs = self._features(train_keys), self._features(list(keys))
        tan, tan_s = _tanimoto(x, x).astype(np.float64), _tanimoto(xs, x).astype(np.float64)
        if not self.descriptors:
            return tan, tan_s
        dt = self._descriptors(train_keys)
        mu, sd = dt.mean(0), dt.std(0) + 1e-6
        dt, ds = (dt - mu) / sd, (self._descriptors(list(keys)) - mu) / sd

        def sq(a: Any, b: Any) -> Any:
            return np.clip((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T, 0.0, None)

        dist2 = sq(dt, dt)
        if self.fits % self.refit_every == 0:
            self._choose(tan, dist2, y - y.mean())
        self.fits += 1
        w, ell = self.hyper
        scale = 2 * ell * ell * dt.shape[1]
        return (
            (1 - w) * tan + w * np.exp(-dist2 / scale),
            (1 - w) * tan_s + w * np.exp(-sq(ds, dt) / scale),
        )

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
        y = np.array([r.score for r in train], dtype=np.float64)
        mean = float(y.mean())
        kernel, ks = self._kernels([r.key for r in train], keys, y)
        kernel = kernel + self.noise * np.eye(kernel.shape[0])
        try:
            chol = np.linalg.cholesky(kernel)
        except np.linalg.LinAlgError:
            return list(keys[:n])
        alpha = scipy.linalg.cho_solve((chol, True), y - mean)
        mu = ks @ alpha + mean
        v = scipy.linalg.solve_triangular(chol, ks.T, lower=True)
        sd = np.sqrt(np.clip(1.0 - (v**2).sum(0), 1e-12, None))
        ucb = mu + beta * sd
        order = sorted(range(len(keys)), key=lambda i: (-float(ucb[i]), i))
        if len(self._cache) > 50_000:  # bound memory on very long campaigns
            self._cache.clear()
            self._desc.clear()
        return [keys[i] for i in order[:n]]
