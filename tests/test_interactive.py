"""Kernel-free slider figures: exact curves, certified states, a page that needs nothing remote."""

import json
import re

import numpy as np
import pytest

from lmirrors import fit
from lmirrors.interactive import Curve, beta_slider, exact_polyline

X = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 5.0])
Y = np.array([0.0, 1.0, 0.5, 2.0, 1.0, 1.5])


def drawn(px, py, t):
    """The polyline (vertical segments allowed) at points t strictly inside its pieces."""
    values = np.empty_like(t)
    for i, u in enumerate(t):
        k = np.searchsorted(px, u, side="right") - 1
        values[i] = py[k] + (py[k + 1] - py[k]) * (u - px[k]) / (px[k + 1] - px[k])
    return values


@pytest.mark.parametrize(
    "options", [{"activation": "relu"}, {"activation": "abs", "depth": 3}, {"activation": "sign"}]
)
def test_the_polyline_is_the_network(options):
    network = fit(X, Y, beta=0.05, **options).network
    px, py = exact_polyline(network, -2.0, 6.0)
    assert px[0] == -2.0 and px[-1] == 6.0 and np.all(np.diff(px) >= 0)
    t = np.random.default_rng(0).uniform(-2, 6, 500)
    t = t[np.min(np.abs(t[:, None] - network.breakpoints()[None, :]), axis=1) > 1e-6]
    assert np.allclose(drawn(px, py, t), network(t), rtol=1e-10, atol=1e-10)


def test_continuous_networks_have_one_vertex_per_kink():
    network = fit(X, Y, beta=0.05).network
    px, _ = exact_polyline(network, -2.0, 6.0)
    inside = [t for t in network.breakpoints() if -2 < t < 6]
    assert len(px) == len(inside) + 2


def test_every_slider_state_is_a_certified_optimum_and_shipped_exactly():
    betas = np.geomspace(1.0, 1e-3, 5)
    curves = [Curve("ReLU", {"activation": "relu"}), Curve("sign", {"activation": "sign"})]
    figure = beta_slider(X, Y, curves, betas)
    steps = figure.figure["layout"]["sliders"][0]["steps"]
    assert [float(s["value"]) for s in steps] == list(betas)
    for step, row, beta in zip(steps, figure.fits, betas, strict=True):
        assert all(f.beta == beta and f.solution.gap < 1e-8 for f in row)
        lines = step["args"][0]["y"][::2]
        for f, line, xs in zip(row, lines, step["args"][0]["x"][::2], strict=True):
            assert np.allclose(line, exact_polyline(f.network, min(xs), max(xs))[1])
    assert figure.figure["layout"]["meta"]["curves"][1] == {"name": "sign", "options": {"activation": "sign"}}


def test_the_html_loads_only_the_local_plotly_and_carries_valid_json():
    html = beta_slider(X, Y, [Curve("ReLU", {"activation": "relu"})], [0.5, 0.1]).html()
    assert not re.search(r"https?://", html)
    spec = re.search(r"var figure = (\{.*?\});\n", html, re.DOTALL).group(1)
    assert json.loads(spec)["data"][0]["name"] == "data"
    assert "../_static/plotly/plotly.min.js" in html and "requirejs" in html
