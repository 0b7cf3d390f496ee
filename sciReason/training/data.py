"""Training data: reading records, tagging sequences, weighted mixing, packing, chat encoding, batching.

Records are plain dicts, read lazily from JSONL (optionally gzipped), Parquet (streamed by row group) or an
offline builder (``builtin:NAME``, see :mod:`sciReason.training.builders`). Every stream and batch source
here is *resumable*: ``state_dict()`` captures the exact position (records consumed, RNG state, the
packing buffer), so a resumed run sees exactly the batches an uninterrupted run would have seen.

Responses-only loss does not rely on ``{% generation %}`` markers (stock Qwen3 templates lack them): the
prompt is rendered with the chat template and ``add_generation_prompt=True``, the response is tokenised
separately and appended, and every prompt position gets label -100. This is also exactly the token
sequence the model sees at inference (prompt rendered, then generated tokens).
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sciReason.errors import ConfigError, InputError
from sciReason.training.config import SourceConfig

__all__ = [
    "TAGS",
    "EpochBatches",
    "MixedStream",
    "PackedBatches",
    "RecordStream",
    "encode_chat",
    "iter_records",
    "record_messages",
    "record_text",
    "tag",
]

#: The model's wrapping tags per sequence type (the paper's tags; materials use ``<material>``).
TAGS: dict[str, str] = {
    "smiles": "SMILES",
    "selfies": "SELFIES",
    "protein": "protein",
    "dna": "dna",
    "rna": "rna",
    "material": "material",
    "iupac": "IUPAC",
    "formula": "MOLFORMULA",
}


def tag(sequence: str, kind: str) -> str:
    """``<SMILES> CCO </SMILES>``: wrap a sequence in its tag (spaces inside, as the task catalog does)."""
    try:
        name = TAGS[kind.lower()]
    except KeyError:
        raise InputError(f"unknown sequence type {kind!r}; use one of {', '.join(TAGS)}") from None
    return f"<{name}> {sequence.strip()} </{name}>"


# -- reading ---------------------------------------------------------------------------------------------


def iter_records(source: SourceConfig | str) -> Iterator[dict[str, Any]]:
    """Yield the records of one source once (no shuffling), honouring ``limit``."""
    src = source if isinstance(source, SourceConfig) else SourceConfig(path=source)
    count = 0
    for rec in _raw_records(src):
        if src.limit is not None and count >= src.limit:
            return
        count += 1
        yield rec


def _raw_records(src: SourceConfig) -> Iterator[dict[str, Any]]:
    if src.path.startswith("builtin:"):
        from sciReason.training.builders import build_records

        yield from build_records(src.path.split(":", 1)[1], **src.options)
        return
    path = Path(src.path).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"data file {str(path)!r} does not exist (give a .jsonl, .jsonl.gz or .parquet file)"
        )
    name = path.name.lower()
    if name.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            from sciReason.errors import missing

            raise missing("pyarrow", "pip install 'scireason[train]'", "Parquet data") from None
        pf = pq.ParquetFile(path)
        for i in range(pf.num_row_groups):
            yield from pf.read_row_group(i).to_pylist()
        return
    if not (name.endswith(".jsonl") or name.endswith(".jsonl.gz") or name.endswith(".json")):
        raise ConfigError(f"data file {str(path)!r}: use .jsonl, .jsonl.gz or .parquet")
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{lineno} is not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise ConfigError(
                    f"{path}:{lineno}: each line must be a JSON object, got {type(rec).__name__}"
                )
            yield rec


def record_text(rec: dict[str, Any], tokenizer: Any = None) -> str:
    """The pretraining text of a record: text, a tagged sequence, a sequence-text pair, or a rendered chat."""
    if "messages" in rec or "output" in rec:
        if tokenizer is None:
            raise InputError("chat records need a tokenizer to render in pretraining")
        messages = record_messages(rec)
        return tokenizer.apply_chat_template(messages, tokenize=False) if messages else ""
    seq = rec.get("sequence")
    text = rec.get("text")
    if seq is not None:
        tagged = tag(str(seq), str(rec.get("type", "smiles")))
        if text:
            return (
                f"{text} {tagged}" if rec.get("order", "text_first") == "text_first" else f"{tagged} {text}"
            )
        return tagged
    if text is None:
        raise InputError(f"record {str(rec)[:80]!r} has no 'text', 'sequence', 'messages' or 'output' field")
    return str(text)


def record_messages(rec: dict[str, Any]) -> list[dict[str, str]]:
    """Chat messages of an instruction record (``messages``, or ``task`` + ``input`` + ``output``).

    A record without ``messages`` is rendered from the task catalog's own prompt template.
    """
    if "messages" in rec:
        return [{"role": m["role"], "content": m["content"]} for m in rec["messages"]]
    from sciReason.training.builders import task_spec

    spec = task_spec(rec["task"])
    user = spec.render(rec.get("input"))
    return [{"role": m.role, "content": m.content} for m in user] + [
        {"role": "assistant", "content": str(rec["output"])}
    ]


# -- streams ---------------------------------------------------------------------------------------------


class RecordStream:
    """An endless, resumable pass over one source (restarting at its end; ``epoch`` counts passes)."""

    def __init__(self, source: SourceConfig) -> None:
        self.source = source
        self.epoch, self.index = 0, 0
        self._it: Iterator[dict[str, Any]] | None = None

    def __next__(self) -> dict[str, Any]:
        if self._it is None:
            self._it = iter_records(self.source)
            for _ in range(self.index):  # fast-forward after a resume
                next(self._it)
        try:
            rec = next(self._it)
        except StopIteration:
            if self.index == 0:
                raise ConfigError(f"data source {self.source.path!r} has no records") from None
            self.epoch, self.index, self._it = self.epoch + 1, 0, iter_records(self.source)
            rec = next(self._it)
        self.index += 1
        return rec

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "index": self.index}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.index, self._it = int(state["epoch"]), int(state["index"]), None


class MixedStream:
    """Draw records from several sources with probabilities proportional to their weights (seeded)."""

    def __init__(self, sources: Sequence[SourceConfig], seed: int = 0) -> None:
        if not sources:
            raise ConfigError("a data mixture needs at least one source")
        self.streams = [RecordStream(s) for s in sources]
        self.weights = [s.weight for s in sources]
        self.rng = random.Random(seed)

    def __next__(self) -> dict[str, Any]:
        (stream,) = self.rng.choices(self.streams, weights=self.weights)
        return next(stream)

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.getstate(), "streams": [s.state_dict() for s in self.streams]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        rng = state["rng"]
        self.rng.setstate((rng[0], tuple(rng[1]), rng[2]))
        for stream, st in zip(self.streams, state["streams"], strict=False):
            stream.load_state_dict(st)


class PackedBatches:
    """Pretraining batches: documents tokenised, joined with EOS and cut into blocks of ``seq_len``.

    Each process of a multi-GPU run keeps every ``world``-th block starting at ``rank``. An optional
    ``anneal`` stream is mixed in with probability ``anneal_weight`` once ``anneal_from`` blocks were made
    (the paper's SFT-style slice at the end of pretraining).
    """

    def __init__(
        self,
        stream: MixedStream,
        tokenizer: Any,
        seq_len: int,
        batch_size: int,
        *,
        rank: int = 0,
        world: int = 1,
        anneal: MixedStream | None = None,
        anneal_from: int | None = None,
        anneal_weight: float = 0.3,
        seed: int = 0,
    ) -> None:
        self.stream, self.tok, self.seq_len, self.batch_size = stream, tokenizer, seq_len, batch_size
        self.rank, self.world = rank, world
        self.anneal, self.anneal_from, self.anneal_weight = anneal, anneal_from, anneal_weight
        self.rng = random.Random(seed + 7919)
        self.buffer: list[int] = []
        self.blocks = 0
        eos = tokenizer.eos_token_id
        self.sep = [eos] if eos is not None else []

    def _next_doc(self) -> str:
        use_anneal = (
            self.anneal is not None
            and self.anneal_from is not None
            and self.blocks >= self.anneal_from
            and self.rng.random() < self.anneal_weight
        )
        rec = next(self.anneal) if use_anneal else next(self.stream)  # type: ignore[arg-type]
        return record_text(rec, self.tok)

    def _next_block(self) -> list[int]:
        while len(self.buffer) < self.seq_len:  # tokenise documents in batches (fast Rust path)
            docs = [self._next_doc() for _ in range(max(8, self.seq_len // 16))]
            for ids in self.tok(docs, add_special_tokens=False)["input_ids"]:
                self.buffer.extend(ids + self.sep)
        block, self.buffer = self.buffer[: self.seq_len], self.buffer[self.seq_len :]
        self.blocks += 1
        return block

    def __next__(self) -> dict[str, Any]:
        import torch

        rows = []
        while len(rows) < self.batch_size:
            for r in range(self.world):
                block = self._next_block()
                if r == self.rank:
                    rows.append(block)
        ids = torch.tensor(rows, dtype=torch.long)
        return {"input_ids": ids, "labels": ids.clone()}

    def state_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream.state_dict(),
            "anneal": self.anneal.state_dict() if self.anneal is not None else None,
            "rng": self.rng.getstate(),
            "buffer": list(self.buffer),
            "blocks": self.blocks,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.stream.load_state_dict(state["stream"])
        if self.anneal is not None and state.get("anneal") is not None:
            self.anneal.load_state_dict(state["anneal"])
        rng = state["rng"]
        self.rng.setstate((rng[0], tuple(rng[1]), rng[2]))
        self.buffer, self.blocks = list(state["buffer"]), int(state["blocks"])


# -- instruction data ------------------------------------------------------------------------------------


def encode_chat(
    tokenizer: Any,
    messages: Sequence[dict[str, str]],
    *,
    thinking: bool | None = None,
    max_length: int | None = None,
) -> tuple[list[int], list[int]]:
    """Token ids and labels for one conversation whose last message is the assistant's response.

    The prompt (all messages but the last, plus the generation prompt; ``thinking=False`` adds the
    template's empty think block as Qwen3 does) gets label -100; the response plus EOS is learned.
    """
    if not messages or messages[-1]["role"] != "assistant":
        raise InputError("an instruction record must end with the assistant's response")
    kwargs = {} if thinking is None else {"enable_thinking": thinking}
    prompt = tokenizer.apply_chat_template(
        list(messages[:-1]), tokenize=False, add_generation_prompt=True, **kwargs
    )
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r_ids = tokenizer(messages[-1]["content"], add_special_tokens=False)["input_ids"]
    r_ids = r_ids + [tokenizer.eos_token_id]
    ids = p_ids + r_ids
    labels = [-100] * len(p_ids) + r_ids
    if max_length is not None and len(ids) > max_length:
        ids, labels = ids[:max_length], labels[:max_length]
    return ids, labels


class EpochBatches:
    """Shuffled epochs over a fixed list of encoded examples; padded batches; resumable and sharded.

    ``examples`` are ``(input_ids, labels, weight)`` triples; the weight scales that example's tokens in
    the loss (per-task re-weighting).
    """

    def __init__(
        self,
        examples: Sequence[tuple[list[int], list[int], float]],
        batch_size: int,
        pad_id: int,
        seed: int = 0,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        if not examples:
            raise ConfigError("no training examples: check the data sources and task filters")
        self.examples, self.batch_size, self.pad_id = list(examples), batch_size, pad_id
        self.seed, self.rank, self.world = seed, rank, world
        self.epoch, self.pos = 0, 0
        self._order = self._permutation(0)

    def _permutation(self, epoch: int) -> list[int]:
        order = list(range(len(self.examples)))
        random.Random(self.seed * 1_000_003 + epoch).shuffle(order)
        return order

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.examples) // (self.batch_size * self.world))

    def __next__(self) -> dict[str, Any]:
        import torch

        need = self.batch_size * self.world
        if self.pos + need > len(self._order):
            self.epoch, self.pos = self.epoch + 1, 0
            self._order = self._permutation(self.epoch)
        chunk = self._order[self.pos : self.pos + need][self.rank :: self.world]
        self.pos += need
        rows = [self.examples[i] for i in chunk]
        width = max(len(r[0]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), -100, dtype=torch.long)
        attn = torch.zeros((len(rows), width), dtype=torch.long)
        weights = torch.zeros((len(rows), width), dtype=torch.float)
        for i, (x, y, w) in enumerate(rows):  # right padding for training
            ids[i, : len(x)] = torch.tensor(x)
            labels[i, : len(y)] = torch.tensor(y)
            attn[i, : len(x)] = 1
            weights[i, : len(x)] = w
        return {"input_ids": ids, "labels": labels, "attention_mask": attn, "loss_weights": weights}

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "pos": self.pos}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.pos = int(state["epoch"]), int(state["pos"])
        self._order = self._permutation(self.epoch)
