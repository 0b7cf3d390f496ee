"""The OpenAI chat-completions wire format of ``sciReason serve``: strict request validation with limits,
response bodies, streaming chunks and error objects (no HTTP here; see :mod:`sciReason.backends.server`).

Why strict: every OpenAI client retries a 500, so a bad value must get a 400 that names it (``NaN``,
``Infinity``, a ``seed`` beyond 64 bits, ``"stream": "false"`` as a string), and every limit is checked
before the prompt is tokenized, so an oversized request costs the server nothing.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sciReason.types import ChatRequest, ChatResponse, Delta, Message, Usage

__all__ = [
    "ChatCall",
    "RequestError",
    "ServeLimits",
    "chunk",
    "error_body",
    "parse_body",
    "parse_chat_request",
    "response_body",
]

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class ServeLimits:
    """What one request may ask of ``sciReason serve`` (each is a ``sciReason serve`` flag).

    ``max_prompt_chars`` bounds the characters of all messages together and is checked before
    tokenizing; ``None`` means "8 characters per token of the model's context" (the server fills it in).
    """

    max_body_bytes: int = 4 * 1024 * 1024
    max_prompt_chars: int | None = None
    max_tokens: int = 32768
    max_n: int = 64
    max_beams: int = 16
    max_stop: int = 16
    max_stop_chars: int = 512


class RequestError(Exception):
    """A request the server refuses: an HTTP status (400 unless said) and an OpenAI-style error object."""

    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.param = param
        self.status = status


@dataclass(frozen=True)
class ChatCall:
    """A validated ``/v1/chat/completions`` call: the backend request plus the HTTP-level options."""

    request: ChatRequest
    stream: bool = False
    include_usage: bool = False
    prompt_chars: int = 0


def _reject_constant(name: str) -> Any:
    raise RequestError(f"{name} is not a JSON number; send a finite number")


def parse_body(body: bytes) -> Any:
    """Decode a request body as strict UTF-8 JSON (no NaN/Infinity) or raise :class:`RequestError`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(
            f"the request body is not valid UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise RequestError(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise RequestError("the request body is nested too deeply to be a chat request") from None


def _text(content: Any, where: str) -> str:
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):  # OpenAI content parts: keep the text parts
        pieces = []
        for k, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise RequestError(f"{where}[{k}] must be an object with a type", f"{where}[{k}]")
            if part["type"] != "text":
                raise RequestError(
                    f"{where}[{k}] has type {part['type']!r}; this server takes text parts only",
                    f"{where}[{k}].type",
                )
            if not isinstance(part.get("text"), str):
                raise RequestError(f"{where}[{k}].text must be a string", f"{where}[{k}].text")
            pieces.append(part["text"])
        text = "".join(pieces)
    else:
        raise RequestError(
            f"{where} must be a string or a list of text parts, got {type(content).__name__}", where
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestError(f"{where} contains a lone UTF-16 surrogate (\\ud800-\\udfff)", where) from None
    return text


def _number(
    body: dict[str, Any], key: str, kind: type, low: float | None = None, high: float | None = None
) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(f"{key} must be {'an integer' if kind is int else 'a number'}, got {value!r}", key)
    if isinstance(value, float) and not math.isfinite(value):
        raise RequestError(f"{key}={value!r} is not a finite number", key)
    if kind is int and value != int(value):
        raise RequestError(f"{key} must be an integer, got {value!r}", key)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise RequestError(f"{key}={value!r} is out of range: it must be {bounds}", key)
    return kind(value)


def _flag(body: dict[str, Any], key: str, where: str | None = None) -> bool | None:
    value = body.get(key)
    if value is None or isinstance(value, bool):
        return value
    name = where or key
    raise RequestError(f"{name} must be true or false (a JSON boolean), got {value!r}", name)


def parse_chat_request(body: Any, limits: ServeLimits | None = None) -> ChatCall:
    """Validate an OpenAI chat-completions body against ``limits``.

    Accepts the vLLM/SGLang extras ``top_k``, ``chat_template_kwargs.enable_thinking``,
    ``use_beam_search`` (beam width = n) and lmdeploy's top-level ``enable_thinking``, plus ``num_beams``.

    Raises:
        RequestError: the first problem found, naming the field and the allowed values (413 for a prompt
            over ``max_prompt_chars``).
    """
    lim = limits or ServeLimits()
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    stream = bool(_flag(body, "stream"))
    options = body.get("stream_options")
    include_usage = False
    if options is not None:
        if not stream:
            raise RequestError("stream_options is only allowed with stream=true", "stream_options")
        if not isinstance(options, dict):
            raise RequestError("stream_options must be an object", "stream_options")
        include_usage = bool(_flag(options, "include_usage", "stream_options.include_usage"))
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise RequestError("messages must be a non-empty list", "messages")
    messages = []
    for i, m in enumerate(raw_messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise RequestError(
                f"messages[{i}] needs a role of system, user or assistant", f"messages[{i}].role"
            )
        messages.append(
            Message(role=m["role"], content=_text(m.get("content", ""), f"messages[{i}].content"))
        )
    chars = sum(len(m.content) for m in messages)
    if lim.max_prompt_chars is not None and chars > lim.max_prompt_chars:
        raise RequestError(
            f"the messages have {chars} characters; this server accepts at most {lim.max_prompt_chars} "
            "per request (sciReason serve --max-prompt-chars)",
            "messages",
            status=413,
        )
    max_tokens = _number(body, "max_completion_tokens", int, 1, lim.max_tokens)
    if max_tokens is None:
        max_tokens = _number(body, "max_tokens", int, 1, lim.max_tokens)
    temperature = _number(body, "temperature", float, 0.0, 2.0)
    top_p = _number(body, "top_p", float, 0.0, 1.0)
    if top_p == 0.0:
        raise RequestError("top_p=0 keeps no token; use a value in (0, 1] or temperature=0", "top_p")
    n = _number(body, "n", int, 1, lim.max_n) or 1
    top_k = _number(body, "top_k", int, -1, 2**31 - 1)
    num_beams = _number(body, "num_beams", int, 1, lim.max_beams) or 1
    if _flag(body, "use_beam_search"):
        num_beams = max(num_beams, n)
    if num_beams > 1 and max(num_beams, n) > lim.max_beams:  # beam search keeps max(num_beams, n) beams
        raise RequestError(
            f"beam search with n={n} needs {max(num_beams, n)} beams; this server allows at most "
            f"{lim.max_beams} (sciReason serve --max-beams)",
            "n",
        )
    stop = body.get("stop")
    if stop is None:
        stop = []
    elif isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
        raise RequestError("stop must be a string or a list of non-empty strings", "stop")
    if len(stop) > lim.max_stop or any(len(s) > lim.max_stop_chars for s in stop):
        raise RequestError(
            f"stop has {len(stop)} strings of up to {max(len(s) for s in stop)} characters; this server "
            f"allows {lim.max_stop} strings of at most {lim.max_stop_chars} characters",
            "stop",
        )
    kwargs = body.get("chat_template_kwargs")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise RequestError("chat_template_kwargs must be an object", "chat_template_kwargs")
    thinking = _flag(kwargs or {}, "enable_thinking", "chat_template_kwargs.enable_thinking")
    if thinking is None:
        thinking = _flag(body, "enable_thinking")
    seed = _number(body, "seed", int, *_INT64)
    model = body.get("model")
    request = ChatRequest(
        messages=tuple(messages),
        max_tokens=max_tokens or 512,
        temperature=1.0 if temperature is None else temperature,  # the OpenAI default
        top_p=top_p,
        top_k=None if top_k in (None, -1, 0) else top_k,
        n=n,
        num_beams=num_beams,
        seed=seed,
        stop=tuple(stop),
        enable_thinking=thinking,
        model=model if isinstance(model, str) else None,
    )
    return ChatCall(request, stream=stream, include_usage=include_usage, prompt_chars=chars)


def _usage(usage: Usage) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}  # fmt: skip


def new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def response_body(resp: ChatResponse, model: str, request_id: str | None = None) -> dict[str, Any]:
    """An OpenAI ``chat.completion`` object for ``resp``."""
    choices = []
    for i, c in enumerate(resp.choices):
        message: dict[str, Any] = {"role": "assistant", "content": c.text}
        if c.reasoning is not None:
            message["reasoning_content"] = c.reasoning
        choices.append({"index": i, "message": message, "finish_reason": c.finish_reason, "logprobs": None})
    return {"id": request_id or new_id(), "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": choices, "usage": _usage(resp.usage)}  # fmt: skip


def chunk(
    request_id: str,
    model: str,
    created: int,
    delta: Delta | None = None,
    *,
    role: bool = False,
    usage: Usage | None = None,
    include_usage: bool = False,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` (OpenAI streaming format).

    A delta chunk has one choice; ``role=True`` makes the opening chunk of a choice (``role`` +
    empty content); the usage chunk (``delta=None``) has no choices. With ``include_usage`` every
    other chunk carries ``"usage": null``, as OpenAI sends it.
    """
    body: dict[str, Any] = {"id": request_id, "object": "chat.completion.chunk", "created": created,
                            "model": model, "choices": []}  # fmt: skip
    if delta is not None:
        piece: dict[str, Any] = {}
        if role:
            piece["role"] = "assistant"
        if delta.text or role:
            piece["content"] = delta.text
        if delta.reasoning:
            piece["reasoning_content"] = delta.reasoning
        body["choices"] = [
            {"index": delta.index, "delta": piece, "logprobs": None, "finish_reason": delta.finish_reason}
        ]
    if usage is not None:
        body["usage"] = _usage(usage)
    elif include_usage:
        body["usage"] = None
    return body


def error_body(status: int, message: str, param: str | None = None) -> dict[str, Any]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": param, "code": status}}
