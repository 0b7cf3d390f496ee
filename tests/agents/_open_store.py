"""Open one OptunaStore as soon as GO_FILE exists (for the storage-creation race test).

usage: python _open_store.py STORAGE_URL STUDY GO_FILE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sciReason.agents.storage import OptunaStore


def main() -> None:
    url, study, go = sys.argv[1:4]
    import optuna  # noqa: F401  (imported before the barrier so that every process races on the schema only)
    import sqlalchemy  # noqa: F401

    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.001)
    store = OptunaStore(url, study, budget=10, n_objectives=1, resume=True)
    print(store.study_id, flush=True)


if __name__ == "__main__":
    main()
