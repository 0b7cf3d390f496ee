"""RemoteBackend: chat completions from an OpenAI-compatible server (vLLM, SGLang, TGI, lmdeploy, OpenAI,
``sciReason serve``) over httpx, sync and async.

Why it is built this way:

* **Errors are values.** Every request of a batch gets a :class:`ChatResponse` or a
  :class:`~sciReason.errors.BackendError` in its own slot, after retries; nothing is lost or raised.
* **openai-python's retry policy** (serving_and_sdk.md §1.1): retry 408/409/429/5xx, connection errors and
  timeouts; exponential backoff ``min(base * 2**k, max)`` with 0-25 % jitter; honour ``retry-after-ms`` /
  ``retry-after`` and ``x-should-retry``; a Retry-After above ``max_retry_after`` means do not retry.
* **Bounded concurrency** (``max_concurrency`` calls in flight) so a batch of 10 000 does not open 10 000
  sockets, and **fan-out** of ``n`` where a server ignores it (TGI, or any server returning fewer choices).
* **Streaming** (:meth:`RemoteBackend.stream` / :meth:`RemoteBackend.astream`) reads the server-sent
  events of ``stream: true`` with httpx-sse; a call is retried like any other only until its first event
  arrives (text already handed out cannot be taken back).
* **The API key never leaves the Authorization header**: it is not logged, not in ``repr`` and not in
  error messages.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from sciReason import settings
from sciReason.backends.base import BackendBase, BackendResult
from sciReason.backends.dialects import (
    DIALECTS,
    StreamAssembler,
    build_body,
    detect_dialect,
    get_dialect,
    merge,
    parse_choices,
)
from sciReason.errors import (
    BackendConnectionError,
    BackendError,
    BackendHTTPError,
    BackendTimeout,
    ConfigError,
)
from sciReason.types import ChatRequest, ChatResponse, Delta

log = logging.getLogger(__name__)

__all__ = ["RemoteBackend"]


def _normalise_base_url(url: str) -> str:
    url = url.rstrip("/")
    if httpx.URL(url).path in ("", "/"):
        url += "/v1"
    return url


class RemoteBackend(BackendBase):
    """Backend for an OpenAI-compatible ``/v1/chat/completions`` server.

    Args:
        base_url: ``http://host:port`` or ``http://host:port/v1`` (``/v1`` is added to a bare host).
        api_key: bearer token (default: ``$SCIREASON_API_KEY``, then ``$OPENAI_API_KEY``).
        model: model name sent to the server (default: the first id of ``/v1/models``).
        dialect: ``"auto"`` (probe ``/v1/models``), ``"vllm"``, ``"sglang"``, ``"tgi"``, ``"lmdeploy"``,
            ``"openai"`` or ``"scireason"``; see :mod:`sciReason.backends.dialects`.
        timeout: read timeout in seconds (or an ``httpx.Timeout``); connecting times out after 5 s.
        max_retries: retries after the first attempt (0 disables retrying).
        max_concurrency: most HTTP calls in flight at once.
        http_client: an ``httpx.Client`` or ``httpx.AsyncClient`` to use (e.g. with a custom transport);
            the backend does not close a client it was given.
        backoff: ``(base, max)`` seconds of the exponential backoff.
        max_retry_after: the longest server-requested wait (Retry-After) honoured, in seconds.
        headers: extra headers sent with every call.
    """

    name = "remote"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str | None = None,
        dialect: str = "auto",
        timeout: float | httpx.Timeout = 600.0,
        max_retries: int = 2,
        max_concurrency: int = 16,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        backoff: tuple[float, float] = (0.5, 8.0),
        max_retry_after: float = 60.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not str(base_url).startswith(("http://", "https://")):
            raise ConfigError(f"base_url {base_url!r} must start with http:// or https://")
        if dialect != "auto" and dialect not in DIALECTS:
            raise ConfigError(f"dialect {dialect!r} is not one of auto, {', '.join(DIALECTS)}")
        if max_retries is None or max_retries < 0 or max_concurrency < 1:
            raise ConfigError(
                f"max_retries={max_retries} must be >= 0 and max_concurrency={max_concurrency} >= 1"
            )
        self.base_url = _normalise_base_url(str(base_url))
        self.model = model
        self.dialect = None if dialect == "auto" else dialect
        self.max_retries = int(max_retries)
        self.max_concurrency = int(max_concurrency)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=5.0)
        self._headers = {"user-agent": "sciReason", **(headers or {})}
        key = api_key if api_key is not None else settings.api_key()
        self._secret = key or None  # only for redaction: a server may echo the key in an error message
        if key:
            self._headers["authorization"] = f"Bearer {key}"
        self._client = http_client if isinstance(http_client, httpx.Client) else None
        self._aclient = http_client if isinstance(http_client, httpx.AsyncClient) else None
        self._own_client = self._client is None
        self._own_aclient = self._aclient is None
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        key = "'***'" if "authorization" in self._headers else "None"
        return f"RemoteBackend(base_url={self.base_url!r}, model={self.model!r}, dialect={self.dialect!r}, api_key={key})"

    # ------------------------------------------------------------------ sync
    def complete(self, requests: Sequence[ChatRequest]) -> list[BackendResult]:
        """Complete a batch with up to ``max_concurrency`` calls in flight; one result or error per request."""
        reqs = list(requests)
        if not reqs:
            return []
        client = self._sync_client()
        self._probe_sync(client)
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, 64)) as pool:

            def run(bodies: list[dict[str, Any]]) -> list[Any]:
                return list(pool.map(lambda b: self._call_sync(client, b), bodies))

            return self._orchestrate(reqs, run)

    def _sync_client(self) -> httpx.Client:
        if self._client is None:
            limits = httpx.Limits(
                max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency
            )
            self._client = httpx.Client(timeout=self.timeout, limits=limits)
        return self._client

    def _probe_sync(self, client: httpx.Client) -> None:
        if self.dialect is not None and self.model is not None:
            return
        try:
            resp = client.get(
                f"{self.base_url}/models", headers=self._headers, timeout=min(self._read_timeout(), 10.0)
            )
            self._apply_probe(resp)
        except httpx.HTTPError as exc:
            self._probe_failed(exc)

    def _call_sync(self, client: httpx.Client, body: dict[str, Any]) -> Any:
        if "__error__" in body:  # the request could not be encoded; never sent
            return body["__error__"]
        attempt = 0
        while True:
            response = None
            try:
                response = client.post(f"{self.base_url}/chat/completions", json=body, headers=self._headers)
                result = self._interpret(response)
            except httpx.HTTPError as exc:
                result = self._transport_error(exc)
            delay = self._next_delay(result, attempt, response)
            if delay is None:
                return result
            time.sleep(delay)
            attempt += 1

    # ------------------------------------------------------------------ async
    async def acomplete(self, requests: Sequence[ChatRequest]) -> list[BackendResult]:
        """Async :meth:`complete`: the same results, on the running event loop."""
        reqs = list(requests)
        if not reqs:
            return []
        client, sem = self._async_state()
        await self._probe_async(client)
        plan = self._plan_first(reqs)
        first = await asyncio.gather(*(self._call_async(client, sem, b) for _, b in plan))
        parts, errors = self._collect(reqs, plan, first)
        extra = self._plan_deficit(reqs, parts, errors)
        if extra:
            more = await asyncio.gather(*(self._call_async(client, sem, b) for _, b in extra))
            self._collect(reqs, extra, more, parts, errors)
        return self._finish(reqs, parts, errors)

    async def _probe_async(self, client: httpx.AsyncClient) -> None:
        if self.dialect is not None and self.model is not None:
            return
        try:
            resp = await client.get(
                f"{self.base_url}/models", headers=self._headers, timeout=min(self._read_timeout(), 10.0)
            )
            self._apply_probe(resp)
        except httpx.HTTPError as exc:
            self._probe_failed(exc)

    def _async_state(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._aloop is not loop:  # clients and semaphores belong to one event loop
            self._aloop = loop
            self._sem = asyncio.Semaphore(self.max_concurrency)
            if self._own_aclient:
                limits = httpx.Limits(
                    max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency
                )
                self._aclient = httpx.AsyncClient(timeout=self.timeout, limits=limits)
        assert self._aclient is not None and self._sem is not None
        return self._aclient, self._sem

    async def _call_async(
        self, client: httpx.AsyncClient, sem: asyncio.Semaphore, body: dict[str, Any]
    ) -> Any:
        if "__error__" in body:
            return body["__error__"]
        attempt = 0
        while True:
            response = None
            try:
                async with sem:
                    response = await client.post(
                        f"{self.base_url}/chat/completions", json=body, headers=self._headers
                    )
                result = self._interpret(response)
            except httpx.HTTPError as exc:
                result = self._transport_error(exc)
            delay = self._next_delay(result, attempt, response)
            if delay is None:
                return result
            await asyncio.sleep(delay)
            attempt += 1

    # ------------------------------------------------------------------ streaming
    def _stream_body(self, request: ChatRequest) -> dict[str, Any]:
        dialect = get_dialect(self.dialect or "openai")
        if request.n > 1 and not dialect.honours_n:
            raise BackendError(
                f"streaming n={request.n} completions needs a server that honours n; dialect "
                f"{dialect.name!r} does not (use complete(), which fans out)"
            )
        body = build_body(request, dialect, self.model or "default")
        body.update(stream=True, stream_options={"include_usage": True})
        return body

    def stream(self, request: ChatRequest) -> Iterator[Delta | ChatResponse | BackendError]:
        """Yield :class:`Delta` values as the server streams them, then the :class:`ChatResponse` (or an
        error value)."""
        from httpx_sse import EventSource

        client = self._sync_client()
        self._probe_sync(client)
        try:
            body = self._stream_body(request)
        except BackendError as exc:
            yield exc
            return
        attempt = 0
        while True:
            response = None
            started = False
            try:
                with client.stream(
                    "POST", f"{self.base_url}/chat/completions", json=body, headers=self._headers
                ) as response:
                    if response.status_code >= 400 or not _is_event_stream(response):
                        response.read()  # an error, or a server that answered without streaming
                        result: Any = self._interpret(response)
                    else:
                        assembler = StreamAssembler()
                        for event in EventSource(response).iter_sse():
                            if event.data.strip() == "[DONE]":
                                break
                            for delta in assembler.feed(_event_json(event.data)):
                                started = True
                                yield delta
                        result = assembler.response()
            except httpx.HTTPError as exc:
                result = self._transport_error(exc)
            except BackendError as exc:
                result = exc
            delay = None if started else self._next_delay(result, attempt, response)
            if delay is None:
                yield from _whole(result)
                return
            time.sleep(delay)
            attempt += 1

    async def astream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResponse | BackendError]:
        """Async :meth:`stream`."""
        from httpx_sse import EventSource

        client, _sem = self._async_state()
        await self._probe_async(client)
        try:
            body = self._stream_body(request)
        except BackendError as exc:
            yield exc
            return
        attempt = 0
        while True:
            response = None
            started = False
            try:
                async with client.stream(
                    "POST", f"{self.base_url}/chat/completions", json=body, headers=self._headers
                ) as response:
                    if response.status_code >= 400 or not _is_event_stream(response):
                        await response.aread()  # an error, or a server that answered without streaming
                        result: Any = self._interpret(response)
                    else:
                        assembler = StreamAssembler()
                        async for event in EventSource(response).aiter_sse():
                            if event.data.strip() == "[DONE]":
                                break
                            for delta in assembler.feed(_event_json(event.data)):
                                started = True
                                yield delta
                        result = assembler.response()
            except httpx.HTTPError as exc:
                result = self._transport_error(exc)
            except BackendError as exc:
                result = exc
            delay = None if started else self._next_delay(result, attempt, response)
            if delay is None:
                for item in _whole(result):
                    yield item
                return
            await asyncio.sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        if self._aclient is not None and self._own_aclient:
            await self._aclient.aclose()
            self._aclient, self._aloop = None, None
        self.close()

    async def __aenter__(self) -> RemoteBackend:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def close(self) -> None:
        if self._client is not None and self._own_client:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------------ shared logic
    def _orchestrate(self, reqs: list[ChatRequest], run: Any) -> list[BackendResult]:
        plan = self._plan_first(reqs)
        parts, errors = self._collect(reqs, plan, run([b for _, b in plan]))
        extra = self._plan_deficit(reqs, parts, errors)
        if extra:
            self._collect(reqs, extra, run([b for _, b in extra]), parts, errors)
        return self._finish(reqs, parts, errors)

    def _plan_first(self, reqs: list[ChatRequest]) -> list[tuple[int, dict[str, Any]]]:
        dialect = get_dialect(self.dialect or "openai")
        model = self.model or "default"
        plan: list[tuple[int, dict[str, Any]]] = []
        for i, req in enumerate(reqs):
            try:
                if dialect.honours_n or req.n == 1:
                    plan.append((i, build_body(req, dialect, model)))
                else:  # fan out: n calls with n=1, distinct seeds when the caller fixed one
                    for k in range(req.n):
                        seeded = req if req.seed is None else _with_seed(req, req.seed + k)
                        plan.append((i, build_body(seeded, dialect, model, n=1)))
            except BackendError as exc:
                plan.append((i, {"__error__": exc}))
        return plan

    def _plan_deficit(
        self, reqs: list[ChatRequest], parts: dict[int, list[Any]], errors: dict[int, BackendError]
    ) -> list[tuple[int, dict[str, Any]]]:
        """Where a server returned fewer than ``n`` choices (it ignored ``n``), ask again with n=1."""
        dialect = get_dialect(self.dialect or "openai")
        extra = []
        for i, req in enumerate(reqs):
            if i in errors:
                continue
            got = sum(len(p[0]) for p in parts.get(i, []))
            for k in range(got, req.n):
                log.info("server returned %d of n=%d choices; fanning out", got, req.n)
                seeded = req if req.seed is None else _with_seed(req, req.seed + k)
                extra.append((i, build_body(seeded, dialect, self.model or "default", n=1)))
        return extra

    @staticmethod
    def _collect(
        reqs: list[ChatRequest],
        plan: list[tuple[int, dict[str, Any]]],
        results: list[Any],
        parts: dict[int, list[Any]] | None = None,
        errors: dict[int, BackendError] | None = None,
    ) -> tuple[dict[int, list[Any]], dict[int, BackendError]]:
        parts = {} if parts is None else parts
        errors = {} if errors is None else errors
        for (i, body), result in zip(plan, results, strict=True):
            if "__error__" in body:
                result = body["__error__"]
            if isinstance(result, BackendError):
                errors.setdefault(i, result)
                continue
            try:
                parts.setdefault(i, []).append(parse_choices(result))
            except BackendError as exc:
                errors.setdefault(i, exc)
        return parts, errors

    @staticmethod
    def _finish(
        reqs: list[ChatRequest], parts: dict[int, list[Any]], errors: dict[int, BackendError]
    ) -> list[BackendResult]:
        out: list[BackendResult] = []
        for i, req in enumerate(reqs):
            if i in errors:
                out.append(errors[i])
            else:
                out.append(merge(parts.get(i, []), req.n))
        return out

    def _interpret(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            text = response.text[:500]
            try:
                detail = response.json().get("error", {})
                text = detail.get("message", text) if isinstance(detail, dict) else str(detail)
            except (ValueError, AttributeError):
                pass
            if self._secret:
                text = text.replace(self._secret, "***")
            err = BackendHTTPError(
                f"{self.base_url} returned HTTP {response.status_code}: {text}", response.status_code, text
            )
            override = response.headers.get("x-should-retry")
            if override in ("true", "false"):
                err.retryable = override == "true"
            return err
        try:
            return response.json()
        except ValueError:
            return BackendError(f"{self.base_url} returned a non-JSON body: {response.text[:200]!r}")

    def _transport_error(self, exc: httpx.HTTPError) -> BackendError:
        if isinstance(exc, httpx.TimeoutException):
            return BackendTimeout(
                f"{self.base_url}: timed out ({type(exc).__name__}); raise timeout= or retry later"
            )
        return BackendConnectionError(f"{self.base_url}: cannot connect ({type(exc).__name__}: {exc})")

    def _next_delay(self, result: Any, attempt: int, response: httpx.Response | None) -> float | None:
        """Shared by the sync and async loops: seconds before retrying ``result``, or None when it is final
        (a response, or an error that is not retryable or out of attempts)."""
        if not isinstance(result, BackendError):
            return None
        delay = self._retry_delay(result, attempt, response)
        if delay is not None:
            log.info(
                "retrying in %.2fs after %s (attempt %d of %d)", delay, result, attempt + 1, self.max_retries
            )
        return delay

    def _retry_delay(self, err: BackendError, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if not err.retryable or attempt >= self.max_retries:
            return None
        if response is not None:
            server = _retry_after(response.headers)
            if server is not None:
                return server if server <= self.max_retry_after else None
        base, cap = self.backoff
        return min(base * 2**attempt, cap) * (1 - 0.25 * random.random())

    def _apply_probe(self, resp: httpx.Response) -> None:
        """Settle dialect and model from ``/v1/models``; an auth failure settles nothing (the calls report it)."""
        if resp.status_code in (401, 403):
            return
        payload: Any = None
        if resp.status_code < 400:
            try:
                payload = resp.json()
            except ValueError:
                payload = None
        if self.dialect is None:
            self.dialect = detect_dialect(payload, resp.headers)
            log.info("%s speaks the %r dialect", self.base_url, self.dialect)
        if self.model is None:
            data = payload.get("data") if isinstance(payload, dict) else None
            if data and isinstance(data[0], dict) and data[0].get("id"):
                self.model = str(data[0]["id"])
            else:
                log.warning(
                    "%s/models lists no model; sending model='default' (pass model=...)", self.base_url
                )
                self.model = "default"

    def _probe_failed(self, exc: Exception) -> None:
        log.warning(
            "%s/models is unreachable (%s); using dialect 'openai' for now", self.base_url, type(exc).__name__
        )

    def _read_timeout(self) -> float:
        return self.timeout.read if self.timeout.read is not None else 600.0


def _retry_after(headers: httpx.Headers) -> float | None:
    """Server-requested delay from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - time.time())


def _is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").split(";")[0].strip() == "text/event-stream"


def _whole(result: Any) -> Iterator[Delta | ChatResponse | BackendError]:
    """The end of a stream: a response, an error, or a non-streamed JSON body turned into deltas + response."""
    if isinstance(result, (ChatResponse, BackendError)):
        yield result
        return
    try:
        response = merge([parse_choices(result)], len(result.get("choices") or []) or 1)
    except BackendError as exc:
        yield exc
        return
    for i, c in enumerate(response.choices):
        yield Delta(index=i, text=c.text, reasoning=c.reasoning or "", finish_reason=c.finish_reason)
    yield response


def _event_json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise BackendError(f"the server sent a stream event that is not JSON: {data[:200]!r}") from None


def _with_seed(req: ChatRequest, seed: int) -> ChatRequest:
    import dataclasses

    return dataclasses.replace(req, seed=seed)
