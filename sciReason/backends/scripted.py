"""ScriptedBackend: a deterministic backend for tests and docs (no model).

A handler maps each request to a reply: a string, a :class:`Choice`, a list of those (n>1), or an
exception (returned as that item's error). Handlers see the whole request, so a test can answer by task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Union

from sciReason.backends.base import BackendBase, BackendResult
from sciReason.errors import BackendError, ConfigError
from sciReason.types import ChatRequest, ChatResponse, Choice, Usage

Reply = Union[str, Choice, Sequence[Union[str, Choice]], BaseException]
Handler = Callable[[ChatRequest], Reply]


def _to_choice(item: str | Choice) -> Choice:
    return item if isinstance(item, Choice) else Choice(text=item, finish_reason="stop")


class ScriptedBackend(BackendBase):
    """Answers from a handler function, a mapping (prompt substring -> reply) or a fixed reply.

    Args:
        handler: a function of the request, a mapping from a substring of the last user message to the
            reply, or one reply for every request.
        default: the reply when a mapping has no matching key (``None`` -> an error value).

    >>> b = ScriptedBackend("<SMILES> CCO </SMILES>")
    >>> b.complete([ChatRequest(messages=())])[0].choices[0].text
    '<SMILES> CCO </SMILES>'
    """

    name = "scripted"

    def __init__(self, handler: Handler | Mapping[str, Reply] | Reply, default: Reply | None = None) -> None:
        self._handler = handler
        self._default = default
        self.requests: list[ChatRequest] = []  # every request seen, for assertions in tests

    def _reply(self, request: ChatRequest) -> Reply:
        h = self._handler
        if callable(h) and not isinstance(h, (str, Choice)):
            return h(request)
        if isinstance(h, Mapping):
            prompt = request.messages[-1].content if request.messages else ""
            for key, reply in h.items():
                if key in prompt:
                    return reply
            if self._default is None:
                return BackendError(f"ScriptedBackend has no reply for prompt {prompt[:80]!r}")
            return self._default
        return h

    def complete(self, requests: Sequence[ChatRequest]) -> list[BackendResult]:
        out: list[BackendResult] = []
        for req in requests:
            self.requests.append(req)
            try:
                reply = self._reply(req)
            except Exception as exc:  # a handler bug must not lose the batch
                reply = exc
            if isinstance(reply, BaseException):
                out.append(reply if isinstance(reply, BackendError) else BackendError(str(reply)))
                continue
            items = [reply] if isinstance(reply, (str, Choice)) else list(reply)
            choices = tuple(_to_choice(c) for c in items)
            if len(choices) < req.n:  # cycle to honour n
                choices = tuple(choices[i % len(choices)] for i in range(req.n))
            prompt_tokens = sum(len(m.content.split()) for m in req.messages)
            usage = Usage(prompt_tokens, sum(len(c.text.split()) for c in choices))
            out.append(ChatResponse(choices=choices[: req.n], usage=usage, model="scripted"))
        return out


def load_script(path: str) -> ScriptedBackend:
    """A ScriptedBackend from a JSON file ``{"prompt substring": reply, ..., "*": default reply}``
    (replies are strings or lists of strings); used by ``--backend scripted:FILE`` in docs and CLI tests."""
    import json
    from pathlib import Path

    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"scripted backend file {str(p)!r} does not exist")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"scripted backend file {str(p)!r} is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"scripted backend file {str(p)!r} must hold a JSON object of prompt substring -> reply"
        )
    default = data.pop("*", None)
    return ScriptedBackend(data, default=default)
