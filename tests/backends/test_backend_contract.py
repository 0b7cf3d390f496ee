"""The backend contract suite itself: it passes a correct fake and catches broken backends."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from sciReason.backends import ScriptedBackend
from sciReason.backends.base import BackendBase
from sciReason.errors import BackendError
from sciReason.testing.backends import check_backend, check_backend_async, check_close
from sciReason.types import ChatRequest, ChatResponse, Choice, Usage


def echo(req: ChatRequest) -> str:
    return req.messages[-1].content[::-1]


def test_scripted_backend_meets_the_contract() -> None:
    check_backend(ScriptedBackend(echo), validates_requests=False, honours_max_tokens=False)
    asyncio.run(check_backend_async(ScriptedBackend(echo)))
    check_close(lambda: ScriptedBackend(echo))


class Faulty(BackendBase):
    """A backend with one configurable defect."""

    name = "faulty"

    def __init__(self, defect: str) -> None:
        self.defect = defect
        self.calls = 0

    def complete(self, requests: Sequence[ChatRequest]) -> list[Any]:
        self.calls += 1
        out: list[Any] = []
        for req in requests:
            if req.max_tokens < 1:
                if self.defect == "raises":
                    raise ValueError("bad request sinks the batch")
                out.append(BackendError("max_tokens must be >= 1"))
                continue
            n = 1 if self.defect == "ignores_n" else req.n
            text = req.messages[-1].content[: min(req.max_tokens, 3)] + (
                str(self.calls) if self.defect == "nondeterministic" else ""
            )
            finish = "stop" if self.defect == "no_length" else "length"
            choices = tuple(Choice(text, finish) for _ in range(n))
            out.append(ChatResponse(choices, Usage(1, min(req.max_tokens, 3) * n)))
        if self.defect == "drops_item" and out:
            out.pop()
        return out


def test_faulty_reference_passes() -> None:
    check_backend(Faulty("none"))


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        ("drops_item", "results for"),
        ("ignores_n", "choices for n="),
        ("raises", "bad request sinks"),
        ("nondeterministic", "greedy results changed"),
        ("no_length", "must say 'length'"),
    ],
)
def test_contract_catches_defects(defect: str, message: str) -> None:
    with pytest.raises((AssertionError, ValueError), match=message):
        check_backend(Faulty(defect))


def test_async_contract_catches_disagreement() -> None:
    class AsyncDiffers(Faulty):
        async def acomplete(self, requests: Sequence[ChatRequest]) -> list[Any]:
            res = self.complete(requests)
            return [dataclasses.replace(r, choices=(Choice("other", "stop"),) * len(r.choices)) for r in res]

    with pytest.raises(AssertionError, match="disagree"):
        asyncio.run(check_backend_async(AsyncDiffers("none")))
