"""The built book's interactive figures, in headless Chromium: move a slider, see the optimum.

These tests need the built HTML (``_build/html``) and Chromium, so ``make test`` runs them
after the book build with ``LMIRRORS_BROWSER=1`` (the Makefile installs Debian's chromium if
it is missing); the main pytest run, before the build, skips them. With the variable set a
missing page or browser is a failure, not a skip.

Chromium loads a copy of the page (next to it, so relative paths hold) with a probe script
appended. The probe waits for plotly, presses the mouse on the slider's rail near its right
end as a reader would, clicks the last button of a figure's menu (chapter 2: depth 4, abs),
and writes what the figure shows after each into the DOM, which ``--dump-dom`` returns.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import lmirrors
from scripts.book import weights

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
INTERACTIVE_PAGES = ["executed/01_two_layer_ramps", "executed/02_deep_reflections", "executed/04_square_wave"]
PAGE_LIMIT = 2_000_000  # bytes of HTML per page with sliders (plotly.js itself is shared, ~1.2 MB, cached)

pytestmark = pytest.mark.skipif(
    os.environ.get("LMIRRORS_BROWSER") != "1", reason="run by `make test` after the book build (LMIRRORS_BROWSER=1)"
)

PROBE = """
<script>
(function () {
  var report = function (result) {
    var out = document.createElement('pre');
    out.id = 'lmirrors-probe';
    out.textContent = JSON.stringify(result);
    document.body.appendChild(out);
  };
  var tries = 0;
  var wait = function () {
    var plots = document.querySelectorAll('.lmirrors-interactive');
    var ready = plots.length > 0 && Array.prototype.every.call(plots, function (gd) {
      return gd.data && gd._fullLayout && gd.querySelector('.slider-rail-touch-rect');
    });
    if (!ready) {
      if (++tries > 10000) { report({error: 'plotly never drew ' + plots.length + ' figure(s)'}); return; }
      setTimeout(wait, 50);
      return;
    }
    var results = [];
    var pending = plots.length;
    Array.prototype.forEach.call(plots, function (gd) {
      var before = {active: gd._fullLayout.sliders[0].active, x: gd.data.map(function (t) { return t.x; }),
                    y: gd.data.map(function (t) { return t.y; })};
      var rail = gd.querySelector('.slider-rail-touch-rect').getBoundingClientRect();
      var at = {clientX: rail.left + 0.9 * rail.width, clientY: rail.top + rail.height / 2,
                bubbles: true, view: window, button: 0};
      gd.querySelector('.slider-rail-touch-rect').dispatchEvent(new MouseEvent('mousedown', at));
      window.dispatchEvent(new MouseEvent('mouseup', at));
      var polls = 0;
      var state = function () {
        var slider = gd._fullLayout.sliders[0];
        return {before: before, active: slider.active, value: slider.steps[slider.active].value,
                step: slider.steps[slider.active].args[0], title: gd._fullLayout.title.text,
                x: gd.data.map(function (t) { return t.x; }), y: gd.data.map(function (t) { return t.y; }),
                visible: gd.data.map(function (t) { return t.visible; }),
                annotations: (gd._fullLayout.annotations || []).map(function (a) { return [a.visible, a.text]; }),
                meta: gd._fullLayout.meta};
      };
      var done = function (result) { results.push(result); if (--pending === 0) { report(results); } };
      // a figure with a menu: press its last button as a reader would, and wait for the curves to swap
      var choose = function (moved) {
        var buttons = gd.querySelectorAll('.updatemenu-button');
        if (buttons.length === 0) { done(moved); return; }
        var last = buttons[buttons.length - 1];
        last.dispatchEvent(new MouseEvent('click', {bubbles: true, view: window, button: 0}));
        var waits = 0;
        var swapped = function () {
          if (gd.data[1].visible !== false && ++waits < 2000) { setTimeout(swapped, 50); return; }
          moved.chosen = state();
          moved.chosen.button = buttons.length - 1;
          done(moved);
        };
        swapped();
      };
      var settled = function () {
        var changed = JSON.stringify(gd.data[1].y) !== JSON.stringify(before.y[1]);
        if (!changed && ++polls < 2000) { setTimeout(settled, 50); return; }
        choose(state());
      };
      settled();
    });
  };
  window.addEventListener('load', wait);
})();
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is missing: `make test` installs Debian's chromium (apt-get install chromium)"
    return found


def _probe(page: str) -> list[dict]:
    source = HTML / f"{page}.html"
    assert source.is_file(), f"{source} is missing: build the book first (make test does)"
    copy = source.with_name(f"_probe_{source.name}")
    copy.write_text(source.read_text().replace("</body>", PROBE + "</body>"))
    try:
        with tempfile.TemporaryDirectory() as profile:
            run = subprocess.run(
                [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
                 "--window-size=1300,2000", "--virtual-time-budget=900000", "--dump-dom", copy.as_uri()],
                capture_output=True, text=True, timeout=120, check=False,
            )
    finally:
        copy.unlink()
    found = re.search(r'<pre id="lmirrors-probe"[^>]*>(.*?)</pre>', run.stdout, re.DOTALL)
    assert found, f"the probe never reported (chromium exit {run.returncode}, {len(run.stdout)} characters of DOM): {run.stderr[-300:]}"
    result = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert not (isinstance(result, dict) and "error" in result), result
    return result


def _assert_drawn_is_optimal(figure: dict) -> None:
    """Every curve drawn (shown or hidden) is what the page shipped for the slider's step and the
    certified optimum at that beta, recomputed here."""
    curves = figure["meta"]["curves"]
    lines = range(1, 1 + 2 * len(curves), 2)
    assert figure["x"][1:] == figure["step"]["x"] and figure["y"][1:] == figure["step"]["y"]
    beta = float(figure["value"])
    assert f"β = {beta:.3g}" in figure["title"]
    x, y = np.array(figure["x"][0]), np.array(figure["y"][0])
    for curve, trace in zip(curves, lines, strict=True):
        optimum = lmirrors.fit(x, y, beta=beta, **curve["options"])
        drawn_x, drawn_y = np.array(figure["x"][trace]), np.array(figure["y"][trace])
        # the drawn polyline is the network: compare at the midpoint of every non-vertical segment
        a, b = drawn_x[:-1], drawn_x[1:]
        piece = b > a
        mid = (a[piece] + b[piece]) / 2
        drawn_mid = (drawn_y[:-1][piece] + drawn_y[1:][piece]) / 2
        assert np.allclose(drawn_mid, optimum.predict(mid), rtol=1e-9, atol=1e-9), curve["name"]


@pytest.mark.parametrize("page", INTERACTIVE_PAGES)
def test_moving_the_slider_draws_the_certified_optimum_for_that_beta(page):
    figures = _probe(page)
    assert figures
    for figure in figures:
        assert figure["active"] != figure["before"]["active"], "the slider did not move"
        curves = figure["meta"]["curves"]
        lines = range(1, 1 + 2 * len(curves), 2)
        for trace in lines:
            assert figure["y"][trace] != figure["before"]["y"][trace], "the curve did not change"
        _assert_drawn_is_optimal(figure)


def test_the_chapter_2_menu_switches_depth_and_unit_and_keeps_beta():
    menus = [figure for figure in _probe("executed/02_deep_reflections") if "chosen" in figure]
    assert len(menus) == 1, "chapter 2 has one figure with a depth/unit menu"
    moved, chosen = menus[0], menus[0]["chosen"]
    curves = moved["meta"]["curves"]
    assert [c["options"] for c in curves] == [{"depth": d, "activation": a} for d in (2, 3, 4) for a in ("relu", "abs")]
    # before: the first choice alone; after pressing the last button: the last choice alone, same beta
    shown = [[j for j in range(len(curves)) if state["visible"][1 + 2 * j] is not False] for state in (moved, chosen)]
    assert shown == [[0], [len(curves) - 1]] and chosen["button"] == len(curves) - 1
    assert chosen["value"] == moved["value"] and chosen["y"] == moved["y"]
    assert [visible for visible, _ in chosen["annotations"]] == [j == len(curves) - 1 for j in range(len(curves))]
    # the annotation shown gives the objective of the network shown, recomputed here
    beta = float(chosen["value"])
    optimum = lmirrors.fit(np.array(chosen["x"][0]), np.array(chosen["y"][0]), beta=beta, **curves[-1]["options"])
    assert f"J = {optimum.solution.objective:.4g}" in chosen["annotations"][-1][1]
    _assert_drawn_is_optimal(chosen)


def test_pages_with_sliders_stay_light():
    """Every state is shipped in the page, so the page weight is what grows with the β grid."""
    sizes = weights()
    print("\n".join(f"{name}: {size / 1e6:.2f} MB" for name, size in sizes.items()))
    for page in INTERACTIVE_PAGES:
        assert 0 < sizes[page] < PAGE_LIMIT, (page, sizes[page])
    assert 0 < sizes["_static/plotly"] < 2_000_000, "the basic plotly.js bundle (scatter traces) is about 1.2 MB"
