"""The backend protocol: a batch of chat requests in, one response or one error value per request out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from sciReason.errors import BackendError
from sciReason.types import ChatRequest, ChatResponse

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
