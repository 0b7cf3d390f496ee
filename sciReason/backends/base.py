"""The backend protocol: a batch of chat requests in, one response or one error value per request out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Protocol, runtime_checkable

from sciReason.errors import BackendError
from sciReason.types import ChatRequest, ChatResponse, Delta

BackendResult = ChatResponse | BackendError


@runtime_checkable
class Backend(Protocol):
    """What every backend implements.

    ``complete`` never raises for a single failed request: it returns a :class:`BackendError` value in
    that request's slot, so the good items of a batch are never lost. It may raise for a failure of the
    whole backend (e.g. weights that cannot be loaded).
    """

    name: str

    def complete(self, requests: Sequence[ChatRequest]) -> list[BackendResult]: ...

    def close(self) -> None: ...


def request_problem(backend: Backend, request: ChatRequest) -> str | None:
    """Why ``backend`` cannot take ``request`` at all (e.g. a prompt longer than the model's context), or
    ``None``. Backends that can tell before generating implement ``check_request``; the client turns the
    answer into an :class:`~sciReason.errors.InputError` before any model call."""
    check = getattr(backend, "check_request", None)
    return check(request) if check is not None else None


async def acomplete(backend: Backend, requests: Sequence[ChatRequest]) -> list[BackendResult]:
    """Async completion: the backend's own ``acomplete`` when it has one, else ``complete`` in a thread."""
    import asyncio  # lazy: asyncio costs ~0.1 s of import time that sync users never need

    native = getattr(backend, "acomplete", None)
    if native is not None:
        return await native(requests)
    return await asyncio.to_thread(backend.complete, list(requests))


StreamItem = Delta | ChatResponse | BackendError


def stream(backend: Backend, request: ChatRequest) -> Iterator[StreamItem]:
    """Stream one request: :class:`Delta` values, then its :class:`ChatResponse` or error value.

    Uses the backend's own ``stream`` (``LocalBackend``: token by token; ``RemoteBackend``: server-sent
    events); any other backend completes the request and yields each choice as one delta.
    """
    native = getattr(backend, "stream", None)
    if native is not None:
        yield from native(request)
        return
    result = backend.complete([request])[0]
    if isinstance(result, ChatResponse):
        for i, c in enumerate(result.choices):
            yield Delta(index=i, text=c.text, reasoning=c.reasoning or "", finish_reason=c.finish_reason)
    yield result


async def astream(backend: Backend, request: ChatRequest) -> AsyncIterator[StreamItem]:
    """Async :func:`stream`: the backend's own ``astream`` when it has one, else :func:`stream` stepped in
    a worker thread (closing early closes it, which stops a local generation)."""
    import asyncio

    native = getattr(backend, "astream", None)
    if native is not None:
        async for item in native(request):
            yield item
        return
    items = stream(backend, request)
    end = object()
    try:
        while True:
            item = await asyncio.to_thread(next, items, end)
            if item is end:
                return
            yield item
    finally:
        await asyncio.to_thread(items.close)


class BackendBase:
    """Convenience base: context-manager support and a no-op close."""

    name = "backend"

    def complete(self, requests: Sequence[ChatRequest]) -> list[BackendResult]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        return None

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
