"""The counterpart rules (vo_blazar.sky.counterparts) and the one ellipse formula they share with
the crossmatch's EllipseRegion."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.crossmatch.region import EllipseRegion
from vo_blazar.registry.catalogue import AccessSpec, Catalogue, PointSpec
from vo_blazar.sky.counterparts import inside_ellipse, keep_matches, query_radius

CENTER = SkyCoord(77.358, 5.693, unit="deg")


def _catalogue(match="cone", radius=None, ellipse=None):
    point = PointSpec(band="r", frequency=1.4e9 * u.Hz, conversion="flux_density", value="S",
                      params={"unit": "mJy"})
    return Catalogue(name="SYNTH", title="synthetic", waveband="radio", reference="none",
                     access=AccessSpec(kind="offline"), ra_column="RA", dec_column="DEC",
                     points=(point,), match=match, radius=radius, ellipse=ellipse)


def _offsets(east_arcsec, north_arcsec):
    return CENTER.spherical_offsets_by(np.asarray(east_arcsec) * u.arcsec,
                                       np.asarray(north_arcsec) * u.arcsec)


def test_a_tilted_ellipse_contains_points_along_its_major_axis_only():
    # a = 30", b = 10", major axis 30 deg east of north: 25" along it is inside, 25" across is not
    pa = 30 * u.deg
    along = _offsets(25 * np.sin(pa), 25 * np.cos(pa))
    across = _offsets(25 * np.cos(pa), -25 * np.sin(pa))
    inside = inside_ellipse(CENTER, SkyCoord([along, across]), 30 * u.arcsec, 10 * u.arcsec, pa)
    assert inside.tolist() == [True, False]
    # a NaN axis contains nothing
    assert not inside_ellipse(CENTER, along, np.nan * u.arcsec, 10 * u.arcsec, pa)


def test_region_ellipse_and_counterpart_ellipse_agree_on_synthetic_points():
    rng = np.random.default_rng(13)
    points = _offsets(rng.uniform(-0.1, 0.1, 4000) * 3600, rng.uniform(-0.1, 0.1, 4000) * 3600)
    for a, b, pa in [(0.08, 0.03, 37.0), (0.05, 0.05, 0.0), (0.09, 0.01, -120.0), (0.02, 0.015, 90.0)]:
        region = EllipseRegion(CENTER, a * u.deg, b * u.deg, pa * u.deg)
        rule = inside_ellipse(CENTER, points, a * u.deg, b * u.deg, pa * u.deg)
        # the formula EllipseRegion used before it shared this one, in plain floats
        dlon, dlat = CENTER.spherical_offsets_to(points)
        east, north, p = dlon.deg, dlat.deg, np.radians(pa)
        r2 = ((east * np.sin(p) + north * np.cos(p)) / a) ** 2 + ((east * np.cos(p) - north * np.sin(p)) / b) ** 2
        np.testing.assert_array_equal(region.contains(points), rule)
        np.testing.assert_array_equal(rule, r2 <= 1.0)
        assert 0 < rule.sum() < len(points)
        # the catalogue's rule: one ellipse per row, the target fixed -- the same ellipse seen from the row
        rows = Table({"RA": [CENTER.ra.deg] * u.deg, "DEC": [CENTER.dec.deg] * u.deg,
                      "S": [1.0], "A": [a * 3600], "B": [b * 3600], "PA": [pa]})
        cat = _catalogue("ellipse", 0.2 * u.deg,
                         {"semi_major": "A", "semi_minor": "B", "angle": "PA", "unit": "arcsec"})
        for target, expected in zip(points[:40], rule[:40]):
            assert len(keep_matches(cat, rows, target, 15 * u.arcsec)) == int(expected)


def test_cone_and_nearest_rules():
    rows = Table({"RA": [CENTER.ra.deg] * 3 * u.deg,
                  "DEC": (CENTER.dec.deg + np.array([2.0, 8.0, 20.0]) / 3600) * u.deg,
                  "S": [1.0, 2.0, 3.0]})
    cone = keep_matches(_catalogue(), rows, CENTER, 10 * u.arcsec)
    assert cone["S"].tolist() == [1.0, 2.0]
    assert keep_matches(_catalogue(radius=30 * u.arcsec), rows, CENTER, 10 * u.arcsec)["S"].tolist() == [1, 2, 3]
    nearest = keep_matches(_catalogue("nearest"), rows[::-1], CENTER, 10 * u.arcsec)
    assert nearest["S"].tolist() == [1.0]
    # two targets: one nearest row each
    targets = SkyCoord([CENTER, CENTER, _offsets(0, 100)])
    rows2 = Table({"RA": [CENTER.ra.deg, CENTER.ra.deg, targets[2].ra.deg] * u.deg,
                   "DEC": [CENTER.dec.deg + 3 / 3600, CENTER.dec.deg + 1 / 3600, targets[2].dec.deg] * u.deg,
                   "S": [1.0, 2.0, 3.0]})
    kept = keep_matches(_catalogue("nearest"), rows2, targets, 10 * u.arcsec, group=np.array([0, 0, 1]))
    assert kept["S"].tolist() == [2.0, 3.0]


def test_query_radius_takes_the_catalogue_radius_where_its_errors_demand_it():
    assert query_radius(_catalogue(), 15 * u.arcsec) == 15 * u.arcsec
    assert query_radius(_catalogue(radius=1 * u.arcmin), 15 * u.arcsec) == 1 * u.arcmin
    assert query_radius(_catalogue(radius=5 * u.arcsec), 15 * u.arcsec) == 15 * u.arcsec
    ellipse = {"semi_major": "A", "semi_minor": "B", "angle": "PA"}
    assert query_radius(_catalogue("ellipse", 5 * u.arcsec, ellipse), 15 * u.arcsec) == 5 * u.arcsec


def test_the_pipeline_names_still_resolve():
    from vo_blazar import pipeline
    assert pipeline.check_coordinates.__module__ == "vo_blazar.sky.position"
    with pytest.raises(AttributeError):
        pipeline._inside_ellipse   # noqa: B018 -- moved, not kept: it was private
