"""Helpers for the backend tests: real servers on 127.0.0.1 (a serve subprocess, an in-process ChatServer,
a programmable OpenAI-compatible fake for retry and dialect tests)."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SERVE_START_TIMEOUT = 180.0  # seconds; a cold python+torch start on 2 busy cores can take ~30 s


# ---------------------------------------------------------------------------------------- serve process
@dataclass
class ServeProcess:
    proc: subprocess.Popen[str]
    url: str  # http://127.0.0.1:PORT/v1

    @property
    def root(self) -> str:
        return self.url[: -len("/v1")]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_serve(
    model_dir: Path, *args: str, env: dict[str, str] | None = None, stderr: Path | None = None
) -> ServeProcess:
    """Start ``sciReason serve`` on a free port and wait for its 'listening on' line (``env`` adds
    environment variables; ``stderr`` collects the server's log)."""
    full_env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    full_env.pop("SCIREASON_SERVE_API_KEY", None)
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "sciReason", "serve", "--model", str(model_dir), "--port", "0", *args]
    err = open(stderr, "w") if stderr is not None else subprocess.DEVNULL  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=full_env)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for x in proc.stdout:  # type: ignore[union-attr]
            lines.put(x)
        lines.put(None)  # stdout closed: the server exited

    threading.Thread(target=read, daemon=True).start()
    try:
        line = lines.get(timeout=SERVE_START_TIMEOUT)
    except queue.Empty:
        proc.kill()
        raise RuntimeError("sciReason serve did not start") from None
    if line is None:  # fail at once, not after the start timeout
        raise RuntimeError(f"sciReason serve exited with status {proc.wait()} before listening")
    assert "listening on http://127.0.0.1:" in line, line
    return ServeProcess(proc, line.split("listening on ", 1)[1].split()[0])


# ---------------------------------------------------------------------------------------- in-process server
class InProcessServer:
    """A :class:`ChatServer` on an event loop in a background thread (``with InProcessServer(b) as url:``)."""

    def __init__(self, backend: Any, **kwargs: Any) -> None:
        from sciReason.backends.server import ChatServer

        self.server = ChatServer(backend, model_name=kwargs.pop("model_name", "tiny"), port=0, **kwargs)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(30)
        return f"http://127.0.0.1:{self.server.port}/v1"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


# ---------------------------------------------------------------------------------------- fake OpenAI server
Reply = tuple[int, dict[str, str], Any]  # (status, headers, JSON payload or raw bytes)


def chat_payload(texts: list[str], finish: str = "stop", **message_extra: Any) -> dict[str, Any]:
    choices = [
        {"index": i, "message": {"role": "assistant", "content": t, **message_extra}, "finish_reason": finish}
        for i, t in enumerate(texts)
    ]
    return {"id": "x", "object": "chat.completion", "model": "fake", "choices": choices,
            "usage": {"prompt_tokens": 3, "completion_tokens": len(texts)}}  # fmt: skip


@dataclass
class FakeOpenAI:
    """Programmable OpenAI-compatible server. ``handler(body, headers, call_no) -> Reply`` for chat calls."""

    handler: Callable[[dict[str, Any], dict[str, str], int], Reply]
    models: dict[str, Any] = field(
        default_factory=lambda: {"object": "list", "data": [{"id": "fake", "owned_by": "openai"}]}
    )
    calls: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    inflight: int = 0
    max_inflight: int = 0

    def __post_init__(self) -> None:
        fake = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, headers: dict[str, str], payload: Any) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "content-type" not in {k.lower() for k in headers}:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._send(200, {}, fake.models)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with lock:
                    fake.calls.append((body, headers))
                    call_no = len(fake.calls) - 1
                    fake.inflight += 1
                    fake.max_inflight = max(fake.max_inflight, fake.inflight)
                try:
                    status, extra, payload = fake.handler(body, headers, call_no)
                finally:
                    with lock:
                        fake.inflight -= 1
                try:
                    self._send(status, extra, payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------- raw sockets
def raw_exchange(
    port: int, data: bytes, *, timeout: float = 60.0, chunks: list[bytes] | None = None
) -> bytes:
    """Send raw bytes to 127.0.0.1:port and read until the server closes the connection (or ``timeout``).

    For requests that no HTTP client library would send (smuggling, bad framing, garbage).
    """
    import socket
    import time

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        for piece in chunks or []:
            sock.sendall(piece)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                block = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not block:
                break
            received += block
        return received


def statuses(raw: bytes) -> list[int]:
    """Status codes of the HTTP responses in ``raw`` (final and interim)."""
    import re

    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


def sse_events(text: str) -> list[str]:
    """The ``data:`` payloads of a server-sent-events body, in order."""
    return [line[len("data: ") :] for line in text.split("\n") if line.startswith("data: ")]
