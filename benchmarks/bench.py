"""Benchmark: lmirrors' matrix-free working-set solver against the dense routes.

For each problem and N it runs, each in its own child process (so the peak resident
memory ``ru_maxrss`` of that child is the method's, interpreter and imports included):

* ``ours``    lasso.solve on the matrix-free dictionary (working set, certified gap);
* ``cvxpy``   lasso.solve(method="cvxpy") on the dense library (CLARABEL);
* ``sklearn`` scikit-learn's Lasso (coordinate descent) on the dense library;
* ``adam``    train_adam on the equivalent network (best J after its steps).

Times include building the library (dense or matrix-free), not imports. Peak memory is
the child's ``ru_maxrss`` (about 300 MB of it is the interpreter with numpy, scipy and
cvxpy imported). A method is skipped at larger N
once it exceeded the time budget, or when its dense matrix would not fit in memory.
BLAS runs on one thread in every child (the machine is shared). Usage:

    python benchmarks/bench.py [--tiny] [--budget 60]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBLEMS = {
    # name: (depth, sizes, tiny sizes)
    "2-layer relu": (2, [100, 1_000, 10_000, 100_000], [50, 200]),
    "3-layer relu": (3, [100, 500, 2_000], [30]),
}
METHODS = ("ours", "cvxpy", "sklearn", "adam")
DENSE_LIMIT_BYTES = 3e9


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n))
    return x, np.sin(4 * x) + 0.3 * rng.standard_normal(n)


def n_columns(depth: int, n: int) -> int:
    return 2 * n - 3 if depth == 2 else n * (n - 1) // 2


def run_one(method: str, depth: int, n: int, adam_steps: int = 2000) -> dict:
    """Solve one problem with one method in this process; time, objective, peak RSS."""
    sys.path.insert(0, ROOT)
    from lmirrors.lasso import beta_max, lasso_objective, solve
    from lmirrors.operators import CappedRampDictionary, two_layer_dictionary

    if method == "sklearn":
        from sklearn.linear_model import Lasso
    if method == "adam":
        from lmirrors.training import train_adam
    x, y = data(n)
    operator = two_layer_dictionary(x) if depth == 2 else CappedRampDictionary(x)
    beta = 0.01 * beta_max(operator, y)
    start = time.perf_counter()
    if method == "ours":
        op = two_layer_dictionary(x) if depth == 2 else CappedRampDictionary(x)
        sol = solve(op, y, beta)
        objective, extra = sol.objective, {"gap": sol.relative_gap, "support": int(sol.support.size)}
    elif method in ("cvxpy", "sklearn"):
        A = operator.dense()
        if method == "cvxpy":
            sol = solve(A, y, beta, method="cvxpy")
            objective, extra = sol.objective, {"gap": sol.relative_gap}
        else:
            model = Lasso(alpha=beta / n, fit_intercept=True, tol=1e-10, max_iter=100_000).fit(A, y)
            objective = lasso_objective(A, y, model.coef_, float(model.intercept_), beta)
            extra = {}
    else:
        result = train_adam(
            x, y, depth=depth, beta=beta, width=min(2 * n, 400), restarts=1, steps=adam_steps, progress=False
        )
        objective, extra = result.objective, {}
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "objective": float(objective), "peak_mb": peak_mb, **extra}


def child(method: str, depth: int, n: int, budget: float, tiny: bool) -> dict:
    """Run :func:`run_one` in a fresh interpreter, killed after ``budget`` seconds.

    ``tiny`` runs it in this process instead (a smoke test: memory is then the process's)."""
    if tiny:
        return run_one(method, depth, n, adam_steps=50)
    cmd = [sys.executable, os.path.abspath(__file__), "--one", method, str(depth), str(n)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, check=True)
    except subprocess.TimeoutExpired:
        return {"status": f"> {budget:g} s"}
    except subprocess.CalledProcessError as exc:
        return {"status": "failed: " + exc.stderr.strip().splitlines()[-1][:60]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="a few seconds, in-process: smallest sizes only")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per method and size")
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "DEPTH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        method, depth, n = args.one
        print(json.dumps(run_one(method, int(depth), int(n))))
        return 0
    header = (
        f"{'problem':<14}{'N':>8}{'method':>9}{'time s':>10}{'x ours':>9}{'objective - ours':>18}{'peak MB':>9}  note"
    )
    print(header)
    print("-" * len(header))
    for name, (depth, sizes, tiny) in PROBLEMS.items():
        out_of_time: set[str] = set()
        for n in tiny if args.tiny else sizes:
            reference = None
            for method in METHODS:
                dense_bytes = 8.0 * n * n_columns(depth, n)
                if method in out_of_time:
                    row = {"status": "skipped (over budget at smaller N)"}
                elif method in ("cvxpy", "sklearn") and dense_bytes > DENSE_LIMIT_BYTES:
                    row = {"status": f"skipped (dense A {dense_bytes / 1e9:.0f} GB)"}
                elif method == "adam" and depth == 2 and n > 10_000:
                    row = {"status": "skipped (one Adam step > budget/1000)"}
                else:
                    row = child(method, depth, n, args.budget, args.tiny)
                if "seconds" not in row:
                    out_of_time.add(method)
                    print(f"{name:<14}{n:>8}{method:>9}{'':>10}{'':>9}{'':>18}{'':>9}  {row['status']}")
                    continue
                if method == "ours":
                    reference = row
                ratio = row["seconds"] / reference["seconds"] if reference else float("nan")
                excess = (row["objective"] - reference["objective"]) / reference["objective"] if reference else 0.0
                note = f"gap {row['gap']:.0e}" if "gap" in row else ""
                if "support" in row:
                    note += f", {row['support']} units"
                print(
                    f"{name:<14}{n:>8}{method:>9}{row['seconds']:>10.3f}{ratio:>9.1f}"
                    f"{excess:>+18.1e}{row['peak_mb']:>9.0f}  {note}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
