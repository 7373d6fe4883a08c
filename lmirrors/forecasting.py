r"""One-dimensional autoregression: predict $s_{t+1}$ from $s_t$, evaluated honestly.

Splits are chronological (no shuffling): $\beta$ is chosen on a validation block that follows
the training block (:func:`select_beta`), and the test block is forecast *walk-forward*
(:func:`walk_forward`, :func:`evaluate`): the model that predicts $s_{t+1}$ is fitted only on
pairs $(s_u, s_{u+1})$ with $u < t$, the data available when the forecast is made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .convex.lasso import beta_max
from .fitting import additive_beta_max, fit, fit_additive, fit_library
from .registry import Architecture

Predictor = Callable[[np.ndarray], np.ndarray]
Trainer = Callable[[np.ndarray, np.ndarray], Predictor]


def lagged_pairs(series) -> tuple[np.ndarray, np.ndarray]:
    """Inputs $s_t$ and targets $s_{t+1}$ for $t = 1, \\dots, T-1$."""
    s = np.asarray(series, dtype=float)
    if s.ndim != 1 or s.size < 3:
        raise ValueError(f"need a 1-D series of at least 3 values, got shape {s.shape}")
    return s[:-1], s[1:]


def lagged_table(series, lags: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Inputs $(s_t, s_{t-1}, \dots, s_{t-p+1})$ (one row per $t$, ``lags`` $= p$ columns) and targets
    $s_{t+1}$, for $t = p, \dots, T-1$; ``lags = 1`` gives the pairs of :func:`lagged_pairs` as a table."""
    s = np.asarray(series, dtype=float)
    if not isinstance(lags, int | np.integer) or lags < 1:
        raise ValueError(f"lags must be a positive integer, got {lags!r}")
    if s.ndim != 1 or s.size < lags + 2:
        raise ValueError(f"need a 1-D series of at least lags + 2 = {lags + 2} values, got shape {s.shape}")
    X = np.column_stack([s[lags - 1 - k : s.size - 1 - k] for k in range(lags)])
    return X, s[lags:]


@dataclass(frozen=True)
class ChronologicalSplit:
    """Consecutive index blocks ``[0, train) [train, validation) [validation, n)``."""

    n: int
    train: int
    validation: int

    @classmethod
    def fractions(cls, n: int, validation: float = 0.15, test: float = 0.15) -> ChronologicalSplit:
        if not (0 < validation < 1 and 0 < test < 1 and validation + test < 1):
            raise ValueError("validation and test fractions must be in (0, 1) and sum to less than 1")
        n_test = max(1, round(test * n))
        n_val = max(1, round(validation * n))
        return cls(n, n - n_test - n_val, n - n_test)

    @property
    def train_idx(self) -> slice:
        return slice(0, self.train)

    @property
    def validation_idx(self) -> slice:
        return slice(self.train, self.validation)

    @property
    def test_idx(self) -> slice:
        return slice(self.validation, self.n)

    @property
    def before_test_idx(self) -> slice:
        """The training and validation blocks together (everything known before the test block)."""
        return slice(0, self.validation)


def rmse(a, b) -> float:
    r"""$\sqrt{\tfrac1n \sum_i (a_i - b_i)^2}$."""
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def walk_forward(x: np.ndarray, y: np.ndarray, start: int, trainer: Trainer, refit_every: int = 1) -> np.ndarray:
    r"""Predictions of ``y[start:]``: before predicting pair $t$ the model is refitted (every
    ``refit_every`` steps) on pairs $0..t-1$ only, so no forecast sees its own future."""
    if refit_every < 1:
        raise ValueError(f"refit_every must be >= 1, got {refit_every}")
    predictions = np.empty(y.size - start)
    for offset, t in enumerate(range(start, y.size)):
        if offset % refit_every == 0:
            predict = trainer(x[:t], y[:t])
        predictions[offset] = predict(x[t : t + 1])[0]
    return predictions


@dataclass(frozen=True)
class Forecast:
    """A model's walk-forward forecast of the test block, its RMSE and the time it took."""

    predictions: np.ndarray
    rmse: float
    seconds: float


def evaluate(
    x: np.ndarray, y: np.ndarray, split: ChronologicalSplit, models: Mapping[str, Trainer], refit_every: int = 1
) -> dict[str, Forecast]:
    """Each named model forecasts the test block ``y[split.test_idx]`` :func:`walk_forward`
    (refitted every ``refit_every`` pairs on all pairs before the forecast), in the given order."""
    forecasts = {}
    for name, trainer in models.items():
        start = time.perf_counter()
        predictions = walk_forward(x, y, split.validation, trainer, refit_every)
        seconds = time.perf_counter() - start
        forecasts[name] = Forecast(predictions, rmse(predictions, y[split.test_idx]), seconds)
    return forecasts


@dataclass(frozen=True)
class BetaSelection:
    r"""One architecture's validation path: for each $\beta$ of the grid, the validation RMSE
    of the optimal network fitted on the training block and the number of features it uses."""

    architecture: Architecture
    betas: np.ndarray
    validation_rmse: np.ndarray
    features: np.ndarray

    @property
    def best(self) -> int:
        """Index of the smallest validation RMSE (the first, on ties)."""
        return int(np.argmin(self.validation_rmse))

    @property
    def beta(self) -> float:
        return float(self.betas[self.best])

    @property
    def n_features(self) -> int:
        """Features used by the network at the chosen $\\beta$."""
        return int(self.features[self.best])


def select_beta(
    architecture: Architecture, x: np.ndarray, y: np.ndarray, split: ChronologicalSplit, fractions: Sequence[float]
) -> BetaSelection:
    r"""Choose $\beta$ on the validation block from the grid $\beta = c\,\beta_{\max}$, $c \in$ ``fractions``.

    $\beta_{\max}$ is that of the training block (above it the optimal network is constant).
    Each optimum is fitted on the training pairs only and scored by its RMSE on the validation
    pairs; the test block is never read. ``x`` may be a table of lags (:func:`lagged_table`): then
    the network is additive over the lags and $\beta_{\max}$ that of the stacked libraries.
    """
    x_train, y_train = x[split.train_idx], y[split.train_idx]
    name, depth, options = architecture.activation.name, architecture.depth, architecture.options
    if np.ndim(x) == 2:  # several lags: the additive network, one 1-D network per lag
        betas = additive_beta_max(x_train, y_train, depth, name, **options) * np.asarray(fractions, dtype=float)
        fits = [fit_additive(x_train, y_train, depth, name, beta, **options) for beta in betas]
    else:
        library = architecture.library(x_train)
        betas = beta_max(library.A, y_train) * np.asarray(fractions, dtype=float)
        fits = [fit_library(library, y_train, beta) for beta in betas]
    x_val, y_val = x[split.validation_idx], y[split.validation_idx]
    return BetaSelection(
        architecture,
        betas,
        np.array([rmse(f.predict(x_val), y_val) for f in fits]),
        np.array([f.solution.support.size for f in fits]),
    )


def convex_trainer(architecture: Architecture, beta: float) -> Trainer:
    """A trainer that fits the globally optimal ``architecture`` network at ``beta`` (:func:`lmirrors.fit`;
    on a table of several lags the additive network, :func:`~lmirrors.fitting.fit_additive`)."""
    name, depth, options = architecture.activation.name, architecture.depth, architecture.options
    return lambda xs, ys: (fit_additive if np.ndim(xs) == 2 else fit)(xs, ys, depth, name, beta, **options).predict


def last_value(x: np.ndarray, y: np.ndarray) -> Predictor:
    """Random-walk baseline: tomorrow equals today (for returns: use :func:`zero`)."""
    return lambda new_x: np.asarray(new_x, dtype=float)


def zero(x: np.ndarray, y: np.ndarray) -> Predictor:
    """Zero-return baseline (the random walk written in returns)."""
    return lambda new_x: np.zeros(np.size(new_x))


def linear_ar1(x: np.ndarray, y: np.ndarray) -> Predictor:
    r"""Least-squares AR(1): $\hat s_{t+1} = a + b\, s_t$."""
    b, a = np.polyfit(x, y, 1)
    return lambda new_x: a + b * np.asarray(new_x, dtype=float)


def linear_ar(X: np.ndarray, y: np.ndarray) -> Predictor:
    r"""Least-squares AR($p$) on a table of lags: $\hat s_{t+1} = a + \sum_k b_k\, s_{t-k}$."""
    X = np.asarray(X, dtype=float)
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), y, rcond=None)
    return lambda new_X: coef[0] + np.asarray(new_X, dtype=float) @ coef[1:]


def first_columns(trainer: Trainer, p: int) -> Trainer:
    """``trainer`` on the first ``p`` columns of a table of lags, so models with fewer lags can be
    evaluated on the same rows as those with more."""

    def train(X: np.ndarray, y: np.ndarray) -> Predictor:
        predict = trainer(np.asarray(X)[:, :p], y)
        return lambda new_X: predict(np.asarray(new_X)[:, :p])

    return train


def compared(a: float, b: float) -> str:
    r"""How error ``a`` compares with error ``b``: ``"12.3 % lower than"`` or ``"4.0 % higher than"``
    ($100\,|a/b - 1|$ per cent)."""
    change = 100 * (a / b - 1)
    return f"{abs(change):.1f} % {'lower' if change < 0 else 'higher'} than"


@dataclass(frozen=True)
class ForecastComparison:
    r"""Forecast ``a`` against forecast ``b`` on the same targets, with its uncertainty.

    ``rmse_difference`` is $\mathrm{RMSE}_a - \mathrm{RMSE}_b$ (negative: ``a`` is better),
    ``interval`` its moving-block bootstrap percentile interval, and ``statistic`` and ``p_value``
    the two-sided Diebold--Mariano test of equal mean squared error.
    """

    rmse_difference: float
    interval: tuple[float, float]
    statistic: float
    p_value: float
    level: float
    block: int

    @property
    def significant(self) -> bool:
        """Whether the test rejects equal accuracy at ``1 - level`` (and the interval excludes 0)."""
        return bool(self.p_value < 1 - self.level and not self.interval[0] <= 0 <= self.interval[1])


def compare_forecasts(
    y, a, b, level: float = 0.95, resamples: int = 5000, block: int | None = None, seed: int = 0
) -> ForecastComparison:
    r"""How much better forecast ``a`` is than ``b`` on targets ``y``, and whether that is noise.

    With loss differences $d_t = (y_t - a_t)^2 - (y_t - b_t)^2$, $t = 1..n$, the one-step
    Diebold--Mariano statistic with the Harvey--Leybourne--Newbold small-sample factor is
    $\sqrt{(n-1)/n}\;\bar d / \sqrt{\hat\gamma_0 / n}$, $\hat\gamma_0 = \tfrac1n\sum_t (d_t - \bar d)^2$,
    referred to Student's $t_{n-1}$. The interval resamples circular blocks of ``block``
    consecutive months (default $\lceil n^{1/3} \rceil$), keeping short-range dependence, and
    reports the percentiles of $\mathrm{RMSE}_a - \mathrm{RMSE}_b$ over ``resamples`` draws.
    """
    from scipy import stats

    y, a, b = (np.asarray(v, dtype=float) for v in (y, a, b))
    if y.ndim != 1 or y.shape != a.shape or y.shape != b.shape or y.size < 3:
        raise ValueError(f"y, a and b must be 1-D of one length >= 3, got {y.shape}, {a.shape}, {b.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    n = y.size
    block = int(np.ceil(n ** (1 / 3))) if block is None else int(block)
    if not 1 <= block <= n:
        raise ValueError(f"block must be between 1 and the number of targets {n}, got {block}")
    loss_a, loss_b = (y - a) ** 2, (y - b) ** 2
    d = loss_a - loss_b
    spread = float(np.mean((d - d.mean()) ** 2))
    if spread == 0.0:
        statistic, p_value = 0.0, 1.0
    else:
        statistic = float(np.sqrt((n - 1) / n) * d.mean() / np.sqrt(spread / n))
        p_value = float(2 * stats.t.sf(abs(statistic), df=n - 1))
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n, size=(resamples, -(-n // block)))
    index = ((starts[:, :, None] + np.arange(block)) % n).reshape(resamples, -1)[:, :n]
    draws = np.sqrt(loss_a[index].mean(axis=1)) - np.sqrt(loss_b[index].mean(axis=1))
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    difference = float(np.sqrt(loss_a.mean()) - np.sqrt(loss_b.mean()))
    return ForecastComparison(difference, (float(low), float(high)), statistic, p_value, float(level), block)
