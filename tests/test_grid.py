"""Tests of vo_blazar.grid with synthetic SEDs (invented numbers, named ``synthetic_*``)."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable, Table

from vo_blazar.exceptions import InputTypeError, InputValueError, ModelError
from vo_blazar.grid import FluxScaling, FrequencyGrid, default_grid
from vo_blazar.registry.catalogue import AccessSpec, Catalogue, PointSpec
from vo_blazar.sed.table import NUFNU_UNIT, make_sed

LOG_NU = np.array([9.0, 14.0, 15.0, 18.0, 22.0, 25.0])


@pytest.fixture
def synthetic_grid() -> FrequencyGrid:
    return FrequencyGrid((10.0 ** LOG_NU) * u.Hz, tolerance_dex=0.05, name="synthetic")


def synthetic_sed(log_nu, log_nufnu, ul=None) -> QTable:
    log_nu = np.asarray(log_nu, dtype=float)
    cols = {"frequency": (10.0 ** log_nu) * u.Hz,
            "nufnu": (10.0 ** np.asarray(log_nufnu, dtype=float)) * NUFNU_UNIT}
    if ul is not None:
        cols["upper_limit"] = np.asarray(ul, dtype=bool)
    return make_sed(cols)


def test_known_sed_cells_channels_and_absolute_scaling(synthetic_grid):
    sed = synthetic_sed([9.0, 15.0, 22.0], [-13.0, -11.0, -12.0], ul=[False, False, True])
    X = synthetic_grid.encode(sed)
    assert X.shape == (6, 2) and X.dtype == np.float32
    s = synthetic_grid.scaling
    expect = lambda lv: s.floor + (1 - s.floor) * (lv - s.log_min) / (s.log_max - s.log_min)  # noqa: E731
    np.testing.assert_allclose(X[:, 0], [expect(-13), 0, expect(-11), 0, expect(-12), 0], rtol=1e-6)
    np.testing.assert_array_equal(X[:, 1], [0, 0, 0, 0, 1, 0])
    # with the defaults (-18 .. -8, floor 0.01): -13 -> 0.505 exactly
    assert X[0, 0] == pytest.approx(0.505, abs=1e-6)


def test_shape_scaling_is_relative_to_the_sed_maximum(synthetic_grid):
    grid = synthetic_grid.with_scaling("shape", range_dex=6.0)
    sed = synthetic_sed([9.0, 15.0, 22.0], [-13.0, -11.0, -20.0])
    X = grid.encode(sed)
    assert X[2, 0] == pytest.approx(1.0)                       # the maximum
    assert X[0, 0] == pytest.approx(0.01 + 0.99 * (1 - 2 / 6))  # 2 dex below it
    # 9 dex below: clipped to the floor, still present
    assert X[4, 0] == pytest.approx(0.01)
    brighter = synthetic_sed([9.0, 15.0, 22.0], [-10.0, -8.0, -17.0])
    np.testing.assert_allclose(grid.encode(brighter), X, atol=1e-6)  # shape only: distance drops out


def test_shape_level_scaling_adds_the_absolute_level_as_channel_2(synthetic_grid):
    grid = synthetic_grid.with_scaling("shape_level")
    assert grid.shape == (6, 3) and synthetic_grid.shape == (6, 2)
    sed = synthetic_sed([9.0, 15.0, 22.0], [-13.0, -11.0, -20.0], ul=[False, False, True])
    X = grid.encode(sed)
    assert X.shape == (6, 3) and X.dtype == np.float32
    np.testing.assert_array_equal(X[:, :2], synthetic_grid.with_scaling("shape").encode(sed))
    np.testing.assert_array_equal(X[:, 2], synthetic_grid.encode(sed)[:, 0])   # the absolute rule
    assert X[0, 2] == pytest.approx(0.505, abs=1e-6)                             # -13 on -18 .. -8
    assert X[1, 2] == 0.0 and X[3, 2] == 0.0                                     # empty cells stay empty
    brighter = synthetic_sed([9.0, 15.0, 22.0], [-12.0, -10.0, -19.0], ul=[False, False, True])
    Xb = grid.encode(brighter)
    np.testing.assert_allclose(Xb[:, 0], X[:, 0], atol=1e-6)        # same shape ...
    np.testing.assert_allclose(Xb[[0, 2], 2] - X[[0, 2], 2], 0.099, atol=1e-6)  # ... 1 dex higher
    assert Xb[4, 2] == X[4, 2] == pytest.approx(0.01)                # below -18: clipped, still present
    assert FrequencyGrid.from_dict(grid.to_dict()).shape == (6, 3)


def test_missing_cells_are_apart_from_the_faintest_detection(synthetic_grid):
    sed = synthetic_sed([9.0], [-30.0])  # far below the absolute bounds
    X = synthetic_grid.encode(sed)
    assert X[0, 0] == pytest.approx(synthetic_grid.scaling.floor)
    assert np.all(X[1:, 0] == 0.0)


def test_highest_detection_wins_and_detection_beats_limit(synthetic_grid):
    sed = synthetic_sed([15.0, 15.01, 15.0, 14.0, 14.0], [-12.0, -11.5, -10.0, -13.0, -12.5],
                        ul=[False, False, True, True, True])
    X, report = synthetic_grid.encode(sed, return_report=True)
    ref = synthetic_grid.encode(synthetic_sed([15.0, 14.0], [-11.5, -13.0], ul=[False, True]))
    np.testing.assert_array_equal(X, ref)       # highest detection at 15; lowest limit at 14
    assert X[2, 1] == 0 and X[1, 1] == 1
    assert report.n_used == 5 and report.n_snapped == 1 and report.n_dropped == 0


def test_snapping_and_dropping_are_counted(synthetic_grid):
    sed = synthetic_sed([14.04, 16.5, 30.0, 15.0], [-12.0, -12.0, -12.0, -12.0])
    X, report = synthetic_grid.encode(sed, return_report=True)
    assert report.n_points == 4 and report.n_used == 2
    assert report.n_snapped == 1 and report.max_snap_dex == pytest.approx(0.04)
    assert report.dropped["between_cells"] == 1 and report.dropped["beyond_range"] == 1
    assert report.dropped_per_sed.tolist() == [2]
    assert X[1, 0] > 0 and X[2, 0] > 0
    assert synthetic_grid.cell_index(10 ** np.array([14.04, 16.5]) * u.Hz).tolist() == [1, -1]
    # the encoder's one snapping, per point: the cell, -1 where the point was dropped
    assert report.cells.tolist() == [1, -1, -1, 2]


def test_bad_flux_values_are_reported_drops(synthetic_grid):
    sed = synthetic_sed([9.0, 14.0, 15.0, 18.0], [-12.0, -12.0, -12.0, -12.0])
    sed["nufnu"][1] = 0 * NUFNU_UNIT
    sed["nufnu"][2] = -1e-12 * NUFNU_UNIT
    sed["nufnu"][3] = np.nan * NUFNU_UNIT
    X, report = synthetic_grid.encode(sed, return_report=True)
    assert report.dropped["nonpositive_flux"] == 2 and report.dropped["nonfinite_flux"] == 1
    assert np.count_nonzero(X[:, 0]) == 1


def test_no_usable_flux_is_an_error(synthetic_grid):
    sed = synthetic_sed([9.0, 14.0], [-12.0, -12.0])
    sed["nufnu"] = [np.nan, -1.0] * NUFNU_UNIT
    with pytest.raises(InputValueError, match="no usable point"):
        synthetic_grid.encode(sed)
    with pytest.raises(InputValueError, match="no usable point"):
        synthetic_grid.encode(make_sed({}, n=0))
    X, report = synthetic_grid.encode_many([sed, synthetic_sed([9.0], [-12.0])], return_report=True,
                                           on_empty="missing")
    assert report.empty == [0] and np.all(X[0] == 0) and X[1, 0, 0] > 0
    assert report.cells.tolist() == [-1, -1, 0]


def test_encode_many_takes_a_collection_and_gives_the_same_arrays(synthetic_grid):
    from vo_blazar.sed import SEDCollection

    seds = [synthetic_sed([9.0, 14.04, 22.0], [-13.0, -11.0, -12.0], ul=[False, False, True]),
            synthetic_sed([15.0, 16.5], [-12.0, -12.5]), synthetic_sed([18.0], [-11.0])]
    X, report = synthetic_grid.encode_many(seds, return_report=True)
    Xc, report_c = synthetic_grid.encode_many(SEDCollection.from_seds(seds), return_report=True)
    np.testing.assert_array_equal(X, Xc)
    assert str(report) == str(report_c) and report_c.cells.tolist() == [0, 1, 4, 2, -1, 3]
    with pytest.raises(InputValueError, match=r"SED #1 has no usable point.*\(2 rows\)"):
        synthetic_grid.encode_many([seds[0], synthetic_sed([9.0, 14.0], [np.nan, np.nan])])


def test_units_are_required_and_checked(synthetic_grid):
    plain = Table({"frequency": [1.4, 5.0], "nufnu": [1e-12, 1e-12]})  # GHz given as bare numbers
    with pytest.raises(InputValueError, match="no unit"):
        synthetic_grid.encode(plain)
    wrong = QTable({"frequency": [1.0, 2.0] * u.Jy, "nufnu": [1e-12, 1e-12] * NUFNU_UNIT})
    with pytest.raises(InputValueError, match="not a frequency"):
        synthetic_grid.encode(wrong)
    fluxdens = QTable({"frequency": [1.0e9, 1e14] * u.Hz, "nufnu": [1.0, 2.0] * u.Jy})
    with pytest.raises(InputValueError, match="multiplied by the frequency"):
        synthetic_grid.encode(fluxdens)
    with pytest.raises(InputTypeError):
        synthetic_grid.encode({"frequency": [1e9]})
    # spectral units other than Hz are converted, not refused: 1 GHz and 1 keV
    ghz = QTable({"frequency": [1.0] * u.GHz, "nufnu": [1e-12] * NUFNU_UNIT})
    assert synthetic_grid.encode(ghz)[0, 0] > 0
    kev = QTable({"frequency": [0.413567] * u.keV, "nufnu": [1e-12] * NUFNU_UNIT})  # 1e17 Hz: between cells
    _, rep = synthetic_grid.encode(kev, return_report=True)
    assert rep.dropped["between_cells"] == 1


def test_without_gamma_has_no_cell_above_log_nu_20(synthetic_grid):
    ng = synthetic_grid.without_gamma()
    assert ng.log_frequencies.max() <= 20.0 and len(ng) == 4
    sed = synthetic_sed([9.0, 22.0], [-12.0, -12.0])
    X, rep = ng.encode(sed, return_report=True)
    assert X.shape == (4, 2) and rep.dropped["beyond_range"] == 1


def test_log_binned_grid_covers_its_range():
    grid = FrequencyGrid.log_binned(64, 1e8 * u.Hz, 1e26 * u.Hz)
    assert len(grid) == 64 and grid.tolerance_dex == pytest.approx(0.5 * 18 / 63, rel=1e-6)
    rng = np.random.default_rng(1)
    log_nu = rng.uniform(8, 26, 200)
    _, rep = grid.encode(synthetic_sed(log_nu, np.full(200, -12.0)), return_report=True)
    assert rep.n_used == 200
    assert grid.frequencies.unit == u.Hz
    with pytest.raises(InputValueError):
        FrequencyGrid.log_binned(10, 1e20 * u.Hz, 1e10 * u.Hz)


def test_from_registry_merges_close_frequencies():
    def cat(name, bands):
        return Catalogue(name=name, title=name, waveband="optical", reference="",
                         access=AccessSpec(kind="scs"),
                         ra_column="ra", dec_column="dec",
                         points=tuple(PointSpec(band=b, frequency=f, conversion="ab_mag", value=b)
                                      for b, f in bands))
    reg = [cat("sdss", [("g", 6.28e14 * u.Hz), ("r", 4.81e14 * u.Hz)]),
           cat("ps1", [("g", 6.23e14 * u.Hz)]),
           cat("fermi", [("b1", 1.7e22 * u.Hz)])]
    grid = FrequencyGrid.from_registry(reg, tolerance_dex=0.03)
    assert len(grid) == 3
    assert grid.labels[1] == "ps1:g|sdss:g"
    assert grid.without_gamma().labels == ("sdss:r", "ps1:g|sdss:g")
    # an excluded point gets no cell; its neighbours keep theirs
    fewer = FrequencyGrid.from_registry(reg, tolerance_dex=0.03, exclude=["sdss:r"])
    assert fewer.labels == ("ps1:g|sdss:g", "fermi:b1")
    assert fewer.cell_index([4.81e14] * u.Hz)[0] == -1


def test_save_load_round_trip_and_checksum(tmp_path, synthetic_grid):
    path = synthetic_grid.save(tmp_path / "g.json")
    back = FrequencyGrid.load(path)
    assert back == synthetic_grid and back.version == synthetic_grid.version
    np.testing.assert_array_equal(back.frequencies, synthetic_grid.frequencies)
    data = json.loads(path.read_text())
    data["frequencies_hz"][0] *= 1.0001
    path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="checksum"):
        FrequencyGrid.load(path)
    with pytest.raises(ModelError, match="does not exist"):
        FrequencyGrid.load(tmp_path / "nothing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot be read"):
        FrequencyGrid.load(tmp_path / "bad.json")
    with pytest.raises(InputValueError, match="exists"):
        synthetic_grid.save(path)


def test_scaling_validation():
    with pytest.raises(InputValueError):
        FluxScaling(kind="minmax")
    with pytest.raises(InputValueError):
        FluxScaling(floor=0.0)


def test_encode_many_is_fast_and_matches_encode(synthetic_grid):
    rng = np.random.default_rng(0)
    seds = [synthetic_sed(rng.choice(LOG_NU, 12), rng.uniform(-14, -10, 12), rng.random(12) < 0.2)
            for _ in range(2000)]
    t0 = time.perf_counter()
    X = synthetic_grid.encode_many(seds)
    rate = len(seds) / (time.perf_counter() - t0)
    assert X.shape == (2000, 6, 2)
    np.testing.assert_array_equal(X[7], synthetic_grid.encode(seds[7]))
    assert rate > 1000, f"encode_many ran at {rate:.0f} SEDs/s"


def test_shipped_grids_load():
    g = default_grid("gamma")
    ng = default_grid("nogamma")
    assert len(ng) < len(g) and ng.log_frequencies.max() <= 20.0 and g.log_frequencies.max() > 20.0
    assert np.all(np.diff(g.log_frequencies) >= g.tolerance_dex)
    with pytest.raises(InputValueError):
        default_grid("xray")


def test_shipped_grid_matches_the_current_registry():
    # a registry edit must be followed by `python -m tools.grids`
    from vo_blazar.registry import load_registry
    reg = load_registry()
    from tools.grids import EXCLUDED_POINTS
    fresh = FrequencyGrid.from_registry(reg, tolerance_dex=0.03, name=f"registry-{reg.version}",
                                        exclude=EXCLUDED_POINTS)
    assert fresh == default_grid("gamma")
    assert not any("y_PS1" in label for label in fresh.labels)
    assert fresh.without_gamma() == default_grid("nogamma")
