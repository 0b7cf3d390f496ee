"""Fixtures for the backend tests: a tiny Qwen3 model (built once), real servers on 127.0.0.1.

* ``tiny_model_dir``: a random-init Qwen3ForCausalLM + locally trained BPE tokenizer, saved once per session.
* ``local_backend``: a LocalBackend over it (loaded once).
* ``serve_process``: ``python -m sciReason serve --model DIR --port 0`` as a real subprocess.
* ``fake_server``: factory of programmable OpenAI-compatible servers (see backend_helpers.FakeOpenAI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from backend_helpers import FakeOpenAI, Reply, ServeProcess, start_serve

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sciReason.training.tiny import build_tiny_model

    # initializer_range 0.3 + untied embeddings: random but varied text (the default repeats one token)
    return build_tiny_model(
        tmp_path_factory.mktemp("tiny") / "model",
        vocab_size=512,
        initializer_range=0.3,
        tie_word_embeddings=False,
    )


@pytest.fixture(scope="session")
def local_backend(tiny_model_dir: Path) -> Iterator[Any]:
    from sciReason.backends.local import LocalBackend

    backend = LocalBackend(tiny_model_dir, max_batch_size=8)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def serve_process(tiny_model_dir: Path) -> Iterator[ServeProcess]:
    server = start_serve(tiny_model_dir, "--batch-wait-ms", "10")
    yield server
    server.stop()


@pytest.fixture
def fake_server() -> Iterator[Callable[..., FakeOpenAI]]:
    made: list[FakeOpenAI] = []

    def make(handler: Callable[[dict[str, Any], dict[str, str], int], Reply], **kw: Any) -> FakeOpenAI:
        server = FakeOpenAI(handler, **kw)
        made.append(server)
        return server

    yield make
    for s in made:
        s.close()
