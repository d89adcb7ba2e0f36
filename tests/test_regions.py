"""Region export: values survive a write/read round trip through the regions package's own parser."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table
from astropy.wcs import WCS
from regions import CircleSkyRegion, EllipseSkyRegion, Regions

from vo_blazar.exceptions import InputTypeError, InputValueError
from vo_blazar.interop.regions import (BLAZAR_COLOR, DEFAULT_COLOR, NON_BLAZAR_COLOR, cones, ellipses,
                               positions_to_regions, write_regions)


def synthetic_result():
    """A synthetic classification result (made-up numbers)."""
    t = QTable()
    t["name"] = ["SRC A", "SRC B", ""]
    t["ra"] = [10.5, 200.25, 359.0] * u.deg
    t["dec"] = [-5.0, 45.125, 89.5] * u.deg
    t["p_blazar"] = [0.913, 0.12, np.nan]
    t["is_blazar"] = [True, False, False]
    t["radius"] = [15, 20, 30] * u.arcsec
    return t


@pytest.mark.parametrize("suffix", [".reg", ".crtf"])
def test_result_table_round_trip(tmp_path, suffix):
    regs = positions_to_regions(synthetic_result())
    path = write_regions(regs, tmp_path / f"result{suffix}")
    assert path.exists()
    back = Regions.read(path, format="ds9" if suffix == ".reg" else "crtf")
    assert len(back) == 3
    assert all(isinstance(r, CircleSkyRegion) for r in back)
    centers = SkyCoord([r.center for r in back])
    truth = SkyCoord([10.5, 200.25, 359.0] * u.deg, [-5.0, 45.125, 89.5] * u.deg)
    assert np.all(centers.separation(truth) < 5 * u.mas)
    np.testing.assert_allclose([r.radius.to_value(u.arcsec) for r in back], [15, 20, 30], atol=1e-3)
    key = "text" if suffix == ".reg" else "label"
    assert [r.meta.get(key) for r in back] == ["SRC A p=0.91", "SRC B p=0.12", None]
    key = "edgecolor" if suffix == ".reg" else "color"
    assert [r.visual.get(key) for r in back] == [BLAZAR_COLOR, NON_BLAZAR_COLOR, NON_BLAZAR_COLOR]


def test_radius_argument_and_default(tmp_path):
    t = Table({"ra": [1.0, 2.0], "dec": [3.0, 4.0]})  # bare numbers: the result schema says deg
    regs = positions_to_regions(t, radius=2 * u.arcmin)
    assert [r.radius.to_value(u.arcsec) for r in regs] == pytest.approx([120, 120])
    assert regs[0].visual["color"] == DEFAULT_COLOR  # no is_blazar column
    regs = positions_to_regions(SkyCoord([1, 2] * u.deg, [3, 4] * u.deg))
    assert [r.radius.to_value(u.arcsec) for r in regs] == pytest.approx([15, 15])


def test_galactic_input_written_in_icrs(tmp_path):
    gal = SkyCoord(l=120 * u.deg, b=-30 * u.deg, frame="galactic")
    back = Regions.read(write_regions(cones(gal, 10 * u.arcsec, labels="x"), tmp_path / "g.reg"),
                        format="ds9")
    assert back[0].center.separation(gal) < 1 * u.mas
    assert back[0].meta["text"] == "x"


@pytest.mark.parametrize("suffix", [".reg", ".crtf"])
def test_ellipse_round_trip(tmp_path, suffix):
    # synthetic 95% ellipses (made-up numbers in the range of 4FGL ones)
    c = SkyCoord([77.36, 150.0] * u.deg, [5.70, -20.0] * u.deg)
    regs = ellipses(c, [4.2, 6.0] * u.arcmin, [3.6, 2.0] * u.arcmin, [30.0, 142.5] * u.deg,
                    labels=["ell A", "ell B"])
    back = Regions.read(write_regions(regs, tmp_path / f"e{suffix}"),
                        format="ds9" if suffix == ".reg" else "crtf")
    assert all(isinstance(r, EllipseSkyRegion) for r in back)
    assert SkyCoord([r.center for r in back]).separation(c).max() < 5 * u.mas
    np.testing.assert_allclose([r.height.to_value(u.arcmin) for r in back], [8.4, 12.0], atol=1e-4)
    np.testing.assert_allclose([r.width.to_value(u.arcmin) for r in back], [7.2, 4.0], atol=1e-4)
    np.testing.assert_allclose([r.angle.to_value(u.deg) for r in back], [30.0, 142.5], atol=1e-4)


def test_ellipse_position_angle_points_east_of_north():
    """The major axis tip, read back through a north-up east-left WCS, has the requested PA."""
    c = SkyCoord(150 * u.deg, 20 * u.deg)
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [150, 20]
    wcs.wcs.crpix = [50, 50]
    wcs.wcs.cdelt = [-1 / 60, 1 / 60]  # 1 arcmin pixels, east to the left
    for pa in (0.0, 30.0, 100.0):
        reg = ellipses(c, 10 * u.arcmin, 3 * u.arcmin, pa * u.deg)[0].to_pixel(wcs)
        half = reg.height / 2  # pixels along the major axis
        direction = np.deg2rad(reg.angle.to_value(u.deg) + 90)  # height axis is 90 deg from width
        tip = wcs.pixel_to_world(reg.center.x + half * np.cos(direction),
                                 reg.center.y + half * np.sin(direction))
        assert c.position_angle(tip).to_value(u.deg) % 180 == pytest.approx(pa % 180, abs=0.05)
        assert c.separation(tip).to_value(u.arcmin) == pytest.approx(10, rel=1e-3)


def test_candidate_table_adds_ellipses():
    t = synthetic_result()
    t["semi_major"] = [0.1, np.nan, 0.05] * u.deg
    t["semi_minor"] = [0.05, np.nan, 0.04] * u.deg
    t["pa"] = [45.0, np.nan, 10.0] * u.deg
    regs = positions_to_regions(t)
    assert sum(isinstance(r, CircleSkyRegion) for r in regs) == 3
    ells = [r for r in regs if isinstance(r, EllipseSkyRegion)]
    assert len(ells) == 2
    assert ells[0].height.to_value(u.deg) == pytest.approx(0.2)
    assert ells[1].angle.to_value(u.deg) == pytest.approx(10.0)
    assert len(positions_to_regions(t, error_ellipses=False)) == 3


def test_bad_input(tmp_path):
    c = SkyCoord([1, 2] * u.deg, [3, 4] * u.deg)
    with pytest.raises(InputTypeError, match="angle Quantity"):
        cones(c, 5.0)
    with pytest.raises(InputValueError, match="must be an angle"):
        cones(c, 5 * u.m)
    with pytest.raises(InputValueError, match="3 values for 2 positions"):
        cones(c, [1, 2, 3] * u.arcsec)
    with pytest.raises(InputValueError, match="> 0"):
        cones(c, [1, 0] * u.arcsec)
    with pytest.raises(InputValueError, match="swapped"):
        ellipses(c, 1 * u.arcmin, 2 * u.arcmin, 0 * u.deg)
    with pytest.raises(InputValueError, match="lacks column"):
        positions_to_regions(Table({"RAJ2000": [1.0], "dec": [2.0]}))
    with pytest.raises(InputValueError, match=r"\|Dec\| > 90"):
        positions_to_regions(Table({"ra": [1.0], "dec": [95.0]}))
    with pytest.raises(InputTypeError, match="Table or a SkyCoord"):
        positions_to_regions([(1, 2)])
    regs = cones(c, 5 * u.arcsec)
    with pytest.raises(InputValueError, match="suffix '.txt'"):
        write_regions(regs, tmp_path / "r.txt")
    write_regions(regs, tmp_path / "r.reg")
    with pytest.raises(InputValueError, match="overwrite=True"):
        write_regions(regs, tmp_path / "r.reg")
    write_regions(regs, tmp_path / "r.reg", overwrite=True)
    with pytest.raises(InputValueError, match="'ds9' or 'crtf'"):
        write_regions(regs, tmp_path / "r.fits", format="fits")
