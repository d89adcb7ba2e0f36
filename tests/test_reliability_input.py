"""Reliability probe 1b/1c: catalogue names and units as a user types them.

On fe6140e ``catalogs=["NVSS", "NVSS"]`` put the NVSS point in the SED twice (#19), names were
case-sensitive with no suggestion (#17), and a column unit astropy does not know gave astropy's own
ValueError (#25).
"""
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.classifier.classification import classify_sed
from vo_blazar.cli.commands import main
from vo_blazar.exceptions import InputValueError, UnknownCatalogueError
from vo_blazar.pipeline import build_sed, build_seds

TXS = SkyCoord(77.35818, 5.69315, unit="deg")


def test_a_catalogue_named_twice_is_queried_once():
    once = build_sed(TXS, catalogs=["NVSS"], offline=True, cache=False)
    twice = build_sed(TXS, catalogs=["NVSS", "NVSS"], offline=True, cache=False)
    assert len(once) >= 1 and len(twice) == len(once)
    assert twice.meta["catalogs"] == ["NVSS"]
    many = build_seds(SkyCoord([77.35818, 166.11381], [5.69315, 38.20883], unit="deg"),
                      catalogs=["NVSS", "FIRST", "NVSS"], offline=True, cache=False)
    assert many[0].meta["catalogs"] == ["NVSS", "FIRST"]
    assert list(many[0]["catalog"]).count("NVSS") == list(once["catalog"]).count("NVSS")


def test_catalogue_names_ignore_case():
    sed = build_sed(TXS, catalogs=["nvss", "allwise", "4fgl-dr4"], offline=True, cache=False)
    assert sed.meta["catalogs"] == ["NVSS", "AllWISE", "4FGL-DR4"]
    assert len(build_sed(TXS, catalogs=["NVSS", "nvss"], offline=True, cache=False)) == \
        len(build_sed(TXS, catalogs=["NVSS"], offline=True, cache=False))


def test_unknown_names_get_a_suggestion():
    with pytest.raises(UnknownCatalogueError, match="'NVS': did you mean 'NVSS'") as err:
        build_sed(TXS, catalogs=["NVS", "zzzz"], offline=True)
    assert "'zzzz'" in str(err.value) and "valid names are" in str(err.value)
    with pytest.raises(UnknownCatalogueError, match="did you mean 'AllWISE'"):
        build_sed(TXS, catalogs=["alwise"], offline=True)


def test_cli_catalogs_any_case(capsys):
    assert main(["sed", "77.35818", "5.69315", "--offline", "--catalogs", "nvss"]) == 0
    assert "NVSS" in capsys.readouterr().out


def test_unrecognised_unit_is_our_error():
    t = Table({"frequency": [1.4e9, 1e15], "nufnu": [1e-14, 1e-12]})
    t["frequency"].unit = "Hz"
    t["nufnu"].unit = u.Unit("bogus_unit", parse_strict="silent")
    with pytest.raises(InputValueError, match="unit 'bogus_unit', which astropy does not recognise"):
        classify_sed(t)
