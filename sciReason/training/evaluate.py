"""Held-out evaluation of a trained model on the offline builder tasks (used for sciReason-tiny's card).

Unconditional generation: ``n_generate`` samples from the catalog prompt with the task's default decoding, scored with RDKit for
validity, uniqueness (of valid) and novelty (valid molecules not in the training molecules). Instruction
tasks: greedy answers to held-out prompts (molecules hashed into the test split never appear in training),
parsed with the task's parser and scored per task (exact match, element match, MAE, accuracy, formula
satisfaction). Thinking tasks are prompted with thinking on and report how often a closed ``<think>``
block precedes the answer; instant tasks report how often a non-empty one appears.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sciReason.training.builders import task_spec
from sciReason.training.data import iter_records, record_messages

__all__ = ["evaluate_model", "generate_texts", "smiles_validity"]

_THINK = re.compile(r"<think>(.*?)</think>", re.S)


def generate_texts(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    *,
    max_new_tokens: int,
    temperature: float = 0.0,
    top_p: float | None = None,
    top_k: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
) -> list[str]:
    """Complete rendered prompts; decoded with tags intact and cut at EOS."""
    import torch

    tokenizer.padding_side = "left"
    eos = tokenizer.eos_token_id
    out: list[str] = []
    torch.manual_seed(seed)
    for i in range(0, len(prompts), batch_size):
        enc = tokenizer(
            list(prompts[i : i + batch_size]), return_tensors="pt", padding=True, add_special_tokens=False
        )
        with torch.no_grad():
            gen = model.generate(
                **enc,
                do_sample=temperature > 0,
                temperature=temperature if temperature > 0 else None,
                top_k=(top_k or 0) if temperature > 0 else None,
                top_p=top_p if temperature > 0 else None,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=eos,
            )
        for row in gen[:, enc["input_ids"].shape[1] :].tolist():
            if eos in row:
                row = row[: row.index(eos)]
            out.append(tokenizer.decode(row, skip_special_tokens=False))
    return out


def smiles_validity(texts: Sequence[str], train: set[str] | None = None) -> dict[str, float]:
    """Validity, uniqueness (of valid) and novelty (of unique valid, against ``train``)."""
    from sciReason.parsing import parse_answer

    spec = task_spec("unconditional_molecule_generation")
    valid = [p.value for p in (parse_answer(spec, t).parsed for t in texts) if p.valid]
    unique = set(valid)
    res = {
        "n": len(texts),
        "validity": len(valid) / max(1, len(texts)),
        "uniqueness": len(unique) / max(1, len(valid)),
    }
    if train is not None:
        res["novelty"] = sum(s not in train for s in unique) / max(1, len(unique))
    return res


def _prompt(tokenizer: Any, rec: dict[str, Any], thinking: bool) -> str:
    msgs = record_messages({**rec, "output": ""})[:-1]
    return tokenizer.apply_chat_template(
        msgs, tokenize=False, add_generation_prompt=True, enable_thinking=thinking
    )


def _score_task(task: str, texts: list[str], recs: list[dict[str, Any]]) -> dict[str, float]:
    from sciReason.parsing import parse_answer
    from sciReason.representations import molecular_formula, parse_formula

    spec = task_spec(task)
    parsed = [parse_answer(spec, t).parsed for t in texts]
    n = len(recs)
    res: dict[str, float] = {"n": n, "parsed": sum(p.valid for p in parsed) / n}
    think = [bool(m and m.group(1).strip()) for m in (_THINK.search(t) for t in texts)]
    res["think_rate"] = sum(think) / n
    if spec.output_kind == "number":
        errs = [
            abs(float(p.value) - float(r["reference"])) for p, r in zip(parsed, recs, strict=False) if p.valid
        ]
        res["mae"] = sum(errs) / max(1, len(errs))
    elif spec.output_kind == "boolean":
        res["accuracy"] = (
            sum(p.valid and bool(p.value) == bool(r["reference"]) for p, r in zip(parsed, recs, strict=False))
            / n
        )
    elif spec.output_kind == "formula":
        res["exact_match"] = (
            sum(
                p.valid and parse_formula(str(p.value)) == parse_formula(r["reference"])
                for p, r in zip(parsed, recs, strict=False)
            )
            / n
        )
        res["element_match"] = (
            sum(
                p.valid and set(parse_formula(str(p.value)) or {}) == set(parse_formula(r["reference"]) or {})
                for p, r in zip(parsed, recs, strict=False)
            )
            / n
        )
    elif task == "smol_molecule_generation":
        res["validity"] = res["parsed"]
        res["formula_match"] = (
            sum(
                p.valid and molecular_formula(p.value) == r["formula"]
                for p, r in zip(parsed, recs, strict=False)
            )
            / n
        )
        res["exact_match"] = (
            sum(p.valid and p.value == r["reference"] for p, r in zip(parsed, recs, strict=False)) / n
        )
    else:
        res["exact_match"] = (
            sum(
                p.valid and str(p.value).strip() == str(r["reference"]).strip()
                for p, r in zip(parsed, recs, strict=False)
            )
            / n
        )
    return {k: round(v, 4) for k, v in res.items()}


def evaluate_model(
    model_dir: str | Path,
    test_file: str | Path,
    *,
    n_generate: int = 1000,
    per_task: int = 256,
    train_molecules: str | Path | None = None,
    seed: int = 0,
    on_result: Any = None,
) -> dict[str, Any]:
    """All held-out metrics of one model directory (CPU is fine for tiny models)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, dtype=torch.float32).eval()
    train = None
    if train_molecules is not None:
        train = {r["sequence"] for r in iter_records(str(train_molecules))}
    uncond = {"task": "unconditional_molecule_generation", "input": None}
    dec = task_spec("unconditional_molecule_generation").decoding  # the SDK's default sampling for the task
    texts = generate_texts(
        model,
        tok,
        [_prompt(tok, uncond, False)] * n_generate,
        max_new_tokens=dec.max_tokens,
        temperature=dec.temperature,
        top_p=dec.top_p,
        top_k=dec.top_k,
        seed=seed,
    )
    results: dict[str, Any] = {
        "unconditional_molecule_generation": {
            "decoding": f"T={dec.temperature}, top_p={dec.top_p}, top_k={dec.top_k}",
            **smiles_validity(texts, train),
        }
    }
    if on_result is not None:
        on_result("unconditional_molecule_generation", results["unconditional_molecule_generation"])
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in iter_records(str(test_file)):
        if rec["task"] != "unconditional_molecule_generation" and len(by_task[rec["task"]]) < per_task:
            by_task[rec["task"]].append(rec)
    for task, recs in sorted(by_task.items()):
        thinking = task_spec(task).thinking
        prompts = [_prompt(tok, r, thinking) for r in recs]
        outs = generate_texts(model, tok, prompts, max_new_tokens=320 if thinking else 128, seed=seed)
        results[task] = _score_task(task, outs, recs)
        if on_result is not None:
            on_result(task, results[task])
    return results
