r"""The convex side: Lasso with an unpenalised intercept, and its certificates.

$$ P(z, \xi) = \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1 $$

Its dual is $\max_\nu\ \nu^\top y - \tfrac12\|\nu\|_2^2$ subject to
$\|A^\top\nu\|_\infty \le \beta$ and $\mathbf 1^\top\nu = 0$. Scaling the residual
$r = y - Az - \xi\mathbf 1$ into that set gives a feasible $\nu$, so
$P - D(\nu) \ge P - P^\star \ge 0$ certifies how far a solution is from optimal.

The minimum-norm limit $\beta \to 0$ is solved exactly as the linear programme
$\min \|z\|_1$ s.t. $Az + \xi\mathbf 1 = y$ (HiGHS), with the LP dual as certificate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import check_beta
from .dictionary import DenseDictionary, Dictionary
from .working_set import gap_from_residual, solve_working_set


class SolverError(RuntimeError):
    """A solver did not reach an optimal, certified solution."""


@dataclass(frozen=True)
class LassoSolution:
    r"""A solution with its certificate.

    ``objective`` is $P(z, \xi)$, or $\|z\|_1$ when ``beta == 0`` (minimum norm);
    ``gap`` is the duality gap $P - D(\nu) \ge 0$ (absolute).
    """

    z: np.ndarray
    xi: float
    beta: float
    objective: float
    gap: float
    method: str

    @property
    def relative_gap(self) -> float:
        return self.gap / max(abs(self.objective), 1e-300)

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.flatnonzero(self.z)


def lasso_objective(A: np.ndarray, y: np.ndarray, z: np.ndarray, xi: float, beta: float) -> float:
    r"""$\tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$ (``A`` a matrix or a dictionary)."""
    r = as_dictionary(A).matvec(z) + xi - y
    return float(0.5 * r @ r + beta * np.abs(z).sum())


def beta_max(A, y: np.ndarray) -> float:
    r"""Smallest $\beta$ with $z = 0$ optimal: $\|A_c^\top (y - \bar y)\|_\infty = \|A^\top (y - \bar y)\|_\infty$."""
    y = np.asarray(y, dtype=float)
    return as_dictionary(A).price(y - y.mean()).max_abs


def duality_gap(A, y: np.ndarray, z: np.ndarray, xi: float, beta: float, correlation: float | None = None) -> float:
    r"""$P - D(\nu)$ at $\nu = \theta r$, $\theta = \min(1, \beta/\|A^\top r\|_\infty)$.

    $r$ is the centred residual; ``A`` is a matrix or a matrix-free
    :class:`~lmirrors.convex.dictionary.Dictionary`. ``correlation`` replaces $\|A^\top r\|_\infty$
    when the columns of ``A`` are only part of a larger library (column generation): pass
    the library-wide maximum to certify the solution against the whole library.
    Written as $\tfrac12(1-\theta)^2\|r\|^2 + \beta\|z\|_1 - \theta\, r^\top A z$ plus the
    intercept's excess $\tfrac n2(\bar r)^2$, which avoids cancelling large terms.
    """
    dictionary = as_dictionary(A)
    fitted = dictionary.matvec(z)
    residual = y - fitted - xi
    offset = residual.mean()
    r = residual - offset
    if correlation is None:
        correlation = dictionary.price(r).max_abs
    gap = gap_from_residual(r, fitted, float(np.abs(z).sum()), correlation, beta)
    return max(float(gap + 0.5 * y.size * offset**2), 0.0)


def as_dictionary(A) -> Dictionary:
    """``A`` itself if it is a :class:`~lmirrors.convex.dictionary.Dictionary`, else a dense wrapper."""
    return A if isinstance(A, Dictionary) else DenseDictionary(A)


def _intercept(A, y: np.ndarray, z: np.ndarray) -> float:
    return float(np.mean(y - as_dictionary(A).matvec(z)))


def _reduce_to_vertex(Ac: np.ndarray, z: np.ndarray) -> np.ndarray:
    r"""Move along null directions of the support until its columns are independent.

    If $A_{c,S} d = 0$ the fit is unchanged along $z_S + t d$ and, at an optimum, so is
    $\|z\|_1$ while no sign flips; stepping to the first coordinate that reaches zero
    removes it. Repeats until $A_{c,S}$ has full column rank (a sparse, basic solution).
    """
    z = z.copy()
    while True:
        support = np.flatnonzero(z)
        if support.size == 0:
            return z
        # More than n columns are always dependent: look for a null direction among the first
        # n + 1 only (an SVD of the whole support costs O(k^3) for k columns).
        columns = support[: Ac.shape[0] + 1]
        _, sv, vt = np.linalg.svd(Ac[:, columns], full_matrices=True)
        rank = int(np.sum(sv > 1e-10 * max(sv[0], 1e-300)))
        if rank == support.size:
            return z
        d = np.zeros(support.size)
        d[: columns.size] = vt[rank]
        if np.sign(z[support]) @ d > 0:
            d = -d
        shrinking = z[support] * d < 0
        if not shrinking.any():
            d, shrinking = -d, z[support] * -d < 0
        steps = -z[support][shrinking] / d[shrinking]
        k = np.argmin(steps)
        z[support] += steps[k] * d
        z[support[np.flatnonzero(shrinking)[k]]] = 0.0


def _polish(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> np.ndarray:
    r"""Exact Lasso solution on the support of an approximate one.

    Drops entries below $10^{-6}\|z\|_\infty$, reduces to independent columns, then solves
    the KKT equations $A_{c,S}^\top A_{c,S} z_S = A_{c,S}^\top y_c - \beta s$ with signs $s$,
    dropping coordinates whose sign flips until the signs agree. The caller keeps
    whichever of the input and the result has the smaller duality gap.
    """
    Ac = A - A.mean(axis=0)
    z = np.where(np.abs(z) > 1e-6 * np.abs(z).max(initial=0.0), z, 0.0)
    z = _reduce_to_vertex(Ac, z)
    support = np.flatnonzero(z)
    yc = y - y.mean()
    while support.size:
        As = Ac[:, support]
        signs = np.sign(z[support])
        exact = np.linalg.solve(As.T @ As, As.T @ yc - beta * signs)
        flipped = np.sign(exact) != signs
        if not flipped.any():
            break
        support = support[~flipped]
    polished = np.zeros_like(z)
    if support.size:
        polished[support] = exact
    return polished


METHODS = ("auto", "working-set", "cvxpy")
SMALL = 100_000
"""Dense problems up to this many entries get a CLARABEL second opinion below 1e-9 (see :func:`solve`)."""


def solve(A, y: np.ndarray, beta: float, polish: bool = True, method: str = "auto", warm_start=None) -> LassoSolution:
    r"""Solve the Lasso exactly and certify it.

    ``A`` is a matrix or a matrix-free :class:`~lmirrors.convex.dictionary.Dictionary` (e.g.
    :func:`~lmirrors.libraries.ramps.two_layer_dictionary` for large $N$). ``method``:

    * ``"working-set"``: :func:`~lmirrors.convex.working_set.solve_working_set`, an exact active-set
      solver on a few columns with matrix-free pricing, to relative gap $10^{-9}$ (or as
      close as float64 allows: at $\beta \approx 10^{-5}\beta_{\max}$ round-off in
      $r^\top A z$ leaves $10^{-8}$ to $10^{-7}$); ``warm_start`` (a previous ``z``) seeds it;
    * ``"cvxpy"``: CLARABEL on the dense problem, then ``polish`` to an exact vertex;
    * ``"auto"``: the working-set solver; for a dense ``A`` whose gap stays above $10^{-6}$,
      or above $10^{-9}$ with at most ``SMALL`` = $10^5$ entries (CLARABEL is cheap there), cvxpy
      too, keeping the smaller certified gap.

    ``beta = 0`` is delegated to :func:`min_norm` (dense ``A`` only). Raises
    :class:`SolverError` when the duality gap stays above ``1e-6`` relative.
    """
    beta = check_beta(beta)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    dense = not isinstance(A, Dictionary)
    if dense:
        A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    if (beta == 0 or method == "cvxpy") and not dense:
        raise ValueError(
            "the minimum-norm LP and the cvxpy route need the dense matrix; pass library.A "
            "(or use beta > 0 with method='working-set')"
        )
    if beta == 0:
        return min_norm(A, y)
    if beta >= beta_max(A, y):
        return _certified(A, y, np.zeros(A.shape[1]), beta, "closed-form")
    if method == "cvxpy":
        return _solve_cvxpy(A, y, beta, polish)
    z, relative_gap = solve_working_set(as_dictionary(A), y, beta, warm_start)
    second_opinion = relative_gap > 1e-6 or (relative_gap > 1e-9 and A.size <= SMALL)
    if method == "auto" and dense and second_opinion:
        clarabel = _solve_cvxpy(A, y, beta, polish)
        if relative_gap > 1e-6 or clarabel.relative_gap < relative_gap:
            return clarabel
    return _certified(A, y, z, beta, "working-set")


def _solve_cvxpy(A: np.ndarray, y: np.ndarray, beta: float, polish: bool) -> LassoSolution:
    """CLARABEL via cvxpy on the centred problem, then the exact polish."""
    import cvxpy as cp

    Ac = A - A.mean(axis=0)
    yc = y - y.mean()
    z = cp.Variable(A.shape[1])
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Ac @ z - yc) + beta * cp.norm1(z)))
    try:
        problem.solve(solver=cp.CLARABEL)
    except cp.error.SolverError as exc:
        raise SolverError(f"CLARABEL failed on the Lasso ({exc}); check the data scale") from exc
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or z.value is None:
        raise SolverError(f"CLARABEL returned status {problem.status!r} on the Lasso")
    zhat = np.asarray(z.value, dtype=float)
    if polish:
        candidate = _polish(A, y, zhat, beta)
        xi = _intercept(A, y, candidate)
        # Prefer the exact, sparse candidate unless it is clearly worse: gaps below ~1e-8
        # relative are float64 round-off, while the interior-point iterate keeps spurious
        # ~1e-9 coefficients (which would show up as extra units in the network).
        if duality_gap(A, y, candidate, xi, beta) <= max(
            duality_gap(A, y, zhat, _intercept(A, y, zhat), beta),
            1e-8 * lasso_objective(A, y, candidate, xi, beta),
        ):
            zhat = candidate
    return _certified(A, y, zhat, beta, "clarabel")


def _certified(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float, method: str) -> LassoSolution:
    xi = _intercept(A, y, z)
    objective = lasso_objective(A, y, z, xi, beta)
    gap = duality_gap(A, y, z, xi, beta)
    solution = LassoSolution(z, xi, beta, objective, gap, method)
    if solution.relative_gap > 1e-6:
        raise SolverError(
            f"{method} stopped with relative duality gap {solution.relative_gap:.2e} > 1e-6; "
            "rescale the data or try another solver"
        )
    return solution


def min_norm(A: np.ndarray, y: np.ndarray) -> LassoSolution:
    r"""Exact minimum-$\ell_1$ interpolation $\min\|z\|_1$ s.t. $Az + \xi\mathbf 1 = y$ (HiGHS LP).

    ``objective`` is the optimal $\|z\|_1$ and ``gap`` is $\|z\|_1 - \nu^\top y$ for the LP's
    dual $\nu$ (feasible: $\|A^\top\nu\|_\infty \le 1$, $\mathbf 1^\top\nu = 0$, up to round-off).
    The optimal set need not be a single point; HiGHS returns a vertex (a sparse solution).
    """
    return min_norm_with_dual(A, y)[0]


def min_norm_with_dual(A: np.ndarray, y: np.ndarray) -> tuple[LassoSolution, np.ndarray]:
    r""":func:`min_norm` and the LP's dual $\nu$ ($\|A^\top\nu\|_\infty \le 1$, $\mathbf 1^\top\nu = 0$)."""
    from scipy.optimize import linprog

    A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    n, m = A.shape
    cost = np.concatenate([np.ones(2 * m), [0.0]])
    equality = np.hstack([A, -A, np.ones((n, 1))])
    bounds = [(0, None)] * (2 * m) + [(None, None)]
    res = linprog(cost, A_eq=equality, b_eq=y, bounds=bounds, method="highs")
    if res.status != 0:
        raise SolverError(
            f"HiGHS could not solve the minimum-norm LP (status {res.status}: {res.message}); "
            "the library cannot interpolate these data"
        )
    z = res.x[:m] - res.x[m : 2 * m]
    nu = res.eqlin.marginals
    norm = float(np.abs(z).sum())
    return LassoSolution(z, float(res.x[-1]), 0.0, norm, max(norm - float(nu @ y), 0.0), "highs-lp"), nu


def min_norm_range(A: np.ndarray, y: np.ndarray, Q: np.ndarray, rtol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    r"""Lowest and highest value of $Q_j z + \xi$ over *all* minimum-norm interpolants.

    Each row $q$ of ``Q`` is a linear functional (e.g. the features evaluated at a new
    point $t$, so $qz + \xi = f(t)$). Two LPs per row over the optimal face
    $\{Az + \xi\mathbf 1 = y,\ \|z\|_1 \le (1 + \text{rtol})\,\|z^\star\|_1\}$. Equal bounds
    mean every minimum-norm network agrees there; a gap shows the optimum is not unique.
    """
    from scipy.optimize import linprog

    A = np.asarray(A, dtype=float)
    Q = np.atleast_2d(np.asarray(Q, dtype=float))
    n, m = A.shape
    budget = min_norm(A, y).objective * (1 + rtol) + 1e-12
    equality = np.hstack([A, -A, np.ones((n, 1))])
    norm_row = np.concatenate([np.ones(2 * m), [0.0]])[None, :]
    bounds = [(0, None)] * (2 * m) + [(None, None)]
    lower, upper = np.empty(len(Q)), np.empty(len(Q))
    for j, q in enumerate(Q):
        cost = np.concatenate([q, -q, [1.0]])
        for sign, out in ((1.0, lower), (-1.0, upper)):
            res = linprog(
                sign * cost, A_ub=norm_row, b_ub=[budget], A_eq=equality, b_eq=y, bounds=bounds, method="highs"
            )
            if res.status != 0:
                raise SolverError(f"HiGHS failed on the optimal-face LP (status {res.status}: {res.message})")
            out[j] = sign * res.fun
    return lower, upper
