"""Maintainer commands write build/<name>/ unless told --ship (tools/output.py)."""
import argparse

import pytest

from tools.output import BUILD_DIR, add_output_options, output_dir


def _parser(shipped):
    p = argparse.ArgumentParser()
    add_output_options(p, "grids", shipped)
    return p


def test_default_is_the_build_folder(tmp_path):
    assert output_dir(_parser(tmp_path / "shipped").parse_args([])) == BUILD_DIR / "grids"
    assert BUILD_DIR.name == "build" and (BUILD_DIR.parent / "vo_blazar").is_dir()


def test_ship_and_out(tmp_path):
    shipped = tmp_path / "shipped"
    assert output_dir(_parser(shipped).parse_args(["--ship"])) == shipped
    assert output_dir(_parser(shipped).parse_args(["--out", str(tmp_path / "x")])) == tmp_path / "x"


def test_ship_and_out_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _parser(tmp_path).parse_args(["--ship", "--out", "x"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_grids_command_writes_build_not_the_package(tmp_path, monkeypatch):
    from tools import grids
    from vo_blazar.grid.frequency_grid import GRIDS_DIR
    before = {p.name: p.read_bytes() for p in GRIDS_DIR.iterdir()}
    assert grids.main(["--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(before)
    # rebuilt from the registry, the grids are the shipped ones byte for byte
    assert {n: (tmp_path / n).read_bytes() for n in written} == before
    assert {p.name: p.read_bytes() for p in GRIDS_DIR.iterdir()} == before
