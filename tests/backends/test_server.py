"""The OpenAI-compatible server: HTTP surface, batching, cancellation and error mapping (in-process server
on 127.0.0.1 over the real tiny model), plus the ``sciReason serve`` command."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from backend_helpers import InProcessServer

from sciReason.backends.local import LocalBackend
from sciReason.backends.remote import RemoteBackend
from sciReason.errors import BackendError, BackendHTTPError
from sciReason.types import ChatRequest, ChatResponse, Message


def ask(text: str = "hi", **kw: Any) -> ChatRequest:
    return ChatRequest((Message("user", text),), **kw)


def wait_until(predicate: Any, what: str, timeout: float = 60.0) -> None:
    """Poll a condition (a liveness guard, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Gated:
    """Wraps a backend: records batch sizes; the first ``complete`` waits for ``gate``."""

    name = "gated"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.batches: list[int] = []
        self.entered = threading.Event()

    def complete(self, requests: Sequence[ChatRequest]) -> list[Any]:
        self.batches.append(len(requests))
        self.entered.set()
        self.gate.wait(60)
        return self.inner.complete(requests)

    def close(self) -> None:
        pass


def test_http_surface(local_backend: LocalBackend) -> None:
    with (
        InProcessServer(local_backend, model_name="tiny-test") as url,
        httpx.Client(base_url=url[:-3]) as http,
    ):
        assert http.get("/health").json()["status"] == "ok"
        models = http.get("/v1/models").json()
        assert models["data"][0]["id"] == "tiny-test" and models["data"][0]["owned_by"] == "scireason"
        body = {"model": "tiny-test", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
                "max_completion_tokens": 5, "temperature": 0, "n": 2, "stop": "@@"}  # fmt: skip
        resp = http.post("/v1/chat/completions", json=body).json()
        assert resp["object"] == "chat.completion" and resp["model"] == "tiny-test"
        assert [c["index"] for c in resp["choices"]] == [0, 1]
        assert resp["choices"][0]["message"]["role"] == "assistant"
        assert resp["choices"][0]["finish_reason"] == "length"
        usage = resp["usage"]
        assert usage["completion_tokens"] == 10 and usage["total_tokens"] == usage["prompt_tokens"] + 10
        expected = local_backend.complete([ask("hi", max_tokens=5)])[0].choices[0].text
        assert resp["choices"][0]["message"]["content"] == expected


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "needle"),
    [
        ("GET", "/v2/nothing", None, 404, "no route"),
        ("GET", "/v1/chat/completions", None, 405, "POST"),
        ("POST", "/v1/chat/completions", b"{not json", 400, "not valid JSON"),
        ("POST", "/v1/chat/completions", {"messages": []}, 400, "messages"),
        ("POST", "/v1/chat/completions", {"messages": [{"role": "robot", "content": "x"}]}, 400, "role"),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "stream": "false"},
            400,
            "stream must be true or false",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "n": 0},
            400,
            "n=0",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "max_tokens": "5"},
            400,
            "max_tokens",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "stop": [1]},
            400,
            "stop",
        ),
    ],
)
def test_bad_requests_get_openai_errors(
    local_backend: LocalBackend, method: str, path: str, body: Any, status: int, needle: str
) -> None:
    with InProcessServer(local_backend) as url, httpx.Client(base_url=url[:-3]) as http:
        content = body if isinstance(body, bytes) else None
        resp = http.request(method, path, json=None if content else body, content=content)
        assert resp.status_code == status
        error = resp.json()["error"]
        assert needle in error["message"] and error["code"] == status
        assert http.get("/health").status_code == 200  # the server survives


def test_api_key_required_when_configured(local_backend: LocalBackend) -> None:
    with InProcessServer(local_backend, api_key="team-secret") as url:
        assert httpx.get(url + "/models").status_code == 401
        assert httpx.get(url[:-3] + "/health").status_code == 200  # health stays open for probes
        denied = RemoteBackend(
            url, api_key="wrong", dialect="scireason", model="tiny", max_retries=0
        ).complete([ask()])
        assert isinstance(denied[0], BackendHTTPError) and denied[0].status_code == 401
        ok = RemoteBackend(url, api_key="team-secret", max_retries=0).complete([ask(max_tokens=2)])
        assert isinstance(ok[0], ChatResponse)


def test_concurrent_requests_are_batched_into_one_backend_call(local_backend: LocalBackend) -> None:
    gated = Gated(local_backend)
    reqs = [ask(f"prompt {k}", max_tokens=3 + k % 4) for k in range(12)]
    with InProcessServer(gated, batch_wait=0.0) as url:
        remote = RemoteBackend(url, dialect="scireason", model="tiny", max_concurrency=12)
        box: list[Any] = []
        worker = threading.Thread(target=lambda: box.append(remote.complete(reqs)))
        worker.start()
        gated.entered.wait(60)
        # every request is in the server (the gated first batch + the queue) before the gate opens
        wait_until(lambda: sum(gated.batches) + _queued(url) >= 12, "12 requests to arrive")
        gated.gate.set()
        worker.join(120)
    results = box[0]
    assert [r.choices for r in results] == [r.choices for r in local_backend.complete(reqs)]
    assert sum(gated.batches) == 12 and max(gated.batches) >= 2 and len(gated.batches) < 12


def _queued(url: str) -> int:
    return int(httpx.get(url[:-3] + "/health").json()["queued"])


def test_cancelled_request_is_dropped_before_generation(local_backend: LocalBackend) -> None:
    gated = Gated(local_backend)
    with InProcessServer(gated, batch_wait=0.0) as url:
        remote = RemoteBackend(url, dialect="scireason", model="tiny")
        first = threading.Thread(target=lambda: remote.complete([ask("first", max_tokens=2)]))
        first.start()
        gated.entered.wait(60)

        async def send_and_cancel() -> None:
            task = asyncio.create_task(remote.acomplete([ask("cancel me", max_tokens=2)]))
            await asyncio.to_thread(wait_until, lambda: _queued(url) == 1, "the second request to queue")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(send_and_cancel())
        health = lambda: httpx.get(url[:-3] + "/health").json()  # noqa: E731
        wait_until(lambda: health()["disconnected"] == 1, "the server to see the client go away")
        gated.gate.set()
        first.join(60)
        wait_until(lambda: health()["cancelled"] == 1, "the cancelled request to be dropped")
        assert health()["generated"] == 1 and gated.batches == [1]
        after = remote.complete([ask("after", max_tokens=2)])
        assert isinstance(after[0], ChatResponse)


def test_backend_errors_map_to_http_status_and_retry_policy(local_backend: LocalBackend) -> None:
    class Broken:
        name = "broken"

        def complete(self, requests: Sequence[ChatRequest]) -> list[Any]:
            raise RuntimeError("GPU fell off the bus")

        def close(self) -> None:
            pass

    with InProcessServer(local_backend) as url:
        remote = RemoteBackend(url, max_retries=2, backoff=(0.01, 0.02))
        out = remote.complete([ask("C" * 9000, max_tokens=2), ask("fine", max_tokens=2)])
        assert isinstance(out[0], BackendHTTPError) and out[0].status_code == 400 and "context" in str(out[0])
        assert isinstance(out[1], ChatResponse)
        health = httpx.get(url[:-3] + "/health").json()
        # refused at tokenizing (before the queue), and not retried
        assert health["rejected"] == 1 and health["received"] == 1
    with InProcessServer(Broken()) as url:
        remote = RemoteBackend(url, dialect="scireason", model="m", max_retries=2, backoff=(0.01, 0.02))
        out = remote.complete([ask()])
        assert (
            isinstance(out[0], BackendHTTPError) and out[0].status_code == 500 and "GPU fell" in str(out[0])
        )
        assert httpx.get(url[:-3] + "/health").json()["received"] == 3  # first try + 2 retries


def test_serve_cli_without_model_says_how_to_point_at_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from sciReason.backends import local as local_mod
    from sciReason.cli import app

    monkeypatch.setattr(local_mod, "_TINY_DIR", tmp_path / "absent")
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "sciReason-tiny" in result.output and "--model" in result.output
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 1 and "port" in result.output
    missing = CliRunner().invoke(app, ["serve", "--model", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "nope" in missing.output


def test_server_error_value_is_a_backend_error_in_its_slot(local_backend: LocalBackend) -> None:
    with InProcessServer(local_backend) as url:
        out = RemoteBackend(url).complete([ask(n=0), ask("ok", max_tokens=2)])
    assert isinstance(out[0], BackendError) and isinstance(out[1], ChatResponse)


def test_full_queue_answers_503_with_retry_after(local_backend: LocalBackend) -> None:
    gated = Gated(local_backend)
    body = {"messages": [{"role": "user", "content": "q"}], "max_tokens": 2}
    with InProcessServer(gated, batch_wait=0.0, max_batch_size=1, max_queue=2) as url:
        box: list[int] = []
        senders = [
            threading.Thread(target=lambda: box.append(httpx.post(url + "/chat/completions", json=body, timeout=120).status_code))
            for _ in range(3)
        ]  # fmt: skip
        senders[0].start()
        gated.entered.wait(60)  # one request generating
        for t in senders[1:]:
            t.start()
        wait_until(lambda: _queued(url) == 2, "two requests to queue")
        busy = httpx.post(url + "/chat/completions", json=body)
        assert busy.status_code == 503 and 1 <= int(busy.headers["retry-after"]) <= 60
        assert "limit 2" in busy.json()["error"]["message"]
        gated.gate.set()
        for t in senders:
            t.join(120)
    assert box == [200, 200, 200]


def test_request_timeout_answers_504_and_drops_the_request(local_backend: LocalBackend) -> None:
    gated = Gated(local_backend)
    with InProcessServer(gated, batch_wait=0.0, request_timeout=1.0) as url:
        first = threading.Thread(
            target=lambda: httpx.post(url + "/chat/completions", json={"messages": [{"role": "user", "content": "a"}]}, timeout=120)
        )  # fmt: skip
        first.start()
        gated.entered.wait(60)
        late = httpx.post(
            url + "/chat/completions", json={"messages": [{"role": "user", "content": "b"}]}, timeout=120
        )
        assert late.status_code == 504 and "--request-timeout" in late.json()["error"]["message"]
        gated.gate.set()
        first.join(120)
        wait_until(
            lambda: httpx.get(url[:-3] + "/health").json()["cancelled"] == 1, "the late request to be dropped"
        )
        assert gated.batches == [1]  # the timed-out request never reached the backend


def test_connections_have_tcp_nodelay() -> None:
    """Regression: a listening socket made without proto=IPPROTO_TCP left Nagle on (asyncio only sets
    TCP_NODELAY on sockets whose proto says TCP): every response waited ~40 ms for a delayed ACK."""
    import socket

    from sciReason.backends import ScriptedBackend

    helper = InProcessServer(ScriptedBackend("ok"))
    with helper as url, httpx.Client() as http:
        assert http.get(url[:-3] + "/health").status_code == 200  # keeps the connection open
        connections = list(helper.server._uvicorn.server_state.connections)
        assert connections
        for conn in connections:
            sock = conn.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
