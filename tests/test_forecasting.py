"""Autoregression helpers: lagged pairs, chronological splits, walk-forward without peeking."""

import numpy as np
import pytest

import lmirrors
from lmirrors import forecasting as fc


def test_lagged_pairs_shift_by_one():
    x, y = fc.lagged_pairs([1.0, 2.0, 4.0, 8.0])
    np.testing.assert_array_equal(x, [1, 2, 4])
    np.testing.assert_array_equal(y, [2, 4, 8])
    with pytest.raises(ValueError, match="at least 3"):
        fc.lagged_pairs([1.0, 2.0])


def test_split_blocks_are_consecutive_and_cover_everything():
    split = fc.ChronologicalSplit.fractions(100, validation=0.15, test=0.15)
    idx = np.arange(100)
    parts = [idx[split.train_idx], idx[split.validation_idx], idx[split.test_idx]]
    assert [p.size for p in parts] == [70, 15, 15]
    np.testing.assert_array_equal(np.concatenate(parts), idx)
    with pytest.raises(ValueError, match="fractions"):
        fc.ChronologicalSplit.fractions(100, validation=0.6, test=0.5)


def test_walk_forward_never_sees_the_future():
    x = np.arange(20.0)
    y = x + 1
    seen = []

    def trainer(xs, ys):
        seen.append(xs.size)
        return lambda new_x: np.full(np.size(new_x), ys[-1])

    predictions = fc.walk_forward(x, y, start=12, trainer=trainer, refit_every=3)
    assert seen == [12, 15, 18], "refits happen every 3 steps on the pairs before the forecast"
    # With refit_every=3 the forecast for pair t uses the last target known at the refit.
    np.testing.assert_array_equal(predictions, [12, 12, 12, 15, 15, 15, 18, 18])
    with pytest.raises(ValueError, match="refit_every"):
        fc.walk_forward(x, y, 12, trainer, refit_every=0)


def test_baselines():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = 0.5 + 2.0 * x
    np.testing.assert_allclose(fc.linear_ar1(x, y)(np.array([10.0])), [20.5])
    np.testing.assert_array_equal(fc.last_value(x, y)(x), x)
    np.testing.assert_array_equal(fc.zero(x, y)(x), np.zeros(4))
    assert fc.rmse([0.0, 0.0], [3.0, 4.0]) == pytest.approx(np.sqrt(12.5))


def test_before_test_block_is_training_and_validation():
    split = fc.ChronologicalSplit.fractions(100)
    idx = np.arange(100)
    np.testing.assert_array_equal(idx[split.before_test_idx], np.r_[idx[split.train_idx], idx[split.validation_idx]])


def _pairs(y_validation, n_train=30, seed=0):
    """Training pairs with noisy targets, then validation pairs inside the training range."""
    rng = np.random.default_rng(seed)
    x = np.r_[rng.uniform(0, 1, n_train), np.linspace(0.1, 0.9, 5), np.full(5, 0.5)]
    y = np.r_[rng.normal(size=n_train), y_validation(x[n_train : n_train + 5]), np.zeros(5)]
    return x, y, fc.ChronologicalSplit(x.size, n_train, n_train + 5)


def test_select_beta_picks_the_constant_when_the_validation_targets_are_the_training_mean():
    # Validation targets equal the training mean: the constant network (beta above beta_max)
    # forecasts them exactly, every smaller beta fits noise.
    x, y, split = _pairs(lambda xv: np.zeros(xv.size))
    y[split.validation_idx] = y[split.train_idx].mean()
    selection = fc.select_beta(lmirrors.Architecture(2, "relu"), x, y, split, [1e-3, 1e-2, 0.1, 1.5])
    assert selection.best == 3 and selection.n_features == 0
    assert selection.validation_rmse[3] < 1e-12 < selection.validation_rmse[:3].min()
    assert list(selection.features[:3]) != [0, 0, 0]


def test_select_beta_picks_the_smallest_beta_when_the_law_is_exact():
    # y = 1 + 0.5 x exactly (one ramp of the library): shrinkage only hurts.
    x, y, split = _pairs(lambda xv: 1 + 0.5 * xv)
    y[split.train_idx] = 1 + 0.5 * x[split.train_idx]
    fractions = [0.9, 0.3, 1e-4, 1e-2]
    selection = fc.select_beta(lmirrors.Architecture(2, "relu"), x, y, split, fractions)
    assert selection.best == 2 and selection.beta == pytest.approx(selection.betas.max() / 0.9 * 1e-4)
    assert selection.validation_rmse[2] < 1e-3 < selection.validation_rmse[0]


def test_select_beta_never_reads_the_test_block():
    x, y, split = _pairs(lambda xv: np.sin(3 * xv))
    architecture = lmirrors.Architecture(3, "abs")
    before = fc.select_beta(architecture, x, y, split, [1e-3, 0.1, 0.5])
    x[split.test_idx], y[split.test_idx] = 1e6, -1e6
    after = fc.select_beta(architecture, x, y, split, [1e-3, 0.1, 0.5])
    np.testing.assert_array_equal(before.validation_rmse, after.validation_rmse)
    y[split.validation - 1] += 1.0  # the validation block does matter
    changed = fc.select_beta(architecture, x, y, split, [1e-3, 0.1, 0.5])
    assert not np.array_equal(before.validation_rmse, changed.validation_rmse)


def test_evaluate_forecasts_each_named_model_walk_forward():
    x = np.arange(20.0)
    y = 2 * x
    split = fc.ChronologicalSplit(20, 10, 14)
    seen = []

    def mean_so_far(xs, ys):
        seen.append(xs.size)
        return lambda new_x: np.full(np.size(new_x), ys.mean())

    forecasts = fc.evaluate(x, y, split, {"mean": mean_so_far, "AR(1)": fc.linear_ar1}, refit_every=2)
    assert list(forecasts) == ["mean", "AR(1)"]
    assert seen == [14, 16, 18], "refits on the pairs before each forecast, from the test block on"
    np.testing.assert_allclose(forecasts["AR(1)"].predictions, y[14:])
    assert forecasts["AR(1)"].rmse < 1e-10
    expected = [y[:14].mean()] * 2 + [y[:16].mean()] * 2 + [y[:18].mean()] * 2
    np.testing.assert_allclose(forecasts["mean"].predictions, expected)
    assert forecasts["mean"].rmse == pytest.approx(fc.rmse(expected, y[14:]))
    assert forecasts["mean"].seconds >= 0


def test_convex_trainer_fits_the_architecture_with_its_options():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, 12), rng.normal(size=12)
    grid = np.linspace(-1.5, 1.5, 7)
    architecture = lmirrors.Architecture(2, "leaky_relu", slope=0.3)
    predict = fc.convex_trainer(architecture, 0.05)(x, y)
    want = lmirrors.fit(x, y, 2, "leaky_relu", 0.05, slope=0.3).predict(grid)
    np.testing.assert_allclose(predict(grid), want, atol=1e-10)
    default_slope = lmirrors.fit(x, y, 2, "leaky_relu", 0.05).predict(grid)
    assert np.abs(want - default_slope).max() > 1e-3


def test_compared_says_lower_or_higher():
    assert fc.compared(0.9, 1.0) == "10.0 % lower than"
    assert fc.compared(1.05, 1.0) == "5.0 % higher than"


def test_compare_forecasts_by_hand_and_its_uncertainty():
    rng = np.random.default_rng(3)
    y = rng.normal(size=200)
    good, bad = y + 0.3 * rng.normal(size=200), y + 1.0 * rng.normal(size=200)
    result = fc.compare_forecasts(y, good, bad)
    # Diebold-Mariano by hand: mean loss difference over its standard error, small-sample factor.
    d = (y - good) ** 2 - (y - bad) ** 2
    by_hand = np.sqrt(199 / 200) * d.mean() / np.sqrt(d.var() / 200)
    assert abs(result.statistic - by_hand) < 1e-12 and result.statistic < -5
    assert result.p_value < 1e-6 and result.significant
    assert abs(result.rmse_difference - (fc.rmse(good, y) - fc.rmse(bad, y))) < 1e-12
    low, high = result.interval
    assert low < result.rmse_difference < high < 0
    assert result.block == 6  # ceil(200 ** (1/3))
    # Swapping the forecasts mirrors everything; two forecasts of equal quality are not told apart.
    swapped = fc.compare_forecasts(y, bad, good)
    assert abs(swapped.statistic + result.statistic) < 1e-12 and swapped.p_value == result.p_value
    twin = fc.compare_forecasts(y, y + 0.5 * rng.normal(size=200), y + 0.5 * rng.normal(size=200))
    assert twin.interval[0] < 0 < twin.interval[1] and not twin.significant
    same = fc.compare_forecasts(y, good, good)
    assert same.p_value == 1.0 and same.interval == (0.0, 0.0) and not same.significant


def test_compare_forecasts_rejects_bad_input():
    y = np.arange(10.0)
    with pytest.raises(ValueError, match="one length"):
        fc.compare_forecasts(y, y[:-1], y)
    with pytest.raises(ValueError, match="level"):
        fc.compare_forecasts(y, y, y, level=1.5)
    with pytest.raises(ValueError, match="block"):
        fc.compare_forecasts(y, y, y, block=11)


def test_lagged_table_rows_are_the_past_values():
    s = np.arange(10.0) ** 2
    X, y = fc.lagged_table(s, 3)
    assert X.shape == (7, 3) and y.shape == (7,)
    np.testing.assert_array_equal(X[0], [s[2], s[1], s[0]])
    np.testing.assert_array_equal(y, s[3:])
    x1, y1 = fc.lagged_pairs(s)
    np.testing.assert_array_equal(fc.lagged_table(s, 1)[0][:, 0], x1)
    np.testing.assert_array_equal(fc.lagged_table(s, 1)[1], y1)
    with pytest.raises(ValueError, match="positive integer"):
        fc.lagged_table(s, 0)
    with pytest.raises(ValueError, match="at least"):
        fc.lagged_table(s[:4], 3)


def test_linear_ar_recovers_an_exact_autoregression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    y = 0.5 + X @ np.array([0.3, -0.2])
    np.testing.assert_allclose(fc.linear_ar(X, y)(X[:4]), y[:4], atol=1e-12)


def test_one_lag_table_selects_as_the_pairs_do():
    rng = np.random.default_rng(1)
    series = np.cumsum(rng.standard_normal(60)) * 0.1
    x, y = fc.lagged_pairs(series)
    split = fc.ChronologicalSplit.fractions(y.size)
    arch = lmirrors.Architecture(2, "relu")
    pairs = fc.select_beta(arch, x, y, split, [0.5, 0.1, 0.01])
    table = fc.select_beta(arch, x[:, None], y, split, [0.5, 0.1, 0.01])
    np.testing.assert_allclose(table.betas, pairs.betas, rtol=1e-10)
    np.testing.assert_allclose(table.validation_rmse, pairs.validation_rmse, rtol=1e-7)
    predict = fc.convex_trainer(arch, pairs.beta)(x[:, None][:30], y[:30])
    np.testing.assert_allclose(
        predict(x[30:35, None]), fc.convex_trainer(arch, pairs.beta)(x[:30], y[:30])(x[30:35]), atol=1e-7
    )


def test_first_columns_fits_once_on_the_first_lags():
    calls = []

    def trainer(X, y):
        calls.append(X.shape)
        return lambda new: new.sum(axis=1)

    predict = fc.first_columns(trainer, 2)(np.ones((5, 4)), np.zeros(5))
    np.testing.assert_array_equal(predict(np.arange(8.0).reshape(2, 4)), [1.0, 9.0])
    assert calls == [(5, 2)]
