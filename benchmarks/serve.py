"""``sciReason serve`` (uvicorn + starlette) against the server it replaced (~150 lines of stdlib asyncio
HTTP, taken from git at ``--old-ref``), both over the same LocalBackend and model, in the same run.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/serve.py --size small --n 32 --max-tokens 32 --repeats 3

Both servers run as subprocesses on 127.0.0.1 with the same batching settings (up to 32 requests per
backend call, 5 ms batch wait, forward batches of ``--batch`` sequences). Each repeat measures, server by
server (the order alternates between repeats, to spread the machine's noise over both):

* **sequential**: ``--n`` greedy requests of ``--max-tokens`` tokens, one after another (httpx);
* **concurrent**: the same ``--n`` requests all in flight at once (httpx.AsyncClient);
* **time to response**: one non-streaming request of ``--long-tokens`` tokens, median of ``--singles``;
* **time to first token** (new server only; the old one refused ``stream: true``): the same request
  streamed, until the first content chunk arrives; and the time to its last chunk.

Reported as ratios (this machine is shared and noisy): concurrent/sequential throughput per server, new/old
for each measure, and first-token time over the old server's time to response. ``--json`` writes every raw
timing.
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
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from backends import SIZES, build_model  # noqa: E402

OLD_RUNNER = """
import asyncio, importlib.util, sys
spec = importlib.util.spec_from_file_location("old_server", sys.argv[1])
old = importlib.util.module_from_spec(spec)
sys.modules["old_server"] = old  # dataclasses look their module up
spec.loader.exec_module(old)
from sciReason.backends.local import LocalBackend
backend = LocalBackend(sys.argv[2], max_batch_size=int(sys.argv[3]), model_name="model")
server = old.ChatServer(backend, model_name="model", port=0, max_batch_size=32, batch_wait=0.005)
async def main():
    await server.start()
    print(f"sciReason serve: listening on http://127.0.0.1:{server.port}/v1", flush=True)
    await server.serve_forever(asyncio.Event())
asyncio.run(main())
"""


def start(cmd: list[str]) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("SCIREASON_SERVE_API_KEY", None)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"server did not start: {cmd} -> {line!r}")
    return proc, line.split("listening on ", 1)[1].split()[0]


def bodies(n: int, max_tokens: int) -> list[dict[str, Any]]:
    subjects = [
        "<SMILES> CCO </SMILES>",
        "<SMILES> c1ccccc1O </SMILES>",
        "<protein> MKTAYIAKQRQISFVK </protein>",
    ]
    return [
        {"model": "model", "max_tokens": max_tokens, "temperature": 0,
         "messages": [{"role": "user", "content": f"Question {k}: describe {subjects[k % 3]} in {k % 7 + 1} words."}]}
        for k in range(n)
    ]  # fmt: skip


def sequential(url: str, reqs: list[dict[str, Any]]) -> tuple[float, list[str]]:
    with httpx.Client(timeout=600) as http:
        t0 = time.perf_counter()
        out = [http.post(f"{url}/chat/completions", json=b).json() for b in reqs]
        return time.perf_counter() - t0, [o["choices"][0]["message"]["content"] for o in out]


def concurrent(url: str, reqs: list[dict[str, Any]]) -> tuple[float, list[str]]:
    async def go() -> tuple[float, list[Any]]:
        limits = httpx.Limits(max_connections=len(reqs), max_keepalive_connections=len(reqs))
        async with httpx.AsyncClient(timeout=600, limits=limits) as http:
            t0 = time.perf_counter()
            out = await asyncio.gather(*(http.post(f"{url}/chat/completions", json=b) for b in reqs))
            return time.perf_counter() - t0, [o.json() for o in out]

    seconds, out = asyncio.run(go())
    return seconds, [o["choices"][0]["message"]["content"] for o in out]


def time_to_response(url: str, body: dict[str, Any], k: int) -> float:
    with httpx.Client(timeout=600) as http:
        times = []
        for _ in range(k):
            t0 = time.perf_counter()
            http.post(f"{url}/chat/completions", json=body).raise_for_status()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_to_first_token(url: str, body: dict[str, Any], k: int) -> tuple[float, float]:
    firsts, lasts = [], []
    with httpx.Client(timeout=600) as http:
        for _ in range(k):
            t0 = time.perf_counter()
            first = None
            with http.stream("POST", f"{url}/chat/completions", json={**body, "stream": True}) as resp:
                for line in resp.iter_lines():
                    if (
                        first is None
                        and line.startswith("data: {")
                        and '"content":"' in line.replace(" ", "")
                    ):
                        chunk = json.loads(line[6:])
                        if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                            first = time.perf_counter() - t0
            lasts.append(time.perf_counter() - t0)
            firsts.append(first if first is not None else lasts[-1])
    return statistics.median(firsts), statistics.median(lasts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="model directory (default: build --size in a temp dir)")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--n", type=int, default=32, help="requests per sequential/concurrent round")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--long-tokens", type=int, default=128, help="tokens of the single-request timings")
    parser.add_argument("--singles", type=int, default=5, help="single requests per timing (median)")
    parser.add_argument("--batch", type=int, default=32, help="LocalBackend max_batch_size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--old-ref", default="b1ea308", help="git revision holding the old server.py")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    old_source = subprocess.run(["git", "-C", str(root), "show", f"{args.old_ref}:sciReason/backends/server.py"],
                                check=True, capture_output=True, text=True).stdout  # fmt: skip
    raw: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "repeats": []}
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or build_model(args.size, Path(tmp) / f"qwen3-{args.size}")
        (Path(tmp) / "old_server.py").write_text(old_source)
        (Path(tmp) / "run_old.py").write_text(OLD_RUNNER)
        servers = {
            "old": start(
                [
                    sys.executable,
                    str(Path(tmp) / "run_old.py"),
                    str(Path(tmp) / "old_server.py"),
                    str(model),
                    str(args.batch),
                ]
            ),  # fmt: skip
            "new": start(
                [
                    sys.executable,
                    "-m",
                    "sciReason",
                    "serve",
                    "--model",
                    str(model),
                    "--port",
                    "0",
                    "--max-batch-size",
                    str(args.batch),
                    "--served-model-name",
                    "model",
                ]
            ),  # fmt: skip
        }
        try:
            reqs = bodies(args.n, args.max_tokens)
            single = bodies(1, args.long_tokens)[0]
            for _, url in servers.values():  # warm-up
                concurrent(url, reqs[:4])
            texts: dict[str, Any] = {}
            for rep in range(args.repeats):
                order = ["old", "new"] if rep % 2 == 0 else ["new", "old"]
                row: dict[str, Any] = {}
                for name in order:
                    url = servers[name][1]
                    t_seq, seq = sequential(url, reqs)
                    t_conc, conc = concurrent(url, reqs)
                    ttr = time_to_response(url, single, args.singles)
                    row[name] = {"sequential_s": t_seq, "concurrent_s": t_conc, "time_to_response_s": ttr}
                    if name == "new":
                        first, last = time_to_first_token(url, single, args.singles)
                        row[name].update(first_token_s=first, stream_total_s=last)
                    texts[name] = (seq, conc)
                    print(f"repeat {rep} {name}: {json.dumps(row[name])}", file=sys.stderr)
                raw["repeats"].append(row)
            raw["same_texts"] = {
                "old_seq_vs_conc": sum(a == b for a, b in zip(*texts["old"], strict=True)),
                "new_seq_vs_conc": sum(a == b for a, b in zip(*texts["new"], strict=True)),
                "new_vs_old": sum(a == b for a, b in zip(texts["new"][0], texts["old"][0], strict=True)),
                "n": args.n,
            }
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(30)
    report(raw, args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(raw, indent=2))


def report(raw: dict[str, Any], args: argparse.Namespace) -> None:
    reps = raw["repeats"]

    def ratios(fn: Any) -> str:
        values = [fn(r) for r in reps]
        return f"{statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"

    tokens = args.n * args.max_tokens
    print(f"\n{len(reps)} repeats; {args.n} requests x {args.max_tokens} tokens; single requests of "
          f"{args.long_tokens} tokens (median of {args.singles}). Ratios: median (each repeat).\n")  # fmt: skip
    print("| measure | old server | new server |\n|---|---|---|")
    for key, label in (("sequential_s", "sequential, s"), ("concurrent_s", "concurrent, s"),
                       ("time_to_response_s", "time to response, s")):  # fmt: skip
        old = statistics.median(r["old"][key] for r in reps)
        new = statistics.median(r["new"][key] for r in reps)
        print(f"| {label} (median) | {old:.2f} | {new:.2f} |")
    print(
        f"| first token (streamed), s (median) | - | {statistics.median(r['new']['first_token_s'] for r in reps):.3f} |"
    )
    print(f"| concurrent tokens/s (median) | {tokens / statistics.median(r['old']['concurrent_s'] for r in reps):.0f} | "
          f"{tokens / statistics.median(r['new']['concurrent_s'] for r in reps):.0f} |")  # fmt: skip
    print("\n| ratio | median (each repeat) |\n|---|---|")
    print(
        f"| old: concurrent vs sequential throughput | {ratios(lambda r: r['old']['sequential_s'] / r['old']['concurrent_s'])} |"
    )
    print(
        f"| new: concurrent vs sequential throughput | {ratios(lambda r: r['new']['sequential_s'] / r['new']['concurrent_s'])} |"
    )
    print(
        f"| new / old concurrent throughput | {ratios(lambda r: r['old']['concurrent_s'] / r['new']['concurrent_s'])} |"
    )
    print(
        f"| new / old sequential throughput | {ratios(lambda r: r['old']['sequential_s'] / r['new']['sequential_s'])} |"
    )
    print(
        f"| new / old time to response (non-streaming) | {ratios(lambda r: r['new']['time_to_response_s'] / r['old']['time_to_response_s'])} |"
    )
    print(
        f"| new streamed first token / old time to response | {ratios(lambda r: r['new']['first_token_s'] / r['old']['time_to_response_s'])} |"
    )
    print(
        f"| new streamed first token / new time to response | {ratios(lambda r: r['new']['first_token_s'] / r['new']['time_to_response_s'])} |"
    )
    print(
        f"| new streamed last token / new time to response | {ratios(lambda r: r['new']['stream_total_s'] / r['new']['time_to_response_s'])} |"
    )
    same = raw["same_texts"]
    print(f"\nidentical completions: old sequential vs concurrent {same['old_seq_vs_conc']}/{same['n']}, "
          f"new {same['new_seq_vs_conc']}/{same['n']}, new vs old {same['new_vs_old']}/{same['n']}")  # fmt: skip


if __name__ == "__main__":
    main()
