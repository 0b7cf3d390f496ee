"""The same script against a model directory and against a server URL: identical typed results.

``sciReason serve`` runs as a real subprocess on 127.0.0.1 over the tiny Qwen3 model; the remote backend
talks to it over HTTP. Also: a server killed in the middle of a batch.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from backend_helpers import ServeProcess, start_serve

from sciReason.backends.local import LocalBackend
from sciReason.backends.remote import RemoteBackend
from sciReason.client import AsyncClient, Client
from sciReason.errors import BackendConnectionError
from sciReason.testing.backends import check_backend, check_backend_async
from sciReason.types import ChatRequest, ChatResponse, Message


def ask(text: str, **kw: Any) -> ChatRequest:
    return ChatRequest((Message("user", text),), **kw)


MIXED = [
    ask("Translate <SMILES> CCO </SMILES>", max_tokens=12),
    ask("hi", max_tokens=3, n=2),
    ask("Is <protein> MKVLAAGIV </protein> soluble?", max_tokens=20, stop=("</protein>", "C")),
    ask("think first", max_tokens=6, enable_thinking=False),
    ask("beams", max_tokens=5, num_beams=3, n=2),
    ask("sample", max_tokens=8, temperature=0.8, top_p=0.9, top_k=40, n=3, seed=123),
    ask("x", max_tokens=0),  # a bad item: an error value on both sides
]


def summary(results: list[Any]) -> list[Any]:
    return [
        type(r).__name__
        if not isinstance(r, ChatResponse)
        else ([(c.text, c.finish_reason) for c in r.choices], r.usage)
        for r in results
    ]


def test_remote_contract_over_serve(serve_process: ServeProcess) -> None:
    remote = RemoteBackend(serve_process.url)
    check_backend(remote)
    asyncio.run(check_backend_async(remote))
    assert remote.dialect == "scireason" and remote.model == "model"


def test_local_and_remote_give_identical_responses(
    local_backend: LocalBackend, serve_process: ServeProcess
) -> None:
    local = local_backend.complete(MIXED)
    with RemoteBackend(serve_process.url, max_concurrency=4) as remote:
        sync = remote.complete(MIXED)
        asyn = asyncio.run(remote.acomplete(MIXED))
    assert summary(sync) == summary(local)
    assert summary(asyn) == summary(local)
    assert summary(local)[-1] == "BackendError"
    assert any(c.finish_reason == "length" for c in local[0].choices)


def test_five_functions_identical_through_model_dir_and_server(
    tiny_model_dir: Path, serve_process: ServeProcess
) -> None:
    """The done-criterion: one script, pointed at a directory or a URL, gets the same typed results."""

    def script(client: Client) -> list[dict[str, Any]]:
        opts = {"max_tokens": 12}
        results = [
            client.translate("CCO", source="smiles", target="iupac", **opts),
            client.translate(["c1ccccc1", "CC(=O)O"], source="smiles", target="iupac", **opts),
            client.extract("Aspirin and caffeine were given to mice.", **opts),
            client.predict("CCO", property="esol", **opts),
            client.classify("CCO", property="bbbp", **opts),
            client.generate("molecule", n=3, seed=7, **opts),
        ]
        flat = [r for item in results for r in (item if isinstance(item, list) else [item])]
        return [r.model_dump() for r in flat]

    with Client(str(tiny_model_dir)) as local_client, Client(serve_process.url) as remote_client:
        local = script(local_client)
        remote = script(remote_client)
    assert local == remote
    assert {r["task"] for r in local} >= {"smol_name_conversion-s2i"}
    assert all(r["usage"]["completion_tokens"] > 0 for r in local)


def test_async_client_over_server_matches_local(tiny_model_dir: Path, serve_process: ServeProcess) -> None:
    async def go(spec: str) -> list[Any]:
        async with AsyncClient(spec) as client:
            out = await client.predict(
                ["CCO", "c1ccccc1", "not a molecule ((("], property="esol", max_tokens=8
            )
        return [r.model_dump() if hasattr(r, "model_dump") else r for r in out]

    local, remote = asyncio.run(go(str(tiny_model_dir))), asyncio.run(go(serve_process.url))
    assert local == remote
    assert local[2].__class__.__name__ == "ItemError"  # bad input: an error value, the rest kept


@pytest.mark.slow  # starts a second server process (~10 s cold start; more on a loaded machine)
def test_server_killed_mid_batch_retries_then_per_item_errors(
    tiny_model_dir: Path, local_backend: LocalBackend
) -> None:
    server = start_serve(tiny_model_dir)
    try:
        reqs = [ask(f"long answer {k}", max_tokens=400) for k in range(6)]
        remote = RemoteBackend(server.url, max_concurrency=1, max_retries=2, backoff=(0.05, 0.1))
        box: list[Any] = []
        worker = threading.Thread(target=lambda: box.append(remote.complete(reqs)))
        worker.start()
        health = f"{server.root}/health"
        deadline = 120.0
        start = time.monotonic()
        while httpx.get(health).json()["completed"] < 1:
            assert time.monotonic() - start < deadline, "the first request never completed"
            time.sleep(0.02)
        server.proc.kill()
        worker.join(120)
    finally:
        server.stop()
    results = box[0]
    assert len(results) == len(reqs)  # nothing lost: one result or one error per request
    expected = local_backend.complete(reqs)
    done = [i for i, r in enumerate(results) if isinstance(r, ChatResponse)]
    failed = [i for i, r in enumerate(results) if not isinstance(r, ChatResponse)]
    assert 0 in done and failed, f"expected some finished and some failed requests, got {summary(results)}"
    for i in done:
        assert results[i].choices == expected[i].choices
    for i in failed:
        assert isinstance(results[i], BackendConnectionError) and results[i].retryable


@pytest.mark.parametrize("spec_kind", ["dir", "url"])
def test_registry_builds_the_right_backend(
    spec_kind: str, tiny_model_dir: Path, serve_process: ServeProcess
) -> None:
    from sciReason.backends import get_backend

    backend = get_backend(str(tiny_model_dir) if spec_kind == "dir" else serve_process.url)
    assert isinstance(backend, LocalBackend if spec_kind == "dir" else RemoteBackend)
    assert isinstance(backend.complete([ask("hi", max_tokens=2)])[0], ChatResponse)
