"""Benchmark: lmirrors' matrix-free working-set solver against the dense routes.

For each problem and N it runs, each in its own child process (so the peak resident
memory of that child is the method's, interpreter and imports included):

* ``ours``    lasso.solve_support on the matrix-free dictionary (working set, certified gap);
* ``fit``     lmirrors.fit with its defaults (library, solution and network; features, labels,
              the support's columns and sign units' trees are made when first asked for);
* ``labels``  the labels of the features that fit's solution uses, made after it (the fit not
              timed): for the sign problem about N units of up to N switches each, O(N^2) text,
              refused once the patterns made would pass ``LAYER_CAKE_BYTES`` (from N = 10^4);
* ``floor``   (2-layer only) a sort of x and a cumulative sum of y: the least any exact method does;
* ``cvxpy``   lasso.solve(method="cvxpy") on the dense library (CLARABEL);
* ``sklearn`` scikit-learn's Lasso (coordinate descent) on the dense library;
* ``skglm``   skglm's Lasso (working sets, Anderson-accelerated coordinate descent) on the dense library;
* ``celer``   celer's Lasso (working sets, dual extrapolation) on the dense library;
* ``adam``    train_adam on the equivalent network (best J after its steps).

The additive problem (2-layer ReLU units, each reading one of 20 features) solves the Lasso over
the 20 per-feature libraries side by side (a block dictionary); Adam trains 20 units per feature.

The sign problem (3 layers, ``m1 = N - 1``: every one of the $2^{N-1} - 1$ patterns) compares
``ours`` (:func:`lmirrors.closed_forms.clip_fit`, the closed form), ``fit`` (the same clipping, its
network evaluated from the layer cake's level sets, no pattern or tree written down) and the generic route,
``colgen`` (column generation: the working set priced by the switching DP); its dense
library never fits, and sign units have no gradient for Adam.

The 4-layer abs problem (about $30N^3$ columns: 8·10^8 at N = 300) runs ``ours`` on the library
priced by branch and bound, never stored (:class:`~lmirrors.libraries.mirror_pricing.DeepMirrorDictionary`);
``fit`` writes the library down while it fits (N = 30) and searches it beyond; the dense peers get
the written-down library, with repeated units once (only at N = 30; scikit-learn is left out).

β = 0.01·β_max is computed once per problem and passed to the children. Times include
building the library (dense or matrix-free), not imports or one-time start-up (each child
first solves a 20-point problem untimed); a run under a second is the fastest of three or
more (repeated for half a second, 101 runs at most: runs of milliseconds are timed many times). Peak memory is the child's
``VmHWM`` (Linux; about 300 MB of it is the interpreter with numpy, scipy and cvxpy
imported). The peers skglm and celer are optional (``benchmarks/requirements.lock``, installed by
``make bench``): their rows say "not installed" without them. Every dense peer runs with its
tolerance tightened so that its objective is within 1e-6 relative of ours (its excess is printed;
a note flags a row that did not get there). A method is skipped at larger N
once it exceeded the time budget, or when its dense matrix would not fit in memory.
BLAS runs on one thread in every child (the machine is shared). Usage:

    python benchmarks/bench.py [--tiny] [--budget 60] [--only "3-layer abs"] [--methods ours,fit,floor]

After the table, the issue's targets are printed with the measured ratios: ``fit`` against
``ours`` at every size, 3-layer abs ``fit`` at N = 300, the 3-layer ReLU time at its largest N
and its log-log slope from N = 10^3 on, 2-layer ``ours`` against the floor, and the certified
4-layer abs solve at N = 100 and 300.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lmirrors import Architecture, fit, fit_additive
from lmirrors.closed_forms import clip_fit
from lmirrors.convex import column_generation
from lmirrors.convex.dictionary import BlockDictionary, Dictionary
from lmirrors.convex.lasso import beta_max, lasso_objective, solve, solve_support
from lmirrors.libraries.mirror_pricing import DEPTH, DeepMirrorDictionary

PROBLEMS = {
    # name: (depth, activation, sizes, tiny sizes)
    "2-layer relu": (2, "relu", [100, 1_000, 10_000, 100_000, 1_000_000], [50, 200]),
    "3-layer relu": (3, "relu", [100, 1_000, 10_000, 100_000], [30]),
    "3-layer abs": (3, "abs", [100, 300, 1_000, 3_000], [20]),
    "3-layer sign": (3, "sign", [100, 1_000, 10_000, 100_000], [30]),
    "4-layer abs": (4, "abs", [30, 100, 300], [8]),
    "additive relu": (2, "relu", [1_000, 10_000, 100_000], [40]),
}
FEATURES = {"additive relu": 20}
"""Problems whose data are a table of this many columns (the network is additive over them)."""
METHODS = ("ours", "fit", "labels", "cvxpy", "sklearn", "skglm", "celer", "adam")
PEERS = {"skglm": "skglm", "celer": "celer"}
"""Optional dense baselines (benchmarks/requirements.lock): method -> the module it needs."""
EQUAL_ACCURACY = 1e-6
"""A dense baseline's objective is to be within this relative excess over ours."""
SIGN_METHODS = ("ours", "fit", "labels", "colgen", "cvxpy")
LEFT_OUT = {"4-layer abs": ("sklearn",)}
"""Methods a problem does not run: scikit-learn's coordinate descent took 110 s on the 4-layer
library at N = 20 (241,220 columns), the untimed warm-up of every size."""
DENSE_LIMIT_BYTES = 3e9


def data(n: int, seed: int = 0, features: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """1-D data, or (``features`` > 0) a table whose labels use its first three columns."""
    rng = np.random.default_rng(seed)
    if features:
        X = rng.uniform(-1, 1, (n, features))
        return X, np.sin(4 * X[:, 0]) + np.abs(X[:, 1]) + X[:, 2] ** 2 + 0.3 * rng.standard_normal(n)
    x = np.sort(rng.uniform(-1, 1, n))
    return x, np.sin(4 * x) + 0.3 * rng.standard_normal(n)


def peak_mb() -> float:
    """Peak resident memory of this process image (``ru_maxrss`` would keep the parent's peak across exec)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def n_columns(name: str, n: int) -> int:
    """Columns of the problem's library on ``n`` distinct points (the theorem's count)."""
    depth, activation = PROBLEMS[name][:2]
    if activation == "sign":
        return every_pattern(n).size_formula(n)
    return max(FEATURES.get(name, 1), 1) * Architecture(depth, activation).size_formula(n)


def every_pattern(n: int) -> Architecture:
    """3-layer sign networks with ``m1 = n - 1``: every pattern on ``n`` points."""
    return Architecture(3, "sign", m1=n - 1)


def largest_beta(name: str, x: np.ndarray, y: np.ndarray) -> float:
    r"""$\beta_{\max} = \max_j |a_j^\top (y - \bar y)|$ over the problem's library."""
    if PROBLEMS[name][1] == "sign":
        return every_pattern(x.size).pricing(x)(y - y.mean())[0]
    return beta_max(dictionary(name, x), y)


def dictionary(name: str, x: np.ndarray) -> Dictionary:
    """The problem's library, matrix-free (for a table: the per-feature libraries side by side)."""
    architecture = Architecture(*PROBLEMS[name][:2])
    if x.ndim == 2:
        return BlockDictionary([architecture.dictionary(column)[0] for column in x.T])
    return architecture.dictionary(x)[0]


def dense(operator: Dictionary) -> np.ndarray:
    """The explicit matrix of a ramp dictionary, of ramp dictionaries side by side or of the 4-layer abs library."""
    if isinstance(operator, BlockDictionary):
        return np.hstack([block.dense() for block in operator.blocks])
    if isinstance(operator, DeepMirrorDictionary):  # the written-down library (repeated units once)
        return Architecture(DEPTH, "abs").library(operator.x).A
    return operator.dense()


def run_one(method: str, name: str, n: int, beta: float, adam_steps: int = 2000, warm_up: bool = True) -> dict:
    """Solve one problem with one method in this process; time, objective, peak RSS.

    Our time includes building the matrix-free library (``build``, also reported alone); the
    dense routes build the dense matrix from it. ``warm_up`` first solves a 20-point problem
    untimed, so one-time start-up (lazy imports, BLAS discovery) is charged to no method."""
    features = FEATURES.get(name, 0)
    if warm_up:
        x0, y0 = data(20, features=features)
        run_one(method, name, 20, 0.01 * largest_beta(name, x0, y0), adam_steps=10, warm_up=False)
        # a run under a second is repeated (two more times, or for half a second, at most 100 times)
        # and the fastest one counts; "under a second" is its whole wall time, untimed work (the fit
        # before "labels") included, so a slow fit is not repeated for a fast label
        started = time.perf_counter()
        runs = [run_one(method, name, n, beta, adam_steps, warm_up=False)]
        whole, started = time.perf_counter() - started, time.perf_counter()
        while whole < 1 and len(runs) < 101 and (len(runs) < 3 or time.perf_counter() - started < 0.5):
            runs.append(run_one(method, name, n, beta, adam_steps, warm_up=False))
        return min(runs, key=lambda run: run["seconds"])
    if method == "sklearn":
        from sklearn.linear_model import Lasso
    if method == "skglm":
        from skglm import Lasso
    if method == "celer":
        from celer import Lasso
    if method == "adam":
        from lmirrors.training import train_adam, train_adam_additive
    depth, activation = PROBLEMS[name][:2]
    x, y = data(n, features=features)
    start = time.perf_counter()
    if method == "ours" and activation == "sign":
        clipped = clip_fit(x, y, beta)
        objective = clipped.objective
        extra = {"gap": clipped.gap / clipped.objective, "support": clipped.units, "build": 0.0}
    elif method == "fit" and features:
        result = fit_additive(x, y, depth, activation, beta)
        objective, extra = result.solution.objective, {"gap": result.solution.relative_gap}
    elif method == "fit":
        result = fit(x, y, depth, activation, beta, **({"m1": n - 1} if activation == "sign" else {}))
        objective, extra = result.solution.objective, {"gap": result.solution.relative_gap}
    elif method == "labels":  # made on demand, after the fit (its time not counted)
        result = fit(x, y, depth, activation, beta, **({"m1": n - 1} if activation == "sign" else {}))
        start = time.perf_counter()
        [selected.label for selected in result.selected()]
        objective, extra = result.solution.objective, {"support": len(result.solution.support)}
    elif method == "floor":
        order = np.argsort(x)
        np.cumsum(y[order])
        objective, extra = float("nan"), {}
    elif method == "colgen":
        result = column_generation.solve(y, beta, every_pattern(n).pricing(x), max_iterations=100_000)
        objective, extra = result.solution.objective, {"gap": result.solution.relative_gap}
    elif method == "adam" and features:
        result = train_adam_additive(
            x, y, depth, activation, beta, width=20, restarts=1, steps=adam_steps, progress=False
        )
        objective, extra = result.objective, {}
    elif method == "adam":
        result = train_adam(
            x,
            y,
            depth=depth,
            activation=activation,
            beta=beta,
            width=min(2 * n, 400),
            restarts=1,
            steps=adam_steps,
            progress=False,
        )
        objective, extra = result.objective, {}
    else:
        operator = dictionary(name, x)
        build = time.perf_counter() - start
        if method == "ours":
            support, sol = solve_support(operator, y, beta)
            objective = sol.objective
            extra = {"gap": sol.relative_gap, "support": int(support.size), "build": build}
        elif method == "cvxpy":
            sol = solve(dense(operator), y, beta, method="cvxpy")
            objective, extra = sol.objective, {"gap": sol.relative_gap}
        else:
            # each minimises our objective / N; tolerances tightened until the excess is below 1e-6
            # (sklearn and celer stop on a duality gap scaled by |y|^2 / N, skglm on the KKT violation)
            A = dense(operator)
            options = {"sklearn": {"tol": 1e-10, "max_iter": 100_000}}.get(
                method, {"tol": 1e-8, "max_iter": 1_000, "max_epochs": 100_000}
            )
            model = Lasso(alpha=beta / n, fit_intercept=True, **options).fit(A, y)
            objective, extra = lasso_objective(A, y, model.coef_, float(model.intercept_), beta), {}
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "objective": float(objective), "peak_mb": peak_mb(), **extra}


def child(method: str, name: str, n: int, beta: float, budget: float, tiny: bool) -> dict:
    """Run :func:`run_one` in a fresh interpreter, killed after ``budget`` seconds.

    ``tiny`` runs it in this process instead (a smoke test: memory is then the process's)."""
    if tiny:
        return run_one(method, name, n, beta, adam_steps=50)
    cmd = [sys.executable, os.path.abspath(__file__), "--one", method, name, str(n), repr(float(beta))]
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
    parser.add_argument("--only", choices=PROBLEMS, action="append", help="run only this problem (repeatable)")
    parser.add_argument("--methods", help="comma-separated methods to run (default: all)")
    parser.add_argument("--one", nargs=4, metavar=("METHOD", "PROBLEM", "N", "BETA"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        method, name, n, beta = args.one
        print(json.dumps(run_one(method, name, int(n), float(beta))))
        return 0
    header = (
        f"{'problem':<14}{'N':>8}{'method':>9}{'time s':>10}{'x ours':>9}{'objective - ours':>18}{'peak MB':>9}  note"
    )
    print(header)
    print("-" * len(header))
    times: dict[tuple[str, int, str], float] = {}
    for name in args.only or PROBLEMS:
        depth, _, sizes, tiny = PROBLEMS[name]
        out_of_time: set[str] = set()
        for n in tiny if args.tiny else sizes:
            x, y = data(n, features=FEATURES.get(name, 0))
            beta = 0.01 * largest_beta(name, x, y)
            reference = None
            methods = SIGN_METHODS if PROBLEMS[name][1] == "sign" else METHODS + ("floor",) * (depth == 2 and name not in FEATURES)
            methods = tuple(m for m in methods if not (m == "labels" and name in FEATURES))  # fit_additive: no labels
            methods = tuple(m for m in methods if m not in LEFT_OUT.get(name, ()))
            for method in (m for m in methods if not args.methods or m in args.methods.split(",")):
                dense_bytes = 8 * n * n_columns(name, n)  # an int: 2^(N-1) columns overflow a float
                if method in PEERS and importlib.util.find_spec(PEERS[method]) is None:
                    row = {"status": "not installed (make bench installs benchmarks/requirements.lock)"}
                elif method in out_of_time:
                    row = {"status": "skipped (over budget or failed at smaller N)"}
                elif method in ("cvxpy", "sklearn", *PEERS) and dense_bytes > DENSE_LIMIT_BYTES:
                    row = {"status": f"skipped (dense A ~10^{int(math.log10(dense_bytes)) - 9} GB)"}
                elif method == "adam" and depth == 2 and n > 10_000:
                    row = {"status": "skipped (one Adam step > budget/1000)"}
                else:
                    row = child(method, name, n, beta, args.budget, args.tiny)
                if "seconds" not in row:
                    if row["status"].startswith((">", "failed")):
                        out_of_time.add(method)
                    print(f"{name:<14}{n:>8}{method:>9}{'':>10}{'':>9}{'':>18}{'':>9}  {row['status']}")
                    continue
                if method == "ours":
                    reference = row
                times[name, n, method] = row["seconds"]
                times_ours = row["seconds"] / reference["seconds"] if reference else None
                ratio = "" if times_ours is None else format(times_ours, ".2f" if times_ours < 1e4 else ".3g")
                excess = (row["objective"] - reference["objective"]) / reference["objective"] if reference else None
                note = f"gap {row['gap']:.0e}" if "gap" in row else ""
                if method == "floor":
                    excess, note = 0.0, "sort x + cumsum y (no objective)"
                if method in ("cvxpy", "sklearn", *PEERS) and excess is not None and excess > EQUAL_ACCURACY:
                    note = "objective not within 1e-6 of ours"
                if method == "labels":
                    note = f"labels of the {row['support']} features fit uses, made after it"
                elif "support" in row:
                    note += f", {row['support']} units, build {row['build']:.2f} s"
                print(
                    f"{name:<14}{n:>8}{method:>9}{row['seconds']:>10.3f}{ratio:>9}"
                    f"{'' if excess is None else format(excess, '+.1e'):>18}{row['peak_mb']:>9.0f}  {note}"
                )
    print_targets(times)
    return 0


def print_targets(times: dict[tuple[str, int, str], float]) -> None:
    """The issue's targets, from the times of this run (a target whose rows did not run is left out)."""
    print("\ntargets (this run)")
    fit_ratios = {(name, n): t / times[name, n, "ours"] for (name, n, m), t in times.items() if m == "fit"}
    for problem in dict.fromkeys(name for name, _ in fit_ratios):
        ratios = {n: r for (name, n), r in fit_ratios.items() if name == problem}
        worst = max(ratios, key=ratios.get)
        print(f"  {problem}: fit / ours <= 1.5 at every size: largest {ratios[worst]:.2f} (N = {worst})")
    if ("3-layer abs", 300, "fit") in times:
        print(f"  3-layer abs N = 300 fit < 0.5 s: {times['3-layer abs', 300, 'fit']:.3f} s")
    if ("3-layer abs", 1_000, "fit") in times:
        print(f"  3-layer abs N = 1000 fit < 2 s: {times['3-layer abs', 1_000, 'fit']:.3f} s")
    if ("3-layer abs", 3_000, "fit") in times:
        print(f"  3-layer abs N = 3000 fit < 30 s: {times['3-layer abs', 3_000, 'fit']:.3f} s")
    deep = [f"N = {n}: {times['4-layer abs', n, 'ours']:.1f} s" for n in (100, 300) if ("4-layer abs", n, "ours") in times]
    if deep:
        print(f"  4-layer abs N = 100 < 10 s; N = 300 < 60 s (ours, certified): {'; '.join(deep)}")
    relu = sorted(n for name, n, m in times if name == "3-layer relu" and m == "ours" and n >= 1_000)
    if len(relu) > 1:
        first, last = (times["3-layer relu", n, "ours"] for n in (relu[0], relu[-1]))
        slope = math.log(last / first) / math.log(relu[-1] / relu[0])
        print(f"  3-layer relu N = {relu[-1]}: {last:.3f} s (< 5 s); log-log slope from N = {relu[0]}: {slope:.2f} (<= 1.3)")
    for name, n, m in sorted(times):
        if m == "floor" and n >= 10_000:
            ratio = times[name, n, "ours"] / times[name, n, "floor"]
            print(f"  {name} N = {n}: ours / floor = {ratio:.1f} (<= 20)")


if __name__ == "__main__":
    sys.exit(main())
