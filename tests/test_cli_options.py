"""`vo_blazar.cli.options`: the shared options, their values as API arguments, the output formats."""
import argparse

import astropy.units as u
import pytest

from vo_blazar.cli import options
from vo_blazar.exceptions import InputValueError
from vo_blazar.sed.io import FORMATS


def _parser():
    p = argparse.ArgumentParser()
    options.add_target_options(p)
    options.add_output(p, "the thing", "; more")
    options.add_regions(p)
    options.add_samp(p, "the thing")
    options.add_no_progress(p)
    return p


def test_defaults_leave_the_choice_to_the_api():
    args = _parser().parse_args([])
    # None, not False: VO_BLAZAR_OFFLINE / conf.offline decide when --offline is not given
    assert args.offline is None and args.radius is None and args.catalogs is None
    assert options.radius_option(args) is None and options.catalogs_option(args) is None
    assert args.output is None and args.regions is None and not args.samp and not args.no_progress


def test_values_become_api_arguments(tmp_path):
    args = _parser().parse_args(["--radius", "7.5", "--offline", "--catalogs", " AllWISE, ,NVSS ",
                                 "-o", str(tmp_path / "r.fits"), "--regions", "a.reg", "--samp",
                                 "--no-progress"])
    radius = options.radius_option(args)
    assert radius.unit == u.arcsec and radius.value == 7.5
    assert options.catalogs_option(args) == ["AllWISE", "NVSS"]
    assert args.offline is True and args.samp and args.no_progress
    assert args.output == tmp_path / "r.fits" and str(args.regions) == "a.reg"


def test_help_names_the_output_formats():
    text = _parser().format_help()
    assert "write the thing (.ecsv, .vot, .fits, .csv); more" in " ".join(text.split())
    assert set(options.OUTPUT_SUFFIXES) <= set(FORMATS)    # the help cannot name a format not known


@pytest.mark.parametrize("name, fmt", [("a.ecsv", "ascii.ecsv"), ("a.VOT", "votable"), ("a.xml", "votable"),
                                       ("a.votable", "votable"), ("a.fits", "fits"), ("a.fit", "fits"),
                                       ("dir.x/a.csv", "ascii.csv")])
def test_output_format_by_suffix(name, fmt):
    assert options.output_format(name) == fmt


@pytest.mark.parametrize("name", ["result.txt", "result", "a.ecsv.gz"])
def test_output_format_unknown_suffix(name):
    with pytest.raises(InputValueError, match=rf"cannot tell the output format from {name}; use one of "
                                              r"\['.csv', '.ecsv', '.fit', '.fits', '.vot', '.votable', '.xml'\]"):
        options.output_format(name)
