"""The embedded offline snapshot: cone and bulk answers, empty sky, and offline name lookup.
Reads only the files shipped inside the package (nothing from ../shared)."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.access.snapshot import SnapshotAccess, snapshot_catalogues
from vo_blazar.exceptions import InputTypeError, InputValueError, NameResolutionError
from vo_blazar.registry import load_registry
from vo_blazar.access.names import resolve_name

TXS = SkyCoord(77.35818, 5.69315, unit="deg")
EMPTY_SKY = SkyCoord(123.0, -62.0, unit="deg")   # no snapshot source near this position


@pytest.fixture(scope="module")
def access():
    return SnapshotAccess()


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _radius(cat):
    return cat.radius if cat.radius is not None else 15 * u.arcsec


def test_txs_0506_has_radio_ir_optical_xray_gamma(access, reg):
    found = {}
    for cat in reg.values():
        t = access.cone(cat, TXS, _radius(cat))
        assert t.meta["snapshot"] is True
        if len(t):
            found[cat.name] = t
    for name in ("NVSS", "AllWISE", "2MASS", "PanSTARRS", "GALEX", "2RXS", "4FGL-DR4"):
        assert name in found, name
    # published values in the catalogues' own columns and units
    nvss = found["NVSS"]
    assert nvss["S1.4"].unit == u.mJy and float(nvss["S1.4"][0]) == 536.0
    assert float(found["AllWISE"]["W1mag"][0]) == pytest.approx(10.616, abs=1e-3)
    assert not nvss["_dereddened"][0]
    fgl = found["4FGL-DR4"]
    assert str(fgl["Source_Name"][0]).strip() == "4FGL J0509.4+0542"
    assert fgl["nuFnu_Band_1"].unit == u.erg / u.cm**2 / u.s
    # band 1 of TXS 0506+056 is a published upper limit: lower error null, upper error finite
    assert np.ma.is_masked(fgl["Unc_Flux_Band_lo_1"][0])
    assert np.isfinite(fgl["Unc_Flux_Band_hi_1"][0])
    assert not np.ma.is_masked(fgl["Unc_Flux_Band_lo_4"][0])
    for t in found.values():
        assert {"_origin", "_origin_row", "_dereddened"} <= set(t.colnames)


def test_empty_sky_gives_empty_tables_with_columns(access, reg):
    for cat in reg.values():
        t = access.cone(cat, EMPTY_SKY, 15 * u.arcsec)
        assert len(t) == 0, cat.name
        assert cat.ra_column in t.colnames and cat.points[0].value in t.colnames
        assert t.meta["snapshot"] is True


def test_catalogue_without_snapshot_data_is_empty_not_an_error(access, reg):
    assert "UVOT" not in snapshot_catalogues()
    t = access.cone(reg["UVOT"], TXS, 15 * u.arcsec)
    assert len(t) == 0 and "uvw2_ab_mag" in t.colnames and t.meta["snapshot"] is True
    b = access.bulk(reg["UVOT"], SkyCoord([1, 2], [3, 4], unit="deg"), 15 * u.arcsec)
    assert len(b) == 0 and "_index" in b.colnames


def test_bulk_equals_cone(access, reg):
    names = ["TXS 0506+056", "Mrk 421", "3C 273", "3C 279", "PKS 2155-304", "BL Lac"]
    coords = SkyCoord([resolve_name(n) for n in names] + [EMPTY_SKY])
    for name in ("NVSS", "AllWISE", "4FGL-DR4", "SDSS"):
        cat = reg[name]
        radius = 1 * u.deg if name == "4FGL-DR4" else 30 * u.arcsec
        bulk = access.bulk(cat, coords, radius)
        total = 0
        for i, c in enumerate(coords):
            cone = access.cone(cat, c, radius)
            part = bulk[bulk["_index"] == i]
            total += len(cone)
            assert len(part) == len(cone)
            assert list(part["_origin_row"]) == list(cone["_origin_row"])
            assert list(part["_origin"]) == list(cone["_origin"])
        assert total == len(bulk)
        assert total > 0, name


def test_bulk_is_fast_for_thousands_of_positions(access, reg):
    import time
    rng = np.random.default_rng(0)
    coords = SkyCoord(rng.uniform(0, 360, 3000), np.degrees(np.arcsin(rng.uniform(-1, 1, 3000))),
                      unit="deg")
    access.bulk(reg["AllWISE"], coords[:1], 15 * u.arcsec)     # load once
    t0 = time.perf_counter()
    access.bulk(reg["AllWISE"], coords, 15 * u.arcsec)
    assert time.perf_counter() - t0 < 1.0


def test_bad_arguments(access, reg):
    with pytest.raises(InputTypeError):
        access.cone(reg["NVSS"], (77.3, 5.7), 15 * u.arcsec)
    with pytest.raises(InputTypeError):
        access.cone(reg["NVSS"], TXS, 15)
    with pytest.raises(InputValueError):
        access.cone(reg["NVSS"], TXS, -1 * u.arcsec)


def test_resolve_name():
    txs = resolve_name("TXS 0506+056")
    assert txs.separation(TXS) < 1 * u.arcsec
    assert resolve_name("txs0506+056").separation(TXS) < 1 * u.arcsec
    mrk = resolve_name("Mrk 421")
    assert mrk.separation(SkyCoord(166.1138, 38.2088, unit="deg")) < 2 * u.arcsec
    assert resolve_name("Mkn  421").separation(mrk) < 0.01 * u.arcsec
    assert resolve_name("4FGL J0509.4+0542").separation(TXS) < 2 * u.arcmin
    assert resolve_name("5BZBJ0509+0541").separation(TXS) < 2 * u.arcsec
    with pytest.raises(NameResolutionError, match="not known"):
        resolve_name("Not A Source 123")
    with pytest.raises(InputTypeError):
        resolve_name(42)


def test_sky_index_matches_brute_force_separations_near_poles_and_ra_wrap():
    from vo_blazar.sky.index import SkyIndex
    # synthetic positions: a cluster across RA = 0/360, one at the pole, a blank (NaN) row
    ra = np.array([359.999, 0.001, 0.0042, 180.0, 10.0, np.nan])
    dec = np.array([0.0, 0.0, 0.0, 89.9999, 89.9999, 0.0])
    index = SkyIndex(ra, dec)
    targets = SkyCoord([0.0, 95.0], [0.0, 90.0], unit="deg")
    radius = 15 * u.arcsec
    pos, row = index.around(targets, radius)
    cat = SkyCoord(ra[:5], dec[:5], unit="deg")
    expected = [(i, j) for i in range(2) for j in range(5) if targets[i].separation(cat[j]) <= radius]
    assert list(zip(pos.tolist(), row.tolist())) == expected
    assert (0, 2) not in expected and (0, 0) in expected and (1, 3) in expected   # 15.1" away; wrap; pole
