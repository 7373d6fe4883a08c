r"""Lasso paths: the exact, piecewise-linear solution path (homotopy), and solutions on a grid.

For the centred problem ($A_c$, $y_c$: columns and labels minus their means; the unpenalised
intercept is then $\xi = \bar y - \overline{Az}$)

$$ z^\star(\beta) = \arg\min_z\ \tfrac12\|A_c z - y_c\|^2 + \beta\|z\|_1 , $$

the optimality conditions read, with the correlations $c(\beta) = A^\top r$ of the residual
$r = y_c - A_c z$ (mean zero, so $A^\top r = A_c^\top r$),

$$ c_j = \beta\,\mathrm{sign}(z_j)\ \ (z_j \ne 0), \qquad |c_j| \le \beta\ \ (z_j = 0). $$

**Segments.** On an interval of $\beta$ where the active set $S$ and its signs $s$ do not
change, $G_S z_S = A_{c,S}^\top y_c - \beta s$ with $G_S = A_{c,S}^\top A_{c,S}$, so
$z_S(\beta) = u - \beta d$, $d = G_S^{-1}s$, is linear in $\beta$, and so are the residual
$r(\beta) = r_0 + \beta w$ ($w = A_{c,S} d$, $r_0$ the residual at $\beta = 0$ of the
segment's line) and every correlation $c_j(\beta) = q_j + \beta a_j$ with
$q = A^\top r_0$, $a = A^\top w$. These two products over the whole library are all a
step needs from the columns outside $S$ (matrix-free: one pass each over a
:class:`~lmirrors.convex.dictionary.Dictionary`); the rest is the small Gram $G_E$ of the
columns at the breakpoint. We recompute $u = z_S + G_S^{-1} A_{c,S}^\top r$ from the exact
residual at each breakpoint (a Newton correction), so round-off does not accumulate.

**Breakpoints.** Going down from $\beta_k$ the segment ends at the largest $\beta < \beta_k$
where an inactive column reaches the bound, $q_j + \beta a_j = \pm\beta$, i.e.
$\beta = q_j/(1 - a_j)$ or $\beta = -q_j/(1 + a_j)$ (it *enters*), or an active coefficient
reaches zero, $\beta = u_j/d_j$ (it *leaves*: the sign-drop step of the Lasso modification
of LARS, without which the path would continue with a coefficient of the wrong sign).

**Direction at a breakpoint, ties included.** Let $E$ be the equicorrelation set
$\{j : |c_j(\beta_k)| = \beta_k\}$, $s_E = \mathrm{sign}(c_E)$. For $\beta = \beta_k - t$
the path is $z_E + t\,\delta$ where $\delta$ solves the small quadratic programme

$$ \min_{\delta}\ \tfrac12\,\delta^\top G_E\,\delta - s_E^\top\delta \quad\text{s.t.}\quad
   s_j\delta_j \ge 0 \text{ for } j \in E,\ z_j = 0 $$

(its KKT conditions are the first-order optimality conditions just below $\beta_k$:
$(G_E\delta)_j = s_j$ where $\delta_j \ne 0$ and $s_j(G_E\delta)_j \ge 1$ where
$\delta_j = 0$, i.e. $|c_j|$ falls no slower than $\beta$). In the generic case
(one event) its solution is the LARS-Lasso step: the entering column joins with the sign of
its correlation, the leaving one drops; we check that guess against the KKT conditions and
solve the programme exactly (bounded-variable least squares) only when it fails, which is
what makes simultaneous events (ties) safe. Every step lowers $\beta$ by at least the tie
tolerance, so the path cannot cycle.

**Tolerances** (relative only). Two candidate breakpoints within $10^{-12}\beta$ of each
other are one breakpoint; a column is in $E$ when $|c_j| \ge \beta(1 - 10^{-12}) - 10^{-12}
\beta_{\max}\|r\|/\|y_c\|$. The second term is the round-off of $a_j^\top r$, since
$\beta_{\max} = \max_j|a_j^\top y_c|$ is the scale (columns times data) of every
correlation. Looser ties are wrong on dense data: near the best kink $t^\star$ the correlation
of a ramp is flat in $t$, so neighbouring ramps of $10^4$ points differ by $10^{-9}\beta$ and
are genuinely not tied. Sets of active columns whose Gram matrix has smallest eigenvalue
below $10^{-13}$ times its largest are treated as dependent. After each step the
correlations are checked ($\max_j|c_j| \le \beta(1 + 10^{-6})$), and a path that lost
optimality (nearly collinear active columns, e.g. ramps at two data points $10^{-7}$ apart)
raises :class:`~lmirrors.convex.lasso.SolverError` rather than returning wrong numbers.

Between breakpoints $z^\star(\beta)$ is the linear interpolation of its values at the two
ends, which :class:`LassoPath` stores; :meth:`LassoPath.solution` returns it at any $\beta$
with its certified duality gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ..validation import check_beta
from .dictionary import Dictionary
from .lasso import LassoSolution, SolverError, _certified, as_dictionary, solve

TIE = 1e-12
"""Breakpoints closer than ``TIE`` times $\\beta$ coincide (a relative tolerance)."""
ROUND_OFF = 1e-12
"""Round-off of a correlation, relative to $\\beta_{\\max}\\|r\\|/\\|y_c\\|$."""


@dataclass(frozen=True)
class PathEvent:
    """Column ``column`` enters (``kind = "enter"``) or leaves the active set at ``beta``;
    ``sign`` is the sign of its coefficient on the active side."""

    beta: float
    column: int
    kind: str
    sign: int


@dataclass(frozen=True)
class LassoPath:
    r"""The exact Lasso path from $\beta_{\max}$ down to ``betas[-1]``.

    ``betas`` is decreasing: ``betas[0]`` $=\beta_{\max}$, where the first column enters, then
    the breakpoints (see :attr:`breakpoints`), and ``betas[-1]`` is where the path was stopped.
    Row $k$ of ``coefs`` (sparse, one row per entry of ``betas``) is $z^\star(\beta_k)$,
    ``intercepts[k]`` its $\xi$; ``active_sets[k]`` are the columns active on
    $(\beta_{k+1}, \beta_k)$.
    """

    A: Dictionary
    y: np.ndarray
    betas: np.ndarray
    coefs: Any
    """``scipy.sparse.csr_matrix``, one row per entry of ``betas``."""
    intercepts: np.ndarray
    events: tuple[PathEvent, ...]
    active_sets: tuple[np.ndarray, ...]

    @property
    def breakpoints(self) -> np.ndarray:
        """The $\\beta$ where some column enters or leaves (decreasing). ``betas`` may hold a few more
        points where round-off split one breakpoint or a near-tie resolved to no change."""
        return np.unique([event.beta for event in self.events])[::-1]

    def _segment(self, beta: float) -> tuple[int, float]:
        beta = check_beta(beta)
        if beta < self.betas[-1] * (1 - TIE):
            raise ValueError(
                f"beta = {beta:g} is below the end of this path ({self.betas[-1]:g}); "
                "compute the path further down (smaller beta_min)"
            )
        if beta >= self.betas[0] or self.betas.size == 1:
            return 0, 1.0
        k = int(np.clip(np.searchsorted(-self.betas, -beta, side="right") - 1, 0, self.betas.size - 2))
        high, low = self.betas[k], self.betas[k + 1]
        return k, float(np.clip((beta - low) / (high - low), 0.0, 1.0))

    def coef(self, beta: float) -> np.ndarray:
        r"""$z^\star(\beta)$: linear interpolation between the breakpoints around $\beta$
        ($0$ for $\beta \ge \beta_{\max}$)."""
        k, weight = self._segment(beta)
        if beta >= self.betas[0]:
            return np.zeros(self.coefs.shape[1])
        high = self.coefs[k].toarray().ravel()
        low = self.coefs[min(k + 1, self.betas.size - 1)].toarray().ravel()
        return weight * high + (1 - weight) * low

    def intercept(self, beta: float) -> float:
        r"""$\xi^\star(\beta) = \bar y - \overline{A z^\star(\beta)}$, linear between breakpoints."""
        k, weight = self._segment(beta)
        if beta >= self.betas[0]:
            return float(self.y.mean())
        return float(weight * self.intercepts[k] + (1 - weight) * self.intercepts[min(k + 1, self.betas.size - 1)])

    def solution(self, beta: float) -> LassoSolution:
        """The path's solution at ``beta > 0`` with its certified duality gap (``method = "homotopy"``).

        Raises :class:`~lmirrors.convex.lasso.SolverError` if the gap exceeds $10^{-6}$ relative.
        """
        if check_beta(beta) == 0:
            raise ValueError("beta = 0 is the minimum-norm problem; use lmirrors.min_norm for its certificate")
        return _certified(self.A, self.y, self.coef(beta), beta, "homotopy")

    def support(self, beta: float) -> np.ndarray:
        """Columns active at ``beta`` (nonzero coefficient)."""
        return np.flatnonzero(self.coef(beta))


def exact_path(A, y, beta_min: float | None = None, max_steps: int | None = None) -> LassoPath:
    r"""The exact Lasso path (homotopy, see the module docstring) from $\beta_{\max}$ down to ``beta_min``
    (default $10^{-3}\beta_{\max}$).

    ``A`` is a matrix or a matrix-free :class:`~lmirrors.convex.dictionary.Dictionary` (e.g.
    :func:`~lmirrors.libraries.ramps.two_layer_dictionary`); each breakpoint costs two products
    $A^\top v$ and the Gram matrix of the columns at the breakpoint. ``beta_min = 0`` asks for the
    whole path, but its last steps, where the active columns come close to interpolating, are
    ill-conditioned and usually end in :class:`~lmirrors.convex.lasso.SolverError`; the
    minimum-norm limit itself is :func:`~lmirrors.convex.lasso.min_norm`. ``max_steps``
    (default $20\min(N, M) + 100$) guards against a runaway path; exceeding it raises
    :class:`~lmirrors.convex.lasso.SolverError`, as do dependent active columns.
    """
    D = as_dictionary(A)
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or y.size != D.shape[0]:
        raise ValueError(f"y must be a vector with one entry per row of A ({D.shape[0]}), got shape {y.shape}")
    n, m = D.shape
    max_steps = max_steps or 20 * min(n, m) + 100
    yc = y - y.mean()
    scale_y = max(float(np.linalg.norm(yc)), 1e-300)
    c = D.rmatvec(yc)
    top = float(np.abs(c).max(initial=0.0))
    beta_min = 1e-3 * top if beta_min is None else check_beta(beta_min)
    beta, r = top, yc
    S, zS = np.zeros(0, dtype=np.int64), np.zeros(0)
    entering = np.flatnonzero(np.abs(c) >= top * (1 - TIE))
    tol = TIE * top
    betas, rows, intercepts, events, actives = [top], [(S, zS)], [float(y.mean())], [], []
    if top == 0.0:  # constant labels (or an empty library): z = 0 everywhere
        return _as_path(D, y, betas, rows, intercepts, events, actives)
    for _ in range(max_steps):
        if beta <= beta_min:
            break
        E = np.concatenate([S, entering])
        zE = np.concatenate([zS, np.zeros(entering.size)])
        sE = np.where(zE != 0, np.sign(zE), np.sign(c[E]))
        G = D.gram(E)
        guess = (zE != 0) | np.isin(E, entering)
        keep = _active(G, sE, zE != 0, guess)
        S_new, s = E[keep], sE[keep]
        actives.append(S_new)
        for j, sign in zip(E, sE, strict=True):
            was, now = j in S, j in S_new
            if was != now:
                events.append(PathEvent(beta, int(j), "enter" if now else "leave", int(sign)))
        S, zS = S_new, zE[keep]
        chol = _cholesky(G[np.ix_(keep, keep)])
        d = scipy.linalg.cho_solve(chol, s)
        u = zS + scipy.linalg.cho_solve(chol, D.correlations(r, S))
        w = _centred(D, S, d)
        r0 = r - _centred(D, S, u - zS)
        a, q = D.rmatvec(w), D.rmatvec(r0)
        # where the segment ends: the largest candidate below beta (minus the tie tolerance)
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = np.concatenate([q / (1 - a), -q / (1 + a)])
        # columns that stay on the bound all along the segment (dependent on the active ones,
        # e.g. (t - x)_+ next to an active (x - t)_+ and a linear column) never enter
        stays = np.concatenate([q + beta * (a - 1), q + beta * (a + 1)])
        roots[(np.abs(np.concatenate([q, q])) <= tol) & (np.abs(stays) <= tol)] = -np.inf
        roots[np.concatenate([S, S + m])] = -np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            drops = u / d
        below = beta * (1 - TIE)
        candidates = np.concatenate([roots, drops])
        candidates = candidates[np.isfinite(candidates) & (candidates < below) & (candidates >= beta_min)]
        beta = float(candidates.max(initial=beta_min))
        zS = u - beta * d
        zS[np.abs(drops - beta) <= TIE * beta] = 0.0
        r = yc - _centred(D, S, zS)
        c = q + beta * a
        tol = TIE * beta + ROUND_OFF * top * float(np.linalg.norm(r)) / scale_y
        entering = np.setdiff1d(np.flatnonzero(np.abs(c) >= beta - tol), S)
        if np.abs(c).max() > beta * (1 + 1e-6) + tol:
            raise SolverError(
                f"the homotopy lost optimality at beta = {beta:.6g} (active columns {S.tolist()} are nearly "
                "collinear); use solve() at the betas you need"
            )
        betas.append(beta)
        rows.append((S, zS.copy()))
        intercepts.append(float(y.mean() - np.mean(D.matvec_columns(S, zS))) if S.size else float(y.mean()))
    else:
        raise SolverError(f"the homotopy did not reach beta = {beta_min:g} in {max_steps} steps (now at {beta:g})")
    return _as_path(D, y, betas, rows, intercepts, events, actives)


def _as_path(D, y, betas, rows, intercepts, events, actives) -> LassoPath:
    indptr = np.cumsum([0] + [cols.size for cols, _ in rows])
    cols = np.concatenate([cols for cols, _ in rows]).astype(np.int64)
    vals = np.concatenate([vals for _, vals in rows])
    coefs = sp.csr_matrix((vals, cols, indptr), shape=(len(rows), D.shape[1]))
    coefs.eliminate_zeros()
    return LassoPath(D, y, np.array(betas), coefs, np.array(intercepts), tuple(events), tuple(actives))


def _centred(D: Dictionary, cols: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """$A_{c,\\text{cols}}\\,\\text{coef}$ (zero when ``cols`` is empty)."""
    if cols.size == 0:
        return np.zeros(D.shape[0])
    v = D.matvec_columns(cols, coef)
    return v - v.mean()


def _cholesky(G: np.ndarray):
    try:
        return scipy.linalg.cho_factor(G, lower=False, check_finite=False)
    except np.linalg.LinAlgError as exc:
        raise SolverError(
            "the active columns of the Lasso path are linearly dependent; remove collinear columns "
            "from the library (e.g. lmirrors.libraries.library.distinct_columns) or use solve on a grid"
        ) from exc


def _active(G: np.ndarray, s: np.ndarray, nonzero: np.ndarray, guess: np.ndarray) -> np.ndarray:
    r"""Which columns of the equicorrelation set $E$ move off zero below the breakpoint.

    Solves $\min_\delta \tfrac12\delta^\top G\delta - s^\top\delta$ with $s_j\delta_j \ge 0$ where
    the coefficient is zero (module docstring); tries ``guess`` (the LARS-Lasso step) first.
    """
    if _satisfies_kkt(G, s, nonzero, guess, guess=True):
        return guess
    from scipy.optimize import lsq_linear

    # substitute e = s * delta: min 1/2 e^T H e - 1^T e with H = diag(s) G diag(s); a ridge of
    # 1e-13 max H_jj makes H + ridge = R^T R (dependent columns), giving the minimum-norm
    # solution to that precision, which _vertex reduces and _satisfies_kkt checks exactly
    H = G * np.outer(s, s)
    ridge = 1e-13 * max(float(np.diag(H).max(initial=0.0)), 1e-300)
    R = scipy.linalg.cholesky(H + ridge * np.eye(s.size), lower=False)
    rhs = scipy.linalg.solve_triangular(R, np.ones(s.size), trans="T")
    lower = np.where(nonzero, -np.inf, 0.0)
    e = lsq_linear(R, rhs, bounds=(lower, np.inf), method="bvls", tol=1e-14).x
    keep = _vertex(H, e, nonzero)
    if not _satisfies_kkt(G, s, nonzero, keep, tol=1e-6):
        raise SolverError("the Lasso path's direction at a degenerate breakpoint could not be resolved")
    return keep


def _vertex(H: np.ndarray, e: np.ndarray, nonzero: np.ndarray) -> np.ndarray:
    r"""Columns of a solution $e$ of the direction programme with independent columns.

    Along a null vector $v$ of $H_{KK}$ ($K$ the support of $e$) the objective is constant
    ($\mathbf 1 \in \operatorname{range} H$), so stepping $e + tv$ until a zero-coefficient
    column's $e_j$ reaches $0$ gives another solution with one column fewer (e.g. of the four
    ReLU ramps $(x - t_1)_\pm, (x - t_2)_\pm$, which are dependent, three are kept).
    """
    e = np.where(nonzero | (e > 1e-9 * max(float(np.abs(e).max(initial=0.0)), 1e-300)), e, 0.0)
    while True:
        keep = nonzero | (e != 0)
        K = np.flatnonzero(keep)
        values, vectors = np.linalg.eigh(H[np.ix_(K, K)])
        if _independent(values):
            return keep
        null = vectors[:, values <= 1e-10 * max(float(values[-1]), 1e-300)]
        movable = ~nonzero[K]
        # the null vector with the largest entry on a zero-coefficient column: e_j projected on the null space
        weight = np.where(movable, np.linalg.norm(null, axis=1), 0.0)
        if weight.max() <= 1e-8:
            raise SolverError("the active columns of the Lasso path are linearly dependent")
        v = -null @ null[np.argmax(weight)]
        shrinking = movable & (v < -1e-9 * np.abs(v).max())
        steps = e[K][shrinking] / -v[shrinking]
        i = int(np.argmin(steps))
        e[K] += steps[i] * v
        e[K[np.flatnonzero(shrinking)[i]]] = 0.0


def _independent(G: np.ndarray, rtol: float = 1e-13) -> bool:
    r"""Whether a Gram matrix (or its eigenvalues, increasing) has independent columns:
    smallest eigenvalue above $10^{-13}$ times the largest (exact dependence leaves round-off,
    $\sim 10^{-16}$; adjacent ramps of $10^4$ points reach $10^{-11}$)."""
    values = G if G.ndim == 1 else np.linalg.eigvalsh(G)
    return bool(values[0] > rtol * max(float(values[-1]), 1e-300))


def _satisfies_kkt(
    G: np.ndarray, s: np.ndarray, nonzero: np.ndarray, keep: np.ndarray, tol: float = 1e-9, guess: bool = False
) -> bool:
    r"""Whether $\delta_K = G_{KK}^{-1}s_K$ on ``keep`` solves the direction programme:
    $s_j\delta_j > 0$ for the zero coefficients kept, $s_j(G\delta)_j \ge 1$ for those left out."""
    if not keep.any() or not _independent(G[np.ix_(keep, keep)], 1e-10 if guess else 1e-13):
        return False
    chol = scipy.linalg.cho_factor(G[np.ix_(keep, keep)], check_finite=False)
    delta = scipy.linalg.cho_solve(chol, s[keep])
    if not np.all(np.isfinite(delta)):
        return False
    entering = ~nonzero[keep]
    if np.any(s[keep][entering] * delta[entering] <= 0):
        return False
    out = ~keep
    return bool(np.all(s[out] * (G[np.ix_(out, keep)] @ delta) >= 1 - tol))


def path(A, y: np.ndarray, betas, method: str = "auto") -> list[LassoSolution]:
    """Solutions for each ``beta`` in ``betas`` (any order; 0 gives the minimum-norm solution).

    ``method="exact"`` reads them off :func:`exact_path` (computed once, down to the smallest
    positive ``beta``); any other ``method`` is passed to :func:`~lmirrors.convex.lasso.solve`,
    solving from the largest ``beta`` down, each warm-started from the previous solution.
    """
    betas = [check_beta(b) for b in betas]
    solutions: list[LassoSolution | None] = [None] * len(betas)
    if method == "exact":
        positive = [b for b in betas if b > 0]
        exact = exact_path(A, y, min(positive)) if positive else None
    previous = None
    for i in sorted(range(len(betas)), key=lambda i: -betas[i]):
        if method == "exact" and betas[i] > 0:
            solutions[i] = exact.solution(betas[i])
        else:
            solutions[i] = solve(A, y, betas[i], method="auto" if method == "exact" else method, warm_start=previous)
        if betas[i] > 0:
            previous = solutions[i].z
    return solutions
