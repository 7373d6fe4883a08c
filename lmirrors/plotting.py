"""Figures: feature galleries, fitted networks, regularisation paths and training curves
(and, for 2-D data, kink lines and fitted surfaces in the plane).

Every chapter calls :func:`book_style` once and draws data with :func:`plot_data`, so the
book's figures share one look: same resolution, no top and right spines, data as black dots.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from .fitting import Fit, FitPath, PlanarFit, fit
from .libraries.library import Library
from .libraries.planar import distinct_lines
from .registry import Architecture

if TYPE_CHECKING:
    from .networks.base import Network
    from .training import TrainingResult

BOOK_STYLE = {
    "figure.dpi": 110,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
}
"""Matplotlib settings of every figure of the book (:func:`book_style`)."""
DATA_STYLE = {"color": "black", "zorder": 5, "s": 20, "label": "data"}
"""How data points are drawn (:func:`plot_data`)."""
NETWORK_COLOURS = ("C3", "C0", "C2", "C4", "C1")
"""Colours of the networks drawn together (:func:`animate_path`); the first is :func:`plot_fit`'s."""


def book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib (once per chapter)."""
    plt.rcParams.update(BOOK_STYLE)


def plot_data(ax: plt.Axes, x, y, **style) -> None:
    """The data points, in the book's one style (:data:`DATA_STYLE`; ``style`` overrides it)."""
    ax.scatter(x, y, **{**DATA_STYLE, **style})


def plotting_grid(x, margin: float = 0.15, n: int = 600) -> np.ndarray:
    """Dense points covering the data range plus a margin on each side."""
    lo, hi = float(np.min(x)), float(np.max(x))
    pad = margin * (hi - lo)
    return np.linspace(lo - pad, hi + pad, n)


def plot_feature_gallery(library: Library, ncols: int = 6, size: float = 1.7) -> plt.Figure:
    """Small multiples: every feature of the library over the data range, data x marked."""
    k = library.size
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, 0.8 * size * nrows), squeeze=False)
    grid = plotting_grid(library.x)
    for ax, feature in zip(axes.flat, library.features, strict=False):
        ax.plot(grid, feature(grid), color="C0")
        ax.scatter(library.x, feature(library.x), color="black", s=8, zorder=5)
        ax.set_title(feature.label, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    fig.suptitle(library.summary(), fontsize=9)
    fig.tight_layout()
    return fig


def plot_breakpoints(ax: plt.Axes, network: Network, color: str = NETWORK_COLOURS[0]) -> None:
    """Thin vertical lines at the network's kinks or thresholds (``network.breakpoints()``)."""
    for t in network.breakpoints():
        ax.axvline(t, color=color, lw=0.6, alpha=0.5)


def plot_fit(
    result: Fit, ax: plt.Axes | None = None, contributions: bool = True, breakpoints: bool = False
) -> plt.Axes:
    """Data, the reconstructed network, and each selected feature's contribution $z_k a_k(x)$
    (``breakpoints``: the network's kinks or thresholds as thin lines, :func:`plot_breakpoints`)."""
    ax = ax or plt.subplots(figsize=(6, 3.6))[1]
    grid = plotting_grid(result.x)
    ax.plot(grid, result.predict(grid), color=NETWORK_COLOURS[0], lw=2, label="network = Lasso model")
    if breakpoints:
        plot_breakpoints(ax, result.network)
    if contributions:
        for i, chosen in enumerate(result.selected()):
            ax.plot(
                grid,
                chosen.z * chosen.feature(grid),
                ls="--",
                lw=1,
                color=f"C{i % 10}",
                alpha=0.8,
                label=f"{chosen.z:+.3g} · {chosen.label}",
            )
    plot_data(ax, result.x, result.y)
    beta = "minimum norm" if result.beta == 0 else f"β = {result.beta:g}"
    ax.set_title(f"{result.architecture.name}, {beta}", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    return ax


def plot_kink_path(fits: list[Fit], ax: plt.Axes | None = None, top: int = 8) -> plt.Axes:
    r"""Slope change of the optimal network at every data point, against $\beta$ (log scale).

    Unlike the coefficients $z$, which need not be unique (e.g. $(x-t)_+ - (t-x)_+$ is
    linear), the fitted values of a Lasso are unique, and so are these kinks (exact, from
    :meth:`~lmirrors.networks.parallel.ParallelNetwork.slope_changes`).
    """
    ax = ax or plt.subplots(figsize=(6, 3.6))[1]
    betas = np.array([f.beta for f in fits])
    points = np.unique(fits[0].x)
    kinks = np.array([f.network.slope_changes(points) for f in fits])
    order = np.argsort(-np.abs(kinks).max(axis=0))
    for rank, n in enumerate(order):
        labelled = rank < top
        ax.plot(betas, kinks[:, n], lw=1.4 if labelled else 0.7, label=f"x = {points[n]:.3g}" if labelled else None)
    ax.set_xscale("log")
    ax.set_xlabel("β")
    ax.set_ylabel("slope change at the data point")
    ax.axhline(0, color="grey", lw=0.5)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="kink at", title_fontsize=7)
    return ax


def plot_lifetimes(result: FitPath, ax: plt.Axes | None = None) -> plt.Axes:
    r"""Where each neuron is born and dies along $\beta$ (log scale): one horizontal segment per
    stretch on which a library column is active, at the height of its kink (a column with several
    kinks at its first one; units facing left, $\sigma(t - x)$, slightly higher), red for $z > 0$
    and blue for $z < 0$; ``▶`` marks the birth of a unit facing right ($\sigma(x - t)$), ``◀``
    of one facing left, ``|`` a death before the end of the path. Births and deaths are the path's breakpoints
    (:meth:`~lmirrors.fitting.FitPath.lifetimes`).
    """
    ax = ax or plt.subplots(figsize=(6, 3.6))[1]
    end = float(result.path.betas[-1])
    shift = 0.015 * float(np.ptp(result.x))  # units facing left sit a little higher
    for column, born, dies, sign in result.lifetimes():
        feature = result.feature_of(column)
        t = feature.breakpoints[0] + (shift if feature.signs[0] < 0 else 0.0)
        colour = "C3" if sign > 0 else "C0"
        ax.plot([dies, born], [t, t], color=colour, lw=2.2, solid_capstyle="butt")
        ax.plot([born], [t], marker=">" if feature.signs[0] > 0 else "<", color=colour, ms=5)
        if dies > end:
            ax.plot([dies], [t], marker="|", color=colour, ms=8)
    for beta in result.breakpoints:
        ax.axvline(beta, color="grey", lw=0.3, zorder=0)
    ax.set_xscale("log")
    ax.set_xlim(end, result.breakpoints[0] * 1.3)
    ax.set_xlabel("β (log scale; the path runs from right to left)")
    ax.set_ylabel("kink t of the neuron")
    for x in np.unique(result.x):
        ax.axhline(x, color="grey", lw=0.3, ls=":", zorder=0)
    ax.plot([], [], color="C3", lw=2.2, label="z > 0")
    ax.plot([], [], color="C0", lw=2.2, label="z < 0")
    ax.plot([], [], ls="", marker=">", color="grey", label="σ(x − t), born")
    ax.plot([], [], ls="", marker="<", color="grey", label="σ(t − x), born")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"{result.architecture.name}: {result.breakpoints.size} breakpoints", fontsize=10)
    return ax


def animate_path(
    x,
    y,
    betas,
    depth: int = 2,
    activation: str = "relu",
    *,
    compare: Sequence[Architecture] = (),
    reference: Callable[[float], Sequence[np.ndarray]] | None = None,
    caption: Callable[[float], str] | None = None,
    **options,
) -> FuncAnimation:
    r"""An animation of the optimal network as $\beta$ sweeps ``betas`` (``.to_jshtml()`` for HTML).

    Each frame draws the data (:func:`plot_data`), the certified optimum of
    ``Architecture(depth, activation, **options)`` and of every architecture in ``compare``
    (one colour each, :data:`NETWORK_COLOURS`) with their breakpoints (:func:`plot_breakpoints`).
    ``reference(beta)`` returns fitted values at ``x`` known otherwise (e.g. a closed form), drawn
    as black dashes at the data; ``caption(beta)`` is appended to the frame's title.
    """
    architectures = [Architecture(depth, activation, **options), *compare]
    paths = [[fit(x, y, a.depth, a.activation.name, b, **a.options) for b in betas] for a in architectures]
    data = paths[0][0]
    grid = plotting_grid(data.x)
    curves = [[f.predict(grid) for f in path] for path in paths]
    references = [[np.asarray(v, dtype=float) for v in (reference(f.beta) if reference else ())] for f in paths[0]]
    values = [data.y, *(v for curve in curves for v in curve), *(v for frame in references for v in frame)]
    lo, hi = min(np.min(v) for v in values), max(np.max(v) for v in values)
    several = len(paths) > 1
    fig, ax = plt.subplots(figsize=(6.5, 4.2) if several else (6, 3.6))
    if several:
        fig.subplots_adjust(bottom=0.27)

    def draw(frame: int) -> None:
        ax.clear()
        for k, (path, curve) in enumerate(zip(paths, curves, strict=True)):
            result, colour = path[frame], NETWORK_COLOURS[k % len(NETWORK_COLOURS)]
            n_features = len(result.selected())
            summary = f"{n_features} feature{'s' * (n_features != 1)}, objective {result.solution.objective:.4g}"
            ax.plot(grid, curve[frame], color=colour, lw=2, alpha=0.85, label=f"{result.architecture.name}: {summary}")
            plot_breakpoints(ax, result.network, colour)
        for v in references[frame]:
            ax.plot(data.x, v, ls="", marker="_", color="black", ms=9, mew=1.2, zorder=6)
        plot_data(ax, data.x, data.y)
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        beta = paths[0][frame].beta
        title = f"β = {beta:.3g}" if several else f"{result.architecture.name}, β = {beta:.3g}: {summary}"
        ax.set_title(title + (f"; {caption(beta)}" if caption else ""), fontsize=9)
        if several:
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1))

    animation = FuncAnimation(fig, draw, frames=len(betas), interval=250)
    plt.close(fig)
    return animation


def plot_training(result: TrainingResult, optimum: float, ax: plt.Axes | None = None) -> plt.Axes:
    """Best Adam objective minus the convex optimum, per step (log scale)."""
    ax = ax or plt.subplots(figsize=(6, 3.2))[1]
    excess = np.maximum(result.history - optimum, 1e-16)
    ax.semilogy(excess, color="C1")
    ax.set_xlabel("Adam step")
    ax.set_ylabel("J(θ) − Lasso optimum")
    ax.set_title(
        f"best of {result.restart_objectives.size} restarts: final excess {result.objective - optimum:.2e}", fontsize=9
    )
    return ax


def data_box(X, margin: float = 0.1) -> tuple[float, float, float, float]:
    """``(x1 min, x1 max, x2 min, x2 max)`` of points ``X`` (shape (n, 2)), widened by ``margin`` of each side."""
    X = np.asarray(X, dtype=float)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-12)
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])


def line_in_box(w, b: float, box: tuple[float, float, float, float]) -> np.ndarray | None:
    """End points (2 × 2) of the segment of the line $w^\top x + b = 0$ inside ``box``, or None if it misses it."""
    x0, x1, y0, y1 = box
    hits = []
    if w[1] != 0:
        hits += [(x, -(b + w[0] * x) / w[1]) for x in (x0, x1)]
    if w[0] != 0:
        hits += [(-(b + w[1] * y) / w[0], y) for y in (y0, y1)]
    tol = 1e-9 * max(x1 - x0, y1 - y0)
    inside = np.array([h for h in hits if x0 - tol <= h[0] <= x1 + tol and y0 - tol <= h[1] <= y1 + tol])
    if len(inside) < 2:
        return None
    along = inside @ np.array([-w[1], w[0]])
    return inside[[np.argmin(along), np.argmax(along)]]


def plot_lines(ax: plt.Axes, lines, box: tuple[float, float, float, float], **style) -> None:
    """The lines $w_1 x_1 + w_2 x_2 + b = 0$ (rows of ``lines``) clipped to ``box``."""
    for w1, w2, b in np.asarray(lines, dtype=float).reshape(-1, 3):
        segment = line_in_box((w1, w2), b, box)
        if segment is not None:
            ax.plot(segment[:, 0], segment[:, 1], **style)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])


def plot_planar_library(library: Library, ax: plt.Axes | None = None) -> plt.Axes:
    """Every feature's kink line in the plane: through two data points (solid), parallel to an axis
    through one (dashed); the data points on top (:func:`plot_data`)."""
    ax = ax or plt.subplots(figsize=(4.6, 4.2))[1]
    box = data_box(library.x)
    styles = {"pair": {"color": "C0", "lw": 0.6, "alpha": 0.6}, "axis": {"color": "C1", "lw": 0.8, "ls": "--"}}
    for kind, style in styles.items():
        lines = distinct_lines([f.breakpoints for f in library.features if f.kind == kind])
        plot_lines(ax, lines, box, **style)
        ax.plot(
            [], [], **style, label=f"{len(lines)} lines {'through two points' if kind == 'pair' else 'along an axis'}"
        )
    plot_data(ax, library.x[:, 0], library.x[:, 1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14))
    return ax


def plot_planar_fit(result: PlanarFit, ax: plt.Axes | None = None, n: int = 200, levels: int = 14) -> plt.Axes:
    """The fitted surface as filled contours, the network's kink lines (white) and the data points."""
    ax = ax or plt.subplots(figsize=(4.8, 4.2))[1]
    box = data_box(result.x)
    g1, g2 = np.meshgrid(np.linspace(box[0], box[1], n), np.linspace(box[2], box[3], n))
    surface = result.predict(np.column_stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
    filled = ax.contourf(g1, g2, surface, levels=levels, cmap="viridis")
    ax.figure.colorbar(filled, ax=ax, shrink=0.8, label="f(x)")
    plot_lines(ax, result.network.breakpoints(), box, color="white", lw=1.1)
    plot_data(ax, result.x[:, 0], result.x[:, 1])
    beta = "minimum norm" if result.beta == 0 else f"β = {result.beta:.3g}"
    ax.set_title(f"{result.architecture.name}\n{beta}: {result.network.width} units", fontsize=9)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal")
    return ax


def partial_dependence_curves(model, X, n: int = 100) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Per feature $j$ of a fitted :class:`~lmirrors.estimator.MirrorRegressor`: a grid $t$ over the
    range of $X_{:,j}$ and the partial dependence at it,

    $$ \mathrm{pd}_j(t) = \frac1n\sum_{i=1}^n f(X_i \text{ with } X_{ij} = t)
       = g_j(t) - \frac1n\sum_i g_j(X_{ij}) + \frac1n\sum_i f(X_i), $$

    exact because the network is additive (its shape function $g_j$ plus a constant)."""
    mean_prediction = float(np.mean(model.predict(X)))
    X = np.asarray(X, dtype=float)
    curves = []
    for j, network in enumerate(model.shape_networks_):
        grid = np.linspace(X[:, j].min(), X[:, j].max(), n)
        curves.append((grid, network(grid) - float(np.mean(network(X[:, j]))) + mean_prediction))
    return curves


def plot_shapes(model, X, ncols: int = 4, n: int = 100, size: float = 2.3) -> plt.Figure:
    """Small multiples of a fitted :class:`~lmirrors.estimator.MirrorRegressor`'s shape functions, as
    partial-dependence plots (:func:`partial_dependence_curves`), with the data of each feature
    as a rug; titles are ``feature_names_in_`` when the model has them."""
    curves = partial_dependence_curves(model, X, n)
    X = np.asarray(X, dtype=float)
    names = getattr(model, "feature_names_in_", [f"x{j}" for j in range(len(curves))])
    ncols = min(ncols, len(curves))
    nrows = -(-len(curves) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, 0.8 * size * nrows), sharey=True, squeeze=False)
    for ax, (grid, curve), name, column in zip(axes.flat, curves, names, X.T, strict=False):
        ax.plot(grid, curve, color=NETWORK_COLOURS[0], label="network")
        ax.plot(column, np.zeros_like(column), "|", color="black", alpha=0.3, transform=ax.get_xaxis_transform())
        ax.set_title(str(name))
    for ax in axes.flat[len(curves) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("partial dependence")
    fig.tight_layout()
    return fig
