"""The ChatML template and token inventory of sciReason's own models (the embedded sciReason-tiny and
models built by the training recipe's ``[init]``).

It lives in the core package because both the backends (a fallback template for checkpoints without one)
and the training recipe (the tokenizer it builds) need it.

Two rules from the training reference (training.md §5) are built in:

* only the control tokens (``<|endoftext|>``, ``<|im_start|>``, ``<|im_end|>``) are *special*; the science
  tags (``<SMILES>``, ``</SMILES>``, ``<protein>``, ``<think>`` ...) are ordinary added tokens, so
  ``decode(..., skip_special_tokens=True)`` keeps them and answer parsers and rewards can see them;
* the chat template is ChatML like Qwen3's, honours ``enable_thinking`` (``False`` pre-fills an empty
  ``<think>\\n\\n</think>\\n\\n`` block exactly as Qwen3 does) and wraps assistant turns in
  ``{% generation %}`` markers so ``return_assistant_tokens_mask`` / assistant-only loss work.
"""

from __future__ import annotations

__all__ = ["CHAT_TEMPLATE", "CONTROL_TOKENS", "SCIENCE_TAGS"]

#: Control tokens (special: skipped by ``decode(skip_special_tokens=True)``), Qwen3 names and order.
CONTROL_TOKENS: tuple[str, ...] = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")

_TAG_NAMES = (
    "SMILES",
    "SELFIES",
    "IUPAC",
    "MOLFORMULA",
    "NUMBER",
    "BOOLEAN",
    "protein",
    "dna",
    "rna",
    "material",
    "answer",
    "summary",
)
#: Science and reasoning tags, added as NORMAL tokens (kept by ``skip_special_tokens=True``).
SCIENCE_TAGS: tuple[str, ...] = ("<think>", "</think>") + tuple(
    t for name in _TAG_NAMES for t in (f"<{name}>", f"</{name}>")
)

#: Qwen3-like ChatML template with the thinking switch and assistant generation markers.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)
