r"""A group Lasso over cones: the convex program of weight decay when a unit's column is linear
in its direction on each of finitely many cones.

$$ \min_{\xi,\ u_k, u'_k \in K_k}\ \tfrac12\Bigl\|\sum_k M_k (u_k - u'_k) + \xi\mathbf 1 - y\Bigr\|_2^2
+ \beta \sum_k \bigl(\|u_k\|_2 + \|u'_k\|_2\bigr), \qquad K_k = \{u : G_k u \ge 0\}, $$

with $M_k \in \mathbb R^{N\times d}$, $G_k \in \mathbb R^{g\times d}$ ($u_k$: units with a positive
output weight, $u'_k$: negative); for $\beta = 0$, $\min \sum_k(\|u_k\|_2 + \|u'_k\|_2)$ subject to
$\sum_k M_k (u_k - u'_k) + \xi\mathbf 1 = y$. Solved by CLARABEL (an
interior-point method: accurate to about $10^{-8}$, not exact); the callers use its answer as
the starting columns of a certified solve.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_beta
from .lasso import SolverError


def cone_group_lasso(M: np.ndarray, G: np.ndarray, y: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    r"""$(U, U')$ solving the program above; ``M`` is (blocks, N, d), ``G`` (blocks, g, d), ``U``, ``U'`` (blocks, d)."""
    import cvxpy as cp

    beta = check_beta(beta)
    blocks, _, d = M.shape
    y = np.asarray(y, dtype=float)
    plus, minus = cp.Variable((blocks, d)), cp.Variable((blocks, d))
    fitted = sum(M[:, :, j].T @ (plus[:, j] - minus[:, j]) for j in range(d)) + cp.Variable()
    inside = [
        sum(cp.multiply(G[:, i, j], U[:, j]) for j in range(d)) >= 0 for U in (plus, minus) for i in range(G.shape[1])
    ]
    size = cp.sum(cp.norm(plus, 2, axis=1)) + cp.sum(cp.norm(minus, 2, axis=1))
    if beta == 0:
        problem = cp.Problem(cp.Minimize(size), [fitted == y, *inside])
    else:
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fitted - y) + beta * size), inside)
    try:
        problem.solve(solver=cp.CLARABEL)
    except cp.error.SolverError as exc:
        raise SolverError(f"CLARABEL failed on the group Lasso over cones ({exc}); check the data scale") from exc
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or plus.value is None:
        raise SolverError(f"CLARABEL returned status {problem.status!r} on the group Lasso over cones")
    return np.asarray(plus.value, dtype=float), np.asarray(minus.value, dtype=float)
