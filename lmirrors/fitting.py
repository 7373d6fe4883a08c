r"""The public entry point: fit the globally optimal network by solving its Lasso.

``fit(x, y, depth, activation, beta)`` looks the architecture up in the registry
(:mod:`lmirrors.registry`), solves
$\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$ over its finite library with a
duality-gap certificate (``beta = 0``: the exact minimum-norm interpolant), and turns the
solution back into a network whose own objective $J$ is evaluated independently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from .activations import Activation, get_activation
from .convex import column_generation
from .convex.cones import cone_group_lasso
from .convex.dictionary import BlockDictionary, DenseDictionary
from .convex.homotopy import LassoPath, exact_path
from .convex.lasso import (
    LassoSolution,
    beta_max,
    min_norm_with_dual,
    near_interpolation,
    solve,
    solve_support,
)
from .libraries.additive import AdditiveLibrary
from .libraries.library import DeferredLibrary, LazyFeatures, Library
from .libraries.planar import CirclePricing, PlanarArchitecture
from .networks.additive import AdditiveNetwork
from .networks.base import Network
from .networks.reconstruction import planar_network
from .registry import Architecture
from .validation import (
    MIN_POINTS,
    as_1d,
    check_beta,
    check_data,
    check_planar_data,
    check_weights,
    merge_repeated,
)

DENSE_LIMIT = 50_000_000
"""Largest dense library (points × columns) :func:`fit` builds by itself; beyond it the library is priced."""

WRITE_DOWN_LIMIT = 200_000
"""Largest library (points × columns) :func:`fit` writes down for ``beta > 0`` when the family
has a matrix-free library: solving that costs about as much as building it, so larger ones
are solved matrix-free and only the solution's columns are written down."""

METHODS = ("auto", "library", "matrix_free", "column_generation", "closed_form")
WEIGHTED_METHODS = ("library", "matrix_free")
"""The methods that solve a weighted Lasso (:func:`fit` with ``sample_weight``, or merged repeated x)."""

DEFAULT_RELATIVE_BETA = 1e-2
r"""``beta=None`` (the default of :func:`fit`, :func:`fit_additive`, :func:`fit_planar`, the
estimator and the command line) means $\beta = 10^{-2}\beta_{\max}$, $\beta_{\max}$ the smallest
$\beta$ at which the constant $\bar y$ is optimal. It is in the data's units ($\beta_{\max}$ scales
as $t s^h$ under $x \to s x + c$, $y \to t y$), so the fit does not depend on them; on noisy
data it keeps a handful of units, neither the constant ($\beta \ge \beta_{\max}$) nor a near
interpolant ($\beta \to 0$), and the working set stays small, so it is fast at any $N$."""


class Selected(NamedTuple):
    """A feature the solution uses, with its coefficient."""

    feature: Any
    z: float

    @property
    def label(self) -> str:
        return self.feature.label


KEPT = "pickled with the solution's columns only"
"""``Library.how`` of a fit's library after pickling (see :meth:`Fit.__getstate__`)."""


def kept_columns(library: Library, z: np.ndarray) -> tuple[Library, np.ndarray]:
    """``library`` cut to the columns with nonzero ``z`` (their features made now) and ``z`` on them."""
    support = np.flatnonzero(z)
    features = [library.features[k] for k in support]
    kept = Library(library.architecture, library.x, features, library.A[:, support], library.n_candidates, False, KEPT)
    return kept, z[support]


@dataclass(frozen=True)
class Fit:
    """A certified global optimum: library, Lasso solution and the reconstructed network.

    ``x``, ``y`` and ``sample_weight`` are the user's data (``None``: every weight 1); the library
    may be on the distinct x only (:func:`fit` merges repeated x).

    Pickled, it keeps the network, the solution on its support and those columns' features
    (kilobytes, not the library's points × columns matrix): the unpickled fit predicts, lists
    :meth:`selected` and reports the certified objective and gap; only
    :meth:`min_norm_certificate`, which prices the whole library, asks for a refit.
    """

    x: np.ndarray
    y: np.ndarray
    beta: float
    library: Library
    solution: LassoSolution
    network: Network
    sample_weight: np.ndarray | None = None

    @property
    def architecture(self) -> Architecture:
        return self.library.architecture

    def __getstate__(self) -> dict:
        """The fields, with the library and ``solution.z`` cut to the solution's columns."""
        library, z = kept_columns(self.library, self.solution.z)
        return {**self.__dict__, "library": library, "solution": replace(self.solution, z=z)}

    def predict(self, x) -> np.ndarray:
        """The network's output at ``x`` (any points, not only the data): a number, shape (n,) or (n, 1)."""
        return self.network(x)

    def selected(self) -> list[Selected]:
        """Features with nonzero coefficient, largest $|z|$ first."""
        z = self.solution.z
        chosen = [Selected(self.library.features[k], float(z[k])) for k in self.solution.support]
        return sorted(chosen, key=lambda s: -abs(s.z))

    @property
    def network_objective(self) -> float:
        r"""$J$ evaluated on the reconstructed weights and the user's data,
        $\tfrac12\sum_n w_n (f(x_n) - y_n)^2 + \text{penalty}_\beta$ (for ``beta = 0``: the weight
        penalty at $\beta = 1$ of the interpolating network, comparable with $\|z\|_1$)."""
        if self.beta == 0:
            return self.network.penalty(1.0)
        if self.sample_weight is None:
            return self.network.objective(self.x, self.y, self.beta)
        r = self.predict(self.x) - self.y
        return float(0.5 * (self.sample_weight * r) @ r) + self.network.penalty(self.beta)

    @property
    def max_interpolation_error(self) -> float:
        r"""$\max_p |f(p) - \bar y_p|$ over the distinct $x$, $\bar y_p$ the (weighted) mean label there
        (zero up to round-off for the minimum-norm fit, which interpolates those means)."""
        merged = merge_repeated(self.x, self.y, self.sample_weight)
        return float(np.abs(self.predict(merged.points) - merged.labels).max())

    def min_norm_certificate(self) -> MinNormCertificate:
        r"""Proof that this $\beta = 0$ fit has the smallest $\|z\|_1$ of any interpolating network
        of its family (:class:`~lmirrors.fitting.MinNormCertificate`).

        $\nu$ is the dual of the minimum-norm LP over the columns written down, divided by
        $\max(1, c)$ with $c = \max_j |a_j^\top\nu|$ over the *whole* library: the library
        itself when it is complete, else the family's pricing oracle or matrix-free library.
        It is given on the user's points (repeated x share their point's entry), so
        ``lower_bound`` $= \nu^\top y$ bounds every network interpolating the mean labels.
        Raises ``ValueError`` for $\beta > 0$ or a family with neither.
        """
        if self.beta != 0:
            raise ValueError(f"a minimum-norm certificate needs a beta = 0 fit, this one has beta = {self.beta:g}")
        if self.library.how == KEPT:
            raise ValueError(
                "this fit was unpickled with its solution's columns only, and the certificate prices the whole "
                "library; refit: lmirrors.fit(fit.x, fit.y, depth, activation, beta=0, **options)"
            )
        merged = merge_repeated(self.x, self.y, self.sample_weight)
        on_data = self.library.x.shape == self.x.shape  # else the library is on the distinct x
        nu = min_norm_with_dual(self.library.A, self.y if on_data else merged.labels)[1]
        nu = nu - nu.mean()
        correlation = _library_correlation(self.library, nu)
        nu = nu / max(1.0, correlation)
        if not on_data:  # shared among the copies of each x in proportion to their weights
            weights = np.ones(self.x.size) if self.sample_weight is None else self.sample_weight
            nu = np.where(merged.index >= 0, nu[merged.index] * weights / merged.weights[merged.index], 0.0)
        return MinNormCertificate(
            float(np.abs(self.solution.z).sum()), float(nu @ self.y), nu, self.max_interpolation_error
        )

    def summary(self) -> str:
        lines = [
            f"{self.library.summary()}",
            (
                f"beta = {self.beta:g}: Lasso objective {self.solution.objective:.10g} "
                f"(duality gap {self.solution.gap:.1e}), network objective {self.network_objective:.10g}"
            ),
        ]
        lines += [f"  z = {s.z:+.6g}  {s.label}" for s in self.selected()]
        return "\n".join(lines)


@dataclass(frozen=True)
class MinNormCertificate:
    r"""LP duality for minimum-norm interpolation, $\min\|z\|_1$ s.t. $Az + \xi\mathbf 1 = y$.

    ``nu`` has $\mathbf 1^\top\nu = 0$ and $|a^\top\nu| \le 1$ for every column $a$ of the
    family's library, so every interpolating network of the family has
    $\|z\|_1 \ge \nu^\top y$ = ``lower_bound`` (multiply $Az + \xi\mathbf 1 = y$ by $\nu$).
    The fit is optimal when ``gap`` $=$ ``norm`` $-$ ``lower_bound`` is round-off and it
    interpolates (``interpolation_error``, from the rebuilt network). :meth:`correlation` checks
    other units, e.g. :func:`~lmirrors.fitting.random_two_layer_units`: at most 1 means none of them could lower the norm.
    """

    norm: float
    lower_bound: float
    nu: np.ndarray
    interpolation_error: float

    @property
    def gap(self) -> float:
        """``norm`` minus ``lower_bound`` (at least the distance to the minimum norm)."""
        return self.norm - self.lower_bound

    def correlation(self, columns) -> float:
        r"""$\max_j |a_j^\top\nu|$ over ``columns`` (units evaluated at the data, one per column)."""
        columns = np.asarray(columns, dtype=float)
        if columns.ndim != 2 or columns.shape[0] != self.nu.size:
            raise ValueError(f"columns must be an array of shape ({self.nu.size}, units), got {columns.shape}")
        return float(np.abs(columns.T @ self.nu).max(initial=0.0))


def _library_correlation(library: Library, nu: np.ndarray) -> float:
    r"""$\max_j |a_j^\top\nu|$ over the whole library (``nu`` centred)."""
    if library.complete:
        return float(np.abs(library.A.T @ nu).max(initial=0.0))
    architecture = library.architecture
    if architecture.family.pricing is not None:
        return float(architecture.pricing(library.x)(nu)[0])
    if architecture.family.dictionary is not None:
        return float(np.abs(architecture.dictionary(library.x)[0].rmatvec(nu)).max())
    raise ValueError(
        f"{architecture.name} networks have no pricing of their whole library, so a minimum norm "
        "cannot be certified here; compare fits instead"
    )


def random_two_layer_units(
    x, activation: str | Activation, count: int = 10_000, seed: int = 0, slope: float = 0.01
) -> np.ndarray:
    r"""Columns $\sigma(\pm(x - t))$ at ``x`` of ``count`` random normalised two-layer units, kinks $t$
    anywhere in the data range enlarged by its length on each side: an oracle independent of the
    libraries, built from the neuron alone.

    Homogeneous units have first-layer weight $w = \pm1$ (a rescaled neuron is the same unit at
    another $|z|$); a symmetrized ReLU neuron $(w x + b)_+ + (-w x + b')_+$ also gets a random
    second kink; step units are $\sigma(\pm(x - t))$. ``slope`` is $\gamma$ for ``leaky_relu``.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    activation = get_activation(activation, slope)
    rng = np.random.default_rng(seed)
    lo, hi = float(x.min()), float(x.max())
    kinks = rng.uniform(2 * lo - hi, 2 * hi - lo, (count, 2))
    w = rng.choice([-1.0, 1.0], count)[:, None]
    if activation.bias_shape:
        b = np.stack([-w * kinks[:, :1], w * kinks[:, 1:]], axis=-1)
    else:
        b = -w * kinks[:, :1]
    return activation.neuron(w, x[None, :], b).T


def default_beta(beta: float | None, scale: Callable[[], float]) -> float:
    r"""``beta`` checked, or for ``None`` :data:`DEFAULT_RELATIVE_BETA` times $\beta_{\max}$ = ``scale()``
    (constant labels, $\beta_{\max} = 0$: every $\beta > 0$ gives the constant, and 1 is taken)."""
    if beta is not None:
        return check_beta(beta)
    top = scale()
    return DEFAULT_RELATIVE_BETA * top if top > 0 else 1.0


def fit(
    x,
    y,
    depth: int = 2,
    activation: str = "relu",
    beta: float | None = None,
    method: str = "auto",
    sample_weight=None,
    **options,
) -> Fit:
    r"""Globally optimal ``depth``-layer network of ``activation`` units for data ``(x, y)``.

    Solves the equivalent Lasso exactly (``beta = 0``: minimum-$\ell_1$ interpolation) and
    rebuilds the network. A number ``beta`` is absolute (in the units of $y^2$); the default
    ``None`` is relative to the data, :data:`DEFAULT_RELATIVE_BETA` $\cdot\,\beta_{\max}$
    (:meth:`~lmirrors.registry.Architecture.beta_max`), so that rescaling $x$ or $y$ rescales the
    network and nothing else. The $\beta$ used is ``Fit.beta``. ``options`` are the family's (:func:`lmirrors.architectures() <lmirrors.registry.architectures>`), e.g.
    ``slope`` for ``leaky_relu``, ``m1`` or ``widths`` for ``sign``. ``method``:

    * ``"library"``: write the library down and solve it (dense);
    * ``"matrix_free"``: solve on the matrix-free library, certified against every column;
    * ``"column_generation"``: price the library with its oracle, adding columns as needed;
    * ``"closed_form"``: the family's closed form where it applies (sign networks with every pattern);
    * ``"auto"`` (default): the closed form if it applies, else the dense library up to
      :data:`DENSE_LIMIT` entries (and the family's column limit; for ``beta > 0`` and a
      family with a matrix-free library up to :data:`WRITE_DOWN_LIMIT`), else matrix-free,
      else column generation.

    ``sample_weight`` (non-negative, one per point; zero leaves a point out) weighs the loss:
    $J = \tfrac12\sum_n w_n (f(x_n) - y_n)^2 + \text{penalty}_\beta$, solved by
    :data:`WEIGHTED_METHODS`. Repeated x may carry different labels: for ``beta > 0`` they merge
    into one point at their (weighted) mean label, weighted by their count (times their
    weights), which changes the loss by a constant only (:func:`~lmirrors.validation.merge_repeated`);
    ``solution.objective`` includes it, so it is $J$ on the data as given. ``beta = 0``
    interpolates those means (the weights matter only through them).

    Raises ``ValueError`` on bad input, saying what to change.
    """
    x, y = check_data(x, y)
    beta = None if beta is None else check_beta(beta)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    weights = None if sample_weight is None else check_weights(sample_weight, x.size, allow_zero=True)
    merged = None if weights is None else merge_repeated(x, y, weights)
    architecture = Architecture(depth, activation, **options)
    family = architecture.family
    if method == "auto" and merged is None and _closed_form_applies(architecture, x.size):
        method = "closed_form"  # it applies on the distinct x too: no sort to count them
    if merged is None and (method == "auto" or method in WEIGHTED_METHODS or beta == 0):
        merged = merge_repeated(x, y)  # the points these solve (repeated x merged)
    if method == "auto":
        method = automatic_method(architecture, merged.points, beta, distinct=True)
    if method not in family.methods:
        raise ValueError(
            f"{architecture.name} networks cannot be solved by method={method!r}; use one of {family.methods}"
        )
    points, labels, merged_weights = _solved_data(x, y, merged, weights, beta, method)
    if method == "closed_form":
        library, solution = _closed_form(architecture, points, labels, beta)
    elif method == "library":
        architecture.check_memory(points.size, np.unique(points).size, beta)
        candidates = family.candidates(architecture, np.unique(points))
        library = Library.from_candidates(architecture, points, candidates)
        beta = default_beta(beta, lambda: beta_max(library.A, labels, weights=merged_weights))
        rows = _sorted_rows(points)
        weights_sorted = None if merged_weights is None else merged_weights[rows]
        solution = solve(library.A[rows], labels[rows], beta, weights=weights_sorted)
    elif method == "matrix_free":
        library, solution = _matrix_free(architecture, points, labels, beta, merged_weights)
    else:
        library, solution = _column_generation(architecture, points, labels, beta)
    if merged_weights is not None:  # the loss of the merged points misses the spread within each x
        solution = replace(solution, objective=solution.objective + merged.constant)
    return Fit(x, y, solution.beta, library, solution, rebuild(library, solution), weights)


def _solved_data(x, y, merged, weights, beta: float, method: str):
    """The points, labels and weights :func:`fit` solves for: the data as given when nothing is
    repeated or weighted; the merged points, weighted, for ``beta > 0``; for ``beta = 0`` the merged
    points without weights (interpolating their weighted means ignores weights). The closed forms
    and column generation take repeated x as they are (their loss sums over the copies), no weights;
    for them, without weights and for ``beta > 0``, ``merged`` may be ``None`` (not computed)."""
    if beta == 0:
        repeated = merged.points.size < x.size
        return (merged.points, merged.labels, None) if repeated or weights is not None else (x, y, None)
    if weights is not None and method not in WEIGHTED_METHODS:
        raise ValueError(
            f"sample_weight needs method='library' or 'matrix_free' ({method!r} takes no weights); pass one "
            "of them if the family offers it, or, for integer weights, repeat each point that many times"
        )
    if weights is None and (method not in WEIGHTED_METHODS or merged.points.size == x.size):
        return x, y, None
    return merged.points, merged.labels, merged.weights


def fit_library(library: Library, y, beta: float, warm_start=None) -> Fit:
    """Like :func:`fit` on a library already built for ``library.x`` (reuse it across β or y).

    ``warm_start``: coefficients of an earlier solution on the same library, which seed the
    working-set solver (the answer is certified either way).
    """
    x, y = check_data(library.x, y)
    beta = check_beta(beta)
    solution = solve(library.A, y, beta, warm_start=warm_start)
    return Fit(x, y, beta, library, solution, rebuild(library, solution))


def rebuild(library: Library, solution: LassoSolution) -> Network:
    r"""The family's network for ``solution``, its fixed input map centred on the data:
    $x \mapsto x - c$, $c = (\min x + \max x)/2$ (:attr:`~lmirrors.networks.base.Network.input_shift`),
    so that its biases are of the data's spread, not of its offset."""
    centre = 0.5 * sum(library.bounds()) if library.x.size else 0.0
    return library.architecture.family.reconstruct(library, solution).centred(centre)


def automatic_method(
    architecture: Architecture, x: np.ndarray, beta: float | None = 0.0, distinct: bool = False
) -> str:
    """The ``method`` that ``method="auto"`` picks for this architecture on data ``x`` at ``beta``
    (the dense library up to :data:`DENSE_LIMIT` entries, for ``beta > 0`` and a family with a
    matrix-free library priced without a search only up to :data:`WRITE_DOWN_LIMIT`; ``None``: the default, positive, $\beta$).
    ``distinct``: no value of ``x`` is repeated (their count is then ``x.size``, without a sort)."""
    family, n = architecture.family, x.size if distinct else np.unique(x).size
    if family.closed_form is not None and (family.candidates is None or _closed_form_applies(architecture, n)):
        return "closed_form"
    if _writes_down(architecture, x.size, [architecture.size_formula(n)], beta) or len(family.methods) == 1:
        return "library"
    return "matrix_free" if family.dictionary is not None else "column_generation"


def _writes_down(architecture: Architecture, rows: int, sizes: list[int], beta: float | None) -> bool:
    """Whether ``method="auto"`` solves over the written-down library of ``rows`` points and blocks of
    ``sizes`` columns: up to :data:`DENSE_LIMIT` entries, and for ``beta > 0`` and a family priced
    without a search up to :data:`WRITE_DOWN_LIMIT` (beyond it, solving costs about as much as the writing)."""
    family = architecture.family
    priced_cheaply = family.dictionary is not None and not family.searched(architecture)
    limit = min(DENSE_LIMIT, WRITE_DOWN_LIMIT) if beta != 0 and priced_cheaply else DENSE_LIMIT
    return rows * sum(sizes) <= limit and (family.max_dense_columns is None or max(sizes) <= family.max_dense_columns)


def _closed_form_applies(architecture: Architecture, n: int) -> bool:
    """Whether the family's closed form applies on ``n`` distinct points (it then applies on fewer:
    :attr:`~lmirrors.registry.ClosedForm.applies`, so the number of data points settles it when it holds)."""
    closed_form = architecture.family.closed_form
    return closed_form is not None and closed_form.applies(architecture, n)


def _closed_form(architecture: Architecture, x, y, beta):
    closed_form = architecture.family.closed_form
    n = x.size if _closed_form_applies(architecture, x.size) else np.unique(x).size
    if not _closed_form_applies(architecture, n):
        raise ValueError(
            f"method='closed_form' does not apply to {architecture.name} on {n} distinct points: it needs "
            f"{closed_form.needs}; use method='auto'"
        )
    if beta is None:  # (a number was checked by fit)
        beta = default_beta(None, lambda: architecture.beta_max(x, y))
    return closed_form.solve(architecture, x, y, beta)


def _sorted_rows(x: np.ndarray) -> np.ndarray:
    """The rows of ``x`` in increasing order (stable). Every solver works on the data in this order,
    so that a tie between optimal solutions (deep libraries have many) is broken by the sorted data,
    never by the order the user's rows came in."""
    return np.argsort(x, kind="stable")


def _matrix_free(architecture: Architecture, x, y, beta, weights=None):
    r"""Solve on the matrix-free library (certified against every column); only the solution's
    columns are written down (``complete=False``; ``solution.z`` indexes those)."""
    rows = _sorted_rows(x)
    y, weights = y[rows], None if weights is None else weights[rows]
    dictionary, feature_of = architecture.family.dictionary(architecture, x[rows])
    beta = default_beta(beta, lambda: beta_max(dictionary, y, weights=weights))
    if beta == 0:
        raise ValueError(
            f"beta = 0 (minimum norm) needs the dense LP, and this library has {dictionary.shape[1]:,} columns "
            f"on {x.size:,} points; use {near_interpolation(dictionary, y)}"
        )
    support, sparse = solve_support(dictionary, y, beta, weights)
    library = _written_down(architecture, x, dictionary, feature_of, support, np.argsort(rows))
    method = f"{sparse.method} (matrix-free)"
    return library, LassoSolution(sparse.z, sparse.xi, beta, sparse.objective, sparse.gap, method)


def _written_down(
    architecture: Architecture, x, dictionary, feature_of, support: np.ndarray, rows: np.ndarray | None = None
) -> Library:
    """The library of the columns ``support`` of a matrix-free dictionary (``complete=False``),
    its $N \times |S|$ matrix written down when first asked for (no columns when beta >= beta_max);
    ``rows``: the dictionary's rows in the order of ``x`` (when it was built on ``x`` sorted)."""
    features = LazyFeatures(support, feature_of)
    every = slice(None) if rows is None else rows
    return DeferredLibrary(
        architecture, x, features, lambda: dictionary.columns(support)[every], dictionary.shape[1], "solved matrix-free"
    )


def _column_generation(architecture: Architecture, x, y, beta):
    """Column generation over the family's pricing oracle (``beta = 0`` starts from interpolating columns)."""
    rows = _sorted_rows(x)
    priced = architecture.family.pricing(architecture, x[rows])
    y = y[rows]
    beta = default_beta(beta, lambda: priced.oracle(y - y.mean())[0])
    result = column_generation.solve(y, beta, priced.oracle, initial=priced.interpolating() if beta == 0 else None)
    features = LazyFeatures(np.arange(result.columns.shape[1]), lambda k: priced.feature(result.columns[:, k]))
    size = architecture.size_formula(np.unique(x).size)
    columns = result.columns[np.argsort(rows)]
    library = Library(architecture, x, features, columns, size, False, "priced by column generation")
    return library, result.solution


def certificate(residual: np.ndarray, columns: np.ndarray, beta: float, weights=None) -> float:
    r"""$\max_j |a_j^\top (r - \bar r)| / \beta$ for the columns $a_j$ and a residual $r$: the dual
    constraint of the Lasso on those columns, at most 1 at an optimum that no column can improve
    (with ``weights``: $\max_j |a_j^\top (w \odot (r - \bar r_w))| / \beta$, $\bar r_w$ the weighted mean)."""
    residual = np.asarray(residual, dtype=float)
    if weights is None:
        centred = residual - np.mean(residual)
    else:
        weights = check_weights(weights, residual.size)
        centred = weights * (residual - weights @ residual / weights.sum())
    return float(np.abs(np.asarray(columns).T @ centred).max(initial=0.0) / beta)


@dataclass(frozen=True)
class FitPath:
    r"""The exact Lasso path of an architecture on data ``(x, y)``: every optimal network for
    $\beta$ from $\beta_{\max}$ down to ``path.betas[-1]`` (see :func:`fit_path`)."""

    architecture: Architecture
    x: np.ndarray
    y: np.ndarray
    path: LassoPath
    library: Library | None
    """The written-down library (``None`` when the path ran matrix-free)."""
    feature_of: Callable[[int], Any]
    """The feature of library column ``k``."""

    @property
    def breakpoints(self) -> np.ndarray:
        r"""The $\beta$ at which a neuron is born or dies (decreasing)."""
        return self.path.breakpoints

    def fit(self, beta: float) -> Fit:
        """The certified optimum at ``beta`` read off the path, with its network."""
        solution = self.path.solution(beta)
        if self.library is not None:
            library = self.library
        else:
            support = solution.support
            library = _written_down(self.architecture, self.x, self.path.A, self.feature_of, support)
            solution = replace(solution, z=solution.z[support], method=f"{solution.method} (matrix-free)")
        return Fit(self.x, self.y, beta, library, solution, rebuild(library, solution))

    def networks(self) -> list[Network]:
        r"""The optimal network at each breakpoint (the first, at $\beta_{\max}$, is the constant $\bar y$)."""
        return [self.fit(beta).network for beta in self.breakpoints]

    def lifetimes(self) -> list[tuple[int, float, float, int]]:
        r"""One entry per stretch of $\beta$ on which a column is active: (column, $\beta$ where it is
        born, $\beta$ where it dies, sign of its coefficient), largest $\beta$ first. A column
        still active at the end of the path dies at ``path.betas[-1]``."""
        alive: dict[int, tuple[float, int]] = {}
        spans = []
        for event in self.path.events:
            if event.kind == "enter":
                alive[event.column] = (event.beta, event.sign)
            elif event.column in alive:
                born, sign = alive.pop(event.column)
                spans.append((event.column, born, event.beta, sign))
        spans += [(column, born, float(self.path.betas[-1]), sign) for column, (born, sign) in alive.items()]
        return sorted(spans, key=lambda span: (-span[1], span[0]))


def fit_path(
    x, y, depth: int = 2, activation: str = "relu", beta_min: float | None = None, method: str = "auto", **options
) -> FitPath:
    r"""The exact regularisation path (:func:`~lmirrors.convex.homotopy.exact_path`) of a ``depth``-layer
    ``activation`` network: the breakpoints where neurons are born and die, and the optimal
    network at any $\beta \ge$ ``beta_min`` (default $10^{-3}\beta_{\max}$).

    ``method``: ``"library"`` (dense) or ``"matrix_free"``; ``"auto"`` picks as :func:`fit`
    does. Families solved only in closed form or by column generation have no path here.
    Raises ``ValueError`` on bad input, :class:`~lmirrors.convex.lasso.SolverError` where the
    homotopy cannot stay exact (nearly collinear active columns).
    """
    x, y = check_data(x, y)
    architecture = Architecture(depth, activation, **options)
    family = architecture.family
    if method == "auto":
        method = automatic_method(architecture, x)
    if method not in ("library", "matrix_free") or method not in family.methods:
        raise ValueError(
            f"the exact path needs the library written down or matrix-free; {architecture.name} with "
            f"method={method!r} has neither (its methods: {family.methods})"
        )
    if method == "library":
        library = Library.from_candidates(architecture, x, family.candidates(architecture, np.unique(x)))
        A, feature_of = library.A, library.features.__getitem__
    else:
        library = None
        A, feature_of = family.dictionary(architecture, x)
    return FitPath(architecture, x, y, exact_path(A, y, beta_min), library, feature_of)


@dataclass(frozen=True)
class PlanarFit(Fit):
    """A :class:`Fit` on 2-D data: ``x`` holds the points (shape (n, 2)), ``network`` is a
    :class:`~lmirrors.networks.planar.PlanarNetwork`."""

    def predict(self, x) -> np.ndarray:
        """The network's output at the points ``x`` (shape (n, 2))."""
        return self.network(x)

    @property
    def max_interpolation_error(self) -> float:
        r"""$\max_n |f(p_n) - y_n|$ over the points (planar data have no repeated points)."""
        return float(np.abs(self.predict(self.x) - self.y).max())

    def certificate(self, columns: np.ndarray) -> float:
        r"""$\max_j |a_j^\top r| / \beta$ over ``columns`` (e.g. :func:`~lmirrors.libraries.planar.random_units`),
        $r$ the centred residual: at most 1 when no unit among them could lower the objective."""
        return certificate(self.y - self.solution.xi - self.library.A @ self.solution.z, columns, self.beta)


def fit_planar(X, y, beta: float | None = None, activation: str = "relu", norm: str = "l1") -> PlanarFit:
    r"""Globally optimal two-layer ``activation`` network on points ``X`` (shape (n, 2)), certified.

    ``norm="l1"`` (penalty $\tfrac\beta2(a^2 + \|w\|_1^2)$): the finite library of kink lines
    through pairs of data points and axis-parallel lines through one point, solved densely.
    ``norm="l2"`` (weight decay): the group Lasso over the cones of directions
    (:func:`~lmirrors.convex.cones.cone_group_lasso` on :class:`~lmirrors.libraries.planar.Cones`)
    gives near-optimal units; column generation from them (and the pair library), priced
    exactly by :class:`~lmirrors.libraries.planar.CirclePricing`, certifies the duality gap
    against every unit. ``beta = 0``: minimum-norm interpolation; ``None`` (default):
    :data:`DEFAULT_RELATIVE_BETA` times $\beta_{\max}$ over every unit. Raises ``ValueError`` on bad input.
    """
    X, y = check_planar_data(X, y)
    architecture = PlanarArchitecture.make(activation, norm)
    pairs = architecture.library(X)
    if norm == "l1":
        return fit_planar_library(pairs, y, default_beta(beta, lambda: beta_max(pairs.A, y)))
    cones = architecture.cones(X)
    pricing = CirclePricing(cones)
    beta = default_beta(beta, lambda: pricing(y - y.mean())[0])
    seeds = [feature for U in cone_group_lasso(cones.M, cones.inward, y, beta) for feature, _ in cones.features(U)]
    initial = np.column_stack([*(feature(X) for feature in seeds), pairs.A])
    result = column_generation.solve(y, beta, pricing, initial=initial)

    def feature(k: int):
        if k < len(seeds):
            return seeds[k]
        if k < initial.shape[1]:
            return pairs.features[k - len(seeds)]
        return pricing.feature(result.columns[:, k])

    features = LazyFeatures(np.arange(result.columns.shape[1]), feature)
    how = "cones of directions, every unit priced exactly (column generation)"
    library = Library(architecture, X, features, result.columns, 0, False, how)
    return PlanarFit(X, y, beta, library, result.solution, planar_network(library, result.solution))


def fit_planar_library(library: Library, y, beta: float) -> PlanarFit:
    """The certified Lasso optimum over a written-down planar library (e.g. part of one,
    ``PlanarArchitecture.library(X, kinds=("pair",))``), and its network. Optimal for the
    network only when the library is complete (:func:`fit_planar` with ``norm="l1"``)."""
    X, y = check_planar_data(library.x, y)
    beta = check_beta(beta)
    solution = solve(library.A, y, beta)
    return PlanarFit(X, y, beta, library, solution, planar_network(library, solution))


@dataclass(frozen=True)
class AdditiveFit:
    r"""A certified global optimum of an additive network (one 1-D network per column of ``X``).

    ``solution`` is the stacked Lasso's (coefficients over the columns written down in the
    :class:`~lmirrors.libraries.additive.AdditiveLibrary`) and ``network`` the
    :class:`~lmirrors.networks.additive.AdditiveNetwork` rebuilt from it.
    """

    X: np.ndarray
    y: np.ndarray
    beta: float
    library: AdditiveLibrary
    solution: LassoSolution
    network: AdditiveNetwork
    sample_weight: np.ndarray | None = None

    @property
    def architecture(self) -> Architecture:
        return self.library.architecture

    def __getstate__(self) -> dict:
        """The fields, each feature's library and its block of ``solution.z`` cut to the solution's columns
        (as :meth:`Fit.__getstate__`)."""
        kept = [
            kept_columns(part, z)
            for part, z in zip(self.library.libraries, self.library.split(self.solution.z), strict=True)
        ]
        solution = replace(self.solution, z=np.concatenate([z for _, z in kept]))
        return {**self.__dict__, "library": AdditiveLibrary([part for part, _ in kept]), "solution": solution}

    def predict(self, X) -> np.ndarray:
        r"""$f(X) = \xi + \sum_j g_j(X_{:,j})$ at the rows of ``X`` (shape (n, d))."""
        return self.network(X)

    @property
    def network_objective(self) -> float:
        r"""$J$ of the rebuilt additive network, weighted by ``sample_weight`` (for ``beta = 0``: its
        weight penalty at $\beta = 1$)."""
        if self.beta == 0:
            return self.network.penalty(1.0)
        if self.sample_weight is None:
            return self.network.objective(self.X, self.y, self.beta)
        r = self.predict(self.X) - self.y
        return float(0.5 * (self.sample_weight * r) @ r) + self.network.penalty(self.beta)

    def certificate(self, columns: np.ndarray) -> float:
        r"""$\max_j |a_j^\top r| / \beta$ over ``columns`` (e.g. :func:`~lmirrors.libraries.additive.random_units`),
        $r$ the centred residual: at most 1 when no unit among them could lower the objective."""
        return certificate(self.y - self.predict(self.X), columns, self.beta, self.sample_weight)

    def summary(self) -> str:
        return (
            f"{self.library.summary()}\nbeta = {self.beta:g}: Lasso objective {self.solution.objective:.10g} "
            f"(duality gap {self.solution.gap:.1e}), network objective {self.network_objective:.10g}\n"
            f"{self.network.describe()}"
        )


def fit_additive(
    X,
    y,
    depth: int = 2,
    activation: str = "relu",
    beta: float | None = None,
    method: str = "auto",
    sample_weight=None,
    **options,
) -> AdditiveFit:
    r"""Globally optimal additive network: one ``depth``-layer ``activation`` network per column of ``X``.

    Training $J(\theta) = \tfrac12\|\xi + \sum_j g_j(X_{:,j}) - y\|^2 + \sum_j
    \text{penalty}_\beta(g_j)$ is the Lasso over the per-feature libraries side by side with
    one shared bias, $\min \tfrac12\|\sum_j A_j z_j + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$,
    solved with a duality-gap certificate. ``method``: ``"library"`` (the stacked matrix, dense),
    ``"matrix_free"`` (a :class:`~lmirrors.convex.dictionary.BlockDictionary` over the families'
    matrix-free libraries) or ``"auto"`` (as :func:`automatic_method`: dense up to :data:`DENSE_LIMIT`
    entries, and for ``beta > 0`` up to :data:`WRITE_DOWN_LIMIT` when every block is priced cheaply). ``beta``,
    ``options`` and ``sample_weight`` (weights of the squared loss, on the rows as given) as for
    :func:`fit` (default :data:`DEFAULT_RELATIVE_BETA` times :func:`additive_beta_max`).
    Raises ``ValueError`` on bad input or a family without a fixed library.
    """
    X, y = _check_table(X, y)
    beta = None if beta is None else check_beta(beta)
    weights = None if sample_weight is None else check_weights(sample_weight, y.size, allow_zero=True)
    if weights is not None and not weights.all():  # a row of weight zero is not in the loss at all
        kept = weights > 0
        additive = fit_additive(X[kept], y[kept], depth, activation, beta, method, weights[kept], **options)
        return replace(additive, X=X, y=y, sample_weight=weights)
    rows = np.lexsort(X.T[::-1])  # as in fit: ties between optima broken by the sorted rows, not their input order
    if np.any(rows != np.arange(rows.size)):
        sorted_weights = None if weights is None else weights[rows]
        additive = fit_additive(X[rows], y[rows], depth, activation, beta, method, sorted_weights, **options)
        return replace(additive, X=X, y=y, sample_weight=weights)
    architecture = Architecture(depth, activation, **options)
    family = architecture.family
    if method == "auto":
        sizes = [architecture.size_formula(np.unique(column).size) for column in X.T]
        small = _writes_down(architecture, X.shape[0], sizes, beta)
        method = "library" if small or family.dictionary is None else "matrix_free"
    offered = [m for m in ("library", "matrix_free") if m in family.methods]
    if method not in offered:
        raise ValueError(
            f"additive {architecture.name} networks cannot be solved by method={method!r}; "
            + (f"use one of {offered}" if offered else "this family has no fixed library to stack")
        )
    if method == "library":
        library = AdditiveLibrary([architecture.library(column) for column in X.T])
        beta = default_beta(beta, lambda: beta_max(library.A, y, weights=weights))
        solution = solve(library.A, y, beta, weights=weights)
        parts = library.split(solution.z)
    else:
        # a constant feature has no non-constant unit: an empty block
        pairs = [
            architecture.dictionary(column) if np.ptp(column) > 0 else (DenseDictionary(np.zeros((y.size, 0))), None)
            for column in X.T
        ]
        blocks = BlockDictionary([dictionary for dictionary, _ in pairs])
        if beta == 0:
            raise ValueError(f"beta = 0 (minimum norm) needs method='library'; use {near_interpolation(blocks, y)}")
        beta = default_beta(beta, lambda: beta_max(blocks, y, weights=weights))
        full = solve(blocks, y, beta, weights=weights)
        blocks_z = [full.z[a:b] for a, b in zip(blocks.offsets[:-1], blocks.offsets[1:], strict=True)]
        supports = [np.flatnonzero(z) for z in blocks_z]
        library = AdditiveLibrary(
            [
                _written_down(architecture, column, dictionary, feature_of, support)
                for column, (dictionary, feature_of), support in zip(X.T, pairs, supports, strict=True)
            ]
        )
        parts = [z[support] for z, support in zip(blocks_z, supports, strict=True)]
        solution = LassoSolution(
            np.concatenate(parts), full.xi, beta, full.objective, full.gap, f"{full.method} (matrix-free)"
        )
    # each block rebuilt alone; a constant it carries (step units on levels 0/1) joins the shared bias
    networks = [
        family.reconstruct(part_library, replace(solution, z=z, xi=0.0))
        for part_library, z in zip(library.libraries, parts, strict=True)
    ]
    xi = solution.xi + sum(network.xi for network in networks)
    network = AdditiveNetwork([replace(n, xi=0.0) for n in networks], xi)
    return AdditiveFit(X, y, beta, library, solution, network, weights)


def additive_beta_max(X, y, depth: int = 2, activation: str = "relu", **options) -> float:
    r"""$\beta_{\max} = \max_j \|A_j^\top (y - \bar y)\|_\infty$ over the per-feature libraries: the
    smallest $\beta$ at which :func:`fit_additive` returns the constant $\bar y$ (a scale for a grid of $\beta$)."""
    X, y = _check_table(X, y)
    architecture = Architecture(depth, activation, **options)
    varying = [column for column in X.T if np.ptp(column) > 0]
    if not varying:
        return 0.0
    blocks = BlockDictionary([architecture.dictionary(column)[0] for column in varying])
    return beta_max(blocks, y)


def _check_table(X, y) -> tuple[np.ndarray, np.ndarray]:
    """A finite float table ``X`` of shape (n, d) with n >= 2 and labels ``y`` of length n."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X must be numeric; could not convert it to floats ({exc})") from exc
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(f"X must be a table of shape (n, d) with d >= 1, one column per feature; got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values; remove or impute them first")
    y = as_1d(y, "y")
    if y.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.size} labels; give one label per row")
    if X.shape[0] < MIN_POINTS:
        raise ValueError(f"need at least {MIN_POINTS} rows, got {X.shape[0]} sample(s); one row is fit by the bias")
    return X, y
