"""Reliability probe 1c: SED tables given to ``classify_sed``.

The network is a tiny untrained ensemble (synthetic weights, tests only; `test_classification`): what is
checked is what reaches it and what the row says. On fe6140e an SED whose points all lay off the
grid got a probability from an all-empty input (#30); masked (null) fluxes were used as data
(#36); and a plain ``frequency``/``nufnu`` table raised ``KeyError: 'catalog'`` as soon as one
point was off the grid (#22).
"""
import numpy as np
import pytest
from astropy import units as u
from astropy.table import MaskedColumn, QTable, Table

from vo_blazar.classifier.classification import classify_sed
from vo_blazar.sed import NUFNU_UNIT, as_sed

try:
    from .test_classification import tiny_ensembles
except ImportError:
    from test_classification import tiny_ensembles


@pytest.fixture(scope="module")
def ensembles():
    return tiny_ensembles()


@pytest.fixture(scope="module")
def on_grid(ensembles):
    """Frequencies of the no-gamma test grid's cells (on the grid by construction) and one off it."""
    cells = ensembles["nogamma"].grid.frequencies.to_value(u.Hz)
    off = cells[0] / 1000                       # below the first cell (e.g. 1e5 Hz in the probe)
    assert ensembles["nogamma"].grid.cell_index([off] * u.Hz)[0] == -1
    return cells, off


@pytest.mark.parametrize("as_user_table", [False, True])
def test_sed_of_off_grid_points_only_gets_nan_and_the_reason(ensembles, on_grid, as_user_table):
    _, off = on_grid
    table = QTable({"frequency": [off, off * 1.01] * u.Hz, "nufnu": [1e-14, 2e-14] * NUFNU_UNIT})
    sed = table if as_user_table else as_sed(table)
    row = classify_sed(sed, ensembles=ensembles)[0]
    assert np.isnan(row["p_blazar"]) and not row["is_blazar"]
    assert "no point falls on the model's frequency grid: not classified" in row["warnings"]
    assert "2 point(s) off the model grid" in row["warnings"]


def test_off_grid_detections_with_on_grid_upper_limits_only_are_not_classified(ensembles, on_grid):
    cells, off = on_grid
    sed = as_sed(QTable({"frequency": [off, cells[10]] * u.Hz, "nufnu": [1e-14, 1e-13] * NUFNU_UNIT,
                         "upper_limit": [False, True]}))
    row = classify_sed(sed, ensembles=ensembles)[0]
    assert np.isnan(row["p_blazar"])
    assert "only upper limits on the model's frequency grid: not classified" in row["warnings"]


def test_plain_frequency_nufnu_table_with_an_off_grid_point_is_classified(ensembles, on_grid):
    cells, off = on_grid
    table = QTable({"frequency": [cells[2], cells[12], off] * u.Hz,
                    "nufnu": [1e-14, 1e-12, 1e-13] * NUFNU_UNIT})
    row = classify_sed(table, ensembles=ensembles)[0]      # fe6140e: KeyError 'catalog'
    assert np.isfinite(row["p_blazar"])
    assert f"1 point(s) off the model grid were ignored ({off:.4g} Hz)" in row["warnings"]


def _sed_table(cells, masked):
    freq = np.repeat(cells[::3][:5], 5) * (1 + 1e-4 * np.tile(np.arange(5), 5))
    flux = np.linspace(1e-14, 5e-13, freq.size)
    cls = Table if masked else QTable
    t = cls({"frequency": freq, "nufnu": flux, "catalog": ["SYN"] * freq.size, "band": ["b"] * freq.size},
            masked=masked)
    t["frequency"].unit, t["nufnu"].unit = u.Hz, NUFNU_UNIT
    return t


@pytest.mark.parametrize("through_as_sed", [False, True])
def test_masked_fluxes_are_not_data(ensembles, on_grid, through_as_sed):
    cells, _ = on_grid
    clean = _sed_table(cells, masked=False)
    masked = _sed_table(cells, masked=True)
    masked["nufnu"].mask[:5] = True
    masked["nufnu"].data.data[:5] = 1e-3       # garbage under the mask must change nothing
    expected = classify_sed(clean[5:], ensembles=ensembles)[0]
    row = classify_sed(as_sed(masked) if through_as_sed else masked, ensembles=ensembles)[0]
    assert row["n_points"] == 20 == expected["n_points"]                      # fe6140e: 25
    assert row["p_blazar"] == pytest.approx(expected["p_blazar"], rel=1e-6)


def test_masked_quantity_columns_of_a_qtable_are_not_data(ensembles, on_grid):
    cells, _ = on_grid
    masked = _sed_table(cells, masked=True)
    masked["nufnu"].mask[:5] = True
    masked["nufnu"].data.data[:5] = 1e-3
    qt = QTable(masked)                       # MaskedQuantity columns
    row = classify_sed(qt, ensembles=ensembles)[0]
    assert row["n_points"] == 20


def test_masked_frequency_is_not_data(ensembles, on_grid):
    cells, _ = on_grid
    t = _sed_table(cells, masked=True)
    t["frequency"] = MaskedColumn(t["frequency"], mask=[True] * 3 + [False] * 22, unit=u.Hz)
    row = classify_sed(t, ensembles=ensembles)[0]
    assert row["n_points"] == 22
