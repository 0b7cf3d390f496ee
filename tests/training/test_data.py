from __future__ import annotations

import json

import pytest

from sciReason.errors import ConfigError
from sciReason.training.builders import build_records, molecule_pool
from sciReason.training.config import SourceConfig
from sciReason.training.data import (
    EpochBatches,
    MixedStream,
    PackedBatches,
    encode_chat,
    iter_records,
    record_text,
    tag,
)


@pytest.fixture(scope="module")
def tok(tiny_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_dir)


def test_tags_and_pairs():
    assert tag("CCO", "smiles") == "<SMILES> CCO </SMILES>"
    assert (
        record_text({"sequence": "MKV", "type": "protein", "text": "A kinase:"})
        == "A kinase: <protein> MKV </protein>"
    )
    with pytest.raises(ValueError, match="unknown sequence type"):
        tag("X", "glycan")


def test_responses_only_labels_without_generation_markers(tok):
    """Every prompt position is -100 and the response + EOS is learned, for both thinking modes."""
    msgs = [
        {"role": "user", "content": "Formula of <SMILES> CCO </SMILES> ?"},
        {"role": "assistant", "content": "<MOLFORMULA> C2H6O </MOLFORMULA>"},
    ]
    for thinking in (False, True):
        ids, labels = encode_chat(tok, msgs, thinking=thinking)
        prompt = tok.apply_chat_template(
            msgs[:1], tokenize=False, add_generation_prompt=True, enable_thinking=thinking
        )
        n_prompt = len(tok(prompt, add_special_tokens=False)["input_ids"])
        assert all(y == -100 for y in labels[:n_prompt])
        assert labels[n_prompt:] == ids[n_prompt:] and labels[-1] == tok.eos_token_id
        assert tok.decode(ids[n_prompt:-1]) == msgs[1]["content"]
    assert "<think>\n\n</think>" in tok.decode(encode_chat(tok, msgs, thinking=False)[0])


def test_jsonl_sources(tmp_path):
    rows = [{"text": f"doc {i}"} for i in range(5)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assert [r["text"] for r in iter_records(SourceConfig(path=str(tmp_path / "a.jsonl"), limit=3))] == [
        "doc 0",
        "doc 1",
        "doc 2",
    ]
    (tmp_path / "bad.jsonl").write_text('{"text": 1}\nnot json\n')
    with pytest.raises(ConfigError, match="bad.jsonl:2"):
        list(iter_records(str(tmp_path / "bad.jsonl")))
    with pytest.raises(ConfigError, match="does not exist"):
        list(iter_records(str(tmp_path / "missing.jsonl")))


@pytest.mark.extra("pyarrow")
def test_parquet_sources(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"text": f"doc {i}"} for i in range(5)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet", row_group_size=2)
    assert [r["text"] for r in iter_records(str(tmp_path / "a.parquet"))] == [r["text"] for r in rows]


def test_packed_stream_resumes_exactly(tok, tmp_path):
    sources = [
        SourceConfig(path="builtin:molecules", weight=2, options={"max_molecules": 300}),
        SourceConfig(path="builtin:sequences", options={"n": 200}),
    ]
    a = PackedBatches(MixedStream(sources, seed=3), tok, 48, 2)
    for _ in range(3):
        next(a)
    state = json.loads(json.dumps(a.state_dict()))  # survives serialisation
    expected = [next(a)["input_ids"] for _ in range(3)]
    b = PackedBatches(MixedStream(sources, seed=3), tok, 48, 2)
    b.load_state_dict(state)
    assert all((next(b)["input_ids"] == e).all() for e in expected)


def test_epoch_batches_resume_and_shard():
    ex = [([i, i + 1, i + 2][: 1 + i % 3], [i] * (1 + i % 3), 1.0) for i in range(20)]
    a = EpochBatches(ex, batch_size=4, pad_id=0, seed=1)
    seen = [next(a)["input_ids"] for _ in range(7)]  # crosses an epoch boundary
    b = EpochBatches(ex, batch_size=4, pad_id=0, seed=1)
    for _ in range(5):
        next(b)
    c = EpochBatches(ex, batch_size=4, pad_id=0, seed=1)
    c.load_state_dict(b.state_dict())
    assert (next(c)["input_ids"] == seen[5]).all()
    r0 = EpochBatches(ex, 2, 0, seed=1, rank=0, world=2)
    r1 = EpochBatches(ex, 2, 0, seed=1, rank=1, world=2)
    first = {tuple(x) for x in next(r0)["labels"][:, :1].tolist()} | {
        tuple(x) for x in next(r1)["labels"][:, :1].tolist()
    }
    assert len(first) == 4  # the two ranks read disjoint examples


def test_held_out_molecules_never_in_training():
    train, test = molecule_pool(2000)
    assert test and not set(train) & set(test)
    test_inputs = {
        r["input"]
        for r in build_records(
            "instructions",
            tasks=["smol_name_conversion-s2f"],
            n_per_task=50,
            split="test",
            max_molecules=2000,
        )
    }
    assert test_inputs <= set(test)


def test_builder_labels_are_exact():
    from rdkit.Chem import rdMolDescriptors

    from sciReason.representations import mol_from_smiles

    for rec in build_records(
        "instructions", tasks=["smol_name_conversion-s2f", "dna_to_protein"], n_per_task=20, max_molecules=500
    ):
        if rec["task"] == "dna_to_protein":
            from Bio.Seq import Seq

            assert str(Seq(rec["input"]).translate(to_stop=True)) == rec["reference"]
        else:
            assert rdMolDescriptors.CalcMolFormula(mol_from_smiles(rec["input"])) == rec["reference"]
