"""Run every benchmark in this folder in turn (`make bench`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = [
    "bench.ingest",
    "bench.erasure",
    "bench.export",
    "bench.reports",
    "bench.retention",
    "bench.redaction",
    "bench.consent",
    "bench.pages",
    "bench.datasets",
]


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"== {module}", flush=True)
        failed += subprocess.call([sys.executable, "-m", module, *sys.argv[1:]], cwd=ROOT) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
