"""Cold start: import time of ``functions/main.py`` against a minimal one-function module.

Each sample is a fresh interpreter of ``functions/venv`` (what the emulator and Cloud
Functions run) timing only the import. Prints the medians and their ratio; target ≤ 1.3×.

    ./dev bench cold_start [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / "functions" / "venv" / "bin" / "python"
MINIMAL = '''
from firebase_admin import initialize_app
from firebase_functions import https_fn

initialize_app()


@https_fn.on_request()
def hello(req: https_fn.Request) -> https_fn.Response:
    return https_fn.Response("hello")
'''
PROBE = (
    "import sys, time; sys.path.insert(0, '.'); t = time.perf_counter(); import main; "
    "print(time.perf_counter() - t)"
)


def _sample(folder: Path) -> float:
    out = subprocess.run([str(PYTHON), "-c", PROBE], cwd=folder, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp)
        (minimal / "main.py").write_text(MINIMAL)
        _sample(minimal), _sample(ROOT / "functions")  # warm the OS file cache
        ours, base = [], []
        for _ in range(runs):  # interleaved, so machine noise hits both alike
            base.append(_sample(minimal))
            ours.append(_sample(ROOT / "functions"))
    ours_s, base_s = statistics.median(ours), statistics.median(base)
    print(f"import of a minimal one-function module: median {base_s * 1000:7.1f} ms over {runs} runs")
    print(f"import of functions/main.py            : median {ours_s * 1000:7.1f} ms over {runs} runs")
    print(f"ratio: {ours_s / base_s:.2f}x (target <= 1.30x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
