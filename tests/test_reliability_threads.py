"""Reliability probe 2c (#91, #92): SEDs and classifications built from several threads at once.

On fe6140e 3 of 8 concurrent ``classify`` calls crashed with ``UnitTypeError: Angle instances
require units equivalent to 'rad'``: Quantity and Angle share one class-level ``info`` descriptor,
and the SED's ``separation`` column (an Angle) re-pointed it at Angle while another thread stacked
frequency columns. The network here is a tiny untrained ensemble (synthetic weights): the race was
in the SED path, and the comparison is between threaded and sequential answers of the same models.
"""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import Angle, SkyCoord
from astropy.table import Table

import vo_blazar
from vo_blazar.classifier import classification as classifier
from vo_blazar.pipeline import build_sed

try:
    from .test_classification import tiny_ensembles
except ImportError:
    from test_classification import tiny_ensembles


@pytest.fixture(scope="module")
def positions():
    # the shipped labelled list (read directly: positions only, labels unused)
    sources = Table.read(Path(vo_blazar.__file__).parent / "data" / "labels" / "sources.ecsv")
    rows = sources[np.linspace(0, len(sources) - 1, 96).astype(int)]
    return SkyCoord(np.asarray(rows["ra"], float), np.asarray(rows["dec"], float), unit="deg")


def test_sed_columns_are_plain_quantities_not_angles():
    """The deterministic root of the race: no SED column may be an Angle (or Latitude)."""
    sed = build_sed(SkyCoord(77.35818, 5.69315, unit="deg"), offline=True, cache=False)
    assert len(sed) > 10
    for name in sed.colnames:
        assert not isinstance(sed[name], Angle), f"column {name} is a {type(sed[name]).__name__}"
    assert type(sed["separation"]) is u.Quantity and sed["separation"].unit == u.arcsec


def _same_sed(a: Table, b: Table) -> None:
    assert a.colnames == b.colnames and len(a) == len(b)
    for name in ("frequency", "nufnu", "separation"):
        np.testing.assert_array_equal(np.asarray(a[name].value), np.asarray(b[name].value))
    assert list(a["catalog"]) == list(b["catalog"])


def test_build_sed_from_8_threads_matches_sequential(positions):
    sequential = [build_sed(c, offline=True, cache=False) for c in positions]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(lambda c: build_sed(c, offline=True, cache=False), positions))
    for a, b in zip(sequential, threaded):
        _same_sed(a, b)


def test_8_concurrent_classify_calls_give_the_sequential_answers(positions, monkeypatch):
    ensembles = tiny_ensembles()
    monkeypatch.setattr(classifier, "get_ensemble", lambda variant: ensembles[variant])
    groups = [positions[i::8] for i in range(8)]
    sequential = [classifier.classify(g, offline=True, cache=False) for g in groups]
    threaded = []
    for _ in range(3):   # the race hit about one call in three on fe6140e: three rounds of 8
        with ThreadPoolExecutor(8) as pool:
            threaded += list(pool.map(lambda g: classifier.classify(g, offline=True, cache=False), groups))
    for a, b in zip(sequential * 3, threaded):
        assert list(a["n_points"]) == list(b["n_points"])
        assert list(a["model"]) == list(b["model"])
        np.testing.assert_allclose(np.asarray(a["p_blazar"]), np.asarray(b["p_blazar"]), rtol=1e-6)
        assert list(a["warnings"]) == list(b["warnings"])
