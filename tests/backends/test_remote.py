"""RemoteBackend against programmable HTTP servers on 127.0.0.1: retries, dialects, fan-out, secrets."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import httpx
import pytest
from backend_helpers import chat_payload

from sciReason.backends.dialects import build_body, detect_dialect, get_dialect
from sciReason.backends.remote import RemoteBackend
from sciReason.errors import (
    BackendConnectionError,
    BackendError,
    BackendHTTPError,
    BackendTimeout,
    ConfigError,
)
from sciReason.types import ChatRequest, ChatResponse, Message

FAST = {"backoff": (0.01, 0.02)}


def ask(text: str = "hi", **kw) -> ChatRequest:  # noqa: ANN003
    return ChatRequest((Message("user", text),), **kw)


def echo(body, headers, call_no):  # noqa: ANN001, ANN201
    """Answers with the prompt text, n choices (a well-behaved server)."""
    prompt = body["messages"][-1]["content"]
    return 200, {}, chat_payload([f"{prompt}#{i}" for i in range(body.get("n", 1))])


def test_batch_roundtrip_and_body(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(echo)
    backend = RemoteBackend(srv.url, dialect="vllm", model="m")
    out = backend.complete([ask("a", max_tokens=7, top_k=5, seed=3, stop=("</SMILES>",)), ask("b", n=2)])
    assert [c.text for c in out[0].choices] == ["a#0"]
    assert [c.text for c in out[1].choices] == ["b#0", "b#1"]
    assert out[0].usage.prompt_tokens == 3 and out[0].model == "fake"
    body = next(b for b, _ in srv.calls if b["messages"][-1]["content"] == "a")
    assert body == {"model": "m", "messages": [{"role": "user", "content": "a"}], "max_tokens": 7,
                    "temperature": 0.0, "top_k": 5, "seed": 3, "stop": ["</SMILES>"]}  # fmt: skip


def test_base_url_gets_v1_and_auto_probe_detects_dialect_and_model(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(echo, models={"object": "list", "data": [{"id": "Qwen/Qwen3-8B", "owned_by": "vllm"}]})
    backend = RemoteBackend(srv.url[: -len("/v1")])
    assert backend.base_url == srv.url
    backend.complete([ask(enable_thinking=False)])
    assert (backend.dialect, backend.model) == ("vllm", "Qwen/Qwen3-8B")
    body = srv.calls[0][0]
    assert body["model"] == "Qwen/Qwen3-8B" and body["chat_template_kwargs"] == {"enable_thinking": False}


def test_retries_5xx_then_succeeds(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (503, {}, {"error": {"message": "busy"}}) if i < 2 else echo(b, h, i))
    out = RemoteBackend(srv.url, dialect="openai", model="m", max_retries=2, **FAST).complete([ask("x")])
    assert out[0].choices[0].text == "x#0" and len(srv.calls) == 3


def test_gives_up_after_max_retries_with_an_http_error_value(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (500, {}, {"error": {"message": "boom"}}))
    out = RemoteBackend(srv.url, dialect="openai", model="m", max_retries=3, **FAST).complete([ask()])
    assert isinstance(out[0], BackendHTTPError) and out[0].status_code == 500 and "boom" in str(out[0])
    assert out[0].retryable and len(srv.calls) == 4


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(fake_server, status: int) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (status, {}, {"error": {"message": "nope"}}))
    out = RemoteBackend(srv.url, dialect="openai", model="m", max_retries=3, **FAST).complete([ask()])
    assert isinstance(out[0], BackendHTTPError) and out[0].status_code == status and not out[0].retryable
    assert len(srv.calls) == 1


@pytest.mark.parametrize("status", [408, 409, 429])
def test_retryable_4xx(fake_server, status: int) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (status, {}, {}) if i == 0 else echo(b, h, i))
    out = RemoteBackend(srv.url, dialect="openai", model="m", **FAST).complete([ask("y")])
    assert out[0].choices[0].text == "y#0" and len(srv.calls) == 2


def test_retry_after_is_honoured_and_a_long_one_stops_retrying(fake_server) -> None:  # noqa: ANN001
    stamps: list[float] = []

    def limited(b, h, i):  # noqa: ANN001, ANN202
        stamps.append(time.monotonic())
        return (429, {"retry-after": "0.4"}, {}) if i == 0 else echo(b, h, i)

    srv = fake_server(limited)
    out = RemoteBackend(srv.url, dialect="openai", model="m", backoff=(0.0, 0.0)).complete([ask("z")])
    assert out[0].choices[0].text == "z#0"
    assert (
        stamps[1] - stamps[0] >= 0.4
    )  # waited at least what the server asked (a lower bound, not a speed test)
    slow = fake_server(lambda b, h, i: (429, {"retry-after": "3600"}, {}))
    out = RemoteBackend(slow.url, dialect="openai", model="m", max_retries=5, **FAST).complete([ask()])
    assert isinstance(out[0], BackendHTTPError) and len(slow.calls) == 1


def test_x_should_retry_header_overrides(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (503, {"x-should-retry": "false"}, {}))
    RemoteBackend(srv.url, dialect="openai", model="m", max_retries=3, **FAST).complete([ask()])
    assert len(srv.calls) == 1
    srv2 = fake_server(lambda b, h, i: (400, {"x-should-retry": "true"}, {}) if i == 0 else echo(b, h, i))
    out = RemoteBackend(srv2.url, dialect="openai", model="m", **FAST).complete([ask("w")])
    assert out[0].choices[0].text == "w#0"


def test_connection_refused_and_timeout_become_values(fake_server) -> None:  # noqa: ANN001
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = RemoteBackend(
        f"http://127.0.0.1:{port}", dialect="openai", model="m", max_retries=1, **FAST
    ).complete([ask()])
    assert isinstance(out[0], BackendConnectionError) and out[0].retryable
    srv = fake_server(lambda b, h, i: (time.sleep(1.0), echo(b, h, i))[1])
    out = RemoteBackend(srv.url, dialect="openai", model="m", timeout=0.2, max_retries=1, **FAST).complete(
        [ask()]
    )
    assert isinstance(out[0], BackendTimeout) and len(srv.calls) == 2


def test_per_item_errors_in_a_batch(fake_server) -> None:  # noqa: ANN001
    def picky(b, h, i):  # noqa: ANN001, ANN202
        bad = "bad" in b["messages"][-1]["content"]
        return (500, {}, {"error": {"message": "cannot"}}) if bad else echo(b, h, i)

    srv = fake_server(picky)
    out = RemoteBackend(srv.url, dialect="openai", model="m", max_retries=1, **FAST).complete(
        [ask("ok1"), ask("bad"), ask("ok2"), ask("x", max_tokens=0)]
    )
    assert out[0].choices[0].text == "ok1#0" and out[2].choices[0].text == "ok2#0"
    assert isinstance(out[1], BackendHTTPError)
    assert isinstance(out[3], BackendError) and "max_tokens" in str(out[3])  # rejected before sending
    assert all(b["messages"][-1]["content"] != "x" for b, _ in srv.calls)


def test_bounded_concurrency(fake_server) -> None:  # noqa: ANN001
    limit = 3
    barrier = threading.Barrier(limit, timeout=20)

    def gated(b, h, i):  # noqa: ANN001, ANN202 - the first `limit` calls wait for each other
        if i < limit:
            barrier.wait()
        return echo(b, h, i)

    srv = fake_server(gated)
    out = RemoteBackend(srv.url, dialect="openai", model="m", max_concurrency=limit).complete(
        [ask(str(k)) for k in range(10)]
    )
    assert [r.choices[0].text for r in out] == [f"{k}#0" for k in range(10)]
    assert srv.max_inflight == limit  # reached (the barrier needs `limit` at once) and never exceeded


def test_tgi_fans_out_n_and_appends_no_think(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (200, {}, chat_payload([f"s{b.get('seed')}"])))
    out = RemoteBackend(srv.url, dialect="tgi", model="m").complete(
        [ask("q", n=3, seed=10, temperature=0.7, enable_thinking=False)]
    )
    assert sorted(c.text for c in out[0].choices) == ["s10", "s11", "s12"]
    assert len(srv.calls) == 3 and all("n" not in b for b, _ in srv.calls)
    assert srv.calls[0][0]["messages"][-1]["content"] == "q /no_think"
    assert "chat_template_kwargs" not in srv.calls[0][0]


def test_server_ignoring_n_is_topped_up(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (200, {}, chat_payload([f"c{i}"])))  # always one choice
    out = RemoteBackend(srv.url, dialect="sglang", model="m").complete([ask("q", n=3, temperature=1.0)])
    assert len(out[0].choices) == 3 and len(srv.calls) == 3
    assert srv.calls[0][0]["n"] == 3 and "n" not in srv.calls[1][0]


@pytest.mark.parametrize(
    ("field", "dialect"),
    [("reasoning", "vllm"), ("reasoning_content", "sglang"), ("reasoning_content", "lmdeploy")],
)
def test_reasoning_fields_are_read(fake_server, field: str, dialect: str) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (200, {}, chat_payload(["<SMILES> C </SMILES>"], **{field: "because"})))
    out = RemoteBackend(srv.url, dialect=dialect, model="m").complete([ask()])
    assert out[0].choices[0].reasoning == "because" and out[0].choices[0].text == "<SMILES> C </SMILES>"


def test_finish_reasons_are_normalised(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(
        lambda b, h, i: (200, {}, chat_payload(["x"], finish=["eos_token", "length", "stop_sequence"][i]))
    )
    backend = RemoteBackend(srv.url, dialect="tgi", model="m")
    got = [backend.complete([ask()])[0].choices[0].finish_reason for _ in range(3)]
    assert got == ["stop", "length", "stop"]


def test_dialect_bodies() -> None:
    req = ask(
        "q", enable_thinking=False, top_k=20, num_beams=4, metadata=(("constraint", {"regex": "[A-Z]+"}),)
    )
    vllm = build_body(req, get_dialect("vllm"), "m")
    assert vllm["chat_template_kwargs"] == {"enable_thinking": False}
    assert vllm["structured_outputs"] == {"regex": "[A-Z]+"} and vllm["use_beam_search"] and vllm["n"] == 4
    sglang = build_body(req, get_dialect("sglang"), "m")
    assert sglang["regex"] == "[A-Z]+" and "use_beam_search" not in sglang and "n" not in sglang
    lmdeploy = build_body(req, get_dialect("lmdeploy"), "m")
    assert lmdeploy["enable_thinking"] is False and "chat_template_kwargs" not in lmdeploy
    tgi = build_body(req, get_dialect("tgi"), "m")
    assert tgi["response_format"] == {"type": "regex", "value": "[A-Z]+"} and "top_k" not in tgi
    openai = build_body(req, get_dialect("openai"), "m")
    assert not {"top_k", "chat_template_kwargs", "enable_thinking", "regex", "structured_outputs"} & set(
        openai
    )
    ours = build_body(req, get_dialect("scireason"), "m")
    assert ours["num_beams"] == 4 and "n" not in ours
    choice = ask(metadata=(("constraint", {"choice": ["Yes", "No"]}),))
    assert build_body(choice, get_dialect("vllm"), "m")["structured_outputs"] == {"choice": ["Yes", "No"]}
    assert build_body(choice, get_dialect("sglang"), "m")["regex"] == "(Yes|No)"
    schema = {"type": "object"}
    js = build_body(ask(metadata=(("constraint", {"json": schema}),)), get_dialect("openai"), "m")
    assert js["response_format"]["json_schema"]["schema"] == schema
    assert "metadata" not in js


def test_detect_dialect() -> None:
    def models(owner: str) -> dict:
        return {"data": [{"id": "x", "owned_by": owner}]}

    assert [detect_dialect(models(o)) for o in ("vllm", "sglang", "lmdeploy", "scireason", "openai")] == [
        "vllm", "sglang", "lmdeploy", "scireason", "openai"]  # fmt: skip
    assert detect_dialect(None, {"server": "text-generation-inference/3"}) == "tgi"


def test_bad_configuration_is_rejected() -> None:
    with pytest.raises(ConfigError, match="dialect"):
        RemoteBackend("http://127.0.0.1:1", dialect="llamafile")
    with pytest.raises(ConfigError, match="http"):
        RemoteBackend("127.0.0.1:8000")


def test_api_key_is_sent_but_never_logged_or_shown(fake_server, monkeypatch, caplog) -> None:  # noqa: ANN001
    secret = "sk-test-0123456789-SECRET"
    monkeypatch.setenv("SCIREASON_API_KEY", secret)
    srv = fake_server(lambda b, h, i: (500, {}, {"error": {"message": "nope"}}) if i == 0 else echo(b, h, i))
    caplog.set_level(logging.DEBUG)
    backend = RemoteBackend(srv.url, max_retries=1, **FAST)  # key from the environment
    out = backend.complete([ask("k")])
    assert out[0].choices[0].text == "k#0"
    assert all(h["authorization"] == f"Bearer {secret}" for _, h in srv.calls)
    assert secret not in repr(backend) and "***" in repr(backend)
    assert secret not in caplog.text
    echoing = fake_server(lambda b, h, i: (401, {}, {"error": {"message": f"bad key {h['authorization']}"}}))
    failing = RemoteBackend(echoing.url, api_key=secret, dialect="openai", model="m", max_retries=0)
    err = failing.complete([ask()])[0]
    assert isinstance(err, BackendHTTPError) and err.status_code == 401
    assert secret not in str(err) and secret not in err.body and "***" in str(err)
    assert "sk-test" not in caplog.text


def test_given_http_client_is_used_and_not_closed(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(echo)
    with httpx.Client() as client:
        with RemoteBackend(srv.url, dialect="openai", model="m", http_client=client) as backend:
            assert backend.complete([ask("c")])[0].choices[0].text == "c#0"
        assert not client.is_closed


def test_async_matches_sync_and_bounds_concurrency(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(lambda b, h, i: (time.sleep(0.05), echo(b, h, i))[1])
    backend = RemoteBackend(srv.url, dialect="openai", model="m", max_concurrency=2)
    reqs = [ask(str(k), n=1 + k % 2) for k in range(6)]

    async def go() -> list:
        async with backend:
            return await backend.acomplete(reqs)

    got = asyncio.run(go())
    assert [[c.text for c in r.choices] for r in got] == [
        [c.text for c in r.choices] for r in backend.complete(reqs)
    ]
    assert srv.max_inflight <= 2
    assert asyncio.run(backend.acomplete([])) == []


def test_async_cancellation_propagates_and_backend_stays_usable(fake_server) -> None:  # noqa: ANN001
    release = threading.Event()

    def slow(b, h, i):  # noqa: ANN001, ANN202
        if b["messages"][-1]["content"] == "slow":
            release.wait(10)
        return echo(b, h, i)

    srv = fake_server(slow)
    backend = RemoteBackend(srv.url, dialect="openai", model="m")

    async def go() -> list[ChatResponse]:
        task = asyncio.create_task(backend.acomplete([ask("slow")]))
        while not srv.calls:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        return await backend.acomplete([ask("after")])

    out = asyncio.run(go())
    assert out[0].choices[0].text == "after#0"


def test_probe_without_models_falls_back_to_default_model(fake_server) -> None:  # noqa: ANN001
    srv = fake_server(echo, models={"object": "list", "data": []})
    backend = RemoteBackend(srv.url)
    backend.complete([ask("a")])
    backend.complete([ask("b")])
    assert backend.model == "default" and backend.dialect == "openai"
    assert [b["model"] for b, _ in srv.calls] == ["default", "default"]
