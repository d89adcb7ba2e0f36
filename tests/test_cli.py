"""The vo-blazar command line and target parsing (offline snapshot; no network)."""
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from vo_blazar.cli.commands import main
from vo_blazar.exceptions import InputValueError, NameResolutionError
from vo_blazar.sky.target import parse_target

TXS = SkyCoord(77.35818, 5.69315, unit="deg")


@pytest.mark.parametrize("text", ["77.35818 5.69315", "77.35818, 5.69315", "05h09m25.96s +05d41m35.3s",
                                  "05:09:25.96 +05:41:35.3", "05 09 25.96 +05 41 35.3"])
def test_parse_target_coordinates(text):
    assert parse_target(text, offline=True).separation(TXS).arcsec < 1.0


def test_parse_target_name_offline():
    assert parse_target("TXS 0506+056", offline=True).separation(TXS).arcsec < 5
    assert parse_target("txs0506+056", offline=True).separation(TXS).arcsec < 5


def test_parse_target_errors():
    with pytest.raises(InputValueError, match="-90 <= Dec <= 90"):
        parse_target("10 95", offline=True)
    with pytest.raises(NameResolutionError, match="offline snapshot"):
        parse_target("Not A Real Source 123", offline=True)


def test_cli_sed_offline_writes_ecsv(tmp_path, capsys):
    out = tmp_path / "txs.ecsv"
    assert main(["sed", "TXS 0506+056", "--offline", "-o", str(out)]) == 0
    sed = QTable.read(out)
    assert {"NVSS", "AllWISE", "2RXS", "4FGL-DR4"} <= set(sed["catalog"])
    assert sed["nufnu"].unit == "erg / (s cm2)"
    assert "wrote" in capsys.readouterr().out


def test_cli_sed_prints_table(capsys):
    assert main(["sed", "77.35818", "5.69315", "--offline", "--catalogs", "NVSS"]) == 0
    text = capsys.readouterr().out
    assert "NVSS" in text and "1 points" in text


def test_cli_user_errors_exit_2_with_one_line(capsys):
    assert main(["sed", "Not A Real Source 123", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert main(["sed", "10", "20", "--offline", "--radius", "7200"]) == 2
    assert "radius" in capsys.readouterr().err
    assert main(["sed", "10", "20", "--offline", "--catalogs", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err


def test_cli_classify_positions_file_reports_the_bad_row_and_classifies_the_rest(tmp_path):
    positions = tmp_path / "list.txt"
    positions.write_text("# synthetic list of real positions\nMrk 421\n10 95\n77.35818 5.69315\n")
    out = tmp_path / "result.ecsv"
    assert main(["classify", "3C 273", "--positions", str(positions), "--offline", "--no-progress",
                 "-o", str(out)]) == 0
    res = QTable.read(out)
    assert res["name"].tolist() == ["3C 273", "Mrk 421", "10 95", "77.35818 5.69315"]
    assert res["warnings"][2].startswith("bad input (line 3):") and "-90 <= Dec <= 90" in res["warnings"][2]
    assert np.isnan(res["p_blazar"][2]) and not res["is_blazar"][2]
    good = [0, 1, 3]
    assert np.all(np.isfinite(res["p_blazar"][good])) and np.all(res["n_points"][good] > 0)


def test_cli_classify_plot_draws_the_seds_that_were_classified(tmp_path, monkeypatch):
    import vo_blazar.interop.plotting
    drawn = {}
    real = vo_blazar.interop.plotting.save_sed_plot

    def spy(sed, path, **kwargs):
        drawn[path.name] = (sed, kwargs)
        return real(sed, path, **kwargs)

    monkeypatch.setattr(vo_blazar.interop.plotting, "save_sed_plot", spy)
    out = tmp_path / "result.ecsv"
    assert main(["classify", "TXS 0506+056", "--offline", "--no-progress", "--catalogs", "NVSS,AllWISE",
                 "--plot", str(tmp_path / "plots"), "-o", str(out)]) == 0
    res = QTable.read(out)
    assert list(drawn) == ["TXS_0506+056.png"]
    sed, kwargs = drawn["TXS_0506+056.png"]
    assert (tmp_path / "plots" / "TXS_0506+056.png").stat().st_size > 1000
    assert set(sed["catalog"]) == {"NVSS", "AllWISE"}          # --catalogs holds for the plots too
    assert int((~sed["upper_limit"]).sum()) == res["n_points"][0]
    assert kwargs["p_blazar"] == pytest.approx(res["p_blazar"][0])
    # saliency of both flux channels (shape, level) of the shipped shape_level models, per grid cell
    assert kwargs["saliency"].shape == (len(kwargs["grid_frequencies"]), 2)
    assert np.all(kwargs["saliency"] >= 0) and kwargs["saliency"].sum() > 0
