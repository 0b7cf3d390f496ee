"""The five functions through the scripted backend: typed results, batches, errors as values."""

from __future__ import annotations

import asyncio

import pytest

import sciReason
from sciReason import AsyncClient, Client, InvalidSequenceError, ItemError, TaskResult
from sciReason.backends import ScriptedBackend
from sciReason.errors import BackendError, InputError, UnknownTaskError
from sciReason.types import ChatRequest, Choice


def replies(request: ChatRequest):  # noqa: ANN201
    prompt = request.messages[-1].content
    if "Design a protein" in prompt:
        return "<protein>MKTAYIAKQR</protein>"
    if "IUPAC name" in prompt:
        return "<think>ethanol has two carbons</think><IUPAC> ethanol </IUPAC>"
    if "soluble" in prompt:
        return "<NUMBER> -0.77 </NUMBER>"
    if "blood-brain" in prompt:
        return "<BOOLEAN> Yes </BOOLEAN>"
    if "chemical entities" in prompt:
        return "aspirin, caffeine"
    if "Generate a molecule" in prompt:
        return [
            "CCO </SMILES>",
            "C1CC </SMILES>",
            "<SMILES> c1ccccc1 </SMILES>",
            "<SMILES> [nH]1cccc1 </SMILES>",
        ]
    return BackendError("no scripted reply")


@pytest.fixture
def client() -> Client:
    return Client(ScriptedBackend(replies))


def test_translate_returns_typed_result_with_reasoning(client: Client) -> None:
    r = client.translate("CCO", source="smiles", target="iupac")
    assert isinstance(r, TaskResult)
    assert (r.task, r.family, r.value, r.valid) == ("smol_name_conversion-s2i", "translate", "ethanol", True)
    assert r.reasoning == "ethanol has two carbons"
    assert r.raw.startswith("<think>") and r.finish_reason == "stop"
    assert len(r.candidates) == 5  # the task's default: 5 beams, 5 returned


def test_request_follows_task_defaults(client: Client) -> None:
    client.translate("CCO", source="smiles", target="iupac")
    req = client.backend.requests[-1]
    assert req.num_beams == 5 and req.n == 5 and req.stop == ("</IUPAC>",)
    client.predict("CCO", property="esol", max_tokens=64)
    req = client.backend.requests[-1]
    assert req.greedy and req.max_tokens == 64 and req.enable_thinking is False


def test_predict_number_with_unit(client: Client) -> None:
    r = client.predict("CCO", property="esol")
    assert r.value == pytest.approx(-0.77) and r.unit == "log(mol/L)"


def test_classify_and_extract(client: Client) -> None:
    assert client.classify("CCO", property="bbbp").value is True
    assert client.extract("Aspirin and caffeine were given.").value == ["aspirin", "caffeine"]


def test_generate_molecules_candidates_validated(client: Client) -> None:
    """The script only ever knows 3 valid molecules: 4 are asked for, resampling cannot find a 4th, and the
    shortfall is reported rather than hidden."""
    r = client.generate("molecule", n=4)
    assert r.values == ["CCO", "c1ccccc1", "c1cc[nH]c1"]
    assert (r.requested, r.shortfall, r.attempts, r.valid) == (4, 1, 5, True)
    assert r.reason.startswith("3 distinct valid of 4 requested after 5 request(s) (1 short")
    bad = [c for c in r.candidates if not c.valid]
    assert bad and all("C1CC" in c.reason for c in bad)


def test_generate_conditioned_protein(client: Client) -> None:
    r = client.generate("protein", condition="a small soluble kinase", n=1)
    assert r.task == "mol_instruction_protein_design" and r.value == "MKTAYIAKQR"


def test_bad_single_input_raises_before_model_call(client: Client) -> None:
    with pytest.raises(InvalidSequenceError, match="'C1CC'.*not a valid SMILES"):
        client.predict("C1CC", property="esol")
    assert client.backend.requests == []
    with pytest.raises(InvalidSequenceError, match="letters outside"):
        client.classify("MKT1", task="solubility")


def test_batch_keeps_good_items(client: Client) -> None:
    out = client.predict(["CCO", "C1CC", "c1ccccc1"], property="esol")
    assert [type(o).__name__ for o in out] == ["TaskResult", "ItemError", "TaskResult"]
    assert out[1].error_type == "InvalidSequenceError" and out[1].input == "C1CC"
    assert len(client.backend.requests) == 2


def test_backend_error_for_one_item_is_a_value() -> None:
    def flaky(req: ChatRequest):  # noqa: ANN202
        return BackendError("server said 500") if "CCN" in req.messages[-1].content else "<NUMBER>1</NUMBER>"

    out = Client(ScriptedBackend(flaky)).predict(["CCO", "CCN", "CCC"], property="esol")
    assert isinstance(out[1], ItemError) and "500" in out[1].message
    assert out[0].value == 1.0 and out[2].value == 1.0


def test_unknown_task_and_option_errors(client: Client) -> None:
    with pytest.raises(UnknownTaskError):
        client.predict("CCO", property="boiling point")
    with pytest.raises(InputError, match="unknown option"):
        client.predict("CCO", property="esol", temprature=0.5)
    with pytest.raises(InputError, match="pair"):
        client.classify("MKV", task="human_ppi")


def test_max_attempts_resamples_invalid_answers() -> None:
    answers = iter(["<NUMBER> n/a </NUMBER>", "<NUMBER> 2.5 </NUMBER>"])
    backend = ScriptedBackend(lambda req: next(answers))
    r = Client(backend).predict("CCO", property="esol", max_attempts=3, seed=7)
    assert r.valid and r.value == 2.5 and r.attempts == 2 and len(r.candidates) == 2
    assert backend.requests[1].temperature >= 0.7 and backend.requests[1].seed == 8


def test_truncated_reasoning_reported_not_parsed() -> None:
    backend = ScriptedBackend(
        Choice(text="<think>the value is <NUMBER> 3 </NUMBER> maybe", finish_reason="length")
    )
    r = Client(backend).predict("CCO", property="esol")
    assert not r.valid and r.truncated_in_reasoning and r.value is None and r.finish_reason == "length"


def test_pair_inputs() -> None:
    backend = ScriptedBackend("Some text. The answer is Yes")
    r = Client(backend).classify({"protein_a": "MKV", "protein_b": "MAA"}, task="human_ppi")
    assert r.value is True
    assert "<protein>MKV</protein>" in backend.requests[-1].messages[-1].content


def test_async_client_matches_sync() -> None:
    async def main() -> list:
        async with AsyncClient(ScriptedBackend(replies)) as ac:
            one = await ac.translate("CCO", source="smiles", target="iupac")
            many = await ac.predict(["CCO", "C1CC"], property="esol")
            return [one, many]

    one, many = asyncio.run(main())
    assert one.value == "ethanol" and many[0].value == pytest.approx(-0.77) and isinstance(many[1], ItemError)


def test_module_level_functions_use_configured_backend() -> None:
    sciReason.configure(ScriptedBackend(replies))
    try:
        assert sciReason.translate("CCO", source="smiles", target="iupac").value == "ethanol"
        assert sciReason.predict("CCO", property="esol").valid
        assert sciReason.generate("molecule", n=2).values == ["CCO"]
    finally:
        sciReason.configure(ScriptedBackend(""))


def test_result_serialises_to_json_dict(client: Client) -> None:
    d = client.predict("CCO", property="esol").to_dict()
    assert d["value"] == pytest.approx(-0.77) and d["candidates"][0]["raw"] == "<NUMBER> -0.77 </NUMBER>"
