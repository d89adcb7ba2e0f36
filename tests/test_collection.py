"""SEDCollection: many SEDs as one stacked point table with an index column."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, QTable, Table

from vo_blazar.exceptions import InputTypeError, InputValueError
from vo_blazar.sed import NUFNU_UNIT, SEDCollection, make_sed
from vo_blazar.sed.collection import INDEX_COLUMN, sed_arrays


def sed(freqs, fluxes, ra=10.0, ul=None):
    n = len(freqs)
    return make_sed({"frequency": np.asarray(freqs, float) * u.Hz, "nufnu": np.asarray(fluxes, float),
                     "upper_limit": np.zeros(n, bool) if ul is None else np.asarray(ul),
                     "catalog": [f"C{k}" for k in range(n)], "band": ["b"] * n},
                    target=SkyCoord(ra, 20.0, unit="deg"), radius=15 * u.arcsec)


@pytest.fixture
def three():
    return [sed([1e9, 1e14], [1e-14, 1e-12], ra=1.0, ul=[False, True]),
            sed([], [], ra=2.0),
            sed([1e18], [5e-13], ra=3.0)]


def test_from_seds_flat_arrays_offsets_and_identity(three):
    c = SEDCollection.from_seds(three)
    assert len(c) == 3 and repr(c) == "<SEDCollection: 3 SEDs, 3 points>"
    assert c.offsets.tolist() == [0, 2, 2, 3] and c.lengths.tolist() == [2, 0, 1]
    assert c.owner.tolist() == [0, 0, 2]
    assert c.frequency.tolist() == [1e9, 1e14, 1e18] and c.nufnu.tolist() == [1e-14, 1e-12, 5e-13]
    assert c.upper_limit.tolist() == [False, True, False]
    assert all(c[i] is three[i] for i in range(3)) and c[-1] is three[2]
    assert c.to_list() == three and list(c) == three
    assert c.meta[0] is three[0].meta
    with pytest.raises(ValueError):
        c.frequency[0] = 1.0   # shared by every stage: read-only


def test_from_seds_converts_units_and_names_the_bad_sed():
    ghz = Table({"frequency": [1.4, 5.0] * u.GHz, "nufnu": [1e-14, 2e-14] * u.W / u.m**2})
    c = SEDCollection.from_seds([ghz])
    assert c.frequency.tolist() == pytest.approx([1.4e9, 5e9], rel=1e-15)
    assert c.nufnu.tolist() == pytest.approx([1e-11, 2e-11], rel=1e-15)   # 1 W/m2 = 1e3 erg/cm2/s
    assert c.upper_limit.tolist() == [False, False]
    with pytest.raises(InputValueError, match=r"SED #1: .*no unit"):
        SEDCollection.from_seds([ghz, Table({"frequency": [1.4], "nufnu": [1e-14]})])
    with pytest.raises(InputTypeError, match="SED #0"):
        SEDCollection.from_seds([42])
    with pytest.raises(InputTypeError, match="wrap a single SED"):
        SEDCollection.from_seds(ghz)


def test_slicing_take_and_masks_keep_tables_and_points_aligned(three):
    c = SEDCollection.from_seds(three)
    tail = c[1:]
    assert isinstance(tail, SEDCollection) and len(tail) == 2
    assert tail[0] is three[1] and tail[1] is three[2]
    assert tail.offsets.tolist() == [0, 0, 1] and tail.frequency.tolist() == [1e18]
    picked = c.take([2, 0, 2])
    assert [picked[i] is three[j] for i, j in enumerate([2, 0, 2])] == [True] * 3
    assert picked.owner.tolist() == [0, 1, 1, 2] and picked.frequency.tolist() == [1e18, 1e9, 1e14, 1e18]
    masked = c[np.array([True, False, True])]
    assert masked.to_list() == [three[0], three[2]]
    assert len(c[[]]) == 0 and c[[]].frequency.size == 0
    with pytest.raises(IndexError):
        c[3]
    with pytest.raises(IndexError):
        c[np.array([True, False])]


def test_stacked_points_table_round_trips(three):
    c = SEDCollection.from_seds(three)
    points = c.points
    assert points[INDEX_COLUMN].tolist() == [0, 0, 2]
    assert points["frequency"].unit == u.Hz and points["nufnu"].unit == NUFNU_UNIT
    assert points["catalog"].tolist() == ["C0", "C1", "C0"]
    again = SEDCollection(points, c.meta)
    one = again[0]
    assert INDEX_COLUMN not in one.colnames and one.colnames == three[0].colnames
    assert one["frequency"].value.tolist() == three[0]["frequency"].value.tolist()
    assert one["nufnu"].unit == NUFNU_UNIT and one.meta is three[0].meta
    assert len(again[1]) == 0 and again[1].meta["target"].ra.deg == 2.0
    assert again[0] is again[0]   # made once, then the same table
    # slicing a stacked collection slices its points table and renumbers the index
    back = again[[2, 0]]
    assert back.points[INDEX_COLUMN].tolist() == [0, 1, 1]
    assert back[0]["frequency"].value.tolist() == [1e18] and back.meta[1] is three[0].meta


def test_points_are_sorted_by_index_then_frequency():
    points = QTable({INDEX_COLUMN: [1, 0, 0, 1], "frequency": [3.0, 2.0, 1.0, 1.0] * u.Hz,
                     "nufnu": [1.0, 2.0, 3.0, 4.0] * NUFNU_UNIT})
    c = SEDCollection(points, [{"name": "a"}, {"name": "b"}])
    assert c.owner.tolist() == [0, 0, 1, 1]
    assert c.frequency.tolist() == [1.0, 2.0, 1.0, 3.0] and c.nufnu.tolist() == [3.0, 2.0, 4.0, 1.0]
    assert c[1]["nufnu"].value.tolist() == [4.0, 1.0] and c[1].meta == {"name": "b"}
    # a wavelength column sorts by frequency, not by wavelength
    wl = QTable({"i": [0, 0], "frequency": [1.0, 2.0] * u.micron, "nufnu": [1.0, 2.0] * NUFNU_UNIT})
    assert SEDCollection(wl, [{}], index="i").nufnu.tolist() == [2.0, 1.0]
    with pytest.raises(InputValueError, match="index column"):
        SEDCollection(points, [{}])
    with pytest.raises(InputValueError, match="lack the index column"):
        SEDCollection(points, [{}, {}], index="nope")


def test_sed_arrays_masked_values_are_no_data():
    t = Table({"frequency": MaskedColumn([1e9, 2e9], mask=[False, True], unit="Hz"),
               "nufnu": [1e-14, 2e-14] * NUFNU_UNIT,
               "upper_limit": MaskedColumn([True, True], mask=[False, True])})
    f, v, ul = sed_arrays(t)
    assert f[0] == 1e9 and np.isnan(f[1]) and ul.tolist() == [True, False]
    with pytest.raises(InputValueError, match="flux density"):
        sed_arrays(Table({"frequency": [1.0] * u.Hz, "nufnu": [1.0] * u.Jy}))
