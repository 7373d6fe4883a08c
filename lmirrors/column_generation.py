r"""Column generation: solve a Lasso over a library too large to write down.

The library is known only through a *pricing oracle*: given a vector $r$ with
$\mathbf 1^\top r = 0$ it returns $\max_j |a_j^\top r|$ over **every** column $a_j$ of the
library and a few maximising columns. The loop

1. solves the Lasso restricted to the active columns (:func:`lmirrors.lasso.solve`);
2. prices its centred residual $r = y - A_S z - \xi\mathbf 1$;
3. stops when the duality gap computed with the library-wide correlation
   $c = \max_j |a_j^\top r|$ is below ``rtol`` relative, else adds the priced columns.

The certificate is the one of :func:`lmirrors.lasso.duality_gap`: $\nu = \min(1, \beta/c)\,r$
is dual feasible for the *whole* library, so $P(z, \xi) - D(\nu)$ bounds the distance to the
full optimum. When $c \le \beta$ the restricted optimum is optimal for the full library.

For $\beta = 0$ (minimum norm) the restricted problem is the LP
$\min\|z\|_1$ s.t. $A_S z + \xi\mathbf 1 = y$ and the oracle prices its dual $\nu$: if
$c = \max_j|a_j^\top\nu| > 1$ then $\nu/c$ is dual feasible and $\|z\|_1 - \nu^\top y / c$
is the certified gap. The initial columns must then be able to interpolate $y$.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .lasso import LassoSolution, SolverError, duality_gap, min_norm_with_dual
from .lasso import solve as solve_lasso
from .validation import check_beta

Pricing = Callable[[np.ndarray], tuple[float, np.ndarray]]
"""``price(r) -> (max_j |a_j^T r| over the full library, maximising columns as an (N, k) array)``."""


@dataclass(frozen=True)
class ColumnGenerationResult:
    """Active columns, the Lasso solution on them (gap certified over the full library)."""

    columns: np.ndarray
    solution: LassoSolution
    iterations: int
    max_correlation: float


def _is_new(columns: np.ndarray, column: np.ndarray) -> bool:
    """False when ``column`` equals an active column up to sign and an additive constant."""
    if columns.shape[1] == 0:
        return True
    centred = columns - columns.mean(axis=0)
    c = column - column.mean()
    scale = max(1.0, float(np.abs(c).max()))
    close = np.minimum(np.abs(centred - c[:, None]).max(axis=0), np.abs(centred + c[:, None]).max(axis=0))
    return bool(close.min() > 1e-9 * scale)


def solve(
    y,
    beta: float,
    price: Pricing,
    initial: np.ndarray | None = None,
    rtol: float = 1e-9,
    max_iterations: int = 500,
) -> ColumnGenerationResult:
    r"""Lasso (or, for ``beta = 0``, minimum-norm LP) over the library behind ``price``.

    ``initial`` (an (N, k) array) seeds the active set; by default it is the column priced at
    the centred labels. Raises :class:`lmirrors.lasso.SolverError` when the loop does not
    certify a relative gap of ``1e-6`` within ``max_iterations``.
    """
    beta = check_beta(beta)
    y = np.asarray(y, dtype=float)
    if beta == 0 and initial is None:
        raise ValueError("beta = 0 needs initial columns that can interpolate y (e.g. all one-switch features)")
    columns = price(y - y.mean())[1] if initial is None else np.asarray(initial, dtype=float).reshape(y.size, -1)
    for iteration in range(1, max_iterations + 1):
        if beta == 0:
            solution, nu = min_norm_with_dual(columns, y)
            correlation, candidates = price(nu - nu.mean())
            gap = max(solution.objective - float(nu @ y) / max(correlation, 1.0), 0.0)
        else:
            solution = solve_lasso(columns, y, beta)
            residual = y - columns @ solution.z - solution.xi
            correlation, candidates = price(residual - residual.mean())
            gap = duality_gap(columns, y, solution.z, solution.xi, beta, correlation=correlation)
        solution = replace(solution, gap=gap, method=f"column generation ({solution.method})")
        fresh = [c for c in np.asarray(candidates).reshape(y.size, -1).T if _is_new(columns, c)]
        if solution.relative_gap <= rtol or not fresh:
            break
        columns = np.column_stack([columns, *fresh])
    if solution.relative_gap > 1e-6:
        raise SolverError(
            f"column generation stopped after {iteration} iterations with relative gap "
            f"{solution.relative_gap:.2e} > 1e-6; raise max_iterations"
        )
    return ColumnGenerationResult(columns, solution, iteration, float(correlation))
