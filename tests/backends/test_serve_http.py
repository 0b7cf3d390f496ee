"""``sciReason serve`` probed as an outside tester would: a real server process on 127.0.0.1, raw sockets
for the requests no client library would send (smuggling, bad framing, garbage, stalls), httpx for bad
values, and a bounded load test. Every finding of issue 14's probe is one test here.

The server runs with tight limits (``PROBE_CONFIG``) so that timeouts and caps are reached quickly.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from backend_helpers import ServeProcess, raw_exchange, start_serve, statuses

KEY = "probe-secret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBE_CONFIG = """
[serve]
head_timeout = 1.0
body_timeout = 1.0
keep_alive = 1
max_body_bytes = 1048576
max_prompt_chars = 20000
max_tokens_limit = 256
max_n = 8
max_beams = 4
max_stop = 4
batch_wait_ms = 10
"""
CAP = 1048576
CHAT = b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "temperature": 0}'


@pytest.fixture(scope="module")
def probe(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    where = tmp_path_factory.mktemp("probe")
    (where / "serve.toml").write_text(PROBE_CONFIG)
    server = start_serve(
        tiny_model_dir,
        "--config",
        str(where / "serve.toml"),
        env={"SCIREASON_SERVE_API_KEY": KEY},
        stderr=where / "serve.log",
    )
    server.log = where / "serve.log"  # type: ignore[attr-defined]
    yield server
    server.stop()


def port_of(server: ServeProcess) -> int:
    return int(server.root.rsplit(":", 1)[1])


def head(
    method: str = "POST", path: str = "/v1/chat/completions", extra: str = "", version: str = "1.1"
) -> bytes:
    return (
        f"{method} {path} HTTP/{version}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


def post(server: ServeProcess, body: bytes, **kw: Any) -> httpx.Response:
    headers = {**AUTH, "content-type": "application/json", **kw.pop("headers", {})}
    return httpx.post(f"{server.url}/chat/completions", content=body, headers=headers, timeout=120, **kw)


def healthy(server: ServeProcess) -> bool:
    return httpx.get(f"{server.root}/health", timeout=60).json()["status"] == "ok"


# ------------------------------------------------------------------------------------------ framing
def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(
    probe: ServeProcess,
) -> None:
    chunked = f"{len(CHAT):x}\r\n".encode() + CHAT + b"\r\n0\r\n\r\n"
    smuggled = b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    extra = f"Content-Length: {len(chunked)}\r\nTransfer-Encoding: chunked\r\n"
    raw = raw_exchange(port_of(probe), head(extra=extra) + chunked + smuggled)
    assert statuses(raw) == [400], raw[:300]  # one answer; the smuggled request is never read
    assert b"ambiguous framing" in raw and b"connection: close" in raw.lower()


def test_chunked_body_is_read(probe: ServeProcess) -> None:
    half = len(CHAT) // 2
    body = (
        b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (CHAT[:half], CHAT[half:])) + b"0\r\n\r\n"
    )
    raw = raw_exchange(
        port_of(probe), head(extra="Transfer-Encoding: chunked\r\nConnection: close\r\n") + body
    )
    assert statuses(raw) == [200], raw[:300]
    payload = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert payload["object"] == "chat.completion" and payload["usage"]["completion_tokens"] == 3


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\xff\xfeGARBAGE\r\n\r\n",  # not HTTP at all
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ],
    ids=["garbage", "content-length-abc", "content-length-negative", "content-length-conflict",
         "unknown-transfer-encoding"],
)  # fmt: skip
def test_malformed_requests_get_a_status_code(probe: ServeProcess, data: bytes) -> None:
    raw = raw_exchange(port_of(probe), data)
    assert statuses(raw) and statuses(raw)[0] in (400, 431, 501), raw[:300]
    assert healthy(probe)


def test_http_1_0_is_answered_and_closed(probe: ServeProcess) -> None:
    raw = raw_exchange(port_of(probe), b"GET /health HTTP/1.0\r\n\r\n")
    assert statuses(raw) == [200] and b"keep-alive" not in raw.lower()
    raw = raw_exchange(port_of(probe), head(extra=f"Content-Length: {len(CHAT)}\r\n", version="1.0") + CHAT)
    assert statuses(raw) == [200] and b"chat.completion" in raw  # raw_exchange returned: the server closed


def test_expect_100_continue(probe: ServeProcess) -> None:
    with socket.create_connection(("127.0.0.1", port_of(probe)), timeout=60) as sock:
        extra = f"Content-Length: {len(CHAT)}\r\nExpect: 100-continue\r\nConnection: close\r\n"
        sock.sendall(head(extra=extra))
        interim = sock.recv(4096)
        assert statuses(interim) == [100], interim
        sock.sendall(CHAT)
        rest = b""
        while block := sock.recv(65536):
            rest += block
    assert statuses(rest) == [200]
    # a body over the cap is refused from its Content-Length, without asking for it
    extra = f"Content-Length: {CAP + 1}\r\nExpect: 100-continue\r\n"
    raw = raw_exchange(port_of(probe), head(extra=extra))
    assert statuses(raw) == [413] and b"--max-body-bytes" in raw


# ------------------------------------------------------------------------------------------ bodies
def test_oversized_bodies_get_413_without_being_read(probe: ServeProcess) -> None:
    # a 15 MB prompt: refused from the declared length, nothing tokenized
    raw = raw_exchange(port_of(probe), head(extra=f"Content-Length: {15 * 1024 * 1024}\r\n"))
    assert statuses(raw) == [413] and str(CAP).encode() in raw
    # a chunked body: refused once it passes the cap (the last chunk is cut short so that the server
    # has read everything sent when it answers)
    data = b"x" * (CAP + 1)
    chunks = [
        f"{64 * 1024:x}\r\n".encode() + data[i : i + 64 * 1024] + b"\r\n" for i in range(0, CAP, 64 * 1024)
    ]
    raw = raw_exchange(
        port_of(probe), head(extra="Transfer-Encoding: chunked\r\n"), chunks=[*chunks, b"1\r\nx"]
    )
    assert statuses(raw) == [413]
    assert healthy(probe)


def test_prompt_over_the_character_cap_is_refused_before_tokenizing(probe: ServeProcess) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": "C" * 20001}], "max_tokens": 2}).encode()
    resp = post(probe, body)
    assert resp.status_code == 413
    error = resp.json()["error"]
    assert "20001 characters" in error["message"] and "--max-prompt-chars" in error["message"]
    assert error["param"] == "messages"


def test_prompt_longer_than_the_context_is_a_400(probe: ServeProcess) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": "C " * 9000}], "max_tokens": 2}).encode()
    resp = post(probe, body)
    assert resp.status_code == 400 and "context" in resp.json()["error"]["message"]


def _nested(depth: int) -> bytes:
    return b'{"messages": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}', "UTF-8"),
        (_nested(100_000), "nested too deeply"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}', "text must be a string"),
        (b'{"messages": [{"role": "user", "content": [5]}]}', "must be an object"),
        (b'{"messages": [{"role": "user", "content": "\\ud800"}]}', "surrogate"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}', "NaN"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": Infinity}', "Infinity"),
        (b'{"messages": [{"role": "user", "content": "x"}], "top_p": -Infinity}', "-Infinity"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": 1e999}', "finite"),
        (b'{"messages": [{"role": "user", "content": "x"}], "seed": 1180591620717411303424}', "seed"),
        (b'{"messages": [{"role": "user", "content": "x"}], "top_p": 5}', "top_p=5"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": 2.5}', "temperature=2.5"),
        (b'{"messages": [{"role": "user", "content": "x"}], "num_beams": 200}', "num_beams=200"),
        (b'{"messages": [{"role": "user", "content": "x"}], "n": 4, "use_beam_search": true, "num_beams": 2, "max_tokens": 2, "top_k": 1, "stop": "x", "seed": 1, "temperature": 0.5, "n": 9}', "n=9"),
        (b'{"messages": [{"role": "user", "content": "x"}], "n": 5, "num_beams": 2}', "needs 5 beams"),
        (b'{"messages": [{"role": "user", "content": "x"}], "max_tokens": 100000}', "max_tokens=100000"),
        (b'{"messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]}', "stop"),
        (b'{"messages": [{"role": "user", "content": "x"}], "stream": "false"}', "stream must be true or false"),
        (b'{"messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": true}}', "stream_options"),
        (b'{"messages": [{"role": "user", "content": "x"}], "chat_template_kwargs": {"enable_thinking": "no"}}', "enable_thinking"),
    ],
    ids=["invalid-utf8", "deep-nesting", "deep-unclosed", "non-string-text-part", "non-object-part",
         "lone-surrogate", "nan", "infinity", "minus-infinity", "overflow", "seed-2**70", "top_p-5",
         "temperature-2.5", "beams-200", "n-9", "beams-needed-for-n", "max_tokens-100000", "five-stops",
         "stream-string", "stream-options-without-stream", "thinking-string"],
)  # fmt: skip
def test_bad_values_get_a_400_naming_them(probe: ServeProcess, body: bytes, needle: str) -> None:
    resp = post(probe, body)
    assert resp.status_code == 400, resp.text[:300]
    error = resp.json()["error"]
    assert needle in error["message"] and error["code"] == 400 and error["type"] == "invalid_request_error"
    assert healthy(probe)


# ------------------------------------------------------------------------------------------ stalls
def _closed_by_server(
    sock: socket.socket, trickle: bytes = b"", every: float = 0.2, bound: float = 30.0
) -> bool:
    """Keep the connection busy (one byte of ``trickle`` per ``every`` s) until the server closes it."""
    sock.settimeout(every)
    deadline = time.monotonic() + bound
    k = 0
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle[k % len(trickle) : k % len(trickle) + 1])
                k += 1
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


def test_stalled_and_slowloris_connections_are_closed(probe: ServeProcess) -> None:
    port = port_of(probe)
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
    partial = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
    for s in partial:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
    try:
        assert all(_closed_by_server(s, every=0.05) for s in silent + partial)
        with socket.create_connection(("127.0.0.1", port)) as slowloris:  # one header byte at a time
            slowloris.sendall(b"GET /health HTTP/1.1\r\n")
            assert _closed_by_server(slowloris, trickle=b"X-Slow: aaaaaaaaaaaaaaaaaaaa\r\n")
    finally:
        for s in silent + partial:
            s.close()
    assert healthy(probe)


def test_a_stalled_body_gets_408_and_is_dropped(probe: ServeProcess) -> None:
    raw = raw_exchange(port_of(probe), head(extra="Content-Length: 100\r\n") + b'{"messages": ')
    assert statuses(raw) == [408] and b"did not arrive" in raw


def test_parked_partial_bodies_do_not_hold_memory(probe: ServeProcess) -> None:
    def rss_mb() -> float:
        status = Path(f"/proc/{probe.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    before = rss_mb()
    socks = []
    for _ in range(20):  # each declares 900 KB (under the cap) and parks 512 KB of it
        s = socket.create_connection(("127.0.0.1", port_of(probe)))
        s.sendall(head(extra=f"Content-Length: {900 * 1024}\r\n") + b"x" * (512 * 1024))
        socks.append(s)
    try:
        answers = [_read_all(s) for s in socks]
    finally:
        for s in socks:
            s.close()
    assert all(statuses(a) == [408] for a in answers)
    assert rss_mb() - before < 100  # the probe saw +168 MB for 20 such connections, kept forever


def _read_all(sock: socket.socket, bound: float = 60.0) -> bytes:
    sock.settimeout(bound)
    data = b""
    try:
        while block := sock.recv(65536):
            data += block
    except (TimeoutError, ConnectionResetError):
        pass
    return data


# ------------------------------------------------------------------------------------------ operations
def test_api_key_from_the_environment_case_insensitive_bearer(probe: ServeProcess) -> None:
    assert httpx.get(f"{probe.url}/models").status_code == 401
    assert post(probe, CHAT, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert post(probe, CHAT, headers={"Authorization": f"Basic {KEY}"}).status_code == 401
    for scheme in ("bearer", "BEARER", "Bearer"):
        assert (
            httpx.get(f"{probe.url}/models", headers={"Authorization": f"{scheme} {KEY}"}).status_code == 200
        )
    assert httpx.get(f"{probe.root}/health").status_code == 200  # probes and scrapers need no key (as vLLM)
    assert httpx.get(f"{probe.root}/metrics").status_code == 200
    cmdline = Path(f"/proc/{probe.proc.pid}/cmdline").read_bytes()
    assert KEY.encode() not in cmdline  # the secret is not in argv


def test_api_key_flag_is_gone(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sciReason.cli import app

    result = CliRunner().invoke(app, ["serve", "--api-key", "s3cret", "--port", "0"])
    assert result.exit_code == 2 and "--api-key" in result.output  # "No such option"


def test_request_log_lines_and_metrics(probe: ServeProcess) -> None:
    assert post(probe, CHAT, headers={"x-request-id": "probe-log-1"}).status_code == 200
    assert post(probe, b"{}").status_code == 400
    deadline = time.monotonic() + 30
    pattern = (
        r"request probe-log-1 status=200 latency_ms=\d+ stream=False prompt_tokens=\d+ completion_tokens=3"
    )
    while not re.search(pattern, probe.log.read_text()):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, probe.log.read_text()[-2000:]  # type: ignore[attr-defined]
        time.sleep(0.1)
    assert KEY not in probe.log.read_text()  # type: ignore[attr-defined]
    text = httpx.get(f"{probe.root}/metrics").text
    values = dict(re.findall(r"^(scireason_\w+) (\S+)$", text, re.M))
    for name in ("queue_depth", "batch_size_last", "generation_tokens_per_second", "requests_rejected_total"):
        assert f"scireason_{name}" in values
    assert float(values["scireason_requests_rejected_total"]) >= 1
    assert float(values["scireason_completion_tokens_total"]) >= 3


def test_health_and_models_like_vllm(probe: ServeProcess) -> None:
    health = httpx.get(f"{probe.root}/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    models = httpx.get(f"{probe.url}/models", headers=AUTH).json()
    assert models["object"] == "list" and models["data"][0]["id"] == "model"
    assert httpx.get(f"{probe.root}/v1/health").status_code == 401  # /v1 is guarded; /health is the probe


# ------------------------------------------------------------------------------------------ load
def test_load_with_slow_clients_still_answers_a_normal_request(probe: ServeProcess) -> None:
    """48 concurrent requests, 30 connections trickling their headers and 10 that never read their
    answers; afterwards a normal request is answered (generous bound, no timing assertion)."""
    port = port_of(probe)
    stop = threading.Event()

    def slow_head() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
            _closed_by_server(s, trickle=b"X-A: b\r\n", every=0.1, bound=20)

    def never_reads() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(head(extra=f"Content-Length: {len(CHAT)}\r\n") + CHAT)
            stop.wait(30)

    statuses_seen: list[int] = []
    lock = threading.Lock()

    def normal(k: int) -> None:
        body = json.dumps({"messages": [{"role": "user", "content": f"load {k}"}], "max_tokens": 8}).encode()
        code = post(probe, body).status_code
        with lock:
            statuses_seen.append(code)

    threads = [threading.Thread(target=slow_head) for _ in range(30)]
    threads += [threading.Thread(target=never_reads) for _ in range(10)]
    threads += [threading.Thread(target=normal, args=(k,)) for k in range(48)]
    for t in threads:
        t.start()
    try:
        resp = post(probe, CHAT)
        assert resp.status_code == 200 and resp.json()["usage"]["completion_tokens"] == 3
    finally:
        stop.set()
        for t in threads:
            t.join(120)
    assert statuses_seen == [200] * 48


def test_sigterm_stops_the_server_cleanly(tiny_model_dir: Path) -> None:
    server = start_serve(tiny_model_dir)
    try:
        assert httpx.get(f"{server.root}/health").status_code == 200
        server.proc.terminate()
        assert server.proc.wait(60) == 0
    finally:
        server.stop()


def test_serve_without_the_extra_names_the_pip_command() -> None:
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'uvicorn' else real(name, *a)\n"
        "from sciReason.cli import app\n"
        "sys.argv = ['sciReason', 'serve', '--port', '0']\n"
        "app()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert 'pip install "scireason[serve]"' in proc.stderr
