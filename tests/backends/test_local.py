"""LocalBackend on a real (tiny, random) Qwen3 model: batching, decoding modes, stops, errors, loading."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest

from sciReason.backends import local as local_mod
from sciReason.backends.local import LocalBackend, tiny_model_path
from sciReason.errors import BackendError, ModelNotFoundError
from sciReason.testing.backends import check_backend, check_backend_async, check_close
from sciReason.types import ChatRequest, ChatResponse, Message


def ask(text: str, **kw) -> ChatRequest:  # noqa: ANN003
    return ChatRequest((Message("user", text),), **kw)


def test_contract(local_backend: LocalBackend) -> None:
    check_backend(local_backend)


def test_async_contract(local_backend: LocalBackend) -> None:
    asyncio.run(check_backend_async(local_backend))


def test_close_contract(tiny_model_dir: Path) -> None:
    check_close(lambda: LocalBackend(tiny_model_dir))
    with LocalBackend(tiny_model_dir) as backend:
        pass
    with pytest.raises(BackendError, match="closed"):
        backend.complete([ask("hi")])


def test_greedy_batch_equals_one_by_one_across_budgets_and_stops(local_backend: LocalBackend) -> None:
    reqs = [
        ask("Translate <SMILES> CCO </SMILES>", max_tokens=12),
        ask("hi", max_tokens=3),
        ask("Is <protein> MKVLAAGIV </protein> soluble?", max_tokens=20, stop=("</protein>",)),
        ask("a much longer prompt " * 10, max_tokens=7),
    ]
    batched = local_backend.complete(reqs)
    for req, res in zip(reqs, batched, strict=True):
        alone = local_backend.complete([req])[0]
        assert isinstance(res, ChatResponse) and isinstance(alone, ChatResponse)
        assert res.choices == alone.choices
        assert res.usage == alone.usage


def test_max_tokens_cut_says_length(local_backend: LocalBackend) -> None:
    res = local_backend.complete([ask("Translate <SMILES> CCO </SMILES>", max_tokens=9)])[0]
    assert isinstance(res, ChatResponse)
    assert res.choices[0].finish_reason == "length"
    assert res.usage.completion_tokens == 9
    assert res.usage.prompt_tokens > 0


def test_stop_string_is_cut_and_excluded(local_backend: LocalBackend) -> None:
    free = local_backend.complete([ask("Translate <SMILES> CCO </SMILES>", max_tokens=30)])[0]
    text = free.choices[0].text
    stop = text[10:13]  # a string the model really produces, found at its first occurrence
    first = text.find(stop)
    res = local_backend.complete(
        [ask("Translate <SMILES> CCO </SMILES>", max_tokens=30, stop=(stop, "@@never@@"))]
    )[0]
    assert res.choices[0].text == text[:first]
    assert res.choices[0].finish_reason == "stop"
    assert res.usage.completion_tokens < free.usage.completion_tokens


def test_eos_ends_a_completion_with_stop(
    local_backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    req = ask("hi there", max_tokens=12)
    free = local_backend.complete([req])[0]
    tok = local_backend.tokenizer
    ids = tok(local_backend.tokenizer.apply_chat_template([{"role": "user", "content": "hi there"}],
              tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"]  # fmt: skip
    import torch

    out = local_backend.model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False)[
        0, len(ids) :
    ].tolist()
    eos = out[4]  # pretend the 5th generated token is an end-of-sequence token
    cut = out.index(eos)
    monkeypatch.setattr(local_backend, "_eos_ids", local_backend._eos_ids | {eos})
    res = local_backend.complete([req])[0]
    assert res.choices[0].finish_reason == "stop"
    assert res.choices[0].text == tok.decode(out[:cut])
    assert res.usage.completion_tokens == cut + 1
    assert free.choices[0].finish_reason == "length"


def test_n_greedy_copies_and_sampling_is_seeded(local_backend: LocalBackend) -> None:
    greedy = local_backend.complete([ask("hi", max_tokens=5, n=3)])[0]
    assert len(greedy.choices) == 3 and len({c.text for c in greedy.choices}) == 1
    sample = ask("hi", max_tokens=12, temperature=1.0, n=4, seed=11)
    a, b = local_backend.complete([sample, dataclasses.replace(sample, seed=12)])
    again = local_backend.complete([ask("other", max_tokens=4, temperature=1.0), sample])[1]
    assert len(a.choices) == 4 and len({c.text for c in a.choices}) > 1
    assert a.choices == again.choices, (
        "a fixed seed must reproduce the samples, whatever else is in the batch"
    )
    assert a.choices != b.choices


def test_backend_seed_makes_unseeded_sampling_reproducible(tiny_model_dir: Path) -> None:
    req = ask("hi", max_tokens=10, temperature=1.0, n=2)
    first = LocalBackend(tiny_model_dir, seed=5).complete([req, req])
    second = LocalBackend(tiny_model_dir, seed=5).complete([req, req])
    assert [r.choices for r in first] == [r.choices for r in second]


def test_beam_search_returns_n_best_beams(local_backend: LocalBackend) -> None:
    res = local_backend.complete([ask("Translate <SMILES> CCO </SMILES>", max_tokens=6, num_beams=4, n=3)])[0]
    assert len(res.choices) == 3
    assert len({c.text for c in res.choices}) == 3
    best = local_backend.complete([ask("Translate <SMILES> CCO </SMILES>", max_tokens=6, num_beams=4)])[0]
    assert best.choices[0].text == res.choices[0].text


def test_thinking_switch_changes_the_prompt(local_backend: LocalBackend) -> None:
    on, off, default = local_backend.complete(
        [
            ask("q", max_tokens=2, enable_thinking=True),
            ask("q", max_tokens=2, enable_thinking=False),
            ask("q", max_tokens=2),
        ]
    )
    think_block = len(
        local_backend.tokenizer("<think>\n\n</think>\n\n", add_special_tokens=False)["input_ids"]
    )
    assert off.usage.prompt_tokens == on.usage.prompt_tokens + think_block
    assert default.usage.prompt_tokens == on.usage.prompt_tokens  # Qwen3 template default: thinking on


def test_backend_level_thinking_default(tiny_model_dir: Path) -> None:
    b = LocalBackend(tiny_model_dir, enable_thinking=False)
    default, forced_on = b.complete([ask("q", max_tokens=2), ask("q", max_tokens=2, enable_thinking=True)])
    assert default.usage.prompt_tokens > forced_on.usage.prompt_tokens


def test_bad_items_are_values_and_neighbours_survive(local_backend: LocalBackend) -> None:
    too_long = ask("C" * 9000, max_tokens=3)  # beyond max_position_embeddings=2048 tokens
    good = ask("hi", max_tokens=3)
    out = local_backend.complete([good, too_long, ask("x", n=0), good])
    assert isinstance(out[1], BackendError) and "context" in str(out[1])
    assert isinstance(out[2], BackendError) and "n=0" in str(out[2])
    assert out[0] == out[3] == local_backend.complete([good])[0]


def test_generation_failure_is_isolated(local_backend: LocalBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    real = local_backend._generate

    def flaky(reqs, *args):  # noqa: ANN001, ANN002, ANN202 - fails whenever the poisoned prompt is in the batch
        if any("poison" in r.messages[-1].content for r in reqs):
            raise RuntimeError("CUDA out of memory (simulated)")
        return real(reqs, *args)

    monkeypatch.setattr(local_backend, "_generate", flaky)
    out = local_backend.complete(
        [ask("a", max_tokens=2), ask("poison", max_tokens=2), ask("b", max_tokens=2)]
    )
    assert isinstance(out[0], ChatResponse) and isinstance(out[2], ChatResponse)
    assert isinstance(out[1], BackendError) and out[1].retryable and "out of memory" in str(out[1])


def test_missing_directory_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelNotFoundError, match="no-such-model") as info:
        LocalBackend(missing)
    assert "http" in str(info.value)  # says how to point at a server instead
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="config.json"):
        LocalBackend(tmp_path / "empty")


def test_hub_id_offline_fails_fast_without_download(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    start = time.monotonic()
    with pytest.raises(ModelNotFoundError, match="SciReason/SciReasoner-8B") as info:
        LocalBackend("SciReason/SciReasoner-8B", local_files_only=True)
    assert "local" in str(info.value)
    assert time.monotonic() - start < 60  # generous: guards against a hang, not a speed test


def test_tiny_model_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_model_dir: Path) -> None:
    monkeypatch.setattr(local_mod, "_TINY_DIR", tmp_path / "sciReason-tiny")
    with pytest.raises(ModelNotFoundError, match="sciReason-tiny") as info:
        tiny_model_path()
    assert "local:" in str(info.value) and "http" in str(info.value)
    monkeypatch.setattr(local_mod, "_TINY_DIR", tiny_model_dir)
    assert tiny_model_path() == tiny_model_dir


def test_registry_resolves_local_specs(tiny_model_dir: Path) -> None:
    from sciReason.backends import get_backend

    for spec in (str(tiny_model_dir), f"local:{tiny_model_dir}"):
        backend = get_backend(spec, max_batch_size=2)
        assert isinstance(backend, LocalBackend) and backend.max_batch_size == 2


def test_top_k_semantics_follow_openai(local_backend: LocalBackend) -> None:
    base = ask("Translate <SMILES> CCO </SMILES>", max_tokens=10, temperature=1.0, seed=3)
    unset, zero, one = local_backend.complete(
        [base, dataclasses.replace(base, top_k=0), dataclasses.replace(base, top_k=1)]
    )
    greedy = local_backend.complete([ask("Translate <SMILES> CCO </SMILES>", max_tokens=10)])[0]
    assert unset.choices == zero.choices  # no top-k unless asked (transformers would default to 50)
    assert one.choices == greedy.choices  # top_k=1 is greedy


def test_too_long_input_is_an_input_error_before_any_model_call(
    local_backend: LocalBackend, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The client asks the backend first (check_request): a prompt that fills the context is the user's
    input problem, raised as InputError naming the sizes, with no generate call and no transformers warning."""
    from sciReason.client import Client
    from sciReason.errors import InputError, ItemError

    calls: list[int] = []
    real = local_backend._generate
    monkeypatch.setattr(
        local_backend,
        "_generate",
        lambda reqs, prompts, *rest, **kw: calls.append(len(reqs)) or real(reqs, prompts, *rest, **kw),
    )
    client = Client(local_backend)
    too_long = "C" * 9000
    with pytest.raises(
        InputError, match=r"input too long: the prompt has \d+ tokens .* context of 2048 tokens"
    ):
        client.predict(too_long, property="esol", max_tokens=2)
    assert calls == []
    out = client.predict(["CCO", too_long], property="esol", max_tokens=2)
    assert not isinstance(out[0], ItemError) and isinstance(out[1], ItemError)
    assert out[1].error_type == "InputError" and calls == [1]
    assert "Token indices sequence length" not in capfd.readouterr().err
