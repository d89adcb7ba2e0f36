"""One validation per public call (vo_blazar.sky.position), with one exception type per mistake."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.access.snapshot import SnapshotAccess
from vo_blazar.access.vo import VOAccess
from vo_blazar.config import conf
from vo_blazar.exceptions import InputTypeError, InputValueError
from vo_blazar.registry import load_registry
from vo_blazar.sky import position
from vo_blazar.sky.position import check_coordinates, check_radius

TXS = SkyCoord(77.35818, 5.69315, unit="deg")


def test_coordinates_come_back_in_icrs_and_shaped_as_asked():
    gal = TXS.galactic
    out = check_coordinates(gal, scalar=True)
    assert out.frame.name == "icrs" and out.separation(TXS) < 1e-9 * u.deg
    assert check_coordinates(TXS, scalar=False).shape == (1,)
    assert check_coordinates(SkyCoord([], [], unit="deg"), empty=True).shape == (0,)


@pytest.mark.parametrize("coord, kwargs, error, text", [
    ((77.3, 5.7), {}, InputTypeError, "SkyCoord"),
    (SkyCoord([1, 2], [3, 4], unit="deg"), {"scalar": True}, InputValueError, r"use build_seds\(\)"),
    (SkyCoord([1, 2], [3, 4], unit="deg"), {"scalar": True, "plural": "bulk()"}, InputValueError,
     r"use bulk\(\)"),
    (SkyCoord([], [], unit="deg"), {}, InputValueError, "empty"),
    (SkyCoord([1, np.nan], [3, 4], unit="deg"), {}, InputValueError, r"index \[1\].*NaN"),
])
def test_coordinate_mistakes(coord, kwargs, error, text):
    with pytest.raises(error, match=text):
        check_coordinates(coord, **kwargs)


def test_radius_defaults_converts_and_refuses():
    assert check_radius(None) == conf.default_radius_arcsec * u.arcsec
    assert check_radius(1 * u.arcmin).unit == u.arcsec and check_radius(1 * u.arcmin).value == 60
    assert check_radius(2 * u.deg, maximum=None) == 7200 * u.arcsec
    for bad, error, text in [(15, InputTypeError, "Quantity"), (15 * u.m, InputValueError, "unit m"),
                             (0 * u.arcsec, InputValueError, "0 < radius"),
                             (np.nan * u.arcsec, InputValueError, "finite"),
                             ([1, 2] * u.arcsec, InputValueError, "finite angle"),
                             (2 * u.deg, InputValueError, "<= 1 deg")]:
        with pytest.raises(error, match=text):
            check_radius(bad)
    with pytest.raises(InputTypeError):
        check_radius(None, optional=False)


@pytest.fixture
def counted(monkeypatch):
    calls = {"coord": 0, "radius": 0}
    for name, key in (("check_coordinates", "coord"), ("check_radius", "radius")):
        original = getattr(position, name)

        def counting(*args, _original=original, _key=key, **kwargs):
            calls[_key] += 1
            return _original(*args, **kwargs)
        # every module that validates imported the function by name
        import vo_blazar.access.base
        import vo_blazar.classifier.classification
        import vo_blazar.pipeline
        for module in (vo_blazar.pipeline, vo_blazar.access.base, vo_blazar.classifier.classification):
            monkeypatch.setattr(module, name, counting, raising=False)
    return calls


def test_build_sed_and_build_seds_validate_each_argument_once(counted):
    from vo_blazar.pipeline import build_sed, build_seds
    build_sed(TXS, catalogs=["NVSS", "4FGL-DR4"], offline=True, cache=False)
    assert counted == {"coord": 1, "radius": 1}
    build_seds(SkyCoord([TXS, TXS]), catalogs=["NVSS", "4FGL-DR4"], offline=True, cache=False)
    assert counted == {"coord": 2, "radius": 2}


def test_direct_access_calls_validate_too(counted):
    nvss = load_registry()["NVSS"]
    assert len(SnapshotAccess().cone(nvss, TXS, 15 * u.arcsec)) >= 1
    assert counted == {"coord": 1, "radius": 1}
    with pytest.raises(InputValueError, match="unit m"):     # the same mistake, the same error everywhere
        SnapshotAccess().bulk(nvss, SkyCoord([TXS]), 15 * u.m)
    with pytest.raises(InputValueError, match="unit m"):
        VOAccess().cone(nvss, TXS, 15 * u.m)
    assert len(SnapshotAccess().bulk(nvss, SkyCoord([], [], unit="deg"), 15 * u.arcsec)) == 0


def test_classify_validates_each_argument_once(counted):
    from vo_blazar.classifier.classification import classify
    classify(SkyCoord([TXS, TXS]), catalogs=["NVSS", "4FGL-DR4"], offline=True, cache=False)
    assert counted == {"coord": 1, "radius": 1}
