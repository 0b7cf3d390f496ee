"""The generate contract: n valid, distinct values per item, resampling up to a limit, shortfall reported."""

from __future__ import annotations

import itertools

import pytest

from sciReason.backends import ScriptedBackend
from sciReason.client import GENERATE_MAX_ATTEMPTS, AsyncClient, Client
from sciReason.types import ChatRequest

STREAM = ["CCO", "OCC", "C1CC", "c1ccccc1", "CCO", "CCN", "not smiles", "CCCl", "CC(=O)O", "CCOC", "CCCC"]


def _stream_backend() -> ScriptedBackend:
    """Replies with the next samples of a fixed stream: repeats (OCC is CCO) and invalid SMILES included."""
    it = itertools.cycle(STREAM)

    def reply(req: ChatRequest) -> list[str]:
        return [f"<SMILES> {next(it)} </SMILES>" for _ in range(req.n)]

    return ScriptedBackend(reply)


def test_n_distinct_valid_values_by_resampling() -> None:
    backend = _stream_backend()
    r = Client(backend).generate("molecule", n=6)
    assert r.values == ["CCO", "c1ccccc1", "CCN", "CCCl", "CC(=O)O", "CCOC"]
    assert (r.requested, r.shortfall, r.valid, r.reason) == (6, 0, True, None)
    # first request: n=6 gives 3 distinct valid; the second asks for the 3 missing plus a quarter (at least 1)
    assert [req.n for req in backend.requests] == [6, 4]
    assert len(r.candidates) == 10  # every sample drawn is kept


def test_shortfall_is_reported_when_the_limit_is_reached() -> None:
    r = Client(ScriptedBackend(["<SMILES> CCO </SMILES>", "<SMILES> C1CC </SMILES>"])).generate(
        "molecule", n=3, max_attempts=2
    )
    assert r.values == ["CCO"] and (r.shortfall, r.attempts, r.valid) == (2, 2, True)
    assert "1 distinct valid of 3 requested after 2 request(s) (2 short" in r.reason
    nothing = Client(ScriptedBackend("<SMILES> C1CC </SMILES>")).generate("molecule", n=2)
    assert nothing.values == [] and nothing.shortfall == 2 and not nothing.valid
    assert nothing.attempts == GENERATE_MAX_ATTEMPTS


def test_each_condition_of_a_batch_gets_its_own_n() -> None:
    backend = _stream_backend()
    out = Client(backend).generate("molecule", condition=["soluble", "small"], n=2)
    assert [len(r.values) for r in out] == [2, 2] and all(r.shortfall == 0 for r in out)


def test_async_client_keeps_the_same_contract() -> None:
    import asyncio

    async def main() -> list:
        return (await AsyncClient(_stream_backend()).generate("molecule", n=6)).values

    assert asyncio.run(main()) == Client(_stream_backend()).generate("molecule", n=6).values


def test_invalid_n_is_an_input_error() -> None:
    from sciReason.errors import InputError

    with pytest.raises(InputError, match="n must be >= 1"):
        Client(_stream_backend()).generate("molecule", n=0)


@pytest.mark.slow
def test_embedded_model_gives_n_distinct_valid_molecules() -> None:
    """The README's `generate("molecule", n=20)` on the embedded model: exactly 20 distinct canonical SMILES."""
    from sciReason.representations import canonical_smiles

    with Client("tiny", seed=0) as client:
        r = client.generate("molecule", n=20)
    assert len(r.values) == 20 and r.shortfall == 0
    assert len(set(r.values)) == 20 and all(canonical_smiles(v) == v for v in r.values)
