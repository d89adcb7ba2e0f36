"""build_sed / build_seds orchestration, with an in-memory access (no network, no snapshot)."""
import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.access.base import CatalogueAccess
from vo_blazar.exceptions import (InputTypeError, InputValueError, PartialResultWarning,
                                  ServiceTimeoutError, UnknownCatalogueError)
from vo_blazar.registry.catalogue import AccessSpec, Catalogue, PointSpec
from vo_blazar.sed import NUFNU_UNIT
from vo_blazar.pipeline import build_sed, build_seds

TARGET = SkyCoord(150.0, 2.0, unit="deg")


def synthetic_catalogue(name, *, conversion="flux_density", params=None, match="cone", freq=1.4e9):
    return Catalogue(
        name=name, title=f"synthetic {name}", waveband="radio", reference="synthetic (tests only)",
        access=AccessSpec(kind="scs", url="http://127.0.0.1:1/none"), ra_column="RA", dec_column="DEC",
        points=(PointSpec(band="b", frequency=freq * u.Hz, conversion=conversion, value="S",
                          error="e_S", params=params or {"unit": "mJy"}),),
        match=match)


class SyntheticAccess(CatalogueAccess):
    """Serves synthetic rows per catalogue; an Exception instead of rows is raised."""

    name = "synthetic"

    def __init__(self, rows):
        self.rows = rows

    def cone(self, catalogue, coord, radius):
        rows = self.rows[catalogue.name]
        if isinstance(rows, Exception):
            raise rows
        pos = SkyCoord(rows["RA"], rows["DEC"], unit="deg")
        return rows[coord.separation(pos) <= radius]


def synthetic_rows(offsets_arcsec, fluxes_mjy, center=TARGET):
    dec = center.dec.deg + np.asarray(offsets_arcsec) / 3600.0
    return Table({"RA": np.full(len(dec), center.ra.deg) * u.deg, "DEC": dec * u.deg,
                  "S": np.asarray(fluxes_mjy, float) * u.mJy, "e_S": np.asarray(fluxes_mjy) * 0.1 * u.mJy})


RADIO = synthetic_catalogue("SYNTH-RADIO")
NEAREST = synthetic_catalogue("SYNTH-NEAREST", match="nearest", freq=5e9)
BROKEN = synthetic_catalogue("SYNTH-BROKEN")


def access():
    return SyntheticAccess({
        "SYNTH-RADIO": synthetic_rows([2.0, 30.0], [1.0, 50.0]),          # second row outside 15"
        "SYNTH-NEAREST": synthetic_rows([8.0, 3.0], [7.0, 9.0]),          # nearest is the 3" one
        "SYNTH-BROKEN": ServiceTimeoutError("no answer in 1 s", service="SYNTH-BROKEN", url="http://x"),
    })


def test_build_sed_converts_units_and_measures_separation():
    sed = build_sed(TARGET, catalogs=[RADIO], access=access())
    assert len(sed) == 1
    assert sed["nufnu"][0].to_value(NUFNU_UNIT) == pytest.approx(1.4e-17)  # 1 mJy at 1.4 GHz
    assert sed["nufnu_err"][0].to_value(NUFNU_UNIT) == pytest.approx(1.4e-18)
    assert sed["separation"][0].to_value(u.arcsec) == pytest.approx(2.0, abs=1e-3)
    assert sed["catalog"][0] == "SYNTH-RADIO"
    assert sed.meta["failures"] == {}
    assert sed.meta["target"].separation(TARGET).arcsec < 1e-6
    assert sed.meta["radius"] == 15 * u.arcsec


def test_nearest_match_keeps_one_counterpart():
    sed = build_sed(TARGET, catalogs=[NEAREST], access=access())
    assert len(sed) == 1
    assert sed["nufnu"][0].to_value(NUFNU_UNIT) == pytest.approx(9 * 5e9 * 1e-26)


def test_failing_catalogue_gives_partial_sed_that_names_it():
    with pytest.warns(PartialResultWarning, match="SYNTH-BROKEN"):
        sed = build_sed(TARGET, catalogs=[RADIO, BROKEN, NEAREST], access=access())
    assert set(sed["catalog"]) == {"SYNTH-RADIO", "SYNTH-NEAREST"}
    assert "SYNTH-BROKEN" in sed.meta["failures"]
    assert "ServiceTimeoutError" in sed.meta["failures"]["SYNTH-BROKEN"]
    assert np.all(np.diff(sed["frequency"].value) >= 0)


def test_empty_sky_is_an_empty_sed_not_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sed = build_sed(SkyCoord(10, -60, unit="deg"), catalogs=[RADIO, NEAREST], access=access())
    assert len(sed) == 0 and sed.meta["failures"] == {}
    assert sed["nufnu"].unit == NUFNU_UNIT


def test_larger_radius_reaches_further():
    sed = build_sed(TARGET, 40 * u.arcsec, catalogs=[RADIO], access=access())
    assert len(sed) == 2


def test_build_seds_matches_build_sed_per_position():
    coords = SkyCoord([150.0, 10.0, 150.0], [2.0, -60.0, 2.0], unit="deg")
    with pytest.warns(PartialResultWarning):
        seds = build_seds(coords, catalogs=[RADIO, NEAREST, BROKEN], access=access())
    assert [len(s) for s in seds] == [2, 0, 2]
    single = build_sed(coords[0], catalogs=[RADIO, NEAREST], access=access())
    assert np.allclose(seds[0]["nufnu"].value, single["nufnu"].value)
    assert all("SYNTH-BROKEN" in s.meta["failures"] for s in seds)
    assert seds[2].meta["target"].separation(coords[2]).arcsec < 1e-6


@pytest.mark.parametrize("coord, radius, error, text", [
    ("77.3 5.7", None, InputTypeError, "SkyCoord"),
    (SkyCoord(np.nan, 5, unit="deg"), None, InputValueError, "NaN"),
    (TARGET, 0 * u.arcsec, InputValueError, "0 < radius"),
    (TARGET, 2 * u.deg, InputValueError, "1 deg"),
    (TARGET, 15, InputTypeError, "Quantity"),
    (TARGET, 15 * u.m, InputValueError, "angle"),
])
def test_bad_input(coord, radius, error, text):
    with pytest.raises(error, match=text):
        build_sed(coord, radius, catalogs=[RADIO], access=access())


def test_dec_beyond_90_is_refused_by_skycoord():
    with pytest.raises(ValueError):
        SkyCoord(10, 95, unit="deg")


def test_unknown_catalogue_name_lists_valid_names():
    with pytest.raises(UnknownCatalogueError, match="NVSS"):
        build_sed(TARGET, catalogs=["NO-SUCH-CATALOGUE"], access=access())


def test_build_sed_needs_a_scalar_and_build_seds_a_nonempty_array():
    with pytest.raises(InputValueError, match="single position"):
        build_sed(SkyCoord([1, 2], [3, 4], unit="deg"), catalogs=[RADIO], access=access())
    with pytest.raises(InputValueError, match="empty"):
        build_seds(SkyCoord([], [], unit="deg"), catalogs=[RADIO], access=access())


def test_sexagesimal_position_columns_are_read():
    rows = Table({"RA": ["10 00 00.00", "10 00 00.00"], "DEC": ["+02 00 02.0", "+02 01 00.0"],
                  "S": [1.0, 2.0] * u.mJy, "e_S": [0.1, 0.2] * u.mJy})
    sed = build_sed(TARGET, catalogs=[RADIO], access=_TextAccess(rows))
    assert len(sed) == 1 and sed["separation"][0].to_value(u.arcsec) == pytest.approx(2.0, abs=0.01)


class _TextAccess(CatalogueAccess):
    """Returns its synthetic rows unfiltered (positions as sexagesimal text, as VizieR serves NVSS)."""

    name = "synthetic-text"

    def __init__(self, rows):
        self.rows = rows

    def cone(self, catalogue, coord, radius):
        return self.rows


def _synthetic_ellipse_catalogue(counterpart):
    ellipse = {"semi_major": "A", "semi_minor": "B", "angle": "PA", "unit": u.deg}
    if counterpart:
        ellipse["counterpart"] = ["RA_C", "DEC_C"]
    return Catalogue(
        name="SYNTH-LAT", title="synthetic ellipse catalogue", waveband="radio",
        reference="synthetic (tests only)",
        access=AccessSpec(kind="scs", url="http://127.0.0.1:1/none"), ra_column="RA", dec_column="DEC",
        points=(PointSpec(band="b", frequency=1.4e9 * u.Hz, conversion="flux_density", value="S",
                          error="e_S", params={"unit": "mJy"}),),
        match="ellipse", ellipse=ellipse, radius=1 * u.deg)


@pytest.mark.parametrize("counterpart", [True, False])
def test_ellipse_match_also_keeps_the_catalogues_own_counterpart(counterpart):
    # synthetic rows with 30" ellipses: (a) centre 60" off, its associated counterpart at the target;
    # (b) centre 60" off, no association; (c) centre 10" off; (d) centre 60" off, counterpart 40" off
    rows = synthetic_rows([60.0, 60.0, 10.0, 60.0], [1.0, 2.0, 3.0, 4.0])
    rows["A"] = rows["B"] = np.full(4, 30 / 3600) * u.deg
    rows["PA"] = np.zeros(4) * u.deg
    rows["RA_C"] = [TARGET.ra.deg, np.nan, np.nan, TARGET.ra.deg] * u.deg
    rows["DEC_C"] = [TARGET.dec.deg + 1 / 3600, np.nan, np.nan, TARGET.dec.deg + 40 / 3600] * u.deg
    cat = _synthetic_ellipse_catalogue(counterpart)
    sed = build_sed(TARGET, catalogs=[cat], access=SyntheticAccess({"SYNTH-LAT": rows}))
    kept = sorted(np.round(sed["nufnu"].to_value(NUFNU_UNIT) / (1.4e9 * 1e-26)).astype(int))
    assert kept == ([1, 3] if counterpart else [3])


def test_missing_counterpart_columns_fall_back_to_the_ellipse_and_say_so():
    from astropy import log as astropy_log     # vo_blazar's logger is its child

    from vo_blazar.sky import counterparts
    rows = synthetic_rows([60.0, 10.0], [1.0, 3.0])          # synthetic rows without RA_C / DEC_C
    rows["A"] = rows["B"] = np.full(2, 30 / 3600) * u.deg
    rows["PA"] = np.zeros(2) * u.deg
    counterparts._NO_COUNTERPART_COLUMNS.discard("SYNTH-LAT")
    with astropy_log.log_to_list() as messages:
        sed = build_sed(TARGET, catalogs=[_synthetic_ellipse_catalogue(True)],
                        access=SyntheticAccess({"SYNTH-LAT": rows}))
    assert sed["nufnu"].to_value(NUFNU_UNIT) == pytest.approx([3 * 1.4e9 * 1e-26])
    assert any("no RA_C/DEC_C columns" in m.message and "ellipse alone" in m.message for m in messages)
