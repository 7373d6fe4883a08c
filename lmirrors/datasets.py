"""Data sets: the Bitcoin price series of chapter 5 (monthly and daily), verified against their manifests."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def data_directory() -> Path:
    """The project's ``data/``: beside the package in a source checkout, inside it
    (``lmirrors/data/``) in an installed wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "data", package / "data"):
        if (candidate / "bitcoin.json").is_file():
            return candidate
    raise FileNotFoundError(f"no data/bitcoin.json beside or inside {package}: reinstall lmirrors")


MANIFEST = data_directory() / "bitcoin.json"
DAILY_MANIFEST = MANIFEST.with_name("bitcoin_daily.json")


@dataclass(frozen=True)
class PriceSeries:
    """Dates (``numpy.datetime64[D]``) and closing prices of one asset."""

    name: str
    dates: np.ndarray
    close: np.ndarray

    @property
    def log_close(self) -> np.ndarray:
        return np.log(self.close)

    @property
    def log_returns(self) -> np.ndarray:
        r"""$r_t = \log P_t - \log P_{t-1}$ (one shorter than the series)."""
        return np.diff(self.log_close)


def _package_file(package: str, relative: str) -> Path:
    """Locate a data file inside an installed package (or beside an installed top-level module)
    without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not (spec.submodule_search_locations or spec.origin):
        raise ValueError(
            f"the package {package!r} that ships this data set is not installed; "
            "run `make book` (or install requirements.lock and requirements-data.lock) to install it"
        )
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / relative
    return Path(spec.origin).parent / relative


def _verified_bytes(manifest: str | Path) -> tuple[dict, Path, bytes]:
    """The manifest, the data file's path and its bytes, checked against the manifest's SHA-256."""
    meta = json.loads(Path(manifest).read_text())
    path = _package_file(meta["package"], meta["path_in_package"])
    if not path.is_file():
        raise ValueError(f"{path} is missing from the installed {meta['package']!r}; reinstall it")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta["sha256"]:
        raise ValueError(
            f"{path} has SHA-256 {digest}, but {manifest} expects {meta['sha256']}: the file changed "
            f"(another {meta['package']} version?); install the pinned version from requirements.lock"
        )
    return meta, path, raw


def load_bitcoin(manifest: str | Path = MANIFEST) -> PriceSeries:
    """Monthly BTC/USD closes, checked byte for byte against the manifest's SHA-256."""
    meta, path, raw = _verified_bytes(manifest)
    rows = list(csv.reader(raw.decode().splitlines()))
    header, body = rows[0], rows[1:]
    close = header.index("Close")
    series = PriceSeries(
        meta["name"],
        np.array([row[0] for row in body], dtype="datetime64[D]"),
        np.array([float(row[close]) for row in body]),
    )
    if series.close.size != meta["rows"] or not np.all(series.close > 0):
        raise ValueError(f"{path}: expected {meta['rows']} positive closes, got {series.close.size}")
    return series


def load_bitcoin_daily(manifest: str | Path = DAILY_MANIFEST) -> PriceSeries:
    """Daily BTC/USD closes of one exchange, checked byte for byte against the manifest's SHA-256.

    The file is an SQLite database, opened read-only after the check. Days with no trade (all
    prices 0) are dropped, so a few consecutive closes are more than one day apart.
    """
    meta, path, _ = _verified_bytes(manifest)
    query = meta["query"]
    with sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True) as db:
        rows = db.execute(
            "SELECT day, close FROM price WHERE exchange = ? AND symbol = ? ORDER BY day",
            (query["exchange"], query["symbol"]),
        ).fetchall()
    if len(rows) != meta["rows"]:
        raise ValueError(f"{path}: expected {meta['rows']} rows for {query}, got {len(rows)}")
    dates = np.array([day for day, _ in rows], dtype="datetime64[D]")
    close = np.array([float(c) for _, c in rows])
    traded = close > 0
    return PriceSeries(meta["name"], dates[traded], close[traded])
