"""read_positions: table files with any recognised position columns, names, and bad rows."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.classifier.batch import read_positions
from vo_blazar.exceptions import InputValueError

TXS = SkyCoord(77.35818, 5.69315, unit="deg")


def test_vizier_style_sexagesimal_columns(tmp_path):
    path = tmp_path / "list.ecsv"
    Table({"Name": ["TXS", "bad"], "RAJ2000": ["05 09 25.96", "25 00 00"],
           "DEJ2000": ["+05 41 35.3", "+00 00 00"]}).write(path)
    t = read_positions(path, offline=True)
    assert SkyCoord(t["ra"][0], t["dec"][0], unit="deg").separation(TXS) < 0.1 * u.arcsec
    assert t["error"][0] == "" and t["error"][1].startswith("bad input") and np.isnan(t["ra"][1])


def test_galactic_columns_are_brought_to_icrs(tmp_path):
    gal = TXS.galactic
    path = tmp_path / "list.csv"
    Table({"GLON": [gal.l.deg] * u.deg, "GLAT": [gal.b.deg] * u.deg}).write(path)
    t = read_positions(path, offline=True)
    assert t["name"][0] == "row 1"
    assert (t["ra"][0] == pytest.approx(TXS.ra.deg, abs=1e-7)
            and t["dec"][0] == pytest.approx(TXS.dec.deg, abs=1e-7))


def test_radio_list_columns_and_units(tmp_path):
    path = tmp_path / "nvss.ecsv"
    Table({"ra_nvss_deg": [TXS.ra.rad] * u.rad, "dec_nvss_deg": [TXS.dec.rad] * u.rad,
           "flux": [1.0]}).write(path)
    t = read_positions(path, offline=True)
    assert t["ra"][0] == pytest.approx(TXS.ra.deg) and t["dec"][0] == pytest.approx(TXS.dec.deg)


def test_names_only_and_no_usable_columns(tmp_path):
    path = tmp_path / "names.csv"
    Table({"object": ["TXS 0506+056"]}).write(path)
    t = read_positions(path, offline=True)
    assert SkyCoord(t["ra"][0], t["dec"][0], unit="deg").separation(TXS) < 1 * u.arcsec
    path = tmp_path / "nothing.csv"
    Table({"x": [1.0], "y": [2.0]}).write(path)
    with pytest.raises(InputValueError, match=r"no position columns found.*\['x', 'y'\]"):
        read_positions(path)


def test_batch_result_names_the_models(tmp_path):
    """classify_batch keeps classify's provenance: which models answered, and the package version."""
    from astropy.coordinates import SkyCoord

    import vo_blazar
    from vo_blazar.classifier.batch import classify_batch

    res = classify_batch(SkyCoord([166.11381, 187.27791], [38.20883, 2.05239], unit="deg"), offline=True,
                         checkpoint=tmp_path / "ck.jsonl", progress=False)
    assert set(res.meta["models"]) == set(res["model"]) - {""}
    assert all(m["n_folds"] >= 1 and m["grid_version"] for m in res.meta["models"].values())
    assert res.meta["vo_blazar_version"] == vo_blazar.__version__
