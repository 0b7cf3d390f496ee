"""Molecule metrics: InChI exact match (top-k), fingerprint Tanimoto, retrosynthesis top-k, formula
element match, IUPAC split match, SELFIES BLEU, SMILES Levenshtein, validity / uniqueness / novelty.

Failure policy (all metrics here): an item whose answer did not parse, or whose SMILES RDKit rejects
(every ``.``-separated component must parse), scores as a miss (0 similarity, no match, full edit
distance). ``details["mean_over_parsed"]`` keeps the reference-style value over usable answers only.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sciReason.evaluation.metrics.base import EvalItem, MetricContext, MetricResult, mean_of
from sciReason.representations import canonical_smiles, mol_from_smiles, parse_formula, rdkit_quiet

NAN = float("nan")


def _smiles(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


@lru_cache(maxsize=100_000)
def inchi_set(smiles: str) -> frozenset[str] | None:
    """Set of standard InChIs of the ``.``-separated components; ``None`` if any component is invalid.

    Stereo is kept (standard InChI has /t /m /s layers), so the wrong enantiomer is not a match.
    """
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit import Chem

    out = set()
    with rdkit_quiet():
        for frag in Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False):
            inchi = Chem.MolToInchi(frag)
            if not inchi:
                return None
            out.add(inchi)
    return frozenset(out)


def same_molecule(pred: Any, gold: Any) -> bool:
    p, g = _smiles(pred), _smiles(gold)
    if p is None or g is None:
        return False
    pi, gi = inchi_set(p), inchi_set(g)
    return pi is not None and pi == gi


def _gold_smiles(item: EvalItem) -> list[str]:
    return [g for g in (_smiles(x) for x in item.gold) if g is not None and inchi_set(g) is not None]


def topk_exact_match(items: Sequence[EvalItem], ctx: MetricContext, k: int, name: str) -> MetricResult:
    scores: list[float | None] = []
    for it in items:
        golds = _gold_smiles(it)
        if not golds:
            scores.append(NAN)
            continue
        cands = list(it.ranked[:k])
        hit = any(same_molecule(c, g) for c in cands for g in golds)
        scores.append(1.0 if hit else (0.0 if any(c is not None for c in cands) else None))
    return mean_of(name, items, scores)


def top1_exact_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return topk_exact_match(items, ctx, 1, "top1_exact_match")


def top5_exact_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return topk_exact_match(items, ctx, 5, "top5_exact_match")


# ---------------------------------------------------------------- fingerprints


@lru_cache(maxsize=50_000)
def _fingerprint(smiles: str, kind: str) -> Any:
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit import Chem
    from rdkit.Chem import MACCSkeys, rdFingerprintGenerator

    if kind == "maccs":
        return MACCSkeys.GenMACCSKeys(mol)
    if kind == "rdk":
        return Chem.RDKFingerprint(mol)
    # Unhashed Morgan count fingerprint, radius 2 (== AllChem.GetMorganFingerprint(mol, 2)).
    return rdFingerprintGenerator.GetMorganGenerator(radius=2).GetSparseCountFingerprint(mol)


def tanimoto(pred: str, gold: str, kind: str) -> float | None:
    """Tanimoto similarity of two SMILES under ``kind`` (maccs, rdk, morgan_count); ``None`` if invalid.

    Identical molecules score 1 even when the fingerprint is empty (RDK path fingerprints of salts such
    as ``[Na+].[Cl-]`` have no bits, which RDKit scores 0 against itself).
    """
    fp_p, fp_g = _fingerprint(pred, kind), _fingerprint(gold, kind)
    if fp_p is None or fp_g is None:
        return None
    if canonical_smiles(pred) == canonical_smiles(gold):
        return 1.0
    from rdkit import DataStructs

    return float(DataStructs.TanimotoSimilarity(fp_p, fp_g))


def _fts(items: Sequence[EvalItem], kind: str, name: str) -> MetricResult:
    scores: list[float | None] = []
    for it in items:
        golds = _gold_smiles(it)
        if not golds:
            scores.append(NAN)
            continue
        pred = _smiles(it.value)
        sims = [tanimoto(pred, g, kind) for g in golds] if pred else []
        sims = [s for s in sims if s is not None]
        scores.append(max(sims) if sims else None)
    return mean_of(name, items, scores)


def maccs_fts(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _fts(items, "maccs", "maccs_fts")


def rdk_fts(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _fts(items, "rdk", "rdk_fts")


def morgan_count_fts(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _fts(items, "morgan_count", "morgan_count_fts")


# ---------------------------------------------------------------- retrosynthesis (USPTO-50k)


@lru_cache(maxsize=50_000)
def canonical_clear_map(smiles: str) -> tuple[str, str] | None:
    """(canonical isomeric SMILES with atom maps cleared, canonical SMILES of the largest fragment)."""
    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    from rdkit import Chem

    for atom in mol.GetAtoms():
        atom.SetAtomMapNum(0)
    full = Chem.MolToSmiles(mol, isomericSmiles=True)
    frags = Chem.GetMolFrags(mol, asMols=True)
    largest = max(frags, key=lambda m: m.GetNumAtoms())
    return full, Chem.MolToSmiles(largest, isomericSmiles=True)


def _reference_ranking(cands: Sequence[tuple[str, str] | None]) -> list[tuple[str, str]]:
    """The reference's ranking of one item's beams: score 1/(k+1) by beam index, where a repeated
    candidate takes the score of its LAST occurrence (so a correct beam-1 answer repeated at beam 3 can
    fall below beam 2)."""
    rank: dict[tuple[str, str], float] = {}
    for k, c in enumerate(cands):
        if c is not None:
            rank[c] = 1 / (k + 1)
    return [c for c, _ in sorted(rank.items(), key=lambda kv: kv[1], reverse=True)]


def _retro(items: Sequence[EvalItem], k: int, part: int, name: str) -> MetricResult:
    """Top-k over the first k beams in beam order; a repeated candidate never moves a hit to a later rank.

    ``details["reference_value"]`` is the value under the reference's ranking (they differ only when a
    candidate repeats)."""
    scores: list[float | None] = []
    ref_scores: list[float] = []
    for it in items:
        golds = [c for c in (canonical_clear_map(g) for g in (_smiles(x) for x in it.gold) if g) if c]
        if not golds:
            scores.append(NAN)
            continue
        every = [canonical_clear_map(c) if _smiles(c) else None for c in it.ranked]
        cands = every[:k]
        targets = {g[part] for g in golds}
        hit = any(c is not None and c[part] in targets for c in cands)
        scores.append(1.0 if hit else (0.0 if any(c is not None for c in cands) else None))
        ref_hit = any(c[part] in targets for c in _reference_ranking(every)[:k])
        ref_scores.append(1.0 if ref_hit else 0.0)
    res = mean_of(name, items, scores)
    res.details["reference_value"] = sum(ref_scores) / len(ref_scores) if ref_scores else None
    return res


def top1_accuracy(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _retro(items, 1, 0, "top1_accuracy")


def top3_accuracy(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _retro(items, 3, 0, "top3_accuracy")


def maxfrag_top1(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _retro(items, 1, 1, "maxfrag_top1")


def invalid_rate(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Fraction of items whose first candidate is missing or not a valid SMILES (lower is better)."""
    bad = [
        0.0 if (_smiles(it.ranked[0]) and mol_from_smiles(it.ranked[0]) is not None) else 1.0 for it in items
    ]
    n_ok = int(len(bad) - sum(bad))
    return MetricResult(
        "invalid_rate", sum(bad) / len(bad) if bad else None, len(items), n_ok, per_item=list(bad)
    )


# ---------------------------------------------------------------- formulas and names


def _element_match_one(pred: Any, gold: Any) -> bool:
    if not isinstance(pred, str) or not isinstance(gold, str):
        return False
    p, g = parse_formula(pred), parse_formula(gold)
    return p is not None and p == g


def top1_element_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    scores: list[float | None] = []
    for it in items:
        golds = [g for g in it.gold if isinstance(g, str) and parse_formula(g) is not None]
        if not golds:
            scores.append(NAN)
        elif it.value is None:
            scores.append(None)
        else:
            scores.append(1.0 if any(_element_match_one(it.value, g) for g in golds) else 0.0)
    return mean_of("top1_element_match", items, scores)


def _split_key(name: Any) -> tuple[str, ...] | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return tuple(sorted(p.strip() for p in name.split(";") if p.strip()))


def _split_match(items: Sequence[EvalItem], k: int, name: str) -> MetricResult:
    scores: list[float | None] = []
    for it in items:
        golds = {g for g in (_split_key(x) for x in it.gold) if g}
        if not golds:
            scores.append(NAN)
            continue
        cands = [_split_key(c) for c in it.ranked[:k]]
        hit = any(c in golds for c in cands if c)
        scores.append(1.0 if hit else (0.0 if any(cands) else None))
    return mean_of(name, items, scores)


def top1_split_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _split_match(items, 1, "top1_split_match")


def top5_split_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    return _split_match(items, 5, "top5_split_match")


# ---------------------------------------------------------------- Mol-Instructions translation metrics


def selfies_bleu(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Corpus BLEU-4 on SELFIES characters; an unusable answer is an empty hypothesis (0 matches, and it
    lowers the brevity penalty)."""
    from sciReason.evaluation.metrics.text import corpus_bleu
    from sciReason.representations import smiles_to_selfies

    hyps, refs, n_parsed, n_bad_gold = [], [], 0, 0
    for it in items:
        golds = [s for s in (smiles_to_selfies(g) for g in _gold_smiles(it)) if s]
        if not golds:
            n_bad_gold += 1
            continue
        pred = _smiles(it.value)
        sf = smiles_to_selfies(pred) if pred else None
        n_parsed += sf is not None
        hyps.append(list(sf) if sf else [])
        refs.append([list(g) for g in golds])
    value = corpus_bleu(refs, hyps, (0.25, 0.25, 0.25, 0.25)) if hyps else None
    details = {"n_gold_unusable": n_bad_gold} if n_bad_gold else {}
    return MetricResult("selfies_bleu", value, len(hyps), n_parsed, details=details)


def levenshtein_distance(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute; all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def levenshtein(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """Mean edit distance between non-isomeric canonical SMILES (lower is better); an unusable answer
    counts as the empty string, i.e. the length of the gold SMILES."""
    dists: list[float | None] = []
    for it in items:
        golds = [c for c in (canonical_smiles(g, isomeric=False) for g in _gold_smiles(it)) if c]
        if not golds:
            dists.append(NAN)
            continue
        pred = canonical_smiles(it.value, isomeric=False) if _smiles(it.value) else None
        dists.append(float(min(levenshtein_distance(pred or "", g) for g in golds)))
    return mean_of("levenshtein", items, dists)


def molecule_exact_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    """InChI exact match of the top-1 answer over ALL items (the reference divided by valid answers)."""
    return topk_exact_match(items, ctx, 1, "exact_match")


def label_exact_match(items: Sequence[EvalItem], ctx: MetricContext) -> MetricResult:
    from sciReason.evaluation.metrics.stats import label_scores

    return mean_of("exact_match", items, label_scores(items))
