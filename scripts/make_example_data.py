"""Write ``data/example_signal.csv``: a small synthetic data set for the "use it on your data" chapter.

Thirty points at sorted random positions in [0, 10] of a smooth bump plus a step,
$s(t) = \\sin(0.6\\,t) + [t > 6]$, with Gaussian noise (sd 0.15), seed 7. Columns:
``sample`` (row id), ``position`` (the input), ``signal`` (the label). Run from anywhere::

    python scripts/make_example_data.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "data" / "example_signal.csv"
N_POINTS, NOISE_SD, SEED = 30, 0.15, 7


def example_signal(n: int = N_POINTS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    position = np.sort(rng.uniform(0.0, 10.0, n))
    signal = np.sin(0.6 * position) + (position > 6) + NOISE_SD * rng.standard_normal(n)
    return position, signal


def main() -> None:
    position, signal = example_signal()
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample", "position", "signal"])
        for i, (t, s) in enumerate(zip(position, signal, strict=True)):
            writer.writerow([i, f"{t:.4f}", f"{s:.4f}"])
    print(f"wrote {OUT} ({position.size} rows)")


if __name__ == "__main__":
    main()
