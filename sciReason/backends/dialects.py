"""How OpenAI-compatible servers differ, as data: request bodies and response parsing per dialect.

Four places differ (serving_and_sdk.md §2): the thinking switch, the name of the reasoning field,
structured-output parameters and whether ``n > 1`` is honoured. Everything else is plain OpenAI.

=========  ===========================  =====================  ==========================  ======
dialect    thinking switch              reasoning field        constraint parameters       n > 1
=========  ===========================  =====================  ==========================  ======
vllm       chat_template_kwargs         ``reasoning``          ``structured_outputs``      yes
sglang     chat_template_kwargs         ``reasoning_content``  top-level regex/ebnf        yes
tgi        ``/no_think`` in the prompt  inline ``<think>``     ``response_format`` value   fan-out
lmdeploy   top-level enable_thinking    ``reasoning_content``  OpenAI json_schema          yes
openai     none                         none                   OpenAI json_schema          yes
scireason  chat_template_kwargs         inline ``<think>``     none (post-validation)      yes
=========  ===========================  =====================  ==========================  ======

``scireason`` is ``sciReason serve``; it also takes ``num_beams`` for the tasks that decode with beams.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sciReason.errors import BackendError
from sciReason.types import ChatRequest, ChatResponse, Choice, Delta, Usage

log = logging.getLogger(__name__)

DIALECTS = ("vllm", "sglang", "tgi", "lmdeploy", "openai", "scireason")


@dataclass(frozen=True)
class Dialect:
    name: str
    honours_n: bool  # False -> the backend fans out n requests with n=1
    top_k: bool  # accepts a top-level top_k
    thinking: str | None  # "template_kwargs" | "top_level" | "prompt" | None
    beams: str | None  # "num_beams" | "use_beam_search" | None (falls back to the server's decoding)


_TABLE = {
    "vllm": Dialect("vllm", True, True, "template_kwargs", "use_beam_search"),
    "sglang": Dialect("sglang", True, True, "template_kwargs", None),
    "tgi": Dialect("tgi", False, False, "prompt", None),
    "lmdeploy": Dialect("lmdeploy", True, True, "top_level", None),
    "openai": Dialect("openai", True, False, None, None),
    "scireason": Dialect("scireason", True, True, "template_kwargs", "num_beams"),
}

_warned: set[tuple[str, str]] = set()


def _warn_once(dialect: str, what: str) -> None:
    if (dialect, what) not in _warned:
        _warned.add((dialect, what))
        log.warning("dialect %r: %s", dialect, what)


def get_dialect(name: str) -> Dialect:
    try:
        return _TABLE[name]
    except KeyError:
        raise BackendError(f"unknown dialect {name!r}; use one of {', '.join(('auto', *DIALECTS))}") from None


def detect_dialect(models_payload: Any, headers: Any = None) -> str:
    """Guess the dialect from a ``/v1/models`` payload (``owned_by``) and response headers."""
    owners = set()
    if isinstance(models_payload, dict):
        for item in models_payload.get("data") or []:
            if isinstance(item, dict):
                owners.add(str(item.get("owned_by", "")).lower())
    for name in ("vllm", "sglang", "lmdeploy", "scireason"):
        if name in owners:
            return name
    server = str((headers or {}).get("server", "")).lower() if headers is not None else ""
    if "text-generation-inference" in server or (headers is not None and "x-compute-type" in headers):
        return "tgi"
    return "openai"


def constraint_fragment(dialect: Dialect, constraint: Any) -> dict[str, Any]:
    """Translate ``{"regex"|"choice"|"json"|"grammar": value}`` into the dialect's request fields."""
    if not constraint:
        return {}
    if not isinstance(constraint, dict) or len(constraint) != 1:
        raise BackendError(
            f"constraint {constraint!r} must be one of {{'regex'|'choice'|'json'|'grammar': value}}"
        )
    kind, value = next(iter(constraint.items()))
    if kind == "choice":  # only vLLM has a choice field; a regex alternation is equivalent elsewhere
        import re

        if dialect.name == "vllm":
            return {"structured_outputs": {"choice": list(value)}}
        kind, value = "regex", "(" + "|".join(re.escape(v) for v in value) + ")"
    json_schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": value, "strict": True}}
    table: dict[str, dict[str, Any]] = {
        "vllm": {
            "regex": {"structured_outputs": {"regex": value}},
            "grammar": {"structured_outputs": {"grammar": value}},
        },
        "sglang": {"regex": {"regex": value}, "grammar": {"ebnf": value}},
        "tgi": {
            "regex": {"response_format": {"type": "regex", "value": value}},
            "json": {"response_format": {"type": "json", "value": value}},
        },
    }
    if kind == "json" and dialect.name in ("vllm", "sglang", "lmdeploy", "openai"):
        return {"response_format": json_schema}
    fragment = table.get(dialect.name, {}).get(kind)
    if fragment is None:
        _warn_once(dialect.name, f"does not support {kind!r} constraints; answers are only post-validated")
        return {}
    return fragment


def build_body(req: ChatRequest, dialect: Dialect, model: str, *, n: int | None = None) -> dict[str, Any]:
    """The JSON body of one ``/v1/chat/completions`` call for ``req`` (``n`` overrides ``req.n``).

    Raises:
        BackendError: the request is invalid (checked here so that every server rejects the same things).
    """
    if req.n < 1 or req.max_tokens < 1 or req.num_beams < 1:
        raise BackendError(
            f"n={req.n}, max_tokens={req.max_tokens}, num_beams={req.num_beams} must all be >= 1"
        )
    messages = [{"role": m.role, "content": m.content} for m in req.messages]
    if req.enable_thinking is False and dialect.thinking == "prompt":  # Qwen3 soft switch (TGI)
        for msg in reversed(messages):
            if msg["role"] == "user":
                msg["content"] = msg["content"] + " /no_think"
                break
    body: dict[str, Any] = {
        "model": req.model or model,
        "messages": messages,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
    }
    want = req.n if n is None else n
    if req.top_p is not None:
        body["top_p"] = req.top_p
    if req.top_k is not None:
        if dialect.top_k:
            body["top_k"] = req.top_k
        else:
            _warn_once(dialect.name, "has no top_k; it is not sent")
    if req.seed is not None:
        body["seed"] = req.seed
    if req.stop:
        body["stop"] = list(req.stop)
    if req.num_beams > 1:
        if dialect.beams == "num_beams":
            body["num_beams"] = req.num_beams
        elif dialect.beams == "use_beam_search":  # vLLM: the beam width is n; extra beams are trimmed later
            body["use_beam_search"] = True
            want = max(want, req.num_beams)
        else:
            _warn_once(dialect.name, "has no beam search in chat; the server's own decoding is used")
    if want > 1:
        body["n"] = want
    if req.enable_thinking is not None:
        if dialect.thinking == "template_kwargs":
            body["chat_template_kwargs"] = {"enable_thinking": req.enable_thinking}
        elif dialect.thinking == "top_level":
            body["enable_thinking"] = req.enable_thinking
    metadata = dict(req.metadata)
    body.update(constraint_fragment(dialect, metadata.get("constraint")))
    return body


_FINISH = {
    "stop": "stop",
    "eos_token": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "length": "length",
    "abort": "abort",
}


def parse_choices(payload: Any) -> tuple[list[Choice], Usage, str | None]:
    """Choices, usage and model of one chat-completion response (reads ``reasoning`` and ``reasoning_content``)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("choices"), list):
        raise BackendError(f"the server's response is not a chat completion: {str(payload)[:200]!r}")
    items = sorted(payload["choices"], key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
    choices = []
    for item in items:
        message = item.get("message") or {}
        reasoning = message.get("reasoning") or message.get("reasoning_content") or None
        raw_finish = item.get("finish_reason")
        finish = _FINISH.get(raw_finish, "stop" if raw_finish else None)
        choices.append(Choice(text=message.get("content") or "", finish_reason=finish, reasoning=reasoning))
    usage_raw = payload.get("usage") or {}
    usage = Usage(int(usage_raw.get("prompt_tokens") or 0), int(usage_raw.get("completion_tokens") or 0))
    return choices, usage, payload.get("model")


def merge(parts: list[tuple[list[Choice], Usage, str | None]], n: int) -> ChatResponse:
    """Join fan-out responses into one (first ``n`` choices; prompt tokens counted once)."""
    choices = [c for part in parts for c in part[0]][:n]
    prompt = max((p[1].prompt_tokens for p in parts), default=0)
    completion = sum(p[1].completion_tokens for p in parts)
    model = next((p[2] for p in parts if p[2]), None)
    return ChatResponse(choices=tuple(choices), usage=Usage(prompt, completion), model=model)


class StreamAssembler:
    """Reads the ``chat.completion.chunk`` payloads of a streaming call (vLLM, SGLang, OpenAI, lmdeploy,
    ``sciReason serve``) into :class:`Delta` values and, at the end, the same :class:`ChatResponse` a
    non-streaming call returns. Reasoning deltas come as ``reasoning`` (vLLM) or ``reasoning_content``
    (SGLang, lmdeploy); usage comes in the last chunk when ``stream_options.include_usage`` is honoured.
    """

    def __init__(self) -> None:
        self.texts: dict[int, list[str]] = {}
        self.reasoning: dict[int, list[str]] = {}
        self.finish: dict[int, str | None] = {}
        self.usage = Usage()
        self.model: str | None = None

    def feed(self, payload: Any) -> list[Delta]:
        if not isinstance(payload, dict):
            raise BackendError(
                f"the server sent a stream event that is not a JSON object: {str(payload)[:200]!r}"
            )
        if isinstance(payload.get("error"), dict):  # vLLM/sciReason send errors inside the stream
            error = payload["error"]
            err = BackendError(f"the server reported an error mid-stream: {error.get('message', error)}")
            code = error.get("code")
            err.retryable = isinstance(code, int) and code >= 500
            raise err
        self.model = payload.get("model") or self.model
        usage = payload.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
        out = []
        for item in payload.get("choices") or []:
            if not isinstance(item, dict):
                continue
            index = int(item.get("index") or 0)
            delta = item.get("delta") or {}
            text = delta.get("content") or ""
            reasoning = delta.get("reasoning") or delta.get("reasoning_content") or ""
            raw_finish = item.get("finish_reason")
            finish = _FINISH.get(raw_finish, "stop" if raw_finish else None)
            self.texts.setdefault(index, []).append(text)
            if reasoning:
                self.reasoning.setdefault(index, []).append(reasoning)
            if finish is not None:
                self.finish[index] = finish
            if text or reasoning or finish:
                out.append(Delta(index=index, text=text, reasoning=reasoning, finish_reason=finish))
        return out

    def response(self) -> ChatResponse:
        choices = tuple(
            Choice(
                text="".join(self.texts[i]),
                finish_reason=self.finish.get(i),  # type: ignore[arg-type]
                reasoning="".join(self.reasoning[i]) if i in self.reasoning else None,
            )
            for i in sorted(self.texts)
        )
        return ChatResponse(choices=choices, usage=self.usage, model=self.model)
