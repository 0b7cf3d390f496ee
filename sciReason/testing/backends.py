"""The backend contract as reusable checks (run them on any :class:`~sciReason.backends.Backend`).

``check_backend(backend)`` raises ``AssertionError`` naming the broken rule; ``await
check_backend_async(backend)`` does the same for the async path and ``check_close(factory)`` for the
context-manager protocol. The rules:

* a batch in gives exactly one :class:`ChatResponse` or :class:`BackendError` per request out, in order;
  an empty batch gives an empty list;
* ``n`` is honoured: a response carries exactly ``n`` choices (greedy and sampled requests);
* a bad request (``max_tokens=0``) becomes a :class:`BackendError` value in its own slot and the good
  requests of the same batch still get responses;
* ``finish_reason`` is ``"stop"`` or ``"length"``; a completion cut at ``max_tokens`` says ``"length"``
  and never reports more than ``max_tokens`` completion tokens per choice;
* greedy decoding is deterministic and independent of the batch it is sent in;
* ``acomplete`` (or :func:`sciReason.backends.acomplete`) gives the same greedy results as ``complete``;
* ``with factory() as backend:`` works and ``close()`` may be called twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sciReason.errors import BackendError
from sciReason.types import ChatRequest, ChatResponse, Message

__all__ = ["check_backend", "check_backend_async", "check_close", "contract_requests"]


def contract_requests(max_tokens: int = 8) -> list[ChatRequest]:
    """Small, varied greedy requests used by the checks (different prompts, budgets and ``n``)."""

    def user(text: str) -> tuple[Message, ...]:
        return (Message("user", text),)

    return [
        ChatRequest(user("Translate <SMILES> CCO </SMILES> into IUPAC."), max_tokens=max_tokens),
        ChatRequest(
            user("Is this protein soluble? <protein> MKTAYIAKQR </protein>"), max_tokens=max_tokens + 3
        ),
        ChatRequest(
            (Message("system", "Answer briefly."), *user("Name <SMILES> c1ccccc1 </SMILES>.")),
            max_tokens=4,
            n=2,
        ),
    ]


def _check_results(who: str, results: Any, n: int) -> None:
    assert isinstance(results, list), f"{who} must return a list, got {type(results).__name__}"
    assert len(results) == n, f"{who} returned {len(results)} results for {n} requests"
    for r in results:
        assert isinstance(r, (ChatResponse, BackendError)), (
            f"{who} returned {r!r}; want ChatResponse or BackendError"
        )


def _texts(results: Sequence[Any]) -> list[Any]:
    return [
        r if isinstance(r, BackendError) else [(c.text, c.finish_reason) for c in r.choices] for r in results
    ]


def check_backend(
    backend: Any,
    *,
    validates_requests: bool = True,
    honours_max_tokens: bool = True,
    sample: bool = True,
) -> None:
    """Check the batch-backend contract (module docstring) on ``backend``.

    Args:
        backend: the backend under test.
        validates_requests: the backend rejects ``max_tokens=0`` (False for scripted fakes).
        honours_max_tokens: the backend cuts completions at ``max_tokens`` (False for scripted fakes).
        sample: also check ``n`` for a sampled request (temperature > 0, fixed seed).
    """
    who = f"{type(backend).__name__}.complete"
    assert isinstance(getattr(backend, "name", None), str), f"{type(backend).__name__} needs a str name"
    assert backend.complete([]) == [], f"{who}([]) must return []"
    reqs = contract_requests()
    results = backend.complete(reqs)
    _check_results(who, results, len(reqs))
    for req, res in zip(reqs, results, strict=True):
        assert isinstance(res, ChatResponse), f"{who} failed on a valid request: {res}"
        assert len(res.choices) == req.n, f"{who} gave {len(res.choices)} choices for n={req.n}"
        for choice in res.choices:
            assert isinstance(choice.text, str), f"{who}: choice text must be a str"
            assert choice.finish_reason in ("stop", "length"), (
                f"{who}: finish_reason {choice.finish_reason!r}"
            )
        if honours_max_tokens:
            per_choice = res.usage.completion_tokens / max(1, len(res.choices))
            assert per_choice <= req.max_tokens, (
                f"{who}: {per_choice} completion tokens > max_tokens={req.max_tokens}"
            )
    if honours_max_tokens:
        prompt = (Message("user", "Count: 1 2 3"),)
        one, four = backend.complete([ChatRequest(prompt, max_tokens=1), ChatRequest(prompt, max_tokens=4)])
        assert isinstance(one, ChatResponse) and isinstance(four, ChatResponse), (
            f"{who} failed on a short budget"
        )
        if four.choices[0].text != one.choices[0].text:  # it went on, so the 1-token completion was cut
            assert one.choices[0].finish_reason == "length", (
                f"{who}: a completion cut at max_tokens=1 must say 'length', got {one.choices[0].finish_reason!r}"
            )
    # Greedy: deterministic and independent of the batch it is in.
    again = backend.complete(list(reversed(reqs)))[::-1]
    alone = [backend.complete([r])[0] for r in reqs]
    assert _texts(again) == _texts(results), f"{who}: greedy results changed with the batch order"
    assert _texts(alone) == _texts(results), f"{who}: greedy results changed when sent one by one"
    if validates_requests:
        bad = ChatRequest((Message("user", "hello"),), max_tokens=0)
        mixed = backend.complete([reqs[0], bad, reqs[1]])
        _check_results(who, mixed, 3)
        assert isinstance(mixed[1], BackendError), (
            f"{who}: max_tokens=0 must give a BackendError value, got {mixed[1]!r}"
        )
        assert _texts([mixed[0], mixed[2]]) == _texts(results[:2]), (
            f"{who}: a bad item changed its neighbours"
        )
    if sample:
        req = ChatRequest(
            (Message("user", "Generate a molecule."),), max_tokens=6, temperature=0.9, n=3, seed=7
        )
        res = backend.complete([req])[0]
        assert isinstance(res, ChatResponse), f"{who} failed on a sampled request: {res}"
        assert len(res.choices) == 3, f"{who} gave {len(res.choices)} choices for sampled n=3"


async def check_backend_async(backend: Any) -> None:
    """``acomplete`` gives one result per request and the same greedy results as ``complete``."""
    from sciReason.backends.base import acomplete

    reqs = contract_requests()
    sync = backend.complete(reqs)
    got = await acomplete(backend, reqs)
    _check_results(f"{type(backend).__name__}.acomplete", got, len(reqs))
    assert _texts(got) == _texts(sync), "acomplete and complete disagree on greedy requests"
    assert await acomplete(backend, []) == [], "acomplete([]) must return []"


def check_close(factory: Callable[[], Any]) -> None:
    """The backend is a context manager and ``close()`` is idempotent."""
    with factory() as backend:
        assert hasattr(backend, "complete"), "__enter__ must return the backend"
    backend.close()  # a second close must not raise
