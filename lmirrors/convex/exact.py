r"""Exact rational arithmetic for the Lasso's optimality conditions on a small support.

Every float64 number is a dyadic rational $k\,2^e$, so sums and products of the data are exact
in Python's integers. On a support $S$ with signs $s$, the Lasso optimum with an intercept
solves the square linear system (with $M = [A_S,\ \mathbf 1]$, $w = (z_S, \xi)$)

$$ M^\top M\, w = M^\top y - \beta\,(s, 0), $$

whose exact solution :func:`kkt_on_support` finds by fraction-free (Bareiss) elimination: the
residual $r = y - Mw$ then satisfies $A_S^\top r = \beta s$ and $\mathbf 1^\top r = 0$ with no
round-off at all, however close to interpolation (tiny $\beta$) the fit is. Cost: $O(k^3)$
operations on integers of $O(k)$ machine words for $k = |S| + 1 \le N + 1$ unknowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.linalg import solve_triangular as scipy_solve


def dyadic(values) -> tuple[np.ndarray, int]:
    r"""Integers $k$ (an object array of Python ints) and one exponent $e$ with ``values`` $= k\,2^e$ exactly."""
    a = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError("exact arithmetic needs finite numbers")
    mantissa, exponent = np.frexp(a)
    ints = (mantissa * 2.0**53).astype(np.int64)  # exact: 53-bit mantissas
    exponent = exponent.astype(np.int64) - 53
    nonzero = ints != 0
    base = int(exponent[nonzero].min()) if nonzero.any() else 0
    shifts = np.where(nonzero, exponent - base, 0)
    out = np.array([int(k) << int(s) for k, s in zip(ints.ravel(), shifts.ravel())], dtype=object)
    return out.reshape(a.shape), base


def _aligned(terms: list[tuple[np.ndarray, int]]) -> tuple[list[np.ndarray], int]:
    """The integer arrays of ``terms`` ($k_i 2^{e_i}$) rescaled to their smallest common exponent."""
    low = min(e for _, e in terms)
    return [k * (1 << (e - low)) for k, e in terms], low


def solve_integer(G: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    r"""Exact solution $x = X / d$ of $Gx = b$ for an integer matrix $G$ (Bareiss elimination).

    Returns the integer vector $X$ and the positive integer $d$ ($\pm\det G$). Raises
    ``np.linalg.LinAlgError`` if $G$ is singular.
    """
    k = b.size
    M = np.concatenate([np.asarray(G, dtype=object), np.asarray(b, dtype=object)[:, None]], axis=1)
    previous = 1
    for i in range(k):
        candidates = np.flatnonzero(M[i:, i] != 0)
        if candidates.size == 0:
            raise np.linalg.LinAlgError("the support's columns (with the intercept) are linearly dependent")
        p = i + int(candidates[0])
        if p != i:
            M[[i, p]] = M[[p, i]]
        pivot = M[i, i]
        M[i + 1 :, i + 1 :] = (M[i + 1 :, i + 1 :] * pivot - np.outer(M[i + 1 :, i], M[i, i + 1 :])) // previous
        M[i + 1 :, i] = 0
        previous = pivot
    d = int(M[k - 1, k - 1])
    X = np.zeros(k, dtype=object)
    for i in reversed(range(k)):
        total = d * M[i, k] - int(M[i, i + 1 : k] @ X[i + 1 :]) if i + 1 < k else d * M[i, k]
        X[i], remainder = divmod(total, M[i, i])
        assert remainder == 0, "Bareiss back substitution is exact"
    return (X, d) if d > 0 else (-X, -d)


@dataclass(frozen=True)
class ExactKKT:
    """Exact solution of the optimality conditions on a support: rational coefficients and residual."""

    z: list[Fraction]
    xi: Fraction
    residual: list[Fraction]


def kkt_on_support(columns: np.ndarray, y: np.ndarray, beta: float, signs: np.ndarray) -> ExactKKT:
    r"""Exact $(z_S, \xi)$ with $A_S^\top(y - A_S z_S - \xi\mathbf 1) = \beta s$, $\mathbf 1^\top(\cdot) = 0$, and its residual.

    ``columns`` is $A_S$ (points x $|S|$), ``signs`` is $s$; all inputs are taken as the exact
    rationals their float64 values are. The signs of the result are *not* checked here.
    """
    n, k = columns.shape
    M, eM = dyadic(np.hstack([columns, np.ones((n, 1))]))
    Y, ey = dyadic(y)
    B, eb = dyadic(beta)
    # right-hand side M^T y - beta (s, 0) as integers times 2^f
    (R1, R2), f = _aligned(
        [(M.T @ Y, eM + ey), (B * np.append(np.asarray(signs, dtype=np.int64), 0).astype(object), eb)]
    )
    X, d = solve_integer(M.T @ M, R1 - R2)  # w = X / d * 2^(f - 2 eM)
    (T1, T2), g = _aligned([(Y * d, ey), (M @ X, f - eM)])  # r = (y d - M X 2^(f-2eM+eM)) / d
    w = [_fraction(v, f - 2 * eM, d) for v in X]
    return ExactKKT(w[:k], w[k], [_fraction(v, g, d) for v in T1 - T2])


def _fraction(k: int, e: int, d: int) -> Fraction:
    """$k\\,2^e / d$ as a Fraction."""
    return Fraction(k << e, d) if e >= 0 else Fraction(k, d << -e)


def exact_value(values) -> list[Fraction]:
    """Float64 numbers as the exact rationals they are."""
    k, e = dyadic(values)
    return [_fraction(int(v), e, 1) for v in np.atleast_1d(k)]


def exact_gap(
    columns: np.ndarray, y: np.ndarray, z: np.ndarray, xi: float, beta: float, nu: list[Fraction], theta: float
) -> tuple[Fraction, Fraction]:
    r"""Exact primal value $P(z, \xi)$ and duality gap $P - D(\theta\nu)$ with $D(\nu) = \nu^\top y - \tfrac12\|\nu\|^2$.

    ``columns`` is $A_S$ and ``z`` the coefficients on it; the float64 inputs count as the exact
    rationals they are, so neither number carries round-off. The gap bounds $P - P^\star$ only
    if $\theta\nu$ is dual feasible ($\mathbf 1^\top\nu = 0$, $\|A^\top\theta\nu\|_\infty \le \beta$): the caller's part.
    """
    (T1, T2, T3), e = _aligned([dyadic(y), _product(columns, z), dyadic(np.full(y.size, xi))])
    residual = T1 - T2 - T3  # y - A_S z - xi, times 2^-e
    primal = Fraction(int(residual @ residual)) * Fraction(2) ** (2 * e) / 2
    primal += exact_value(beta)[0] * sum(exact_value(np.abs(z)), Fraction(0))
    t, labels = exact_value(theta)[0], exact_value(y)
    dual = t * sum((v * w for v, w in zip(nu, labels)), Fraction(0)) - t * t * sum((v * v for v in nu), Fraction(0)) / 2
    return primal, primal - dual


def _product(columns: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, int]:
    """$A_S z$ exactly, as integers times a power of two."""
    (C, ec), (Z, ez) = dyadic(columns), dyadic(z)
    return (C @ Z if z.size else np.zeros(columns.shape[0], dtype=object)), ec + ez


def refined_kkt(columns: np.ndarray, y: np.ndarray, beta: float, signs: np.ndarray, steps: int = 6) -> tuple:
    r"""The system of :func:`kkt_on_support` to about $10^{-30}$ relative, fast: float64 solves, exact residuals.

    Iterative refinement: with $M = QR$ (float64), each step computes the residual
    $g = M^\top(y - Mw) - \beta(s, 0)$ of the current $w = w_{hi} + w_{lo}$ exactly, rounds it
    once and adds $R^{-1}R^{-\top}g$ to $w_{lo}$; the error shrinks by about $u\,\kappa(M)^2$ a step
    ($u = 2^{-53}$). Returns $w$ rounded to float64 and the correctly rounded residual
    $y - Mw$; raises ``np.linalg.LinAlgError`` when the steps stop shrinking (then only the exact
    solve can decide). ``O(N|S|)`` big-integer operations a step instead of ``O(|S|^3)``.
    """
    n = y.size
    M = np.hstack([columns, np.ones((n, 1))])
    if M.shape[1] > n:
        raise np.linalg.LinAlgError("more columns (with the intercept) than points: they are dependent")
    Q, R = np.linalg.qr(M)
    diagonal = np.abs(np.diag(R))
    if diagonal.min(initial=np.inf) <= 1e-13 * diagonal.max(initial=0.0):
        raise np.linalg.LinAlgError("the support's columns (with the intercept) are nearly dependent")
    target = beta * np.append(signs, 0.0)
    hi = scipy_solve(R, Q.T @ y - scipy_solve(R, target, trans="T"))
    lo = np.zeros_like(hi)
    exact_M, exact_target = dyadic(M), dyadic(target)
    previous = np.inf
    for _ in range(steps):
        residual, e = _aligned([dyadic(y), _matvec(exact_M, hi), _matvec(exact_M, lo)])
        r = residual[0] - residual[1] - residual[2]
        (g1, g2), f = _aligned([(exact_M[0].T @ r, exact_M[1] + e), exact_target])
        g = np.array([float(_fraction(int(v), f, 1)) for v in g1 - g2])
        delta = scipy_solve(R, scipy_solve(R, g, trans="T"))
        size = float(np.abs(delta).max(initial=0.0))
        if size >= 0.5 * previous and size > 1e-30 * float(np.abs(hi).max(initial=0.0)):
            raise np.linalg.LinAlgError("iterative refinement stopped converging (ill-conditioned support)")
        total = hi + (lo + delta)
        lo, hi, previous = (lo + delta) - (total - hi), total, size
        if size <= 1e-30 * float(np.abs(hi).max(initial=0.0)):
            break
    residual, e = _aligned([dyadic(y), _matvec(exact_M, hi), _matvec(exact_M, lo)])
    r = residual[0] - residual[1] - residual[2]
    return hi + lo, np.array([float(_fraction(int(v), e, 1)) for v in r])


def _matvec(exact_matrix: tuple[np.ndarray, int], v: np.ndarray) -> tuple[np.ndarray, int]:
    """$Mv$ exactly for $M$ given by :func:`dyadic`."""
    V, ev = dyadic(v)
    return exact_matrix[0] @ V, exact_matrix[1] + ev
