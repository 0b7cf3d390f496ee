"""Backend throughput and SDK overhead, each side by side with its baseline in the same run.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/backends.py all --size small --n 32 --max-tokens 32

Sections (``local``, ``remote``, ``overhead`` or ``all``):

* **local**: N greedy chat requests of ``--max-tokens`` new tokens on a random-init Qwen3 model built from
  a config (``--size``) or ``--model DIR``. Baseline: plain ``model.generate`` one prompt at a time (what a
  user writes by hand); then ``LocalBackend.complete`` one request at a time (SDK cost) and the whole list
  in one ``LocalBackend.complete`` call (left-padded batches of ``--batch`` sequences).
* **remote**: the same requests against ``sciReason serve`` started as a subprocess on 127.0.0.1.
  Baseline: one ``RemoteBackend.complete([r])`` after another; then one ``complete(all)`` with
  ``--concurrency`` calls in flight, which the server batches.
* **overhead**: the SDK's own cost per call with a scripted backend (no model): render the prompt,
  parse and validate the answer, for each task family; and one HTTP round trip through ``ChatServer``
  over the scripted backend. Baseline: one ``LocalBackend`` greedy call of 16 tokens on the same model.

Like with like: every method uses the same stopping rule (end-of-sequence or ``--max-tokens``, no forced
length) and its throughput is computed from the tokens *it* generated (the tables print each count). A warm-up
call precedes the timed ones, and each method is timed ``--repeats`` times (median reported, every run in the
JSON). Prints Markdown tables; ``--json PATH`` also writes the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SIZES = {  # hidden, layers, heads, kv heads, intermediate
    "tiny": (64, 2, 4, 4, 192),
    "small": (256, 4, 8, 8, 768),
    "qwen3-0.6b": (1024, 28, 16, 8, 3072),  # Qwen3-0.6B's shape (random weights, small vocabulary)
}


def build_model(size: str, out: Path) -> Path:
    from sciReason.training.tiny import build_tiny_model

    hidden, layers, heads, kv, inter = SIZES[size]
    return build_tiny_model(out, vocab_size=1024, hidden_size=hidden, num_layers=layers, num_heads=heads,
                            num_kv_heads=kv, intermediate_size=inter, initializer_range=0.3,
                            tie_word_embeddings=False)  # fmt: skip


def requests(n: int, max_tokens: int) -> list[Any]:
    from sciReason.types import ChatRequest, Message

    subjects = [
        "<SMILES> CCO </SMILES>",
        "<SMILES> c1ccccc1O </SMILES>",
        "<protein> MKTAYIAKQRQISFVK </protein>",
    ]
    return [
        ChatRequest(
            (Message("user", f"Question {k}: describe {subjects[k % 3]} in {k % 7 + 1} words."),),
            max_tokens=max_tokens,
        )  # fmt: skip
        for k in range(n)
    ]


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def repeated(fn: Any, repeats: int) -> tuple[float, list[float], Any]:
    """Median seconds of ``repeats`` timed calls, every time, and the last call's output."""
    times, out = [], None
    for _ in range(max(1, repeats)):
        t, out = timed(fn)
        times.append(t)
    return statistics.median(times), times, out


def row(name: str, seconds: float, tokens: int, base_rate: float) -> str:
    """A table row; the speed-up compares throughputs (tokens/s), each from the method's own tokens."""
    rate = tokens / seconds
    return f"| {name} | {seconds:.2f} | {tokens} | {rate:.1f} | {rate / base_rate:.2f}x |"


HEADER = "| method | seconds (median) | tokens | tokens/s | speed-up vs baseline |\n|---|---|---|---|---|"


def bench_local(model: Path, args: argparse.Namespace, out: dict[str, Any]) -> None:
    import torch

    from sciReason.backends.local import LocalBackend

    backend = LocalBackend(model, max_batch_size=args.batch, dtype=args.dtype, device_map=args.device_map)
    reqs = requests(args.n, args.max_tokens)
    backend.complete(reqs[:2])  # warm-up
    tok, mdl = backend.tokenizer, backend.model

    eos = sorted(backend._eos_ids)  # the backend's own stop tokens: both sides stop by the same rule

    def raw_one_by_one() -> tuple[list[str], int]:
        texts, n_tokens = [], 0
        for r in reqs:
            prompt = tok.apply_chat_template([{"role": "user", "content": r.messages[0].content}], tokenize=False,
                                             add_generation_prompt=True)  # fmt: skip
            ids = tok(prompt, return_tensors="pt", add_special_tokens=False).to(mdl.device)
            with torch.inference_mode():
                gen = mdl.generate(**ids, max_new_tokens=args.max_tokens, do_sample=False, eos_token_id=eos,
                                   pad_token_id=tok.pad_token_id)  # fmt: skip
            new = gen[0, ids["input_ids"].shape[1] :].tolist()
            n_tokens += len(new)  # up to and including the end-of-sequence token, as the backend counts
            texts.append(tok.decode([t for t in new if t not in eos]))
        return texts, n_tokens

    t_raw, raw_times, (raw, raw_tokens) = repeated(raw_one_by_one, args.repeats)
    t_one, one_times, one = repeated(lambda: [backend.complete([r])[0] for r in reqs], args.repeats)
    t_batch, batch_times, batch = repeated(lambda: backend.complete(reqs), args.repeats)
    one_tokens = sum(r.usage.completion_tokens for r in one)
    batch_tokens = sum(r.usage.completion_tokens for r in batch)
    same = sum(a.choices == b.choices for a, b in zip(one, batch, strict=True))
    base = raw_tokens / t_raw
    print(f"\n### Local backend: {args.n} requests, at most {args.max_tokens} new tokens, batch {args.batch}, "
          f"model {model.name} ({sum(p.numel() for p in mdl.parameters()) / 1e6:.1f} M params, {mdl.device}, {mdl.dtype})\n")  # fmt: skip
    print(HEADER)
    print(row("baseline: model.generate one by one", t_raw, raw_tokens, base))
    print(row("LocalBackend.complete one by one", t_one, one_tokens, base))
    print(row(f"LocalBackend.complete batched ({args.batch})", t_batch, batch_tokens, base))
    print(
        f"\nbatched == one-by-one completions (greedy): {same}/{len(reqs)}; median of {args.repeats} runs each"
    )
    out["local"] = {"raw_s": raw_times, "one_s": one_times, "batch_s": batch_times, "raw_tokens": raw_tokens,
                    "one_tokens": one_tokens, "batch_tokens": batch_tokens, "same": same, "n": len(reqs),
                    "raw_texts_match": sum(r == c.choices[0].text for r, c in zip(raw, one, strict=True))}  # fmt: skip
    backend.close()


def start_serve(model: Path, args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "sciReason", "serve", "--model", str(model), "--port", "0",
           "--max-batch-size", str(args.batch)]  # fmt: skip
    if args.dtype:
        cmd += ["--dtype", args.dtype]
    if args.device_map:
        cmd += ["--device-map", args.device_map]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"serve did not start: {line!r}")
    return proc, line.split("listening on ", 1)[1].split()[0]


def bench_remote(model: Path, args: argparse.Namespace, out: dict[str, Any]) -> None:
    import httpx

    from sciReason.backends.remote import RemoteBackend

    proc, url = start_serve(model, args)
    try:
        reqs = requests(args.n, args.max_tokens)
        remote = RemoteBackend(url, max_concurrency=args.concurrency)
        remote.complete(reqs[:2])  # warm-up (also probes the dialect)
        t_seq, seq_times, seq = repeated(lambda: [remote.complete([r])[0] for r in reqs], args.repeats)
        t_conc, conc_times, conc = repeated(lambda: remote.complete(reqs), args.repeats)
        stats = httpx.get(url[:-3] + "/health").json()
        seq_tokens = sum(r.usage.completion_tokens for r in seq)
        conc_tokens = sum(r.usage.completion_tokens for r in conc)
        same = sum(a.choices == b.choices for a, b in zip(seq, conc, strict=True))
        print(
            f"\n### Remote backend -> sciReason serve: {args.n} requests, at most {args.max_tokens} tokens\n"
        )
        print(HEADER)
        print(row("baseline: sequential complete([r])", t_seq, seq_tokens, seq_tokens / t_seq))
        print(
            row(
                f"concurrent complete(all), {args.concurrency} in flight",
                t_conc,
                conc_tokens,
                seq_tokens / t_seq,
            )
        )
        print(f"\nserver (all runs): {stats['batches']} batches, largest {stats['max_batch']} requests; "
              f"concurrent == sequential completions: {same}/{len(reqs)}; median of {args.repeats} runs each")  # fmt: skip
        out["remote"] = {"seq_s": seq_times, "conc_s": conc_times, "seq_tokens": seq_tokens,
                         "conc_tokens": conc_tokens, "same": same, "stats": stats}  # fmt: skip
        remote.close()
    finally:
        proc.terminate()
        proc.wait(30)


def bench_overhead(model: Path, args: argparse.Namespace, out: dict[str, Any]) -> None:
    from sciReason.backends import ScriptedBackend
    from sciReason.backends.local import LocalBackend
    from sciReason.backends.remote import RemoteBackend
    from sciReason.backends.server import ChatServer
    from sciReason.client import Client
    from sciReason.types import ChatRequest, Message

    replies = {"IUPAC": "<IUPAC> ethanol </IUPAC>", "soluble": "<NUMBER> -0.77 </NUMBER>",
               "blood-brain": "<BOOLEAN> Yes </BOOLEAN>", "Generate": "<SMILES> c1ccccc1 </SMILES>"}  # fmt: skip
    client = Client(ScriptedBackend(lambda r: next((v for k, v in replies.items() if k in r.messages[-1].content),
                                                   "<SMILES> CCO </SMILES>")))  # fmt: skip
    calls = {
        "translate (5 beams parsed)": lambda: client.translate("CCO", source="smiles", target="iupac"),
        "predict": lambda: client.predict("CCO", property="esol"),
        "classify": lambda: client.classify("CCO", property="bbbp"),
        "generate (n=4)": lambda: client.generate("molecule", n=4),
    }
    per_call = {}
    for name, fn in calls.items():
        fn()
        reps = max(1, args.overhead_calls)
        t, _ = timed(lambda fn=fn, reps=reps: [fn() for _ in range(reps)])
        per_call[name] = t / reps
    batch_in = ["CCO", "c1ccccc1", "CC(=O)O", "CCN"] * (args.overhead_calls // 4 or 1)
    t_b, _ = timed(lambda: client.predict(batch_in, property="esol"))
    per_call["predict, per item of a batch"] = t_b / len(batch_in)

    backend = LocalBackend(model)
    greedy = ChatRequest((Message("user", "Translate <SMILES> CCO </SMILES>"),), max_tokens=16)
    backend.complete([greedy])
    model_s = statistics.median(timed(lambda: backend.complete([greedy]))[0] for _ in range(5))

    scripted = ScriptedBackend("<SMILES> CCO </SMILES>")
    server = ChatServer(scripted, model_name="scripted", port=0, batch_wait=0.0)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    remote = RemoteBackend(f"http://127.0.0.1:{server.port}/v1", dialect="scireason", model="scripted")
    remote.complete([greedy])
    t_http, _ = timed(lambda: [remote.complete([greedy]) for _ in range(args.overhead_calls)])
    per_call["HTTP round trip via serve (scripted model)"] = t_http / args.overhead_calls
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)

    print(f"\n### SDK overhead per call (scripted backend; baseline = one 16-token LocalBackend call on "
          f"{model.name}: {model_s * 1000:.1f} ms)\n")  # fmt: skip
    print("| what | microseconds per call | share of the baseline model call |\n|---|---|---|")
    for name, s in per_call.items():
        print(f"| {name} | {s * 1e6:.0f} | {s / model_s:.3f} |")
    out["overhead"] = {"per_call_s": per_call, "model_call_s": model_s}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("section", choices=["local", "remote", "overhead", "all"])
    parser.add_argument("--model", type=Path, help="model directory (default: build --size in a temp dir)")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--n", type=int, default=32, help="requests")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32, help="LocalBackend max_batch_size")
    parser.add_argument("--concurrency", type=int, default=32, help="RemoteBackend max_concurrency")
    parser.add_argument("--overhead-calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per method (median reported)")
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--device-map", default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    out: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or build_model(args.size, Path(tmp) / f"qwen3-{args.size}")
        if args.section in ("local", "all"):
            bench_local(model, args, out)
        if args.section in ("remote", "all"):
            bench_remote(model, args, out)
        if args.section in ("overhead", "all"):
            bench_overhead(model, args, out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
