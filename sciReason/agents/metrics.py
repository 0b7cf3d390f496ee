"""Campaign metrics: PMO AUCs (from :mod:`sciReason.oracles.budget`), top-k means, diversity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciReason.agents.records import Record, rank_key

__all__ = ["campaign_metrics", "diversity", "pmo_buffer"]


def pmo_buffer(records: Sequence[Record]) -> dict[str, tuple[float | None, int]]:
    """Records as PMO's ``mol_buffer``: key -> (score, call_index)."""
    return {r.key: (r.value, r.call_index) for r in records}


def diversity(keys: Sequence[str], domain: str) -> float:
    """Mean pairwise distance: 1 - Tanimoto on Morgan r=2 2048-bit fingerprints (TDC's definition) for
    molecules, normalised Hamming distance for equal-length sequences. 0.0 for fewer than two keys."""
    if len(keys) < 2:
        return 0.0
    if domain == "molecule":
        from rdkit import DataStructs
        from rdkit.Chem import rdFingerprintGenerator

        from sciReason.representations import mol_from_smiles

        gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
        fps = [gen.GetFingerprint(m) for m in (mol_from_smiles(k) for k in keys) if m is not None]
        total, pairs = 0.0, 0
        for i in range(1, len(fps)):
            sims = DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])
            total += sum(1.0 - s for s in sims)
            pairs += len(sims)
        return total / pairs if pairs else 0.0
    total, pairs = 0.0, 0
    for i in range(len(keys)):
        for j in range(i):
            a, b = keys[i], keys[j]
            n = max(len(a), len(b))
            total += (
                (sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))) / n if n else 0.0
            )
            pairs += 1
    return total / pairs if pairs else 0.0


def campaign_metrics(
    records: Sequence[Record], budget: int, domain: str, finish: bool = True
) -> dict[str, Any]:
    """PMO metrics of a campaign (AUC top-1/10/100 normalised by ``budget``) plus best/top-10/diversity."""
    from sciReason.oracles.budget import pmo_metrics

    buf = pmo_buffer(records)
    out: dict[str, Any] = {}
    if buf:
        m = pmo_metrics(buf, finish=finish, max_oracle_calls=budget)
        out.update({k: float(v) for k, v in m.items() if k.startswith(("auc_", "avg_"))})
    else:
        out.update({f"auc_top{k}": 0.0 for k in (1, 10, 100)})
    ranked = sorted((r for r in records if r.value is not None), key=rank_key)
    top10 = ranked[:10]
    out["n_oracle_calls"] = len(records)
    out["top10_mean"] = sum(r.score for r in top10) / len(top10) if top10 else 0.0
    out["diversity_top100"] = diversity([r.key for r in ranked[:100]], domain)
    best = ranked[0] if ranked else None
    out["best"] = (
        {
            "key": best.key,
            "value": best.value,
            "call_index": best.call_index,
            "terms": dict(best.terms),
            "proposer": best.proposer,
        }
        if best
        else None
    )
    return out
