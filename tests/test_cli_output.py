"""What a person sees: the result columns at any terminal width, abbreviated notes, one summary line,
no encoding-report flood, no progress bar for quick work, a hint for a missing train extra."""
import io

import numpy as np
import pytest
from astropy.table import MaskedColumn, QTable, Table

from vo_blazar.cli.commands import main
from vo_blazar.cli.display import abbreviate, format_results, summary_line

LONG = ("1 point(s) off the model grid were ignored (PanSTARRS y_PS1); out of the training distribution "
        "(points in band(s) no training SED had: Planck 30 GHz, 3FHL 10-20 GeV; level above every training "
        "SED in 2FHL 171-585 GeV); sparse: 2 detected points")


def synthetic_result(reliability=True):
    """A hand-made result table (synthetic values, not a classification)."""
    t = Table({"name": ["Synthetic blazar", "Synthetic quasar", "Empty sky"],
               "ra": [1.0, 2.0, 3.0], "dec": [-1.0, 0.5, 10.0],
               "p_blazar": [0.98765, 0.01234, np.nan], "p_blazar_std": [0.0123, 0.0045, np.nan],
               "is_blazar": [True, False, False], "model": ["gamma", "nogamma", "nogamma"],
               "n_points": [37, 5, 0], "warnings": [LONG, "", "no usable photometry"]})
    if reliability:
        t["reliable"] = [True, False, False]
        t["reliability"] = ["", "coverage 'ir,optical' seen for 3 training SEDs only", "not classified"]
        t["is_blazar"] = MaskedColumn([True, False, False], mask=[False, True, True])
    return t


@pytest.mark.parametrize("width", [50, 80, 200])
def test_answer_columns_survive_any_width(width):
    text = format_results(synthetic_result(), width, stream=io.StringIO())
    lines = text.splitlines()
    assert lines[0].split()[:6] == ["name", "p_blazar", "blazar", "reliable", "model", "points"]
    row = lines[1]
    assert "notes" in lines[0] if width > 80 else "notes" not in lines[0]
    assert row.startswith("Synthetic blazar") and "0.988 ± 0.012" in row
    assert row.split("±")[1].split()[1:4] == ["yes", "yes", "gamma"]
    assert "37" in row.split()
    quasar = lines[2 if width > 80 else 3]
    assert "no" in quasar.split() and "-" in quasar.split()      # withheld label, not reliable
    assert "no data" in lines[3 if width > 80 else 5]
    if width >= 80:           # 50 is narrower than the answer columns: those lines wrap, never lose them
        assert max(len(line) for line in lines) <= width
    if width <= 80:                                 # the notes get a line of their own
        assert lines[2].startswith("    1 point(s) off the model grid")
    assert "Planck 30 GHz" not in text                                 # the details stay in the table


def test_notes_are_abbreviated_and_reliability_comes_first():
    text = format_results(synthetic_result(), 200, stream=io.StringIO())
    lines = text.splitlines()
    assert lines[1].endswith("1 point(s) off the model grid were ignored; out of the training distribution; "
                             "sparse")
    assert lines[2].endswith("coverage 'ir,optical' seen for 3 training SEDs only")
    narrow = format_results(synthetic_result(), 100, stream=io.StringIO()).splitlines()[1]
    assert narrow.endswith("…") and len(narrow) == 100


def test_without_reliability_columns_and_on_an_ascii_terminal():
    class Ascii(io.StringIO):
        encoding = "ascii"

    text = format_results(synthetic_result(reliability=False), 100, stream=Ascii())
    assert "reliable" not in text.splitlines()[0]
    assert "0.988 +- 0.012" in text
    text.encode("ascii")


def test_abbreviate_splits_outside_parentheses_only():
    assert abbreviate("a (x; y); b: detail; a (z)") == "a; b"
    assert abbreviate("", 10) == ""
    assert abbreviate("abcdefghijklmnop", 8) == "abcde..."


def test_summary_line_counts():
    line = summary_line(synthetic_result(), written="out.ecsv")
    assert line == ("3 source(s): 1 blazar(s), 0 not, 1 unreliable (label withheld), 1 without usable data; "
                    "2 with warnings (full text in out.ecsv)")
    assert summary_line(synthetic_result(reliability=False)).startswith("3 source(s): 1 blazar(s), 1 not, "
                                                                         "1 without usable data")


def test_cli_classify_prints_the_answer_at_40_columns(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    out = tmp_path / "result.ecsv"
    assert main(["classify", "Mrk 421", "3C 273", "--offline", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    res = QTable.read(out)
    lines = captured.out.splitlines()
    assert lines[0].split()[:2] == ["name", "p_blazar"]
    rows = [line for line in lines[1:] if not line.startswith("    ")]    # notes have lines of their own
    assert any(line.startswith("    ") for line in lines)
    for name, row in zip(["Mrk 421", "3C 273"], rows):
        r = res[res["name"] == name][0]
        assert row.startswith(name)
        assert f"{r['p_blazar']:.3f} ± {r['p_blazar_std']:.3f}" in row
        assert f" {r['model']} " in row and f" {r['n_points']}" in row
    assert lines[-1].startswith("2 source(s): ") and f"full text in {out}" in lines[-1]
    assert any(len(w) > 40 for w in res["warnings"])                 # the file keeps the full text
    assert "EncodingReport" not in captured.err and "INFO" not in captured.err
    assert "classify:" not in captured.err                           # no progress bar for one chunk


def test_missing_train_extra_is_a_one_line_hint(monkeypatch, capsys):
    from vo_blazar.cli import train as train_cli

    def needs_tensorflow(args):
        raise ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow")

    monkeypatch.setattr(train_cli, "train_command", needs_tensorflow)
    assert main(["train"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'vo_blazar[train]'" in err and "tensorflow" in err
