"""Kernel-free slider figures: exact curves, certified states, a page that needs nothing remote."""

import json
import re

import numpy as np
import pytest

from lmirrors import fit, fit_path
from lmirrors.interactive import Curve, _with_breakpoints, beta_slider, exact_polyline, path_breakpoints

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


def test_path_breakpoints_are_states_marked_on_the_slider():
    betas = np.geomspace(2.0, 1e-2, 4)
    sign_tree = {"depth": 3, "activation": "sign", "m1": 2}  # closed form / column generation: no exact path
    curves = [Curve("ReLU", {"activation": "relu"}), Curve("sign tree", sign_tree)]
    figure = beta_slider(X, Y, curves, betas, path=True)
    steps = figure.figure["layout"]["sliders"][0]["steps"]
    values = [float(s["value"]) for s in steps]
    breakpoints = fit_path(X, Y, beta_min=1e-2).breakpoints
    inside = breakpoints[breakpoints <= 2.0]
    assert inside.size >= 3 and path_breakpoints(X, Y, **sign_tree) is None
    # every breakpoint in range is a state, labelled with a dot, named in the title and the meta
    assert set(inside) <= set(values) and values == sorted(values, reverse=True)
    assert len(values) == len(set(inside) | set(betas)) and list(figure.betas) == values
    born = figure.figure["layout"]["meta"]["breakpoint_of"]
    for step, value, names in zip(steps, values, born, strict=True):
        assert (value in inside) == (names == ["ReLU"]) == (step["label"] == "•")
        assert ("born or dies" in step["args"][1]["title.text"]) == bool(names)
    assert all(f.solution.gap < 1e-8 for row in figure.fits for f in row)
    # a breakpoint within a relative 1e-9 of a grid point replaces it rather than doubling it
    nearly = beta_slider(X, Y, curves[:1], [inside[1] * (1 + 1e-12), 1e-2], path=True)
    assert inside[1] in nearly.betas and inside[1] * (1 + 1e-12) not in nearly.betas


def test_the_menu_shows_one_curve_at_a_time_and_keeps_beta():
    curves = [Curve("depth 2", {"depth": 2, "activation": "abs"}), Curve("depth 3", {"depth": 3, "activation": "abs"})]
    figure = beta_slider(X, Y, curves, [0.5, 0.1, 0.02], menu=True).figure
    assert [t["visible"] for t in figure["data"][1:]] == [True, True, False, False]
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["depth 2", "depth 3"]
    assert buttons[1]["args"][0]["visible"] == [True, False, False, True, True]
    assert buttons[1]["args"][1] == {"annotations[0].visible": False, "annotations[1].visible": True}
    # the buttons touch no slider state: every step updates every curve and its own annotation
    for step in figure["layout"]["sliders"][0]["steps"]:
        assert len(step["args"][0]["y"]) == 4 and "J = " in step["args"][1]["annotations[1].text"]
        assert "J = " not in step["args"][1]["title.text"]


def test_nearly_equal_breakpoints_of_two_curves_share_one_state():
    grid, names = _with_breakpoints(np.array([2.0, 1.0]), [("a", np.array([1.5, 3.0])), ("b", np.array([1.5 * (1 + 1e-12)]))])
    assert list(grid) == [2.0, 1.5, 1.0] and names == [[], ["a", "b"], []]  # 3.0 is outside the grid's range
    with pytest.raises(ValueError, match="m1"):
        path_breakpoints(X, Y, depth=3, activation="sign")  # bad options are an error, not "no path"
