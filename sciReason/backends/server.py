"""``sciReason serve``: an OpenAI-compatible HTTP server over any :class:`Backend` (normally ``LocalBackend``).

Why stdlib ``asyncio`` and not starlette/uvicorn: the server needs four routes, JSON in and out and
HTTP/1.1 keep-alive; a hand-written protocol layer of ~150 lines keeps ``sciReason`` free of a web stack
and is exercised end to end by the tests (real sockets on 127.0.0.1, real httpx clients).

Batching: every chat request goes into one queue; a single batch loop takes what has arrived (up to
``max_batch_size`` requests, waiting at most ``batch_wait`` seconds after the first) and runs them as ONE
``backend.complete`` call in a worker thread. While a batch generates, new requests queue up and form the
next batch, so a busy server batches itself. A request whose client disconnects before its batch starts is
dropped (counted as ``cancelled`` in ``/health``).

Routes: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health`` (also ``/v1/health``).
Not supported: streaming (``stream: true`` gets HTTP 400), tools, logprobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sciReason.backends.base import Backend
from sciReason.errors import BackendError
from sciReason.types import ChatRequest, ChatResponse, Message

log = logging.getLogger(__name__)

__all__ = ["ChatServer", "RequestError", "parse_chat_request", "response_body"]

_MAX_BODY = 16 * 1024 * 1024
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


class RequestError(Exception):
    """A bad request body: becomes HTTP 400 with an OpenAI-style error object."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _text(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts: keep the text parts
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return "".join(parts)
    raise RequestError(
        f"{where} must be a string or a list of text parts, got {type(content).__name__}", where
    )


def _number(body: dict[str, Any], key: str, kind: type, low: float | None = None) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (kind is int and value != int(value))
    ):
        raise RequestError(f"{key} must be {'an integer' if kind is int else 'a number'}, got {value!r}", key)
    if low is not None and value < low:
        raise RequestError(f"{key}={value!r} must be >= {low}", key)
    return kind(value)


def parse_chat_request(body: Any, max_n: int = 64) -> ChatRequest:
    """Validate an OpenAI chat-completions body and turn it into a :class:`ChatRequest`.

    Accepts the vLLM/SGLang extras ``top_k``, ``chat_template_kwargs.enable_thinking``,
    ``use_beam_search`` (beam width = n) and lmdeploy's top-level ``enable_thinking``, plus ``num_beams``.
    """
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    if body.get("stream"):
        raise RequestError(
            "stream=true is not supported by sciReason serve; use vLLM or SGLang to stream", "stream"
        )
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
    max_tokens = _number(body, "max_completion_tokens", int, 1) or _number(body, "max_tokens", int, 1)
    temperature = _number(body, "temperature", float, 0.0)
    n = _number(body, "n", int, 1) or 1
    if n > max_n:
        raise RequestError(f"n={n} is above this server's limit of {max_n}", "n")
    top_k = _number(body, "top_k", int, -1)
    num_beams = _number(body, "num_beams", int, 1) or 1
    if body.get("use_beam_search"):
        num_beams = max(num_beams, n)
    stop = body.get("stop")
    if stop is None:
        stop = []
    elif isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
        raise RequestError("stop must be a string or a list of non-empty strings", "stop")
    kwargs = body.get("chat_template_kwargs") or {}
    thinking = (
        kwargs.get("enable_thinking", body.get("enable_thinking")) if isinstance(kwargs, dict) else None
    )
    if thinking is not None and not isinstance(thinking, bool):
        raise RequestError(f"enable_thinking must be true or false, got {thinking!r}", "enable_thinking")
    seed = _number(body, "seed", int)
    return ChatRequest(
        messages=tuple(messages),
        max_tokens=max_tokens or 512,
        temperature=1.0 if temperature is None else temperature,  # the OpenAI default
        top_p=_number(body, "top_p", float, 0.0),
        top_k=None if top_k in (None, -1, 0) else top_k,
        n=n,
        num_beams=num_beams,
        seed=seed,
        stop=tuple(stop),
        enable_thinking=thinking,
        model=body.get("model") if isinstance(body.get("model"), str) else None,
    )


def response_body(resp: ChatResponse, model: str) -> dict[str, Any]:
    """An OpenAI ``chat.completion`` object for ``resp``."""
    choices = []
    for i, c in enumerate(resp.choices):
        message: dict[str, Any] = {"role": "assistant", "content": c.text}
        if c.reasoning is not None:
            message["reasoning_content"] = c.reasoning
        choices.append({"index": i, "message": message, "finish_reason": c.finish_reason, "logprobs": None})
    usage = {"prompt_tokens": resp.usage.prompt_tokens, "completion_tokens": resp.usage.completion_tokens,
             "total_tokens": resp.usage.total_tokens}  # fmt: skip
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": choices, "usage": usage}  # fmt: skip


def _error(status: int, message: str, param: str | None = None) -> tuple[int, dict[str, Any]]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return status, {"error": {"message": message, "type": kind, "param": param, "code": status}}


@dataclass
class _Pending:
    request: ChatRequest
    future: asyncio.Future[Any]


@dataclass
class ServerStats:
    received: int = 0  # chat requests accepted into the queue
    generated: int = 0  # requests handed to the backend
    completed: int = 0  # responses sent
    disconnected: int = 0  # clients that went away while their request waited
    cancelled: int = 0  # of those, dropped before generation started
    batches: int = 0
    max_batch: int = 0
    busy: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class ChatServer:
    """OpenAI-compatible server over ``backend``; see the module docstring.

    Args:
        backend: what generates (``complete`` runs in a worker thread, one batch at a time).
        model_name: the id reported by ``/v1/models`` and in responses.
        host, port: where to listen (port 0 picks a free port; see :attr:`port` after :meth:`start`).
        max_batch_size: most requests per ``backend.complete`` call.
        batch_wait: seconds to wait after the first queued request for more to arrive.
        api_key: if set, every call needs ``Authorization: Bearer <api_key>``.
    """

    def __init__(self, backend: Backend, *, model_name: str, host: str = "127.0.0.1", port: int = 8000,
                 max_batch_size: int = 32, batch_wait: float = 0.005, api_key: str | None = None) -> None:  # fmt: skip
        self.backend = backend
        self.model_name = model_name
        self.host = host
        self.port = port
        self.max_batch_size = max(1, max_batch_size)
        self.batch_wait = batch_wait
        self._api_key = api_key
        self.stats = ServerStats()
        self._queue: asyncio.Queue[_Pending] | None = None
        self._server: asyncio.AbstractServer | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._server = await asyncio.start_server(self._connection, self.host, self.port, limit=_MAX_BODY)
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop_task = asyncio.create_task(self._batch_loop())

    async def serve_forever(self, stop: asyncio.Event | None = None) -> None:
        if self._server is None:
            await self.start()
        stop = stop or asyncio.Event()
        await stop.wait()
        await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        for writer in list(self._connections.values()):  # idle keep-alive connections end their handlers
            writer.close()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5.0)
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
            live = [p for p in batch if not p.future.done()]
            self.stats.cancelled += len(batch) - len(live)
            if not live:
                continue
            self.stats.batches += 1
            self.stats.generated += len(live)
            self.stats.max_batch = max(self.stats.max_batch, len(live))
            self.stats.busy = True
            try:
                results = await asyncio.to_thread(self.backend.complete, [p.request for p in live])
            except Exception as exc:  # the whole backend failed: every item gets the error
                log.exception("backend failed on a batch of %d", len(live))
                err = BackendError(f"{type(exc).__name__}: {exc}")
                err.retryable = True
                results = [err] * len(live)
            finally:
                self.stats.busy = False
            for pending, result in zip(live, results, strict=True):
                if not pending.future.done():
                    pending.future.set_result(result)

    # ------------------------------------------------------------------ HTTP
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections[task] = writer
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, path, headers, body = request
                outcome = await self._dispatch(method, path, headers, body, reader)
                if outcome is None:  # the client went away
                    break
                status, payload, keep = outcome
                keep = keep and headers.get("connection", "").lower() != "close"
                _write(writer, status, payload, keep)
                await writer.drain()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            if task is not None:
                self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _dispatch(self, method: str, path: str, headers: dict[str, str], body: bytes,
                        reader: asyncio.StreamReader) -> tuple[int, dict[str, Any], bool] | None:  # fmt: skip
        path = path.split("?", 1)[0].rstrip("/")
        if self._api_key is not None and path not in ("/health", "/v1/health"):
            given = headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self._api_key}".encode()):
                return (*_error(401, "missing or wrong API key (Authorization: Bearer ...)"), True)
        routes = {"/health": "GET", "/v1/health": "GET", "/v1/models": "GET", "/v1/chat/completions": "POST"}
        if path not in routes:
            return (*_error(404, f"no route {path!r}; try /v1/chat/completions, /v1/models or /health"), True)
        if method != routes[path]:
            return (*_error(405, f"{path} takes {routes[path]}, not {method}"), True)
        if path.endswith("/health"):
            return 200, {"status": "ok", "model": self.model_name, "queued": self._queue.qsize() if self._queue else 0,
                         **{k: v for k, v in vars(self.stats).items() if k != "extra"}}, True  # fmt: skip
        if path == "/v1/models":
            card = {"id": self.model_name, "object": "model", "created": 0, "owned_by": "scireason"}
            return 200, {"object": "list", "data": [card]}, True
        try:
            request = parse_chat_request(json.loads(body or b"null"))
        except json.JSONDecodeError as exc:
            return (*_error(400, f"the request body is not valid JSON: {exc}"), True)
        except RequestError as exc:
            return (*_error(400, str(exc), exc.param), True)
        return await self._chat(request, reader)

    async def _chat(
        self, request: ChatRequest, reader: asyncio.StreamReader
    ) -> tuple[int, dict[str, Any], bool] | None:
        assert self._queue is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.stats.received += 1
        self._queue.put_nowait(_Pending(request, future))
        watch = asyncio.ensure_future(reader.read(1))  # b"" = the client closed the connection
        done, _ = await asyncio.wait({future, watch}, return_when=asyncio.FIRST_COMPLETED)
        if future not in done:
            if not watch.result():
                self.stats.disconnected += 1
                future.cancel()  # dropped by the batch loop if its batch has not started
                return None
            await future  # pipelined bytes: answer, then close (pipelining is not supported)
        elif not watch.done():
            watch.cancel()  # and wait, so the next readline() is the only reader
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        keep = watch.cancelled()  # the watcher read nothing: the connection can be reused
        result = future.result()
        self.stats.completed += 1
        if isinstance(result, BackendError):
            status = 500 if getattr(result, "retryable", False) else 400
            return (*_error(status, str(result)), keep)
        return 200, response_body(result, self.model_name), keep


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise ValueError(f"bad request line {line!r}")
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if length > _MAX_BODY:
        raise ValueError("body too large")
    body = await reader.readexactly(length) if length else b""
    return parts[0].upper(), parts[1], headers, body


def _write(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any], keep: bool) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: {'keep-alive' if keep else 'close'}\r\n\r\n")  # fmt: skip
    writer.write(head.encode() + data)
