r"""Kernel-free interactive figures: a $\beta$ slider over precomputed certified optima.

The static book has no Python kernel, so every state a reader can reach is solved while the
chapter executes and shipped in the page as a plotly figure (JSON): a slider step per
$\beta$, a curve per architecture, the curve's kinks marked, and the Lasso objective and
number of units of each answer in the title. Moving the slider only swaps precomputed arrays
in the browser; clicking a legend entry hides an architecture. With ``menu=True`` a row of
buttons shows one architecture at a time (all of them follow the slider, so switching keeps
$\beta$). With ``path=True`` the $\beta$ grid also holds every breakpoint of each
architecture's exact Lasso path (:func:`lmirrors.fit_path`) in its range, so every birth and
death of a neuron is a state; those steps are marked by a dot on the slider.

Curves are exact, not sampled: every network here is piecewise linear (or piecewise
constant) between its breakpoints $t_1 < \dots < t_K$, so on each piece $[t_k, t_{k+1}]$ it is
determined by two interior values, and the drawn polyline through the one-sided limits
$f(t_k^+)$, $f(t_{k+1}^-)$ is the network itself (jumps of sign units appear as vertical
segments).

plotly.js is vendored into the built book (``_static/plotly/plotly.min.js``, from the npm
package ``plotly.js-basic-dist-min``: scatter traces only, 1.1 MB) and loaded by the figure's
own script, through RequireJS when the page has it (pages with ipywidgets do), so the pages
work offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count

import numpy as np

from .convex.lasso import SolverError
from .fitting import Fit, automatic_method, fit, fit_path
from .networks.base import Network
from .registry import Architecture
from .validation import check_data

PLOTLY_SCRIPT = "../_static/plotly/plotly.min.js"
"""Where a chapter page (``executed/*.html``) finds the vendored plotly.js."""

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")

_figure_ids = count()


def exact_polyline(network: Network, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Points whose polyline is exactly ``network`` on $[lo, hi]$.

    On each piece between consecutive breakpoints the network is affine; its values at the
    thirds of the piece give the one-sided limits at both ends by linear extrapolation.
    """
    inside = [t for t in network.breakpoints() if lo < t < hi]
    ends = np.array([lo, *inside, hi], dtype=float)
    a, b = ends[:-1], ends[1:]
    p, q = a + (b - a) / 3, a + 2 * (b - a) / 3
    fp, fq = network(p), network(q)
    slope = (fq - fp) / (q - p)
    left, right = fp - slope * (p - a), fq + slope * (b - q)
    xs = np.column_stack([a, b]).ravel()
    ys = np.column_stack([left, right]).ravel()
    keep = np.ones(len(xs), dtype=bool)  # drop the duplicate point where the network is continuous
    keep[2::2] = ~np.isclose(ys[2::2], ys[1:-1:2], rtol=1e-12, atol=1e-12 * max(1.0, np.abs(ys).max()))
    return xs[keep], ys[keep]


@dataclass(frozen=True)
class Curve:
    """One architecture on the slider: a legend name and the keyword arguments of :func:`lmirrors.fit`."""

    name: str
    options: dict


@dataclass
class SliderFigure:
    """A plotly figure (``figure``: its JSON ``data`` and ``layout``) with the fits behind it.

    ``fits[i][j]`` is the certified fit of curve ``j`` at slider step ``i``.
    """

    figure: dict
    betas: np.ndarray
    fits: list[list[Fit]]

    def html(self, script: str = PLOTLY_SCRIPT) -> str:
        """A ``<div>`` and the script that draws the figure into it once plotly.js is loaded."""
        div = f"lmirrors-figure-{next(_figure_ids)}"
        spec = json.dumps(self.figure, separators=(",", ":"))
        return (
            f'<div id="{div}" class="lmirrors-interactive" style="width:100%;height:480px"></div>\n'
            "<script>(function () {\n"
            f"  var figure = {spec};\n"
            "  var draw = function (Plotly) {\n"
            f'    Plotly.newPlot("{div}", figure.data, figure.layout, {{responsive: true, displaylogo: false}});\n'
            "  };\n"
            "  if (window.Plotly) { draw(window.Plotly); return; }\n"
            "  if (typeof window.requirejs === 'function') {\n"
            f"    window.requirejs.config({{paths: {{plotly: '{script.removesuffix('.js')}'}}}});\n"
            "    window.requirejs(['plotly'], draw);\n"
            "    return;\n"
            "  }\n"
            "  window.lmirrorsPlotly = window.lmirrorsPlotly || new Promise(function (resolve) {\n"
            "    var tag = document.createElement('script');\n"
            f"    tag.src = '{script}';\n"
            "    tag.onload = function () { resolve(window.Plotly); };\n"
            "    tag.onerror = function () {\n"
            f"      document.getElementById('{div}').textContent = 'plotly.js not found at {script}: '\n"
            "        + 'this figure is drawn in the built book; in JupyterLab use the explorer (lmirrors.widgets).';\n"
            "    };\n"
            "    document.head.appendChild(tag);\n"
            "  });\n"
            "  window.lmirrorsPlotly.then(draw);\n"
            "})();</script>"
        )

    def _repr_html_(self) -> str:
        return self.html()


def path_breakpoints(
    x, y, beta_min: float | None = None, depth: int = 2, activation: str = "relu", **options
) -> np.ndarray | None:
    r"""The $\beta$ (decreasing, down to ``beta_min``) where a neuron of the exact Lasso path
    (:func:`lmirrors.fit_path`) of the ``depth``-layer ``activation`` network is born or dies;
    ``None`` where the family is solved without a written-down or matrix-free library (no
    exact path) or the homotopy cannot stay exact on these data. Bad options raise ``ValueError``."""
    architecture = Architecture(depth, activation, **options)
    method = automatic_method(architecture, check_data(x, y)[0])
    if method not in ("library", "matrix_free") or method not in architecture.family.methods:
        return None
    try:
        return fit_path(x, y, depth, activation, beta_min, **options).breakpoints
    except SolverError:
        return None


def _with_breakpoints(betas: np.ndarray, marks: Sequence[tuple[str, np.ndarray]]) -> tuple[np.ndarray, list[list[str]]]:
    """The grid joined with every breakpoint inside its range, in the grid's order, and for
    each $\beta$ the names whose breakpoint it is. A breakpoint within a relative $10^{-9}$ of
    a grid point replaces it; within that of an earlier curve's breakpoint, it shares that state."""
    lo, hi = betas.min(), betas.max()
    points = {float(b): [] for b in betas}
    for name, breakpoints in marks:
        for b in breakpoints[(breakpoints >= lo * (1 - 1e-9)) & (breakpoints <= hi * (1 + 1e-9))]:
            near = [g for g in points if abs(g - b) <= 1e-9 * max(abs(b), 1e-300)]
            if near and not points[near[0]]:  # a grid point: the breakpoint takes its place
                points[float(b)] = points.pop(near[0])
            elif near:  # another curve's breakpoint: share its state
                b = near[0]
            points.setdefault(float(b), []).append(name)
    grid = np.array(sorted(points, reverse=bool(betas[0] > betas[-1])))
    return grid, [points[float(b)] for b in grid]


def _parts(names: Sequence[str], fits: Sequence[Fit]) -> list[str]:
    return [f"{name}: J = {f.solution.objective:.4g}, {len(f.solution.support)} units" for name, f in zip(names, fits)]


def _head(beta: float, note: str, born: Sequence[str]) -> str:
    notes = [note] if note else []
    if born:
        notes.append(f"a neuron is born or dies here on the path of {', '.join(born)}")
    return f"β = {beta:.3g}" + (f" ({'; '.join(notes)})" if notes else "")


def beta_slider(
    x,
    y,
    curves: Sequence[Curve],
    betas: Sequence[float],
    margin: float = 0.1,
    note: Callable[[float], str] | None = None,
    title: str = "",
    menu: bool = False,
    path: bool = False,
) -> SliderFigure:
    r"""Certified optima of every curve's architecture at every $\beta$, behind one slider.

    Each fit is :func:`lmirrors.fit` (certified by its duality gap); the slider starts at
    the middle $\beta$. ``note(beta)`` adds a word to the title (e.g. the regime of a
    closed form). Each step keeps its exact $\beta$ as its ``value`` and the layout's
    ``meta`` names the curves' architectures (and, with ``path``, each step's ``breakpoint_of``).

    ``menu``: one button per curve above the plot shows that curve alone; each curve's
    objective and unit count then sit in an annotation shown with it instead of the title.
    ``path``: add the breakpoints $\beta_k$ of each curve's exact path
    (:func:`path_breakpoints`, down to the smallest positive $\beta$ of the grid) that lie in
    the grid's range; their steps are labelled ``•`` and the title says whose neuron is born or
    dies there (the other steps are labelled with $\beta$, which the title always shows).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    betas = np.asarray(betas, dtype=float)
    names = [c.name for c in curves]
    born: list[list[str]] = [[] for _ in betas]
    if path:
        positive = betas[betas > 0]
        beta_min = float(positive.min()) if positive.size else None
        found = [(c.name, path_breakpoints(x, y, beta_min, **c.options)) for c in curves]
        betas, born = _with_breakpoints(betas, [(name, b) for name, b in found if b is not None])
    width = float(x.max() - x.min())
    lo, hi = float(x.min()) - margin * width, float(x.max()) + margin * width
    fits = [[fit(x, y, beta=float(b), **c.options) for c in curves] for b in betas]
    data: list[dict] = [
        {"type": "scatter", "mode": "markers", "x": x.tolist(), "y": y.tolist(), "name": "data",
         "marker": {"color": "black", "size": 8}}
    ]
    for j, name in enumerate(names):
        colour = COLOURS[j % len(COLOURS)]
        shown = not menu or j == 0
        data.append({"type": "scatter", "mode": "lines", "name": name, "legendgroup": name, "visible": shown,
                     "line": {"color": colour, "width": 2.5}})
        data.append({"type": "scatter", "mode": "markers", "name": f"{name} kinks", "legendgroup": name,
                     "showlegend": False, "visible": shown, "marker": {"color": colour, "symbol": "x", "size": 9}})
    steps = []
    for beta, row, marked in zip(betas, fits, born):
        xs, ys = [], []
        for f in row:
            px, py = exact_polyline(f.network, lo, hi)
            kinks = np.array([t for t in f.network.breakpoints() if lo < t < hi])
            xs += [px.tolist(), kinks.tolist()]
            ys += [py.tolist(), f.predict(kinks).tolist() if len(kinks) else []]
        head = _head(float(beta), note(float(beta)) if note else "", marked)
        parts = _parts(names, row)
        if menu:
            layout = {"title.text": head} | {f"annotations[{j}].text": part for j, part in enumerate(parts)}
        else:
            layout = {"title.text": head + "<br><sup>" + "; ".join(parts) + "</sup>"}
        steps.append({"method": "update", "label": "•" if marked else f"{beta:.2g}", "value": repr(float(beta)),
                      "args": [{"x": xs, "y": ys}, layout, list(range(1, 1 + 2 * len(names)))]})
    start = len(betas) // 2
    for trace, (px, py) in enumerate(zip(steps[start]["args"][0]["x"], steps[start]["args"][0]["y"]), start=1):
        data[trace]["x"], data[trace]["y"] = px, py
    layout = {
        "title": {"text": steps[start]["args"][1]["title.text"], "font": {"size": 14}},
        "xaxis": {"title": {"text": "x"}, "range": [lo, hi]},
        "yaxis": {"title": {"text": "network output"}},
        "margin": {"t": 120 if menu else 70, "b": 40},
        "sliders": [{"active": start, "steps": steps, "pad": {"t": 50}, "transition": {"duration": 0},
                     # with breakpoints marked the labels are dots; the title still gives β
                     "currentvalue": {"visible": not path, "prefix": "β = " if not title else f"{title}: β = "}}],
        # What was fitted, so a reader (or the browser test) can re-derive any state.
        "meta": {"curves": [{"name": c.name, "options": c.options} for c in curves]},
    }
    if path:
        layout["meta"]["breakpoint_of"] = born
    if menu:
        layout["title"] |= {"y": 0.98, "yanchor": "top"}  # clear of the buttons under it
        layout["annotations"] = [
            {"text": steps[start]["args"][1][f"annotations[{j}].text"], "visible": j == 0, "showarrow": False,
             "xref": "paper", "yref": "paper", "x": 0, "y": 1, "xanchor": "left", "yanchor": "bottom", "align": "left"}
            for j in range(len(names))
        ]
        layout["updatemenus"] = [{
            "type": "buttons", "direction": "right", "active": 0, "x": 0, "y": 1.1, "xanchor": "left",
            "yanchor": "bottom", "showactive": True,
            "buttons": [
                {"label": name, "method": "update",
                 "args": [{"visible": [True] + [k // 2 == j for k in range(2 * len(names))]},
                          {f"annotations[{k}].visible": k == j for k in range(len(names))}]}
                for j, name in enumerate(names)
            ],
        }]
    return SliderFigure({"data": data, "layout": layout}, betas, fits)
