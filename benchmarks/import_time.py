"""Import time of `import sciReason` (and of the CLI), side by side with baselines in the same run.

    python benchmarks/import_time.py --repeats 15

Each command runs in a fresh interpreter; the runs are interleaved so machine noise hits all of them alike.
Reports the median wall time and the ratio to `import transformers, torch` (what a naive SDK would pay).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass": "pass",
    "import sciReason": "import sciReason",
    "import sciReason.cli": "import sciReason.cli",
    "import pydantic, httpx": "import pydantic, httpx",
    "import torch, transformers": "import torch, transformers",
    "import rdkit.Chem": "import rdkit.Chem",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    times: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(args.repeats):
        for name, code in CASES.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["import torch, transformers"])
    print("| command | median wall (s) | ratio to torch+transformers |\n|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| `{name}` | {med:.3f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
