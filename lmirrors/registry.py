r"""The architecture registry: one entry per result of the paper.

A :class:`Family` says which networks one of the paper's theorems covers (activation, depths,
options), how its library is built (dense; matrix-free; priced by an oracle; solved in closed
form) and how a network is rebuilt from a Lasso solution. An :class:`Architecture` is one
member of a family: a depth and the option values. :func:`lmirrors.fit`, the command line,
the estimator, the explorer and the API page all read :data:`FAMILIES`, so a family added
here is offered everywhere, and :func:`architectures` lists them.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .activations import KNOWN_ACTIVATIONS, Activation, get_activation
from .closed_forms import Clipping, clip_checked
from .convex.column_generation import Oracle
from .convex.dictionary import Dictionary
from .convex.lasso import LP_WORKSPACE, NEAR_INTERPOLATION, LassoSolution
from .libraries.capped_ramps import CappedRampDictionary, capped_ramp_candidates, capped_ramp_features
from .libraries.leaky_chains import leaky_candidates, leaky_dictionary
from .libraries.library import Candidates, Library
from .libraries.mirror_pricing import DeepMirrorDictionary, deep_mirror_features
from .libraries.ramps import ramp_candidates, two_layer_matrix_free
from .libraries.rectangular import best_switch_set, switch_set_count
from .libraries.reflections import (
    mirror_dictionary,
    pinned_parameters,
    pinning_count,
    reflection_candidates,
    reflection_features,
)
from .libraries.switching import (
    LayerCakeLibrary,
    max_switches,
    pattern_from_values,
    switching_candidates,
    switching_pricing,
    switching_size,
)
from .libraries.symmetrized import symmetrized_candidates, symmetrized_dictionary, symmetrized_size
from .libraries.thresholds import from_sign_coefficients, from_sign_objective, sign_beta
from .networks.base import Network
from .networks.parallel import ParallelNetwork
from .networks.reconstruction import parallel_network, rectangular_network, sign_network
from .networks.rectangular import RectangularNetwork
from .networks.sign import SignNetwork
from .validation import as_1d, check_depth, check_memory

ANY_DEPTH = sys.maxsize
"""``range(2, ANY_DEPTH)``: every finite depth."""


@dataclass(frozen=True)
class Option:
    """A keyword option of a family (e.g. the leaky ReLU's ``slope``), as the tools show it.

    ``slider`` $= (\\text{low}, \\text{high}, \\text{step})$ lets the explorer offer it
    (``high = None``: up to $N - 1$); ``depths`` limits where it applies.
    """

    name: str
    help: str
    default: Any = None
    depths: range | None = None
    slider: tuple[float, float | None, float] | None = None


@dataclass(frozen=True)
class Priced:
    """A library known through a pricing oracle (column generation)."""

    oracle: Oracle
    feature: Callable[[np.ndarray], Any]
    """The feature of a generated column (its values at the data)."""
    interpolating: Callable[[], np.ndarray]
    """Columns that can interpolate any labels (the start of the minimum-norm LP)."""


@dataclass(frozen=True)
class ClosedForm:
    """A family's Lasso solved in closed form, when ``applies(architecture, N)`` ($N$ distinct points;
    holding for $N$, it holds for fewer points, so :func:`lmirrors.fit` may ask it for the number
    of data points before counting the distinct ones)."""

    applies: Callable[[Architecture, int], bool]
    needs: str
    solve: Callable[[Architecture, np.ndarray, np.ndarray, float], tuple[Library, LassoSolution]]


@dataclass(frozen=True)
class Family:
    """One result of the paper: the networks it covers and how to solve them."""

    activation: str
    depths: range
    library_name: str
    result: str
    """Where the paper states it (v4 numbering)."""
    network: type[Network]
    reconstruct: Callable[[Library, LassoSolution], Network]
    size: Callable[[Architecture, int], int]
    """Number of candidate features on ``N`` distinct points."""
    candidates: Callable[[Architecture, np.ndarray], Candidates] | None = None
    """The candidates with kinks at given points (the data, or a grid for an oracle); ``None``
    when no fixed library is equivalent (then only ``closed_form`` solves it)."""
    dictionary: Callable[[Architecture, np.ndarray], tuple[Dictionary, Callable[[int], Any]]] | None = None
    """Matrix-free library on ``x`` and the feature of column ``k``."""
    pricing: Callable[[Architecture, np.ndarray], Priced] | None = None
    closed_form: ClosedForm | None = None
    options: tuple[Option, ...] = ()
    check_options: Callable[[int, dict], dict] | None = None
    """Validates and completes the options; without it, only the declared names are accepted and
    missing ones take their defaults."""
    searched: Callable[[Architecture], bool] = lambda arch: False
    """Whether the matrix-free library prices by a search (branch and bound) instead of a few
    passes over the data; :func:`lmirrors.fit` then writes the library down whenever it fits,
    since that is faster."""
    max_dense_columns: int | None = None
    """Above this many columns :func:`lmirrors.fit` prices the library instead of writing it down."""
    selected_by: dict = field(default_factory=dict)
    """Option values that select this family rather than the one of the same activation and
    depth without them, e.g. ``{"layout": "rectangular"}``."""
    x_degree: int = 1
    r"""Degree $h$ of the library in $x$: its columns on $s x + c$ ($s > 0$) are $s^h$ times those
    on $x$ up to constants. Piecewise-linear units have $h = 1$ (every kink moves with the data,
    every slope is $\pm1$ in $x$), step units $h = 0$ (only where they switch moves). Hence the
    optimum at $(s x + c,\ t y + m,\ t s^h \beta)$ is $t^2$ times the one at $(x, y, \beta)$
    (for $\beta = 0$: the minimum norm is $t / s^h$ times), with $z \mapsto (t/s^h) z$ and the
    network's kinks mapped by $x \mapsto s x + c$."""

    @property
    def depth_text(self) -> str:
        return depth_text(self.depths)

    @functools.cached_property
    def methods(self) -> tuple[str, ...]:
        """Ways :func:`lmirrors.fit` can solve this family (``method=``)."""
        offered = [("closed_form", self.closed_form), ("library", self.candidates)]
        offered += [("matrix_free", self.dictionary), ("column_generation", self.pricing)]
        return tuple(name for name, available in offered if available)

    def describe(self) -> str:
        """One line: activation, depths, library, the paper's result and the options."""
        options = "; options: " + ", ".join(o.name for o in self.options) if self.options else ""
        selected = "".join(f" ({v})" for v in self.selected_by.values())
        return f"{self.activation}{selected}, {self.depth_text}: {self.library_name} ({self.result}){options}"

    def resolve_options(self, depth: int, options: dict) -> dict:
        if self.check_options is not None:
            return self.check_options(depth, dict(options))
        names = {o.name for o in self.options}
        unknown = sorted(set(options) - names)
        if unknown:
            accepted = f"accepted: {', '.join(sorted(names))}" if names else "it takes none"
            raise ValueError(f"unknown option(s) for {self.activation} networks: {', '.join(unknown)}; {accepted}")
        return {o.name: options.get(o.name, o.default) for o in self.options}


@dataclass(frozen=True, init=False)
class Architecture:
    """A network family at one depth with its options: ``Architecture(3, "relu")``,
    ``Architecture(2, "leaky_relu", slope=0.1)``, ``Architecture(3, "sign", m1=4)``,
    ``Architecture(4, "threshold", widths=3, layout="rectangular")``."""

    depth: int
    activation: Activation
    options: dict = field(compare=False)
    family: Family = field(repr=False, compare=False)

    def __init__(self, depth: int = 2, activation: str | Activation = "relu", **options) -> None:
        depth = check_depth(depth)
        if isinstance(activation, Activation) and activation.name == "leaky_relu":
            options.setdefault("slope", activation.slope)
        given = get_activation(activation)
        name = given.name
        family = find_family(name, depth, options)
        options = family.resolve_options(depth, options)
        slope = options.get("slope", 0.0)
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "activation", given if given.slope == slope else get_activation(name, slope))
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "family", family)

    def __reduce__(self):
        # pickled by name: the family (functions of the registry) is looked up again on load
        return _architecture, (self.depth, self.activation.name, self.options)

    @property
    def name(self) -> str:
        widths = self.options.get("widths")
        if widths:
            layout = self.options.get("layout", "tree")
            return f"{self.depth}-layer {self.activation.name} ({layout}, widths {'×'.join(map(str, widths))})"
        return f"{self.depth}-layer {self.activation.name}"

    def size_formula(self, n: int) -> int:
        """Number of candidate features the theorem lists for ``n`` distinct points."""
        return self.family.size(self, n)

    def library(self, x, breakpoints=None, max_columns: int | None = None) -> Library:
        """The finite library on data ``x`` (any order; repeats allowed).

        ``breakpoints`` replaces the data points as kink locations, e.g. a dense grid for an
        "oracle" library of realisable units against which the theorem can be checked.
        ``max_columns`` (default: the family's limit, if any) refuses larger libraries.
        """
        if self.family.candidates is None:
            raise ValueError(
                f"{self.name} networks are no Lasso over a fixed library; fit them with method='closed_form'"
            )
        x = as_1d(x, "x")
        kinks = np.unique(x) if breakpoints is None else np.unique(as_1d(breakpoints, "breakpoints"))
        limit = self.family.max_dense_columns if max_columns is None else max_columns
        size = self.size_formula(kinks.size)
        if limit is not None and size > limit:
            others = ", ".join(f"method={m!r}" for m in self.family.methods if m != "library")
            raise ValueError(
                f"the {self.name} library on {kinks.size} points has {size:,} columns (> max_columns = {limit:,}); "
                f"use fit(..., {others}) or raise max_columns"
            )
        self.check_memory(x.size, kinks.size)
        return Library.from_candidates(self, x, self.family.candidates(self, kinks))

    def check_memory(self, n_points: int, n_kinks: int, beta: float | None = None) -> None:
        """Refuse, before it is formed, a dense library on ``n_points`` points with kinks at ``n_kinks``
        (and for ``beta = 0`` its minimum-norm LP) that would not fit in the available memory."""
        entries = n_points * self.size_formula(n_kinks)
        copies = DENSE_WORKSPACE + (LP_WORKSPACE if beta == 0 else 0)
        methods = self.family.methods
        others = [m for m in methods if m != "library" and not (beta == 0 and m == "matrix_free")]
        advice = [f"fit(..., method={m!r})" for m in others]
        if beta == 0:
            advice.append(
                f"beta = {NEAR_INTERPOLATION:g} * lmirrors.Architecture(...).beta_max(x, y)"
                + (" with method='matrix_free'" if "matrix_free" in methods else "")
            )
        what = f"the dense {self.name} library on {n_kinks:,} points ({entries:,} entries"
        what += ", with its minimum-norm LP)" if beta == 0 else ")"
        check_memory(8.0 * entries * copies, what, "use " + ", ".join([*advice, "fewer points or a smaller depth"]))

    def beta_max(self, x, y) -> float:
        r"""$\beta_{\max} = \max_j |a_j^\top (y - \bar y)|$ over the whole library on ``x``: the smallest
        $\beta$ at which the constant $\bar y$ is the optimal network (the scale of the default
        $\beta$ of :func:`lmirrors.fit`). Priced matrix-free or by the family's oracle, never
        written down; rectangular step networks price every pattern with at most $m_1$ switches
        (each unit switches where the first layer does)."""
        x, y = as_1d(x, "x"), as_1d(y, "y")
        if x.size != y.size:
            raise ValueError(f"x has {x.size} points but y has {y.size} labels; give one label per point")
        centred = y - y.mean()
        if self.family.dictionary is not None:
            return self.dictionary(x)[0].price(centred).max_abs
        if self.family.pricing is not None:
            return float(self.pricing(x)(centred)[0])
        return float(switching_pricing(x, self.options["widths"][0], _low(self))(centred)[0])

    def dictionary(self, x) -> tuple[Dictionary, Callable[[int], Any]]:
        """The library on ``x`` as a matrix-free :class:`~lmirrors.convex.dictionary.Dictionary`
        (every candidate column, duplicates included) and the feature of column ``k``."""
        if self.family.dictionary is None:
            raise ValueError(f"{self.name} networks have no matrix-free library; methods: {self.family.methods}")
        return self.family.dictionary(self, as_1d(x, "x"))

    def pricing(self, x) -> Oracle:
        r"""The oracle $r \mapsto (\max_j |a_j^\top r|, \text{maximising columns})$ over the whole library on ``x``."""
        if self.family.pricing is None:
            raise ValueError(f"{self.name} networks have no pricing oracle; methods: {self.family.methods}")
        return self.family.pricing(self, as_1d(x, "x")).oracle


DENSE_WORKSPACE = 8
"""Peak memory of building and solving a dense library, in copies of its candidate matrix
(7.0 and 7.1 measured for 2-layer ReLU at N = 2,000 and 1,000)."""


def _architecture(depth: int, activation: str, options: dict) -> Architecture:
    return Architecture(depth, activation, **options)


def find_family(activation: str, depth: int, options: dict | None = None) -> Family:
    """The registry entry for ``activation`` at ``depth`` (the one ``options`` select, if any;
    see :attr:`Family.selected_by`); a one-line error lists what exists."""
    options = options or {}
    for family in _families_at(activation, depth):
        if all(options.get(name) == value for name, value in family.selected_by.items()):
            return family
    raise ValueError(f"no library yet for depth {depth} with {activation}; available: {supported_text()}")


@functools.cache
def _families_at(activation: str, depth: int) -> tuple[Family, ...]:
    """The families of ``activation`` at ``depth``, those selected by options first (looked up once)."""
    found = [f for f in FAMILIES if f.activation == activation and depth in f.depths]
    return tuple(sorted(found, key=lambda f: not f.selected_by))


def depth_text(depths: range) -> str:
    """``depth 2``, ``depths 3–10`` or ``any depth ≥ 2``."""
    if depths.stop == ANY_DEPTH:
        return f"any depth ≥ {depths.start}"
    last = depths.stop - 1
    return f"depth {depths.start}" if last == depths.start else f"depths {depths.start}–{last}"


def supported_text() -> str:
    """Every activation with its depths, e.g. ``relu: depths 2–10; abs: depths 2–5; ...``."""
    parts = []
    for name in KNOWN_ACTIVATIONS:
        families = [f for f in FAMILIES if f.activation == name]
        if families:
            depths = range(min(f.depths.start for f in families), max(f.depths.stop for f in families))
            parts.append(f"{name}: {depth_text(depths)}")
    return "; ".join(parts)


def architectures() -> tuple[Family, ...]:
    """Every family the package can fit (print ``family.describe()`` for a line each)."""
    return FAMILIES


def supported(max_depth: int = 10) -> dict[int, tuple[str, ...]]:
    """Depth → the activations with a library at that depth, for depths up to ``max_depth``
    (menus and tables; families of any depth are listed up to there)."""
    table = {}
    for depth in range(2, max_depth + 1):
        names = tuple(dict.fromkeys(f.activation for f in FAMILIES if depth in f.depths))
        if names:
            table[depth] = names
    return table


# ----- the families' adapters -----------------------------------------------------------


def _widths(depth: int, widths, count: int) -> tuple[int, ...]:
    """``widths`` as ``count`` integers >= 1 (one number: the same for every layer)."""
    widths = tuple(widths) if isinstance(widths, (tuple, list)) or np.ndim(widths) else (widths,) * count
    for m in widths:
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(f"widths must be integers >= 1 (neurons per layer of a unit), got {widths}")
    return tuple(int(m) for m in widths)


def _step_options(depth: int, options: dict) -> dict:
    """Step-network trees: ``widths`` $(m_1, \\dots, m_{L-2})$, or one number for every layer, or ``m1`` at depth 3."""
    m1, widths, layout = options.pop("m1", None), options.pop("widths", None), options.pop("layout", "tree")
    if options:
        raise ValueError(
            f"unknown option(s) for step networks: {', '.join(sorted(options))}; accepted: m1, widths, layout"
        )
    if layout != "tree":
        raise ValueError(
            f"layout must be 'tree' or 'rectangular' (depth >= 3), got {layout!r}"
            if layout != "rectangular"
            else "rectangular networks need depth >= 3 (at depth 2 every network is one layer of units)"
        )
    if m1 is not None and widths is not None:
        raise ValueError("give either m1 or widths, not both")
    if m1 is not None:
        if depth != 3:
            raise ValueError(f"m1 sizes depth-3 sign networks; for depth {depth} pass widths=(m1, ...) instead")
        widths = (m1,)
    if widths is None:
        if depth != 2:
            raise ValueError(f"a depth-{depth} sign network needs m1 (depth 3) or widths=(m1, ..., m_L-2)")
        widths = ()
    widths = _widths(depth, widths, depth - 2)
    if len(widths) != depth - 2:
        raise ValueError(
            f"a depth-{depth} sign network needs {depth - 2} width(s) (m1, ...), got {widths}; "
            "depth 2 takes none, depth 3 takes m1 (first-layer neurons per unit)"
        )
    return {"widths": widths}


def _rectangular_options(depth: int, options: dict) -> dict:
    """Rectangular step networks: ``widths`` $(m_1, \\dots, m_{L-1})$ (every hidden layer, the last
    one's neurons being the units), or one number for every layer."""
    widths, layout = options.pop("widths", None), options.pop("layout")
    if options:
        raise ValueError(f"unknown option(s) for rectangular networks: {', '.join(sorted(options))}; accepted: widths")
    if widths is None:
        raise ValueError(f"a depth-{depth} rectangular network needs widths=(m1, ..., m_L-1) or one width for all")
    widths = _widths(depth, widths, depth - 1)
    if len(widths) != depth - 1:
        raise ValueError(
            f"a depth-{depth} rectangular network has {depth - 1} hidden layers, so {depth - 1} widths; got {widths}"
        )
    return {"widths": widths, "layout": layout}


def _switches(architecture: Architecture) -> int:
    return max_switches(architecture.options["widths"])


def _low(architecture: Architecture) -> float:
    return architecture.activation.low


def _step_pricing(architecture: Architecture, x: np.ndarray) -> Priced:
    points, first = np.unique(x, return_index=True)
    low = _low(architecture)
    return Priced(
        switching_pricing(x, _switches(architecture), low),
        lambda column: pattern_from_values(points, column[first], low),
        lambda: switching_candidates(points, 1, low).values(x),
    )


def _layer_cake_library(architecture, x, clipping: Clipping, size: int, how: str) -> tuple[Library, tuple]:
    """The layer cake of ``clipping`` (sign patterns on ``clipping.points``) at the architecture's
    levels, as a library and $(z, \\xi)$. Its patterns and matrix are made when first asked for:
    $k - 1$ patterns of up to $N$ values each, where the clipping itself costs $O(N \\log N)$."""
    low = _low(architecture)
    library = LayerCakeLibrary(architecture, x, clipping, low, size, how)
    return library, from_sign_coefficients(*clipping.layer_cake_coefficients(), low)


def _clipping(architecture: Architecture, x: np.ndarray, y: np.ndarray, beta: float):
    """Every pattern available: the labels clipped (:func:`~lmirrors.closed_forms.clip_fit`, at the
    sign network's $\\beta$ for threshold units), written down as the layer cake of its distinct values
    when asked for (:class:`~lmirrors.libraries.switching.LayerCakeLibrary`)."""
    low = _low(architecture)
    clipping = clip_checked(x, y, sign_beta(beta, low))
    size = architecture.size_formula(clipping.points.size)
    library, (z, xi) = _layer_cake_library(architecture, x, clipping, size, "solved in closed form")
    objective, gap = from_sign_objective(clipping.objective, beta, low), from_sign_objective(clipping.gap, beta, low)
    return library, LassoSolution(z, xi, beta, objective, gap, "clipping (closed form)")


def _rectangular_fits(architecture: Architecture, n: int) -> bool:
    widths = architecture.options["widths"]
    return min(widths[1:]) >= min(widths[0], n - 1)


def _rectangular(architecture: Architecture, x: np.ndarray, y: np.ndarray, beta: float):
    """The best first-layer switch set and its clipping (:func:`~lmirrors.libraries.rectangular.best_switch_set`)."""
    m1 = architecture.options["widths"][0]
    best = best_switch_set(x, y, sign_beta(beta, _low(architecture)), m1)
    clipping = replace(best.clipping, points=best.points, values=best.values)
    how = f"the best of {best.searched:,} first-layer switch sets, each clipped in closed form"
    library, (z, xi) = _layer_cake_library(architecture, x, clipping, 2 ** len(best.gaps) - 1, how)
    objective, gap = (from_sign_objective(v, beta, _low(architecture)) for v in (best.objective, best.gap))
    return library, LassoSolution(z, xi, beta, objective, gap, "best switch set (exhaustive) + clipping")


def _mirror_dictionary(architecture: Architecture, x: np.ndarray):
    """Depth 4: priced by branch and bound, never stored (about 30N³ columns); else every column stored."""
    if architecture.depth == 4:
        deep = DeepMirrorDictionary(x)
        return deep, deep_mirror_features(deep, architecture.activation)
    pinnings = pinned_parameters(np.unique(x), architecture.depth)
    return (
        mirror_dictionary(x, architecture.depth, pinnings),
        reflection_features(x, architecture.depth, architecture.activation, pinnings),
    )


SLOPE = Option("slope", "leaky ReLU slope γ in [0, 1): σ(t) = max(t, γt)", 0.01, slider=(0.0, 0.95, 0.05))
WIDTHS = Option(
    "widths",
    "neurons per hidden layer of a unit's tree, (m1, ..., m_L-2), or one number for every layer",
    depths=range(3, ANY_DEPTH),
    slider=(1, None, 1),
)
M1 = Option("m1", "first-layer neurons of a depth-3 unit (widths=(m1,))", depths=range(3, 4))
LAYOUT = Option(
    "layout",
    "'tree' (each unit has its own lower layers) or 'rectangular' (all units share them)",
    "tree",
    depths=range(3, ANY_DEPTH),
)
RECTANGULAR_WIDTHS = Option(
    "widths",
    "neurons per hidden layer, (m1, ..., m_L-1), or one number for every layer",
    depths=range(3, ANY_DEPTH),
    slider=(1, None, 1),
)

FAMILIES: tuple[Family, ...] = (
    *(
        Family(
            name,
            range(2, 3),
            "ramps",
            "v4 two-layer theorem: ramps with breakpoints at the data",
            ParallelNetwork,
            parallel_network,
            lambda arch, n: n if arch.activation.name == "abs" else 2 * n,
            lambda arch, kinks: ramp_candidates(kinks, arch.activation),
            dictionary=lambda arch, x: two_layer_matrix_free(x, arch.activation),
            options=options,
        )
        for name, options in (("relu", ()), ("leaky_relu", (SLOPE,)), ("abs", ()))
    ),
    Family(
        "relu",
        range(3, 11),
        "capped ramps",
        "v4 Lemma 3.8",
        ParallelNetwork,
        parallel_network,
        lambda arch, n: n * (n - 1) // 2,
        lambda arch, kinks: capped_ramp_candidates(kinks, arch.depth, arch.activation),
        dictionary=lambda arch, x: (CappedRampDictionary(x), capped_ramp_features(x, arch.depth, arch.activation)),
    ),
    Family(
        "leaky_relu",
        range(3, 5),
        "chains with kinks at data",
        "v4 Theorem 3.7",
        ParallelNetwork,
        parallel_network,
        lambda arch, n: (2 * n) ** (arch.depth - 1),
        lambda arch, kinks: leaky_candidates(kinks, arch.depth, arch.activation),
        dictionary=lambda arch, x: leaky_dictionary(x, arch.depth, arch.activation),
        options=(SLOPE,),
    ),
    Family(
        "abs",
        range(3, 6),
        "reflections",
        "v4 Theorem 3.2",
        ParallelNetwork,
        parallel_network,
        lambda arch, n: (3 * n * n - n) // 2 if arch.depth == 3 else pinning_count(arch.depth, n),
        lambda arch, kinks: reflection_candidates(kinks, arch.depth, arch.activation),
        dictionary=_mirror_dictionary,
        searched=lambda arch: arch.depth == 4,
    ),
    *(
        Family(
            "symmetrized_relu",
            range(depth, depth + 1),
            library,
            result,
            ParallelNetwork,
            parallel_network,
            lambda arch, n: symmetrized_size(arch.depth, n),
            lambda arch, kinks: symmetrized_candidates(kinks, arch.depth, arch.activation),
            dictionary=lambda arch, x: symmetrized_dictionary(x, arch.depth, arch.activation),
            max_dense_columns=500_000,
        )
        for depth, library, result in (
            (2, "interval distances", "architecture defined by the book; no reflections at depth 2"),
            (3, "generalized reflections", "v4 Theorem 3.12, architecture defined by the book"),
        )
    ),
    *(
        Family(
            name,
            range(2, ANY_DEPTH),
            "switching patterns" if name == "sign" else "0/1 switching patterns",
            result,
            SignNetwork,
            sign_network,
            lambda arch, n: switching_size(n, _switches(arch)),
            lambda arch, kinks: switching_candidates(kinks, _switches(arch), _low(arch)),
            pricing=_step_pricing,
            closed_form=ClosedForm(
                lambda arch, n: _switches(arch) >= n - 1,
                "every pattern: m1·m2·… ≥ N − 1 (distinct x minus one)",
                _clipping,
            ),
            options=(M1, WIDTHS, LAYOUT),
            check_options=_step_options,
            max_dense_columns=4096,
            x_degree=0,
        )
        for name, result in (
            ("sign", "v4 sign networks: patterns with at most m1·m2·… switches"),
            ("threshold", "v4 summary: no reflections; library ours: the sign library on levels 0/1, at 2β"),
        )
    ),
    *(
        Family(
            name,
            range(3, ANY_DEPTH),
            "first-layer switch sets",
            result,
            RectangularNetwork,
            rectangular_network,
            lambda arch, n: switch_set_count(n, arch.options["widths"][0]),
            closed_form=ClosedForm(
                _rectangular_fits, "every hidden layer after the first at least min(m1, N − 1) wide", _rectangular
            ),
            options=(RECTANGULAR_WIDTHS, LAYOUT),
            check_options=_rectangular_options,
            selected_by={"layout": "rectangular"},
            x_degree=0,
        )
        for name, result in (
            ("sign", "rectangular sign nets of any depth in the v1–v3 abstracts; theorem ours: best ≤ m1-switch fit"),
            ("threshold", "ours: the rectangular sign network at 2β"),
        )
    ),
)
"""One entry per result of the paper, the registry that :func:`architectures` returns."""
