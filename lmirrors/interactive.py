r"""Kernel-free interactive figures: a $\beta$ slider over precomputed certified optima.

The static book has no Python kernel, so every state a reader can reach is solved while the
chapter executes and shipped in the page as a plotly figure (JSON): a slider step per
$\beta$, a curve per architecture, the curve's kinks marked, and the Lasso objective and
duality gap of each answer in the title. Moving the slider only swaps precomputed arrays in
the browser; clicking a legend entry hides an architecture.

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

from .fitting import Fit, fit
from .networks.base import Network

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


def _title(beta: float, names: Sequence[str], fits: Sequence[Fit], note: str) -> str:
    parts = [f"{name}: J = {f.solution.objective:.4g}, {len(f.solution.support)} units" for name, f in zip(names, fits)]
    head = f"β = {beta:.3g}" + (f" ({note})" if note else "")
    return head + "<br><sup>" + "; ".join(parts) + "</sup>"


def beta_slider(
    x,
    y,
    curves: Sequence[Curve],
    betas: Sequence[float],
    margin: float = 0.1,
    note: Callable[[float], str] | None = None,
    title: str = "",
) -> SliderFigure:
    r"""Certified optima of every curve's architecture at every $\beta$, behind one slider.

    Each fit is :func:`lmirrors.fit` (certified by its duality gap); the slider starts at
    the middle $\beta$. ``note(beta)`` adds a word to the title (e.g. the regime of a
    closed form). Each step keeps its exact $\beta$ as its ``value`` and the layout's
    ``meta`` names the curves' architectures.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    betas = np.asarray(betas, dtype=float)
    width = float(x.max() - x.min())
    lo, hi = float(x.min()) - margin * width, float(x.max()) + margin * width
    names = [c.name for c in curves]
    fits = [[fit(x, y, beta=float(b), **c.options) for c in curves] for b in betas]
    data: list[dict] = [
        {"type": "scatter", "mode": "markers", "x": x.tolist(), "y": y.tolist(), "name": "data",
         "marker": {"color": "black", "size": 8}}
    ]
    for j, name in enumerate(names):
        colour = COLOURS[j % len(COLOURS)]
        data.append({"type": "scatter", "mode": "lines", "name": name, "legendgroup": name,
                     "line": {"color": colour, "width": 2.5}})
        data.append({"type": "scatter", "mode": "markers", "name": f"{name} kinks", "legendgroup": name,
                     "showlegend": False, "marker": {"color": colour, "symbol": "x", "size": 9}})
    steps = []
    for beta, row in zip(betas, fits):
        xs, ys = [], []
        for f in row:
            px, py = exact_polyline(f.network, lo, hi)
            kinks = np.array([t for t in f.network.breakpoints() if lo < t < hi])
            xs += [px.tolist(), kinks.tolist()]
            ys += [py.tolist(), f.predict(kinks).tolist() if len(kinks) else []]
        label = _title(float(beta), names, row, note(float(beta)) if note else "")
        steps.append({"method": "update", "label": f"{beta:.2g}", "value": repr(float(beta)),
                      "args": [{"x": xs, "y": ys}, {"title.text": label}, list(range(1, 1 + 2 * len(names)))]})
    start = len(betas) // 2
    for trace, (px, py) in enumerate(zip(steps[start]["args"][0]["x"], steps[start]["args"][0]["y"]), start=1):
        data[trace]["x"], data[trace]["y"] = px, py
    layout = {
        "title": {"text": steps[start]["args"][1]["title.text"], "font": {"size": 14}},
        "xaxis": {"title": {"text": "x"}, "range": [lo, hi]},
        "yaxis": {"title": {"text": "network output"}},
        "margin": {"t": 70, "b": 40},
        "sliders": [{"active": start, "steps": steps, "pad": {"t": 50},
                     "currentvalue": {"prefix": "β = " if not title else f"{title}: β = "}}],
        # What was fitted, so a reader (or the browser test) can re-derive any state.
        "meta": {"curves": [{"name": c.name, "options": c.options} for c in curves]},
    }
    return SliderFigure({"data": data, "layout": layout}, betas, fits)
