"""Wire types shared by the client and every backend (plain frozen dataclasses; no logic).

A backend receives a batch of :class:`ChatRequest` and returns, per request, a :class:`ChatResponse`
or a :class:`~sciReason.errors.BackendError` value (never raising for one bad item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "error", "abort"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion request.

    ``temperature == 0`` (or None with ``do_sample`` False) means greedy decoding. ``num_beams > 1`` asks for
    beam search (local backends; remote backends fall back to the server's decoding and say so).
    ``enable_thinking`` None leaves the chat template's default (Qwen3 thinks by default).
    ``stop`` strings end generation (e.g. the answer's closing tag).
    """

    messages: tuple[Message, ...]
    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float | None = None
    top_k: int | None = None
    n: int = 1
    num_beams: int = 1
    seed: int | None = None
    stop: tuple[str, ...] = ()
    enable_thinking: bool | None = None
    model: str | None = None
    # Free-form hints (e.g. the task id) that backends may log; never sent to a server as-is.
    metadata: tuple[tuple[str, Any], ...] = ()

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0 and self.num_beams <= 1


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Choice:
    """One generated completion.

    ``reasoning`` is the server-separated reasoning text (vLLM ``reasoning``, SGLang/lmdeploy
    ``reasoning_content``) when the server split it off; inline ``<think>`` blocks stay in ``text``
    and are split by :func:`sciReason.parsing.split_reasoning`.
    """

    text: str
    finish_reason: FinishReason | None = "stop"
    reasoning: str | None = None
    logprob: float | None = None  # sum of token logprobs, when the backend knows it


@dataclass(frozen=True)
class Delta:
    """A piece of one completion while it streams (``Client.stream``, ``backend.stream``, SSE chunks).

    ``index`` is the choice index (``n > 1``); ``text`` continues the answer text and ``reasoning`` the
    server-separated reasoning text. The last delta of a choice carries its ``finish_reason``. The
    concatenated ``text`` of a choice equals its final ``Choice.text``.
    """

    index: int = 0
    text: str = ""
    reasoning: str = ""
    finish_reason: FinishReason | None = None
    attempt: int = 0  # set by Client.stream: resampling an invalid answer streams a new attempt


@dataclass(frozen=True)
class ChatResponse:
    choices: tuple[Choice, ...]
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
