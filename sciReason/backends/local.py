"""LocalBackend: chat completions from local transformers weights (a model directory or a hub id).

Why it is built this way:

* **One batch, many settings.** Greedy and sampled requests are grouped by their decoding settings and run
  as left-padded batches; per-request ``max_tokens`` and ``stop`` strings are enforced per row by a
  stopping criterion, so greedy requests with different budgets still share one ``generate`` call and a
  request's greedy output does not depend on which other requests share its batch.
* **Stop strings follow the OpenAI convention**: the matched stop string is not part of the returned
  text (vLLM and SGLang do the same), so local and remote results are identical.
* **Offline by default for paths**: a directory is loaded with ``local_files_only=True``; a hub id honours
  ``local_files_only`` (default: the ``HF_HUB_OFFLINE`` setting). Missing weights raise
  :class:`~sciReason.errors.ModelNotFoundError` naming the path, never a hang or a download.
* Special tokens are cut at the end-of-sequence token, but the text is decoded with
  ``skip_special_tokens=False`` so that answer tags survive even in tokenizers that made them special.
* **Tokenizing is separate from generating** (:meth:`LocalBackend.encode` has its own lock), so a server can
  validate and tokenize a new request while a batch generates (``sciReason serve`` does).
* **Streaming** goes through transformers' streamer hook (``generate(streamer=...)``): one streamer per batch
  hands each step's tokens to the rows that stream, which detokenize incrementally and hold back text
  that may still turn into a stop string. Beam search has no streamer in transformers; it streams its final
  text in one piece. A row whose consumer went away (``cancelled``) is stopped at the next step.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sciReason.backends.base import BackendBase, BackendResult
from sciReason.errors import BackendError, ModelNotFoundError
from sciReason.types import ChatRequest, ChatResponse, Choice, Delta, Usage

log = logging.getLogger(__name__)

__all__ = ["LocalBackend", "tiny_model_path"]

_TINY_DIR = Path(__file__).resolve().parents[1] / "data" / "sciReason-tiny"
_HOW_TO = (
    "Point sciReason at a model directory (Client('local:/path/to/model') or `--model PATH`), a hub id with "
    "its files in the local cache, or a running server (Client('http://host:8000/v1'))."
)


def tiny_model_path() -> Path:
    """Path of the embedded ``sciReason-tiny`` model shipped inside the package.

    Raises:
        ModelNotFoundError: the model is not installed; the message says how to point at another model.
    """
    if not (_TINY_DIR / "config.json").is_file():
        raise ModelNotFoundError(
            f"the embedded model sciReason-tiny is not installed at {str(_TINY_DIR)!r}. {_HOW_TO} "
            "For a random test model: sciReason.training.tiny.build_tiny_model(DIR)."
        )
    return _TINY_DIR


def _looks_like_path(model: str | Path) -> bool:
    if isinstance(model, Path):
        return True
    text = str(model)
    return text.startswith(("/", ".", "~")) or "\\" in text or text.count("/") > 1 or Path(text).exists()


def _hub_offline() -> bool:
    from sciReason import settings

    return settings.hub_offline()


@dataclass
class _Row:
    """Bookkeeping for one generated sequence (one row of a batch)."""

    request: int  # index into the chunk's requests
    max_tokens: int
    stop: tuple[str, ...]
    stop_bytes: int  # tokens to decode to see the longest stop string
    done_at: int | None = None  # generated length when the row finished
    cancel: Callable[[], bool] | None = None  # True once nobody wants this row any more
    sink: Callable[[str], None] | None = None  # receives the row's text as it is generated
    ids: list[int] = field(default_factory=list)  # tokens seen by the streamer (EOS excluded)
    text: str = ""  # incrementally decoded text of ``ids``
    emitted: int = 0  # characters of ``text`` handed to ``sink``
    prefix_offset: int = 0  # incremental detokenizer state (see _RowStreamer)
    read_offset: int = 0


def _make_row_stopper(rows: list[_Row], prompt_len: int, eos_ids: set[int], tokenizer: Any) -> Any:
    """A per-row stopping criterion: each row stops at its own EOS, ``max_tokens`` or stop string."""
    import torch
    from transformers import StoppingCriteria

    class _RowStopper(StoppingCriteria):
        def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
            gen_len = input_ids.shape[1] - prompt_len
            done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            last = input_ids[:, -1].tolist()
            for i, row in enumerate(rows):
                if row.done_at is None:
                    if row.cancel is not None and row.cancel():
                        row.done_at = gen_len
                    elif last[i] in eos_ids or gen_len >= row.max_tokens:
                        row.done_at = gen_len
                    elif row.stop:
                        tail_ids = input_ids[i, max(prompt_len, input_ids.shape[1] - row.stop_bytes) :]
                        tail = tokenizer.decode(tail_ids, skip_special_tokens=False)
                        if any(s in tail for s in row.stop):
                            row.done_at = gen_len
                done[i] = row.done_at is not None
            return done

    return _RowStopper()


def _make_cancel_stopper(cancels: list[Callable[[], bool] | None]) -> Any:
    """Beam search: stop the whole beam batch once every request in it is cancelled."""
    import torch
    from transformers import StoppingCriteria

    class _CancelStopper(StoppingCriteria):
        def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
            gone = all(c is not None and c() for c in cancels)
            return torch.full((input_ids.shape[0],), gone, dtype=torch.bool, device=input_ids.device)

    return _CancelStopper()


def _make_row_streamer(rows: list[_Row], eos_ids: set[int], tokenizer: Any) -> Any:
    """A transformers streamer for a batch: each step's tokens go to the rows that have a sink."""
    from transformers.generation.streamers import BaseStreamer

    class _RowStreamer(BaseStreamer):
        step = 0

        def put(self, value: Any) -> None:
            if value.dim() > 1:  # generate() first hands over the prompt
                return
            self.step += 1
            tokens = value.tolist()
            for i, row in enumerate(rows):
                if row.sink is None or (row.done_at is not None and self.step > row.done_at):
                    continue
                if tokens[i] in eos_ids:
                    continue
                row.ids.append(tokens[i])
                row.text += _next_piece(row, tokenizer)
                _emit_safe(row)

        def end(self) -> None:
            return None

    return _RowStreamer()


def _next_piece(row: _Row, tokenizer: Any) -> str:
    """Incremental detokenization (the prefix/read-offset scheme of TGI and vLLM): decode a short window
    that starts a few tokens back, so that tokenizers whose pieces depend on their left neighbour
    (SentencePiece spaces) decode as in the full text, and wait while the window ends inside a UTF-8
    character (decoded as U+FFFD)."""
    prefix = tokenizer.decode(row.ids[row.prefix_offset : row.read_offset], skip_special_tokens=False)
    window = tokenizer.decode(row.ids[row.prefix_offset :], skip_special_tokens=False)
    if len(window) > len(prefix) and not window.endswith("\ufffd"):
        row.prefix_offset, row.read_offset = row.read_offset, len(row.ids)
        return window[len(prefix) :]
    return ""


def _emit_safe(row: _Row) -> None:
    """Hand ``row.sink`` the text that can no longer change: up to a stop string, and short of a tail
    that might still become one (stop strings are not part of the returned text)."""
    cut = min((i for i in (row.text.find(s) for s in row.stop) if i >= 0), default=-1)
    if cut >= 0:
        safe = cut
    else:
        safe = len(row.text) - max((len(s) - 1 for s in row.stop), default=0)
    if safe > row.emitted and row.sink is not None:
        row.sink(row.text[row.emitted : safe])
        row.emitted = safe


Sink = Callable[[Delta], None]


class LocalBackend(BackendBase):
    """Generate with transformers on local weights.

    Args:
        model: a model directory (``save_pretrained`` layout) or a hub id such as
            ``"SciReason/SciReasoner-8B"`` (resolved from the local cache when offline).
        device_map: passed to ``from_pretrained`` (default: ``"auto"`` with a GPU, else CPU).
        dtype: ``"auto"`` / ``"bfloat16"`` / ``"float32"`` / a torch dtype (default: the checkpoint's dtype).
        local_files_only: never contact the hub (default: True for directories, ``HF_HUB_OFFLINE`` for ids).
        enable_thinking: default thinking switch for requests that leave it ``None`` (``None`` here keeps
            the chat template's own default; Qwen3 thinks by default).
        max_batch_size: most sequences (prompts x n x beams) in one forward batch.
        seed: base seed for sampled requests without their own seed (reproducible runs).
        trust_remote_code: passed to ``from_pretrained`` (off by default).
        model_name: the name reported in responses and by ``serve`` (default: the directory name or id).

    Raises:
        ModelNotFoundError: the weights or tokenizer cannot be found; the message names the path.
    """

    name = "local"

    def __init__(
        self,
        model: str | Path,
        *,
        device_map: str | dict[str, Any] | None = None,
        dtype: Any = None,
        local_files_only: bool | None = None,
        enable_thinking: bool | None = None,
        max_batch_size: int = 16,
        seed: int | None = None,
        trust_remote_code: bool = False,
        model_name: str | None = None,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size={max_batch_size} must be >= 1")
        self.enable_thinking = enable_thinking
        self.max_batch_size = max_batch_size
        self.seed = seed
        self._calls = 0
        self._lock = threading.Lock()  # one generate() at a time
        self._encode_lock = threading.Lock()  # tokenizing runs beside generation, not behind it
        source, offline = self._resolve(model, local_files_only)
        self.model_name = model_name or (Path(source).name if offline and Path(source).is_dir() else source)
        self.model, self.tokenizer = self._load(source, offline, device_map, dtype, trust_remote_code)
        gen_eos = self.model.generation_config.eos_token_id
        eos = set(gen_eos if isinstance(gen_eos, list) else [gen_eos] if gen_eos is not None else [])
        if self.tokenizer.eos_token_id is not None:
            eos.add(self.tokenizer.eos_token_id)
        self._eos_ids = eos
        self._context = int(getattr(self.model.config, "max_position_embeddings", 0) or 0) or None
        self._default_top_k = self.model.generation_config.to_diff_dict().get("top_k") or 0

    # ------------------------------------------------------------------ loading
    @staticmethod
    def _resolve(model: str | Path, local_files_only: bool | None) -> tuple[str, bool]:
        if _looks_like_path(model):
            path = Path(model).expanduser()
            if not path.is_dir():
                raise ModelNotFoundError(f"model directory {str(path)!r} does not exist. {_HOW_TO}")
            if not (path / "config.json").is_file():
                raise ModelNotFoundError(
                    f"{str(path)!r} has no config.json, so it is not a transformers model directory "
                    f"(expected the layout written by save_pretrained). {_HOW_TO}"
                )
            return str(path), True
        offline = _hub_offline() if local_files_only is None else bool(local_files_only)
        return str(model), offline

    @staticmethod
    def _load(source: str, offline: bool, device_map: Any, dtype: Any, trust: bool) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if device_map is None and torch.cuda.is_available():
            device_map = "auto"
        kwargs: dict[str, Any] = {"local_files_only": offline, "trust_remote_code": trust}
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(
                source, device_map=device_map, dtype=dtype if dtype is not None else "auto", **kwargs
            )
        except (OSError, ValueError) as exc:
            where = "in the local hub cache (offline, local_files_only)" if offline else "on the hub"
            raise ModelNotFoundError(
                f"could not load model {source!r}: not found {where} ({type(exc).__name__}: {exc}). {_HOW_TO}"
            ) from None
        model.eval()
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        if not getattr(tokenizer, "chat_template", None):
            from sciReason.chat_template import CHAT_TEMPLATE

            log.warning("model %s has no chat template; using a ChatML template", source)
            tokenizer.chat_template = CHAT_TEMPLATE
        return model, tokenizer

    # ------------------------------------------------------------------ public API
    def complete(self, requests: Sequence[ChatRequest]) -> list[BackendResult]:
        """Generate for every request; a failed request gets a :class:`BackendError` value in its slot."""
        reqs = list(requests)
        prompts: list[list[int] | BackendError] = []
        for req in reqs:
            try:
                prompts.append(self.encode(req))
            except Exception as exc:  # a bad request must not sink the batch
                prompts.append(_item_error(exc))
        return self.complete_encoded(reqs, prompts)

    def encode(self, request: ChatRequest) -> list[int]:
        """Validate ``request`` and tokenize its chat-templated prompt (thread-safe; does not wait for a
        running generation).

        Raises:
            BackendError: bad parameters, or a prompt that does not fit the model's context.
        """
        if self.tokenizer is None:
            raise BackendError("this LocalBackend is closed; create a new one")
        with self._encode_lock:
            return self._encode(request)

    def complete_encoded(
        self,
        requests: Sequence[ChatRequest],
        prompts: Sequence[list[int] | BackendError],
        *,
        sinks: Sequence[Sink | None] | None = None,
        cancelled: Sequence[Callable[[], bool] | None] | None = None,
    ) -> list[BackendResult]:
        """Generate for requests already tokenized by :meth:`encode` (an error in ``prompts`` is passed
        through to that slot).

        Args:
            sinks: per request, a callable that receives :class:`Delta` values as text is generated
                (``None`` = no streaming); the last delta of each choice has its ``finish_reason``.
            cancelled: per request, a callable that returns True once the result is no longer wanted;
                such a request is dropped before its batch starts or stopped at the next decoding step.
        """
        if self.model is None:
            raise BackendError("this LocalBackend is closed; create a new one")
        reqs = list(requests)
        sink_list = list(sinks) if sinks is not None else [None] * len(reqs)
        cancel_list = list(cancelled) if cancelled is not None else [None] * len(reqs)
        results: list[BackendResult | None] = [None] * len(reqs)
        with self._lock:
            ready: dict[int, list[int]] = {}
            for i, prompt in enumerate(prompts):
                cancel = cancel_list[i]
                if isinstance(prompt, BackendError):
                    results[i] = prompt
                elif cancel is not None and cancel():
                    results[i] = BackendError("the request was cancelled before generation started")
                else:
                    ready[i] = prompt
            groups: dict[tuple[Any, ...], list[int]] = {}
            for i in ready:
                groups.setdefault(self._group_key(reqs[i]), []).append(i)
            for key, members in groups.items():
                members.sort(key=lambda i: len(ready[i]))  # similar lengths -> less padding
                per_row = max(1, max(reqs[members[0]].n, reqs[members[0]].num_beams))
                step = max(1, self.max_batch_size // per_row) if key[0] != "greedy" else self.max_batch_size
                for start in range(0, len(members), step):
                    chunk = members[start : start + step]
                    outs = self._run_chunk(
                        [reqs[i] for i in chunk],
                        [ready[i] for i in chunk],
                        [_Stream(sink_list[i]) if sink_list[i] is not None else None for i in chunk],
                        [cancel_list[i] for i in chunk],
                    )
                    for i, res in zip(chunk, outs, strict=True):
                        results[i] = res
        return [r if r is not None else BackendError("internal: no result") for r in results]

    def stream(self, request: ChatRequest) -> Iterator[Delta | ChatResponse | BackendError]:
        """Yield :class:`Delta` values as the completion is generated, then the :class:`ChatResponse` (or
        the error value). Closing the iterator early stops the generation at its next step."""
        try:
            prompt = self.encode(request)
        except Exception as exc:
            yield _item_error(exc)
            return
        items: queue.Queue[Any] = queue.Queue()
        gone = threading.Event()
        done = object()

        def work() -> None:
            try:
                out = self.complete_encoded([request], [prompt], sinks=[items.put], cancelled=[gone.is_set])
                result: Any = out[0]
            except Exception as exc:  # the whole backend failed
                result = _item_error(exc, retryable=True)
            items.put(done)
            items.put(result)

        threading.Thread(target=work, name="sciReason-stream", daemon=True).start()
        try:
            while True:
                item = items.get()
                if item is done:
                    yield items.get()
                    return
                yield item
        finally:
            gone.set()

    def check_request(self, req: ChatRequest) -> str | None:
        """Why this model cannot take ``req`` (a prompt that fills its context), or ``None``."""
        if self.model is None or self._context is None:
            return None
        with self._encode_lock:  # the tokenizer is shared with encode()
            n = len(self._prompt_ids(req))
        if n < self._context:
            return None
        return (
            f"input too long: the prompt has {n} tokens but the model {self.model_name!r} has a context of "
            f"{self._context} tokens (prompt and answer together); shorten the input or use a model with a "
            "longer context"
        )

    # ------------------------------------------------------------------ internals
    def _prompt_ids(self, req: ChatRequest) -> list[int]:
        thinking = req.enable_thinking if req.enable_thinking is not None else self.enable_thinking
        extra = {} if thinking is None else {"enable_thinking": thinking}
        messages = [{"role": m.role, "content": m.content} for m in req.messages]
        text = self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True, **extra
        )
        # verbose=False: a prompt over the tokenizer's nominal maximum is reported by check_request/_encode
        # as an error of its own, not as a transformers warning.
        return self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]

    def _encode(self, req: ChatRequest) -> list[int]:
        if req.n < 1 or req.max_tokens < 1 or req.num_beams < 1:
            raise BackendError(
                f"n={req.n}, max_tokens={req.max_tokens}, num_beams={req.num_beams} must all be >= 1"
            )
        ids = self._prompt_ids(req)
        if self._context is not None and len(ids) >= self._context:
            raise BackendError(
                f"the prompt has {len(ids)} tokens but the model's context is {self._context}; shorten the input"
            )
        return ids

    @staticmethod
    def _group_key(req: ChatRequest) -> tuple[Any, ...]:
        if req.num_beams > 1:
            return ("beam", max(req.num_beams, req.n), req.n, req.max_tokens, req.stop)
        if req.temperature <= 0.0:
            return ("greedy",)
        return ("sample", req.temperature, req.top_p, req.top_k, req.n, req.seed)

    def _run_chunk(
        self,
        reqs: list[ChatRequest],
        prompts: list[list[int]],
        streams: list[_Stream | None],
        cancels: list[Callable[[], bool] | None],
    ) -> list[BackendResult]:
        try:
            return self._generate(reqs, prompts, streams, cancels)
        except Exception as exc:
            if len(reqs) == 1:
                log.warning("generation failed: %s", exc)
                return [_item_error(exc, retryable=True)]
            # One bad item must not lose the others: retry one by one (a request that already streamed
            # text cannot take it back, so it gets the error instead of a second, different stream).
            out: list[BackendResult] = []
            for r, p, st, c in zip(reqs, prompts, streams, cancels, strict=True):
                if st is not None and st.started:
                    out.append(_item_error(exc, retryable=True))
                else:
                    out.append(self._run_chunk([r], [p], [st], [c])[0])
            return out

    def _generate(
        self,
        reqs: list[ChatRequest],
        prompts: list[list[int]],
        streams: list[_Stream | None],
        cancels: list[Callable[[], bool] | None],
    ) -> list[BackendResult]:
        import torch

        first = reqs[0]
        mode = self._group_key(first)[0]
        pad = self.tokenizer.pad_token_id
        width = max(len(p) for p in prompts)
        input_ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], device=self.model.device)
        attention = torch.tensor(
            [[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=self.model.device
        )
        budgets = [self._budget(r, len(p)) for r, p in zip(reqs, prompts, strict=True)]
        kwargs: dict[str, Any] = {
            "input_ids": input_ids,
            "attention_mask": attention,
            "max_new_tokens": max(budgets),
            "pad_token_id": pad,
            "eos_token_id": sorted(self._eos_ids),
        }
        per_req = 1
        rows: list[_Row] = []
        if mode == "beam":
            per_req = first.n
            kwargs.update(
                do_sample=False, num_beams=max(first.num_beams, first.n), num_return_sequences=first.n
            )
            if first.stop:
                kwargs.update(stop_strings=list(first.stop), tokenizer=self.tokenizer)
            from transformers import StoppingCriteriaList

            kwargs["stopping_criteria"] = StoppingCriteriaList([_make_cancel_stopper(cancels)])
        else:
            if mode == "sample":
                per_req = first.n
                kwargs.update(do_sample=True, temperature=first.temperature, num_return_sequences=first.n)
                if first.top_p is not None:
                    kwargs["top_p"] = first.top_p
                # OpenAI/vLLM semantics: no top-k unless asked or set by the model (transformers' default is 50)
                kwargs["top_k"] = first.top_k if first.top_k is not None else self._default_top_k
            else:
                kwargs.update(do_sample=False, num_beams=1)
            for j, req in enumerate(reqs):
                longest = max((len(s.encode()) for s in req.stop), default=0)
                stream = streams[j]
                for k in range(per_req):
                    sink = None if stream is None else stream.text_sink(k, req.n if mode == "greedy" else 1)
                    rows.append(_Row(j, budgets[j], req.stop, longest + 2, cancel=cancels[j], sink=sink))
            from transformers import StoppingCriteriaList

            stopper = _make_row_stopper(rows, width, self._eos_ids, self.tokenizer)
            kwargs["stopping_criteria"] = StoppingCriteriaList([stopper])
            if any(st is not None for st in streams):
                kwargs["streamer"] = _make_row_streamer(rows, self._eos_ids, self.tokenizer)
        with torch.inference_mode(), torch.random.fork_rng(devices=self._cuda_devices()):
            seed = self._sample_seed(first) if mode == "sample" else None
            if seed is not None:
                torch.manual_seed(seed)
            out = self.model.generate(**kwargs)
        generated = out[:, width:].tolist()
        results: list[BackendResult] = []
        for j, req in enumerate(reqs):
            choices = []
            completion_tokens = 0
            for k in range(per_req):
                ids = generated[j * per_req + k]
                limit = rows[j * per_req + k].done_at if rows else None
                choice, used = self._decode(ids, budgets[j], req, limit)
                choices.append(choice)
                completion_tokens += used
            if mode == "greedy" and req.n > 1:  # greedy: n identical completions, like a server at T=0
                choices = choices * req.n
                completion_tokens *= req.n
            stream = streams[j]
            if stream is not None:
                stream.finish(choices)
            usage = Usage(prompt_tokens=len(prompts[j]), completion_tokens=completion_tokens)
            results.append(ChatResponse(choices=tuple(choices), usage=usage, model=self.model_name))
        return results

    def _budget(self, req: ChatRequest, prompt_len: int) -> int:
        if self._context is None:
            return req.max_tokens
        return max(1, min(req.max_tokens, self._context - prompt_len))

    def _decode(self, ids: list[int], budget: int, req: ChatRequest, limit: int | None) -> tuple[Choice, int]:
        """Cut one generated row at EOS / budget / stop string and turn it into a Choice."""
        n = min(len(ids), budget) if limit is None else min(limit, len(ids))
        ended = False
        for pos, tok in enumerate(ids[:n]):
            if tok in self._eos_ids:
                n, ended = pos + 1, True
                break
        body = ids[: n - 1] if ended else ids[:n]
        text = self.tokenizer.decode(body, skip_special_tokens=False)
        cut = min((i for i in (text.find(s) for s in req.stop) if i >= 0), default=-1)
        if cut >= 0:
            return Choice(text=text[:cut], finish_reason="stop"), n
        return Choice(text=text, finish_reason="stop" if ended else "length"), n

    def _sample_seed(self, req: ChatRequest) -> int | None:
        if req.seed is not None:
            return req.seed
        if self.seed is None:
            return None
        self._calls += 1
        return (self.seed * 1_000_003 + self._calls) % (2**63)

    def _cuda_devices(self) -> list[int]:
        import torch

        return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []

    def close(self) -> None:
        """Drop the weights (frees GPU memory when nothing else holds them)."""
        self.model = None
        self.tokenizer = None

    def __repr__(self) -> str:
        return f"LocalBackend(model={self.model_name!r}, max_batch_size={self.max_batch_size})"


class _Stream:
    """The deltas of one streaming request: text from its rows as generated, then each choice's rest."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.sent: dict[int, str] = {}  # choice index -> text already sent
        self.started = False

    def text_sink(self, row_k: int, copies: int) -> Callable[[str], None]:
        """The sink of one generated row; greedy ``n > 1`` rows feed ``copies`` identical choices."""

        def put(text: str) -> None:
            for index in range(row_k, row_k + copies):
                self._send(Delta(index=index, text=text))

        return put

    def finish(self, choices: Sequence[Choice]) -> None:
        for index, choice in enumerate(choices):
            sent = self.sent.get(index, "")
            if choice.text.startswith(sent):
                rest = choice.text[len(sent) :]
            else:  # a tokenizer whose incremental text differs from the full decode (not seen so far)
                log.warning("streamed text of choice %d differs from its final text", index)
                rest = ""
            self._send(Delta(index=index, text=rest, finish_reason=choice.finish_reason))

    def _send(self, delta: Delta) -> None:
        self.started = True
        self.sent[delta.index] = self.sent.get(delta.index, "") + delta.text
        self.sink(delta)


def _item_error(exc: BaseException, retryable: bool = False) -> BackendError:
    if isinstance(exc, BackendError):
        return exc
    err = BackendError(f"{type(exc).__name__}: {exc}")
    err.retryable = retryable
    return err
