"""sciReason.training.tiny: the locally trained tokenizer and the config-built Qwen3 model."""

from __future__ import annotations

from pathlib import Path

import pytest

from sciReason.training.tiny import CONTROL_TOKENS, SCIENCE_TAGS, build_tiny_model, train_tokenizer


@pytest.fixture(scope="module")
def tokenizer():  # noqa: ANN201
    return train_tokenizer(vocab_size=400)


def test_tags_are_normal_tokens_kept_by_skip_special_tokens(tokenizer) -> None:  # noqa: ANN001
    text = "<think>\nreason</think>\n\n<SMILES> CCO </SMILES> <protein> MKV </protein>"
    ids = tokenizer(text + "<|im_end|>")["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == text
    for tag in ("<SMILES>", "</SMILES>", "<think>", "</think>", "<protein>"):
        assert len(tokenizer(tag)["input_ids"]) == 1, f"{tag} must be one token"
        assert tag not in tokenizer.all_special_tokens
    for control in CONTROL_TOKENS:
        assert control in tokenizer.all_special_tokens
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
    assert set(SCIENCE_TAGS) <= set(tokenizer.get_vocab())


def test_chat_template_thinking_switch_and_generation_prompt(tokenizer) -> None:  # noqa: ANN001
    msgs = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Name <SMILES> CCO </SMILES>"},
    ]
    default = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    assert default == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nName <SMILES> CCO </SMILES><|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    off = tokenizer.apply_chat_template(
        msgs, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    assert off == default + "<think>\n\n</think>\n\n"
    on = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True, enable_thinking=True)
    assert on == default
    no_prompt = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=False)
    assert not no_prompt.endswith("assistant\n")


def test_chat_template_marks_assistant_tokens(tokenizer) -> None:  # noqa: ANN001
    msgs = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<SMILES> C </SMILES>"}]
    out = tokenizer.apply_chat_template(
        msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    marked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(marked) == "<SMILES> C </SMILES><|im_end|>"


def test_tokenizer_round_trips_science_text(tokenizer) -> None:  # noqa: ANN001
    for text in ("CC(=O)Oc1ccccc1C(=O)O", "MKTAYIAKQRQISFVKSHFSRQ", "Ω unicode ✓", "ACGU"):
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text


def test_build_tiny_model_is_a_loadable_deterministic_qwen3(tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = train_tokenizer(vocab_size=300)
    a = build_tiny_model(tmp_path / "a", tokenizer=tok, hidden_size=32, num_layers=1, num_heads=2, seed=3)
    b = build_tiny_model(tmp_path / "b", tokenizer=tok, hidden_size=32, num_layers=1, num_heads=2, seed=3)
    c = build_tiny_model(tmp_path / "c", tokenizer=tok, hidden_size=32, num_layers=1, num_heads=2, seed=4)
    ma = AutoModelForCausalLM.from_pretrained(a, local_files_only=True)
    mb = AutoModelForCausalLM.from_pretrained(b, local_files_only=True)
    mc = AutoModelForCausalLM.from_pretrained(c, local_files_only=True)
    assert type(ma).__name__ == "Qwen3ForCausalLM"
    assert ma.config.vocab_size == len(tok)
    sa, sb, sc = ma.state_dict(), mb.state_dict(), mc.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa), "same seed must give the same weights"
    assert not all(torch.equal(sa[k], sc[k]) for k in sa), "another seed must give other weights"
    loaded = AutoTokenizer.from_pretrained(a, local_files_only=True)
    assert loaded.chat_template == tok.chat_template
    assert (
        loaded.decode(loaded("<SMILES> C </SMILES>")["input_ids"], skip_special_tokens=True)
        == "<SMILES> C </SMILES>"
    )
    assert ma.generation_config.eos_token_id == [tok.eos_token_id, tok.pad_token_id]


def test_build_tiny_model_rejects_bad_head_count(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="divisible"):
        build_tiny_model(tmp_path, tokenizer=train_tokenizer(vocab_size=300), hidden_size=30, num_heads=4)
