"""Autoregression helpers: lagged pairs, chronological splits, walk-forward without peeking."""

import numpy as np
import pytest

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
