"""Streaming end to end: LocalBackend (transformers streamer), ``sciReason serve`` SSE (raw httpx and the
real openai-python client), RemoteBackend over SSE (serve, and a vLLM/SGLang-style fake with reasoning
deltas), and ``Client.stream`` / ``AsyncClient.stream`` ending with the parsed TaskResult."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
from backend_helpers import InProcessServer, ServeProcess, sse_events

from sciReason.backends import ScriptedBackend
from sciReason.backends.local import LocalBackend
from sciReason.backends.remote import RemoteBackend
from sciReason.client import AsyncClient, Client
from sciReason.errors import BackendError
from sciReason.results import TaskResult
from sciReason.types import ChatRequest, ChatResponse, Choice, Delta, Message


def ask(text: str, **kw: Any) -> ChatRequest:
    return ChatRequest((Message("user", text),), **kw)


STREAMED = [
    ask("hi", max_tokens=20),
    ask("hello there", max_tokens=30, stop=("e", "an")),
    ask("greedy twice", max_tokens=12, n=2),
    ask("sample", max_tokens=12, temperature=0.8, top_p=0.9, n=3, seed=7),
    ask("beams", max_tokens=8, num_beams=3, n=2),
]


def collect(items: Any) -> tuple[dict[int, list[Delta]], Any]:
    deltas: dict[int, list[Delta]] = {}
    final = None
    for item in items:
        if isinstance(item, Delta):
            deltas.setdefault(item.index, []).append(item)
        else:
            final = item
    return deltas, final


def assert_stream_matches(deltas: dict[int, list[Delta]], final: Any, expected: ChatResponse) -> None:
    assert isinstance(final, ChatResponse) and final.choices == expected.choices
    assert sorted(deltas) == list(range(len(expected.choices)))
    for i, choice in enumerate(expected.choices):
        assert "".join(d.text for d in deltas[i]) == choice.text
        assert deltas[i][-1].finish_reason == choice.finish_reason
        assert all(d.finish_reason is None for d in deltas[i][:-1])


@pytest.mark.parametrize("req", STREAMED, ids=["greedy", "stop", "greedy-n2", "sample-n3", "beam"])
def test_local_stream_equals_complete(local_backend: LocalBackend, req: ChatRequest) -> None:
    deltas, final = collect(local_backend.stream(req))
    assert_stream_matches(deltas, final, local_backend.complete([req])[0])
    if req.num_beams == 1 and req.max_tokens >= 12:
        assert max(len(d) for d in deltas.values()) > 3  # token by token, not one piece


def test_local_cancel_stops_generation_at_the_next_step(local_backend: LocalBackend) -> None:
    gone = threading.Event()
    seen: list[Delta] = []

    def sink(d: Delta) -> None:
        seen.append(d)
        if len(seen) == 3:
            gone.set()

    req = ask("a long one", max_tokens=500)
    prompt = local_backend.encode(req)
    out = local_backend.complete_encoded([req], [prompt], sinks=[sink], cancelled=[gone.is_set])[0]
    assert isinstance(out, ChatResponse) and out.usage.completion_tokens < 20  # not 500
    # closing a stream early does the same
    items = local_backend.stream(req)
    for _ in range(3):
        next(items)
    items.close()
    assert local_backend.complete([ask("after", max_tokens=2)])[0].usage.completion_tokens == 2


def test_encode_does_not_wait_for_a_running_generation(local_backend: LocalBackend) -> None:
    started, release = threading.Event(), threading.Event()

    def sink(_d: Delta) -> None:
        started.set()
        release.wait(60)

    req = ask("busy", max_tokens=5)
    worker = threading.Thread(
        target=local_backend.complete_encoded,
        args=([req], [local_backend.encode(req)]),
        kwargs={"sinks": [sink]},
    )
    worker.start()
    try:
        assert started.wait(60)  # generation holds the backend lock now
        assert len(local_backend.encode(ask("tokenized meanwhile"))) > 3
    finally:
        release.set()
        worker.join(60)


# ------------------------------------------------------------------------------------------ server SSE
def test_server_streams_openai_chunks(local_backend: LocalBackend, serve_process: ServeProcess) -> None:
    body = {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 10, "temperature": 0,
            "stream": True, "stream_options": {"include_usage": True}}  # fmt: skip
    with httpx.stream("POST", f"{serve_process.url}/chat/completions", json=body, timeout=120) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        events = sse_events(resp.read().decode())
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    content = [c for c in chunks if c["choices"]]
    assert content[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["usage"] is None for c in content)  # include_usage: null until the last chunk
    assert content[-1]["choices"][0]["finish_reason"] == "length"
    usage = chunks[-1]
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] == 10
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in content)
    expected = local_backend.complete([ask("hello", max_tokens=10)])[0].choices[0].text
    assert text == expected and len(content) > 3


def test_openai_python_client_streams(local_backend: LocalBackend, serve_process: ServeProcess) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=serve_process.url, api_key="unused", max_retries=0)
    messages = [{"role": "user", "content": "Translate <SMILES> CCO </SMILES>"}]
    plain = client.chat.completions.create(model="model", messages=messages, max_tokens=12, temperature=0)
    stream = client.chat.completions.create(
        model="model", messages=messages, max_tokens=12, temperature=0, stream=True,
        stream_options={"include_usage": True},
    )  # fmt: skip
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == plain.choices[0].finish_reason
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens

    async def async_text() -> str:
        aclient = openai.AsyncOpenAI(base_url=serve_process.url, api_key="unused", max_retries=0)
        s = await aclient.chat.completions.create(model="model", messages=messages, max_tokens=12,
                                                  temperature=0, stream=True)  # fmt: skip
        return "".join([c.choices[0].delta.content or "" async for c in s if c.choices])

    assert asyncio.run(async_text()) == text


def test_server_stream_carries_reasoning_deltas_and_errors() -> None:
    def reply(req: ChatRequest) -> Any:
        if "fail" in req.messages[-1].content:
            return BackendError("no answer for this one")
        return Choice("<SMILES> CCO </SMILES>", reasoning="ethanol has two carbons")

    with InProcessServer(ScriptedBackend(reply)) as url:
        body = {"messages": [{"role": "user", "content": "x"}], "stream": True}
        events = sse_events(httpx.post(f"{url}/chat/completions", json=body).text)
        deltas = [json.loads(e)["choices"][0]["delta"] for e in events[:-1]]
        assert deltas[0]["reasoning_content"] == "ethanol has two carbons"
        assert deltas[0]["content"] == "<SMILES> CCO </SMILES>" and events[-1] == "[DONE]"
        body["messages"][0]["content"] = "fail"  # type: ignore[index]
        events = sse_events(httpx.post(f"{url}/chat/completions", json=body).text)
        assert (
            json.loads(events[0])["error"]["message"] == "no answer for this one" and events[-1] == "[DONE]"
        )
        out = list(RemoteBackend(url, max_retries=0).stream(ask("fail")))
        assert len(out) == 1 and isinstance(out[0], BackendError) and "no answer" in str(out[0])


def test_stream_disconnect_stops_generation(serve_process: ServeProcess) -> None:
    health = f"{serve_process.root}/health"
    before = httpx.get(health).json()
    body = {"messages": [{"role": "user", "content": "go on and on"}], "max_tokens": 1500, "stream": True}
    with httpx.stream("POST", f"{serve_process.url}/chat/completions", json=body, timeout=120) as resp:
        lines = resp.iter_lines()
        while not next(lines).startswith("data: "):
            pass  # one content chunk arrived: generation runs
    deadline = 120.0
    import time

    start = time.monotonic()
    while httpx.get(health).json()["completion_tokens"] == before["completion_tokens"]:
        assert time.monotonic() - start < deadline, "the cancelled generation never ended"
        time.sleep(0.05)
    after = httpx.get(health).json()
    assert after["disconnected"] == before["disconnected"] + 1
    assert after["completion_tokens"] - before["completion_tokens"] < 1500  # stopped early, not run out


# ------------------------------------------------------------------------------------------ remote + SDK
def test_remote_stream_over_serve_matches_local(
    local_backend: LocalBackend, serve_process: ServeProcess
) -> None:
    remote = RemoteBackend(serve_process.url)
    for req in STREAMED:
        deltas, final = collect(remote.stream(req))
        expected = local_backend.complete([req])[0]
        assert_stream_matches(deltas, final, ChatResponse(expected.choices, expected.usage, final.model))
        assert final.usage == expected.usage

    async def go() -> Any:
        return [x async for x in remote.astream(STREAMED[3])]

    deltas, final = collect(asyncio.run(go()))
    assert final.choices == local_backend.complete([STREAMED[3]])[0].choices


def _sse(*payloads: Any) -> bytes:
    return b"".join(f"data: {json.dumps(p)}\n\n".encode() for p in payloads) + b"data: [DONE]\n\n"


def _chunk(
    delta: dict[str, Any], finish: str | None = None, index: int = 0, usage: Any = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "model": "fake",
                           "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}  # fmt: skip
    if usage is not None:
        out = {**out, "choices": [], "usage": usage}
    return out


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])  # vLLM, SGLang
def test_remote_stream_reads_reasoning_deltas(fake_server: Any, field: str) -> None:
    events = _sse(
        _chunk({"role": "assistant", field: "think "}),
        _chunk({field: "hard"}),
        _chunk({"content": "<NUMBER> 1.5"}),
        _chunk({"content": " </NUMBER>"}, finish="stop"),
        _chunk({}, usage={"prompt_tokens": 5, "completion_tokens": 4}),
    )
    server = fake_server(lambda body, headers, k: (200, {"content-type": "text/event-stream"}, events))
    remote = RemoteBackend(server.url, dialect="vllm", model="fake")
    deltas, final = collect(remote.stream(ask("q")))
    assert [d.reasoning for d in deltas[0]][:2] == ["think ", "hard"]
    assert final.choices == (Choice("<NUMBER> 1.5 </NUMBER>", "stop", reasoning="think hard"),)
    assert final.usage.completion_tokens == 4
    sent = server.calls[0][0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_remote_stream_retries_only_before_the_first_event(fake_server: Any) -> None:
    ok = _sse(_chunk({"content": "fine"}, finish="stop"))

    def flaky(body: Any, headers: Any, k: int) -> Any:
        if k == 0:
            return 503, {"retry-after": "0"}, {"error": {"message": "busy"}}
        return 200, {"content-type": "text/event-stream"}, ok

    server = fake_server(flaky)
    remote = RemoteBackend(server.url, dialect="openai", model="fake", backoff=(0.01, 0.02))
    deltas, final = collect(remote.stream(ask("q")))
    assert final.choices[0].text == "fine" and len(server.calls) == 2
    broken = _sse(_chunk({"content": "half"}), {"error": {"message": "engine died", "code": 500}})
    server = fake_server(lambda b, h, k: (200, {"content-type": "text/event-stream"}, broken))
    deltas, final = collect(RemoteBackend(server.url, dialect="openai", model="fake").stream(ask("q")))
    assert deltas[0][0].text == "half" and isinstance(final, BackendError) and "engine died" in str(final)
    assert len(server.calls) == 1  # text was already handed out: no retry


def test_client_stream_local_and_remote(tiny_model_dir: Any, serve_process: ServeProcess) -> None:
    for backend in (str(tiny_model_dir), serve_process.url):
        with Client(backend) as client:
            events = list(client.stream("smol_name_conversion-s2i", "CCO", max_tokens=12))
            expected = client.translate("CCO", source="smiles", target="iupac", max_tokens=12)
        *deltas, result = events
        assert all(isinstance(d, Delta) for d in deltas) and len(deltas) > 1
        assert isinstance(result, TaskResult) and result.model_dump() == expected.model_dump()
        texts = [
            "".join(d.text for d in deltas if d.index == i) for i in range(len(result.candidates))
        ]  # the task decodes 5 beams: one stream of deltas per candidate
        assert texts == [c.raw for c in result.candidates]

    async def go() -> list[Any]:
        async with AsyncClient(serve_process.url) as client:
            return [e async for e in client.stream("smol_name_conversion-s2i", "CCO", max_tokens=12)]

    events = asyncio.run(go())
    assert isinstance(events[-1], TaskResult)
    assert events[-1].candidates[0].raw == "".join(e.text for e in events[:-1] if e.index == 0)


def test_client_stream_resamples_and_refuses_bad_input() -> None:
    replies = iter(["<IUPAC> </IUPAC>", "<IUPAC> ethanol </IUPAC>"])
    client = Client(ScriptedBackend(lambda r: next(replies)))
    *deltas, result = client.stream("smol_name_conversion-s2i", "CCO", max_attempts=2)
    n = len(deltas) // 2  # the task asks for n candidates per attempt
    assert [d.attempt for d in deltas] == [0] * n + [1] * n
    assert result.value == "ethanol" and result.attempts == 2
    from sciReason.errors import InputError

    with pytest.raises(InputError):
        list(client.stream("smol_name_conversion-s2i", ["CCO", "CCN"]))
    with pytest.raises(InputError):
        list(client.stream("smol_name_conversion-s2i", "not a molecule (((", max_tokens=4))
