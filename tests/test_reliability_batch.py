"""Reliability probe 1a, 1e, 1f, 3: batches, checkpoints and output files.

On fe6140e: resuming a checkpoint with other options silently mixed two configurations (#97); a
``--checkpoint`` pointed at an unrelated file truncated it, then crashed (#98); a hand-made double
header crashed the resume (#101); a kill during the final write left a truncated file that read
back as valid (#96); one NaN in ``classify_batch(SkyCoord)`` failed the whole batch (#6), as did a
Dec of 95 in a table (#7) and RAJ2000/DEJ2000 columns (#11); Latin-1 and BOM positions files were
refused or crashed (#57-#59); one bad row blocked the region export of all (#66); output names that
cannot be written were refused only after classifying (#45, #46, #67).

The classifier is substituted by a synthetic one (no network, no model): what is checked is the
batch logic around it.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.classifier import classification as classifier
from vo_blazar.atomic import atomic_path
from vo_blazar.classifier.batch import classify_batch, read_positions
from vo_blazar.cli.commands import main
from vo_blazar.exceptions import InputValueError, VOBlazarWarning
from vo_blazar.interop.regions import positions_to_regions

ROOT = Path(__file__).resolve().parents[1]


def fake_classify(coords, *, radius=None, gamma=None, offline=None, catalogs=None, cache=True):
    """Synthetic results whose p_blazar depends on the options, so that a mix would show."""
    n = len(coords)
    p = np.full(n, 0.25 if catalogs else 0.75)
    out = Table()
    for c in classifier.RESULT_COLUMNS:
        out[c] = np.full(n, "", dtype="U8")
    out["ra"], out["dec"] = coords.ra.deg, coords.dec.deg
    out["p_blazar"], out["p_blazar_std"], out["threshold"] = p, np.zeros(n), np.full(n, 0.5)
    out["is_blazar"] = p >= 0.5
    out["model"] = "nogamma"
    out["n_points"], out["n_upper_limits"] = np.full(n, 3), np.zeros(n, int)
    return out


@pytest.fixture
def fake(monkeypatch):
    calls = []

    def record(coords, **kw):
        calls.append((len(coords), kw))
        return fake_classify(coords, **kw)
    monkeypatch.setattr(classifier, "classify", record)
    return calls


COORDS = SkyCoord([10.0, 20.0, 30.0, 40.0], [0.0, 5.0, -5.0, 60.0], unit="deg")


# ---------------------------------------------------------------------- checkpoint options
@pytest.mark.parametrize("first, second, what", [
    ({"catalogs": ["NVSS"]}, {}, "catalogs was ['NVSS'], now"),
    ({"radius": 15 * u.arcsec}, {"radius": 30 * u.arcsec}, "radius_arcsec was 15.0, now 30.0"),
    ({"offline": True}, {"offline": False}, "offline was True, now False"),
    ({"gamma": None}, {"gamma": False}, "gamma was None, now False"),
])
def test_checkpoint_refuses_other_options(fake, tmp_path, first, second, what):
    ck = tmp_path / "ck.jsonl"
    classify_batch(COORDS[:2], checkpoint=ck, chunk_size=1, progress=False, **first)
    before = ck.read_bytes()
    n_calls = len(fake)
    with pytest.raises(InputValueError, match="written with other options") as err:
        classify_batch(COORDS[:2], checkpoint=ck, chunk_size=1, progress=False, **second)
    assert what in str(err.value) and "mix two configurations" in str(err.value)
    assert ck.read_bytes() == before and len(fake) == n_calls      # nothing run, nothing written


def test_checkpoint_with_the_same_options_resumes(fake, tmp_path):
    ck = tmp_path / "ck.jsonl"
    lines = None
    classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False, catalogs=["nvss"])
    lines = ck.read_text().splitlines()
    ck.write_text("\n".join(lines[:3]) + "\n")                     # as if killed after one chunk
    fake.clear()
    res = classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False, catalogs=["NVSS"])
    assert [n for n, _ in fake] == [2] and res.meta["resumed_rows"] == 2
    assert np.allclose(res["p_blazar"], 0.25)                       # one configuration throughout
    header = json.loads(lines[0])
    assert header["options"]["catalogs"] == ["NVSS"] and header["options"]["offline"] in (True, False)


@pytest.mark.parametrize("content", [b"my precious notes\nline two without newline",
                                     b"ra,dec\n10.0,0.0\n", b"no newline at all", b"{\"a\": 1}\n"])
def test_checkpoint_pointed_at_an_unrelated_file_leaves_it_untouched(fake, tmp_path, content):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(content)
    with pytest.raises(InputValueError, match="is not a vo_blazar classify checkpoint"):
        classify_batch(COORDS[:1], checkpoint=notes, progress=False)
    assert notes.read_bytes() == content and fake == []


def test_cli_checkpoint_at_an_unrelated_file_is_one_line_rc2(fake, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my precious notes\nline two without newline")
    assert main(["classify", "--offline", "77.35818 5.69315", "--checkpoint", str(notes),
                 "--no-progress"]) == 2
    assert "is not a vo_blazar classify checkpoint" in capsys.readouterr().err
    assert notes.read_bytes() == b"my precious notes\nline two without newline"


def test_repeated_header_and_a_damaged_row(fake, tmp_path):
    ck = tmp_path / "ck.jsonl"
    classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False)
    lines = ck.read_text().splitlines()
    ck.write_text("\n".join([lines[0], lines[0], *lines[1:3]]) + "\n")   # two runs started together
    res = classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False)
    assert res["index"].tolist() == [0, 1, 2, 3] and res.meta["resumed_rows"] == 2
    ck.write_text("\n".join([lines[0], "not json", *lines[1:]]) + "\n")
    with pytest.raises(InputValueError, match="line 2, is not a result row"):
        classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False)


# ---------------------------------------------------------------------- atomic output
def test_atomic_path_keeps_the_old_file_when_the_write_fails(tmp_path):
    out = tmp_path / "out.ecsv"
    out.write_text("old complete result\n")
    with pytest.raises(RuntimeError):
        with atomic_path(out) as tmp:
            tmp.write_text("half of a new res")
            raise RuntimeError("killed")
    assert out.read_text() == "old complete result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ecsv"]


KILLED_WRITE = textwrap.dedent("""
    import os, sys
    import numpy as np
    from astropy.table import Table
    import vo_blazar.classifier.batch as B
    from vo_blazar.cli.commands import main

    def fake_batch(positions, **kw):
        return Table({"name": ["a"] * 3000, "ra": np.arange(3000.0), "dec": np.zeros(3000),
                      "p_blazar": np.full(3000, 0.5), "p_blazar_std": np.zeros(3000),
                      "is_blazar": np.zeros(3000, bool), "model": ["nogamma"] * 3000,
                      "n_points": np.ones(3000, int), "n_upper_limits": np.zeros(3000, int),
                      "warnings": [""] * 3000})
    B.classify_batch = fake_batch
    from astropy.io import ascii
    def dying_write(self, path, **kw):          # SIGKILL half-way through the output file
        ascii.write(self, path, format="ecsv", overwrite=True)
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) // 2)
        os._exit(137)
    Table.write = dying_write
    main(["classify", "--offline", "10 0", "-o", sys.argv[1], "--no-progress"])
""")


def test_kill_during_the_final_write_leaves_no_truncated_output(tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WRITE)
    out = tmp_path / "result.ecsv"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script), str(out)], env=env, capture_output=True,
                          timeout=300)
    assert proc.returncode == 137, proc.stderr.decode()[-2000:]
    assert not out.exists()       # fe6140e: half a file that Table.read takes as 1,500 valid rows


def test_unwritable_outputs_are_refused_before_classifying(fake, tmp_path, capsys):
    for extra, message in ((["-o", str(tmp_path / "out.xyz")], "cannot tell the output format"),
                           (["-o", str(tmp_path / "missing" / "out.ecsv")], "does not exist"),
                           (["--regions", str(tmp_path / "r.txt")], "cannot tell the region format")):
        assert main(["classify", "--offline", "10 0", "--no-progress", *extra]) == 2
        assert message in capsys.readouterr().err
    assert fake == []


def test_sed_output_into_a_missing_folder_is_one_line_rc2(tmp_path, capsys):
    assert main(["sed", "77.35818", "5.69315", "--offline", "--catalogs", "NVSS",
                 "-o", str(tmp_path / "missing" / "out.ecsv")]) == 2
    err = capsys.readouterr().err
    assert "folder" in err and "does not exist" in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------- bad rows
def test_one_nan_position_is_reported_in_its_row(fake):
    coords = SkyCoord([77.35818, np.nan, 166.11381], [5.69315, 5.0, 38.20883], unit="deg")
    res = classify_batch(coords, progress=False)
    assert res["warnings"][1].startswith("bad input: position (nan, 5.0)")
    assert np.isnan(res["p_blazar"][1]) and np.isfinite(res["p_blazar"][[0, 2]]).all()
    assert [n for n, _ in fake] == [2]                       # the two good rows, classified


def test_table_rows_out_of_range_and_catalogue_column_names(fake):
    res = classify_batch(Table({"name": ["a", "b"], "ra": [77.35818, 10.0], "dec": [95.0, 5.0],
                                "error": ["", ""]}), progress=False)
    assert "|Dec| > 90" in res["warnings"][0] and np.isfinite(res["p_blazar"][1])
    res = classify_batch(Table({"RAJ2000": [77.35818] * u.deg, "DEJ2000": [5.69315] * u.deg}),
                         progress=False)
    assert res["ra"][0] == pytest.approx(77.35818) and np.isfinite(res["p_blazar"][0])


def test_latin1_and_bom_positions_files(tmp_path):
    txt = tmp_path / "latin1.txt"
    txt.write_bytes("166.11381 38.20883   # Markarian 421, caf\xe9\n77.35818 5.69315\n".encode("latin-1"))
    t = read_positions(txt)
    assert list(t["error"]) == ["", ""] and t["ra"][0] == pytest.approx(166.11381)
    csv = tmp_path / "latin1.csv"
    csv.write_bytes("name,ra,dec\ncaf\xe9,77.35818,5.69315\n".encode("latin-1"))
    t = read_positions(csv)
    assert t["name"][0] == "caf\xe9" and t["error"][0] == ""
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffra,dec\n77.35818,5.69315\n".encode("utf-8"))
    assert read_positions(bom)["dec"][0] == pytest.approx(5.69315)


def test_one_bad_row_does_not_block_the_regions_of_the_others(tmp_path):
    result = Table({"name": ["Mrk 421", "Not A Source", "TXS"],
                    "ra": [166.11381, np.nan, 77.35818] * u.deg,
                    "dec": [38.20883, np.nan, 5.69315] * u.deg, "p_blazar": [0.9, np.nan, 0.99],
                    "is_blazar": [True, False, True]})
    with pytest.warns(VOBlazarWarning, match=r"1 row\(s\) without a valid position get no region: "
                                             r"rows \[1\]"):
        regions = positions_to_regions(result)
    assert len(regions) == 2
    assert regions[1].center.ra.deg == pytest.approx(77.35818)


def test_two_runs_on_one_checkpoint_are_refused(fake, tmp_path, monkeypatch):
    ck = tmp_path / "ck.jsonl"
    seen = []

    def second_run(coords, **kw):      # while the first run holds the checkpoint
        if not seen:
            seen.append(True)
            with pytest.raises(InputValueError, match="is in use by another running classification"):
                classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False)
        return fake_classify(coords, **kw)
    monkeypatch.setattr(classifier, "classify", second_run)
    res = classify_batch(COORDS, checkpoint=ck, chunk_size=2, progress=False)
    assert seen and res["index"].tolist() == [0, 1, 2, 3]
    rows = [json.loads(line) for line in ck.read_text().splitlines()[1:]]
    assert sorted(r["index"] for r in rows) == [0, 1, 2, 3]      # each row once
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.jsonl"]


def test_offline_environment_typo_is_an_error(monkeypatch):
    from vo_blazar.config import offline_mode
    monkeypatch.setenv("VO_BLAZAR_OFFLINE", "y")
    assert offline_mode() is True
    monkeypatch.setenv("VO_BLAZAR_OFFLINE", "2")
    with pytest.raises(InputValueError, match="VO_BLAZAR_OFFLINE='2' is not understood"):
        offline_mode()


def test_damaged_snapshot_file_is_named(tmp_path, monkeypatch):
    import warnings

    from vo_blazar.access import snapshot
    from vo_blazar.pipeline import build_sed
    (tmp_path / "NVSS.npz").write_bytes(b"PK garbage, not a zip archive")
    monkeypatch.setattr(snapshot, "_snapshot_dir", lambda: tmp_path)
    monkeypatch.setattr(snapshot.SnapshotAccess, "_tables", {})
    monkeypatch.setattr(snapshot.SnapshotAccess, "_index", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sed = build_sed(SkyCoord(77.35818, 5.69315, unit="deg"), catalogs=["NVSS"], offline=True,
                        cache=False)
    reason = sed.meta["failures"]["NVSS"]
    assert f"the installed snapshot file {tmp_path / 'NVSS.npz'} is damaged" in reason
    assert "reinstall vo_blazar" in reason


def test_numeric_positions_file_bad_rows_and_frames(tmp_path):
    csv = tmp_path / "pos.csv"
    csv.write_text("name,RAJ2000,DEJ2000\na,77.35818,5.69315\nb,400,5\nc,166.11381,\nd,-1,0\n")
    t = read_positions(csv)
    assert t["error"][0] == "" and t["ra"][0] == pytest.approx(77.35818)
    assert all(e.startswith("bad input: RAJ2000/DEJ2000") for e in t["error"][1:])
    assert np.isnan(t["ra"][1:]).all()
    gal = tmp_path / "gal.csv"
    gal.write_text("GLON,GLAT\n195.40,-19.63\n")     # TXS 0506+056 in Galactic coordinates
    t = read_positions(gal)
    assert t["ra"][0] == pytest.approx(77.36, abs=0.02) and t["dec"][0] == pytest.approx(5.69, abs=0.02)


def test_masked_is_blazar_stays_masked_through_the_batch_and_its_checkpoint(monkeypatch, tmp_path):
    """classify masks is_blazar where the model cannot know; the batch must not turn that into
    True (the masked constant prints as '--', and bool('--') is True)."""
    from astropy.table import MaskedColumn

    def masked_classify(coords, **kw):
        out = fake_classify(coords, **kw)
        out["is_blazar"] = MaskedColumn(np.ones(len(coords), bool), mask=[True] + [False] * (len(coords) - 1))
        return out
    monkeypatch.setattr(classifier, "classify", masked_classify)
    ck = tmp_path / "ck.jsonl"
    coords = SkyCoord([10.0, np.nan, 30.0], [0.0, 0.0, 0.0], unit="deg")
    for _ in range(2):   # fresh, then entirely from the checkpoint
        res = classify_batch(coords, checkpoint=ck, progress=False)
        assert list(res["is_blazar"].mask) == [True, True, False]
        assert bool(res["is_blazar"][2]) is True
    rows = [json.loads(line) for line in ck.read_text().splitlines()[1:]]
    assert rows[0]["is_blazar"] is None


def test_batch_table_in_hourangle_and_masked_positions(fake):
    from astropy.table import MaskedColumn, QTable
    res = classify_batch(QTable({"ra": [5.157212] * u.hourangle, "dec": [5.69315] * u.deg}), progress=False)
    assert res["ra"][0] == pytest.approx(77.35818, abs=1e-5)
    res = classify_batch(Table({"ra": MaskedColumn([77.35818, 10.0], mask=[False, True]),
                                "dec": [5.69, 5.0]}), progress=False)
    assert res["warnings"][1].startswith("bad input: position (nan, 5.0)") and np.isfinite(res["p_blazar"][0])
