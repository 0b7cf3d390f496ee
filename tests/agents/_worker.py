"""A design-campaign worker process for the crash/resume and multi-worker tests.

usage: python _worker.py STORAGE_URL STUDY BUDGET SEED START_FILE LOG_FILE DELAY [RESUME]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _objectives import QEDObjective  # noqa: E402

from sciReason.agents.config import DesignConfig  # noqa: E402
from sciReason.agents.engine import Campaign  # noqa: E402


def main() -> None:
    url, study, budget, seed, start, log, delay = sys.argv[1:8]
    resume = len(sys.argv) > 8 and sys.argv[8] == "resume"
    cfg = DesignConfig(
        target="test_qed",
        budget=int(budget),
        seed=int(seed),
        n_start=10,
        batch_size=5,
        population_size=20,
        surrogate="none",
        start_from=start,
        storage=url,
        study=study,
        resume=True,  # workers join the same study
    )
    del resume
    Campaign(cfg, QEDObjective(Path(log), float(delay))).run()


if __name__ == "__main__":
    main()
