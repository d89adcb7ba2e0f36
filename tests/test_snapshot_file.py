"""The snapshot's ``.npz`` table format: exact round trip, no pickle, clear errors."""
import numpy as np
import pytest
from astropy import units as u
from astropy.table import MaskedColumn, Table

from vo_blazar.access.snapshot_file import read_table, write_table


def _synthetic_table():
    t = Table(meta={"catalogue": "SYN", "snapshot": True})
    t["RAJ2000"] = [1.0, 2.0, 3.0] * u.deg
    t["S"] = MaskedColumn([1.5, np.nan, 3.0], mask=[False, True, False], unit=u.mJy)
    t["F"] = MaskedColumn([1.0, 2.0, 3.0], unit=1e-12 * u.erg / u.cm**2 / u.s)   # a scaled unit (BAT)
    t["name"] = MaskedColumn(["a", "", "ccc"], mask=[False, True, False])
    t["_origin"] = ["x", "y", "z"]
    t["_dereddened"] = [True, False, True]
    return t


def test_round_trip_keeps_values_masks_units_and_meta(tmp_path):
    t = _synthetic_table()
    back = read_table(write_table(t, tmp_path / "SYN.npz"))
    assert back.colnames == t.colnames and back.meta == t.meta
    assert back["S"].unit == u.mJy and back["F"].unit == 1e-12 * u.erg / u.cm**2 / u.s
    assert back["F"][0] == 1.0
    assert back["S"].mask.tolist() == [False, True, False] and back["S"][2] == 3.0
    assert back["name"].mask.tolist() == [False, True, False] and back["name"][2] == "ccc"
    assert not hasattr(back["_origin"], "mask")                    # no missing value: a plain Column
    assert back["_dereddened"].dtype == bool


def test_rebuild_is_byte_identical(tmp_path):
    a = write_table(_synthetic_table(), tmp_path / "a.npz").read_bytes()
    b = write_table(_synthetic_table(), tmp_path / "b.npz").read_bytes()
    assert a == b


def test_object_columns_and_foreign_files_are_refused(tmp_path):
    t = Table({"x": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="Python objects"):
        write_table(t, tmp_path / "bad.npz")
    np.savez(tmp_path / "foreign.npz", __meta__=np.array('{"format": "other"}'))
    with pytest.raises(ValueError, match="not a vo_blazar snapshot table"):
        read_table(tmp_path / "foreign.npz")
