"""``sciReason serve``: an OpenAI-compatible HTTP server over any :class:`Backend` (normally ``LocalBackend``).

Why uvicorn + starlette (the optional ``serve`` extra): HTTP parsing, framing, keep-alive, HTTP/1.0,
``Expect: 100-continue``, header-size limits and malformed input are the server library's job. The HTTP
parser is pinned to h11 (pure Python, strict, the same everywhere) rather than whatever uvicorn finds
installed. What uvicorn leaves to the application is done here, each in a few lines:

* a deadline for every request head (uvicorn's keep-alive timer only runs between requests and is
  reset by every byte, so a client trickling header bytes would hold a connection forever);
* a deadline and a size cap for the body (413 from ``Content-Length`` before reading, else while
  reading a chunked body), then ``Connection: close``;
* ``Content-Length`` together with ``Transfer-Encoding`` is refused with 400 and the connection closed
  (RFC 9112 §6.1; h11 alone would read the chunked body and keep the connection open, which a proxy that
  trusts ``Content-Length`` would read as a second, smuggled request).

Batching: every chat request is validated and tokenized first (in a worker thread, outside the
generation lock, so a huge or bad prompt never delays a running batch), then goes into one bounded queue.
A single batch loop takes what has arrived (up to ``max_batch_size`` requests, waiting at most
``batch_wait`` seconds after the first) and runs them as ONE backend call in a worker thread. While a
batch generates, new requests queue up and form the next batch. A full queue answers 503 with
``Retry-After``. A request whose client disconnects (or whose ``request_timeout`` passes) is dropped
before its batch starts, or stopped at the next decoding step when the backend supports it
(``LocalBackend``).

Routes: ``POST /v1/chat/completions`` (``stream: true`` answers with server-sent events in the OpenAI
chunk format), ``GET /v1/models``, ``GET /health``, ``GET /metrics`` (Prometheus text). With an API key,
every ``/v1/...`` route needs ``Authorization: Bearer <key>``; ``/health`` and ``/metrics`` stay open for
probes and scrapers, as in vLLM.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sciReason.backends.base import Backend
from sciReason.backends.openai_wire import (
    ChatCall,
    RequestError,
    ServeLimits,
    chunk,
    error_body,
    new_id,
    parse_body,
    parse_chat_request,
    response_body,
)
from sciReason.errors import BackendError
from sciReason.types import ChatRequest, ChatResponse, Delta

log = logging.getLogger("sciReason.serve")

__all__ = ["ChatServer", "RequestError", "ServeLimits", "parse_chat_request", "response_body"]


@dataclass
class _Pending:
    request: ChatRequest
    prompt: list[int] | None  # tokenized by backend.encode; None when the backend tokenizes itself
    future: asyncio.Future[Any]
    sink: Callable[[Delta], None] | None = None  # streaming requests: deltas from the worker thread
    gone: threading.Event = field(default_factory=threading.Event)  # client left or timed out


@dataclass
class ServerStats:
    received: int = 0  # chat requests accepted into the queue
    generated: int = 0  # requests handed to the backend
    completed: int = 0  # responses sent
    disconnected: int = 0  # clients that went away before their answer
    cancelled: int = 0  # requests dropped before generation started (client gone, timeout)
    rejected: int = 0  # 4xx answers to chat requests (bad body, limits)
    overloaded: int = 0  # 503 answers: the queue was full
    timed_out: int = 0  # requests past request_timeout
    batches: int = 0
    max_batch: int = 0
    last_batch: int = 0
    busy: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    generation_seconds: float = 0.0


def _h11_with_head_deadline(head_timeout: float) -> type:
    """uvicorn's h11 protocol plus a deadline for each request head (see the module docstring)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class H11WithHeadDeadline(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None
        _seen_cycle: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_timer()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and self.cycle is not self._seen_cycle:  # a whole head arrived
                self._seen_cycle = self.cycle
                self._cancel_head_timer()

        def on_response_complete(self) -> None:
            if not self.transport.is_closing():
                self._arm_head_timer()  # before super(): it may parse a pipelined head at once
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            self._cancel_head_timer()
            self._head_timer = self.loop.call_later(head_timeout, self._head_timed_out)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            if not self.transport.is_closing():
                self.transport.close()  # like nginx's client_header_timeout: no request, no response

    return H11WithHeadDeadline


class ChatServer:
    """OpenAI-compatible server over ``backend``; see the module docstring.

    Args:
        backend: what generates (one batch at a time, in a worker thread). A backend with
            ``encode``/``complete_encoded`` (``LocalBackend``) is tokenized outside its generation lock,
            streams token by token and stops generating for clients that left.
        model_name: the id reported by ``/v1/models`` and in responses.
        host, port: where to listen (port 0 picks a free port; see :attr:`port` after :meth:`start`).
        max_batch_size: most requests per backend call.
        batch_wait: seconds to wait after the first queued request for more to arrive.
        api_key: if set, every ``/v1/...`` call needs ``Authorization: Bearer <api_key>``.
        limits: per-request limits (body bytes, prompt characters, n, beams, stop strings, max_tokens).
        max_queue: most requests waiting for a batch; more get 503 with ``Retry-After``.
        request_timeout: seconds from arrival to the last byte of the answer (queue wait + generation).
        body_timeout: seconds to receive a request body; head_timeout: seconds to receive a request head.
        keep_alive: seconds an idle keep-alive connection stays open.
        max_connections: open connections (and requests in progress) before uvicorn answers 503.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        model_name: str,
        host: str = "127.0.0.1",
        port: int = 8000,
        max_batch_size: int = 32,
        batch_wait: float = 0.005,
        api_key: str | None = None,
        limits: ServeLimits | None = None,
        max_queue: int = 256,
        request_timeout: float = 600.0,
        body_timeout: float = 30.0,
        head_timeout: float = 10.0,
        keep_alive: int = 5,
        max_connections: int = 1000,
    ) -> None:
        self.backend = backend
        self.model_name = model_name
        self.host = host
        self.port = port
        self.max_batch_size = max(1, max_batch_size)
        self.batch_wait = batch_wait
        self._key_digest = hashlib.sha256(api_key.encode()).digest() if api_key else None
        self.limits = limits or ServeLimits(max_prompt_chars=_default_prompt_chars(backend))
        self.max_queue = max(1, max_queue)
        self.request_timeout = request_timeout
        self.body_timeout = body_timeout
        self.head_timeout = head_timeout
        self.keep_alive = keep_alive
        self.max_connections = max_connections
        self.stats = ServerStats()
        self._encode = getattr(backend, "encode", None)
        self._queue: asyncio.Queue[_Pending] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._uvicorn: Any = None
        self._serve_task: asyncio.Task[None] | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._batch_seconds = 0.0  # duration of the last batch, for Retry-After
        self.app = self._build_app()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Bind, start uvicorn and the batch loop; :attr:`port` is the bound port afterwards."""
        import uvicorn

        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        sock = _listen(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=_h11_with_head_deadline(self.head_timeout),
            lifespan="off",
            log_config=None,  # the CLI configures logging; uvicorn's loggers propagate to it
            access_log=False,  # one request log line per chat call instead (id, latency, tokens)
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=self.keep_alive,
            limit_concurrency=self.max_connections,
            timeout_graceful_shutdown=30,
        )
        self._uvicorn = uvicorn.Server(config)
        self._serve_task = asyncio.create_task(self._uvicorn.serve(sockets=[sock]))
        while not self._uvicorn.started:
            if self._serve_task.done():
                self._serve_task.result()  # raises the startup error
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.01)
        self._loop_task = asyncio.create_task(self._batch_loop())

    async def serve_forever(self, stop: asyncio.Event | None = None) -> None:
        """Serve until ``stop`` is set or uvicorn exits (SIGINT/SIGTERM in the main thread), then close."""
        if self._serve_task is None:
            await self.start()
        assert self._serve_task is not None
        waiters: set[asyncio.Future[Any]] = {self._serve_task}
        if stop is not None:
            waiters.add(asyncio.ensure_future(stop.wait()))
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        await self.close()

    async def close(self) -> None:
        """Stop accepting, let requests in progress finish (30 s at most), stop the batch loop."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._serve_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._serve_task), 45.0)
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)

    # ------------------------------------------------------------------ batching
    async def _batch_loop(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            if self.batch_wait > 0 and self._queue.qsize() < self.max_batch_size - 1:
                await asyncio.sleep(self.batch_wait)  # let concurrent requests catch up
            while len(batch) < self.max_batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            live = [p for p in batch if not p.gone.is_set()]
            self.stats.cancelled += len(batch) - len(live)
            for p in batch:
                if p.gone.is_set() and not p.future.done():
                    p.future.set_result(BackendError("cancelled before generation"))
            if not live:
                continue
            self.stats.batches += 1
            self.stats.generated += len(live)
            self.stats.last_batch = len(live)
            self.stats.max_batch = max(self.stats.max_batch, len(live))
            self.stats.busy = True
            start = time.monotonic()
            try:
                results = await asyncio.to_thread(self._run_batch, live)
            except Exception as exc:  # the whole backend failed: every item gets the error
                log.exception("backend failed on a batch of %d", len(live))
                err = BackendError(f"{type(exc).__name__}: {exc}")
                err.retryable = True
                results = [err] * len(live)
            finally:
                self.stats.busy = False
                self._batch_seconds = time.monotonic() - start
                self.stats.generation_seconds += self._batch_seconds
            for pending, result in zip(live, results, strict=True):
                if isinstance(result, ChatResponse):
                    self.stats.prompt_tokens += result.usage.prompt_tokens
                    self.stats.completion_tokens += result.usage.completion_tokens
                if not pending.future.done():
                    pending.future.set_result(result)

    def _run_batch(self, live: list[_Pending]) -> list[Any]:
        """In a worker thread: one backend call for the whole batch."""
        reqs = [p.request for p in live]
        native = getattr(self.backend, "complete_encoded", None)
        if native is not None and all(p.prompt is not None for p in live):
            return list(
                native(
                    reqs,
                    [p.prompt for p in live],
                    sinks=[p.sink for p in live],
                    cancelled=[p.gone.is_set for p in live],
                )  # fmt: skip
            )
        results = list(self.backend.complete(reqs))
        for p, res in zip(live, results, strict=True):  # no token streaming: each choice in one piece
            if p.sink is not None and isinstance(res, ChatResponse):
                for i, c in enumerate(res.choices):
                    p.sink(Delta(i, c.text, c.reasoning or "", c.finish_reason))
        return results

    # ------------------------------------------------------------------ HTTP
    def _build_app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.exceptions import HTTPException
        from starlette.routing import Route

        routes = [
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
            Route("/health", self._health, methods=["GET"]),
            Route("/metrics", self._metrics, methods=["GET"]),
        ]

        async def http_error(request: Any, exc: Exception) -> Any:
            assert isinstance(exc, HTTPException)
            path = request.url.path
            if exc.status_code == 404:
                message = f"no route {path!r}; try /v1/chat/completions, /v1/models or /health"
            elif exc.status_code == 405:
                allowed = next((r.methods for r in routes if r.path == path), {"GET"}) or {"GET"}
                message = f"{path} takes {'/'.join(sorted(allowed - {'HEAD'}))}, not {request.method}"
            else:
                message = str(exc.detail)
            return _json(exc.status_code, error_body(exc.status_code, message), exc.headers)

        async def server_error(request: Any, exc: Exception) -> Any:
            log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            return _json(500, error_body(500, f"internal error: {type(exc).__name__}"))

        app = Starlette(
            routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error}
        )
        return _Guard(app, self._key_digest)

    async def _models(self, request: Any) -> Any:
        card = {"id": self.model_name, "object": "model", "created": 0, "owned_by": "scireason"}
        return _json(200, {"object": "list", "data": [card]})

    async def _health(self, request: Any) -> Any:
        alive = self._loop_task is not None and not self._loop_task.done()
        body = {"status": "ok" if alive else "stopped", "model": self.model_name, "queued": self._queued(),
                **vars(self.stats)}  # fmt: skip
        return _json(200 if alive else 503, body)

    async def _metrics(self, request: Any) -> Any:
        from starlette.responses import PlainTextResponse

        s = self.stats
        rate = s.completion_tokens / s.generation_seconds if s.generation_seconds > 0 else 0.0
        rows = [
            ("requests_received_total", "counter", "chat requests accepted into the queue", s.received),
            ("requests_completed_total", "counter", "chat responses sent", s.completed),
            ("requests_rejected_total", "counter", "chat requests refused with a 4xx", s.rejected),
            ("requests_overloaded_total", "counter", "chat requests refused with 503 (queue full)", s.overloaded),
            ("requests_timed_out_total", "counter", "chat requests past the request timeout", s.timed_out),
            ("requests_disconnected_total", "counter", "clients gone before their answer", s.disconnected),
            ("queue_depth", "gauge", "requests waiting for a batch", self._queued()),
            ("batches_total", "counter", "backend calls", s.batches),
            ("batch_size_last", "gauge", "requests in the last batch", s.last_batch),
            ("batch_size_max", "gauge", "largest batch so far", s.max_batch),
            ("prompt_tokens_total", "counter", "prompt tokens of answered requests", s.prompt_tokens),
            ("completion_tokens_total", "counter", "generated tokens of answered requests", s.completion_tokens),
            ("generation_seconds_total", "counter", "seconds spent in backend calls", s.generation_seconds),
            ("generation_tokens_per_second", "gauge", "completion tokens per second of backend time", rate),
        ]  # fmt: skip
        text = "".join(
            f"# HELP scireason_{name} {help_}\n# TYPE scireason_{name} {kind}\nscireason_{name} {value}\n"
            for name, kind, help_, value in rows
        )
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    def _queued(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    def _retry_after(self) -> str:
        batches_ahead = self._queued() / self.max_batch_size + 1
        return str(min(60, max(1, math.ceil(batches_ahead * self._batch_seconds))))

    async def _read_body(self, request: Any) -> bytes:
        cap = self.limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and int(declared) > cap:  # h11 has checked it is a number
            raise RequestError(
                f"the request body has {declared} bytes; this server accepts at most {cap} "
                "(sciReason serve --max-body-bytes)",
                status=413,
            )

        async def collect() -> bytes:
            parts, size = [], 0
            async for piece in request.stream():
                size += len(piece)
                if size > cap:
                    raise RequestError(
                        f"the request body is over {cap} bytes, this server's limit "
                        "(sciReason serve --max-body-bytes)",
                        status=413,
                    )
                parts.append(piece)
            return b"".join(parts)

        try:
            return await asyncio.wait_for(collect(), self.body_timeout)
        except asyncio.TimeoutError:
            raise RequestError(
                f"the request body did not arrive within {self.body_timeout:g} s", status=408
            ) from None

    async def _chat(self, request: Any) -> Any:
        from starlette.requests import ClientDisconnect

        rid = request.headers.get("x-request-id") or new_id()
        arrived = time.monotonic()
        try:
            body = await self._read_body(request)
            call = parse_chat_request(parse_body(body), self.limits)
            if self._queued() >= self.max_queue:
                return self._overloaded(rid, arrived)
            prompt = await asyncio.to_thread(self._encode, call.request) if self._encode else None
        except ClientDisconnect:
            self.stats.disconnected += 1
            return _json(400, error_body(400, "client disconnected"))
        except RequestError as exc:
            return self._refuse(rid, arrived, exc.status, str(exc), exc.param)
        except BackendError as exc:  # the backend refused the request (e.g. longer than the context)
            return self._refuse(rid, arrived, 400, str(exc), "messages")
        assert self._queue is not None and self._loop is not None
        if self._queued() >= self.max_queue:  # checked again: the queue may have filled while tokenizing
            return self._overloaded(rid, arrived)
        pending = _Pending(call.request, prompt, self._loop.create_future())
        self.stats.received += 1
        if call.stream:
            return self._stream(pending, call, rid, arrived)
        self._queue.put_nowait(pending)
        return await self._answer(pending, call, rid, arrived, request.receive)

    async def _answer(self, pending: _Pending, call: ChatCall, rid: str, arrived: float, receive: Any) -> Any:
        watch = asyncio.ensure_future(receive())  # after the body, receive() returns only on disconnect
        left = self.request_timeout - (time.monotonic() - arrived)
        done, _ = await asyncio.wait(
            {pending.future, watch}, timeout=left, return_when=asyncio.FIRST_COMPLETED
        )
        if pending.future not in done:
            pending.gone.set()  # dropped before its batch, or stopped at the next decoding step
            if watch in done:
                self.stats.disconnected += 1
                self._log(rid, 499, arrived, call, None)
                return _json(499, error_body(499, "client disconnected"))
            watch.cancel()
            self.stats.timed_out += 1
            message = f"no answer within the server's request timeout of {self.request_timeout:g} s"
            self._log(rid, 504, arrived, call, None)
            return _json(504, error_body(504, message + " (sciReason serve --request-timeout)"))
        watch.cancel()
        result = pending.future.result()
        self.stats.completed += 1
        if isinstance(result, BackendError):
            status = 500 if getattr(result, "retryable", False) else 400
            self._log(rid, status, arrived, call, None)
            return _json(status, error_body(status, str(result)))
        self._log(rid, 200, arrived, call, result)
        return _json(200, response_body(result, self.model_name, rid), {"x-request-id": rid})

    def _stream(self, pending: _Pending, call: ChatCall, rid: str, arrived: float) -> Any:
        from starlette.responses import StreamingResponse

        assert self._loop is not None and self._queue is not None
        loop, deltas = self._loop, asyncio.Queue()  # type: ignore[var-annotated]
        end = object()
        pending.sink = lambda d: loop.call_soon_threadsafe(deltas.put_nowait, d)
        pending.future.add_done_callback(lambda _f: deltas.put_nowait(end))
        self._queue.put_nowait(pending)

        async def events() -> AsyncIterator[str]:
            created, opened, status = int(time.time()), set(), 200
            try:
                while True:
                    left = self.request_timeout - (time.monotonic() - arrived)
                    try:
                        item = await asyncio.wait_for(deltas.get(), max(left, 0.001))
                    except asyncio.TimeoutError:
                        self.stats.timed_out += 1
                        status = 504
                        message = (
                            f"no answer within the server's request timeout of {self.request_timeout:g} s"
                        )
                        yield _sse(error_body(504, message))
                        break
                    if item is end:
                        result = pending.future.result()
                        if isinstance(result, BackendError):
                            status = 500 if getattr(result, "retryable", False) else 400
                            yield _sse(error_body(status, str(result)))
                        elif call.include_usage:
                            yield _sse(chunk(rid, self.model_name, created, usage=result.usage))
                        break
                    first = item.index not in opened
                    opened.add(item.index)
                    yield _sse(chunk(rid, self.model_name, created, item, role=first,
                                     include_usage=call.include_usage))  # fmt: skip
                yield "data: [DONE]\n\n"
                self.stats.completed += 1
                done = pending.future.done() and pending.future.result()
                self._log(rid, status, arrived, call, done if isinstance(done, ChatResponse) else None)
            finally:
                if not pending.future.done():  # the client left (starlette cancelled us) or timed out
                    pending.gone.set()
                    if status == 200:
                        self.stats.disconnected += 1
                        self._log(rid, 499, arrived, call, None)

        headers = {"cache-control": "no-cache", "x-request-id": rid}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    def _refuse(self, rid: str, arrived: float, status: int, message: str, param: str | None) -> Any:
        self.stats.rejected += 1
        self._log(rid, status, arrived, None, None, message)
        # 408/413 are sent before the body was read to its end: the connection cannot be reused
        close = {"connection": "close"} if status in (408, 413) else None
        return _json(status, error_body(status, message, param), close)

    def _overloaded(self, rid: str, arrived: float) -> Any:
        self.stats.overloaded += 1
        retry = self._retry_after()
        self._log(rid, 503, arrived, None, None, f"queue full ({self._queued()} waiting)")
        message = f"the server is busy: {self._queued()} requests are waiting (limit {self.max_queue}); retry in {retry} s"
        return _json(503, error_body(503, message), {"retry-after": retry})

    def _log(self, rid: str, status: int, arrived: float, call: ChatCall | None, resp: ChatResponse | None,
             note: str = "") -> None:  # fmt: skip
        usage = resp.usage if resp is not None else None
        log.info(
            "request %s status=%d latency_ms=%.0f stream=%s prompt_tokens=%s completion_tokens=%s%s",
            rid, status, (time.monotonic() - arrived) * 1000, bool(call and call.stream),
            usage.prompt_tokens if usage else "-", usage.completion_tokens if usage else "-",
            f" ({note})" if note else "",
        )  # fmt: skip


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket. Created with ``IPPROTO_TCP`` explicitly: asyncio sets TCP_NODELAY only on
    sockets whose ``proto`` says TCP, and ``socket.create_server`` leaves it 0, which left Nagle's
    algorithm on and cost every response ~40 ms (headers and body are two writes; the client delays its ACK)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def _json(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    from starlette.responses import JSONResponse

    return JSONResponse(payload, status_code=status, headers=headers)


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _default_prompt_chars(backend: Any) -> int:
    """8 characters per token of the model's context (BPE averages 3-4; SMILES fewer), else 1 M."""
    context = getattr(backend, "_context", None)
    return 8 * int(context) if context else 1_000_000


class _Guard:
    """ASGI middleware in front of every route: refuses ambiguous framing, then checks the API key."""

    def __init__(self, app: Any, key_digest: bytes | None) -> None:
        self.app = app
        self.key_digest = key_digest

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in scope["headers"]}
        if b"content-length" in names and b"transfer-encoding" in names:
            message = "Content-Length and Transfer-Encoding together are ambiguous framing; send one of them"
            await _json(400, error_body(400, message), {"connection": "close"})(scope, receive, send)
            return
        if self.key_digest is not None and scope["path"].startswith("/v1") and scope["method"] != "OPTIONS":
            if not self._authorized(scope["headers"]):
                message = "missing or wrong API key (send Authorization: Bearer <key>)"
                await _json(401, error_body(401, message))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _authorized(self, headers: list[tuple[bytes, bytes]]) -> bool:
        value = next((v for k, v in headers if k == b"authorization"), b"")
        scheme, _, token = value.decode("latin-1").partition(" ")
        digest = hashlib.sha256(token.strip().encode("latin-1")).digest()
        # Digests of equal length, compared in constant time: the key's length does not leak either.
        return hmac.compare_digest(digest, self.key_digest or b"") and scheme.lower() == "bearer"
