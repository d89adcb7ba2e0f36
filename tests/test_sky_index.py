"""The one sky index (vo_blazar.sky.index.SkyIndex): exact cone membership, pairs and separations."""
import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord, search_around_sky

from vo_blazar.sky.index import SkyIndex


def test_pairs_equal_search_around_sky_on_random_skies():
    rng = np.random.default_rng(7)
    ra, dec = rng.uniform(0, 360, 3000), np.degrees(np.arcsin(rng.uniform(-1, 1, 3000)))
    ra[:10], dec[:10] = ra[10:20], dec[10:20] + 1e-4
    cat = SkyCoord(ra, dec, unit="deg")
    targets = SkyCoord(ra[::3] + 5e-4, dec[::3], unit="deg")
    radius = 20 * u.arcsec
    t, r, sep = SkyIndex(ra, dec).pairs(targets, radius)
    i, j, d, _ = search_around_sky(targets, cat, radius)
    assert sorted(zip(t.tolist(), r.tolist())) == sorted(zip(i.tolist(), j.tolist()))
    order = np.lexsort((r, t))
    np.testing.assert_allclose(np.degrees(sep[order]) * 3600,
                               d.arcsec[np.lexsort((j, i))], rtol=0, atol=1e-9)


def test_around_is_sorted_and_skips_blank_rows():
    index = SkyIndex(np.array([10.0, np.nan, 10.0]), np.array([0.0, 0.0, 0.001]))
    assert len(index) == 2
    t, r = index.around(SkyCoord([10.0, 10.0], [0.0, 0.0005], unit="deg"), 2.5 * u.arcsec)
    assert t.tolist() == [0, 1, 1] and r.tolist() == [0, 0, 2]
    assert SkyIndex.from_coords(SkyCoord([10.0], [0.0], unit="deg")).around(
        SkyCoord(10.0, 0.0, unit="deg"), 1 * u.arcsec)[1].tolist() == [0]
