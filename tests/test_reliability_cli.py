"""Reliability probe 1d: the ``vo-blazar`` command line refuses what would do harm.

On fe6140e ``vo-blazar train`` without ``--out`` overwrote the package's shipped networks (#53)
and ``--threads -1`` aborted the process inside TensorFlow (#52). Both are refused here before any
training starts (the argument checks run first; no network is trained in these tests). How
``--ship`` replaces the shipped set without deleting it is tested in test_training_command.py.
"""
import pytest

from vo_blazar.cli.commands import main
from vo_blazar.training import command as train_cli
from vo_blazar.model.ensemble import MODELS_DIR


@pytest.fixture
def no_training(monkeypatch):
    calls = []
    monkeypatch.setattr(train_cli, "run_training", lambda **kw: calls.append(kw) or {})
    return calls


def test_train_without_out_refuses_to_touch_the_shipped_models(no_training, capsys):
    before = sorted(p.name for p in MODELS_DIR.rglob("*"))
    assert main(["train", "--preset", "tiny", "--folds", "2", "--epochs", "1", "--variant", "nogamma"]) == 2
    err = capsys.readouterr().err
    assert "needs --out DIR" in err and "--ship" in err and str(MODELS_DIR) in err
    assert no_training == [] and sorted(p.name for p in MODELS_DIR.rglob("*")) == before


def test_train_ship_and_out_write_where_told(no_training, tmp_path):
    assert main(["train", "--variant", "nogamma", "--out", str(tmp_path)]) == 0
    assert no_training[-1]["out_dir"] == str(tmp_path) and no_training[-1]["ship"] is False
    assert no_training[-1]["variants"] == ("nogamma",)
    # --ship alone: a new training folder (chosen by run_training), then the shipped set replaced
    assert main(["train", "--variant", "nogamma", "--ship"]) == 0
    assert no_training[-1]["out_dir"] is None and no_training[-1]["ship"] is True


def test_train_ship_with_out_trains_there_then_ships(no_training, tmp_path):
    assert main(["train", "--ship", "--out", str(tmp_path)]) == 0
    assert no_training[-1]["out_dir"] == str(tmp_path) and no_training[-1]["ship"] is True
    assert no_training[-1]["variants"] == ("gamma", "nogamma")


@pytest.mark.parametrize("ship", [[], ["--ship"]])
@pytest.mark.parametrize("where", [MODELS_DIR, MODELS_DIR / "gamma"])
def test_train_out_in_the_shipped_models_is_refused(no_training, where, ship, capsys):
    before = sorted(p.name for p in MODELS_DIR.rglob("*"))
    assert main(["train", "--out", str(where), *ship]) == 2   # fe6140e..redesign: it trained there
    err = capsys.readouterr().err
    assert err.startswith(f"vo-blazar train: error: --out {where} is the package's shipped models folder")
    assert no_training == [] and sorted(p.name for p in MODELS_DIR.rglob("*")) == before


@pytest.mark.parametrize("threads", ["-1", "0"])
def test_train_nonpositive_threads_is_a_clear_error(no_training, tmp_path, threads, capsys):
    assert main(["train", "--threads", threads, "--out", str(tmp_path)]) == 2
    assert f"--threads must be a positive number of threads, got {threads}" in capsys.readouterr().err
    assert no_training == []


@pytest.mark.parametrize("target", [["77.35818"], ["nan", "nan"], ["inf", "5"]])
def test_sed_lone_or_non_finite_numbers_are_not_taken_for_a_name(target, capsys):
    assert main(["sed", *target, "--offline"]) == 2
    err = capsys.readouterr().err
    assert "is not a position: expected RA and Dec, two finite numbers" in err
    assert "not known to the offline snapshot" not in err


def test_classify_unquoted_ra_dec_exits_2_with_the_quoting_hint(capsys):
    assert main(["classify", "--offline", "77.35818", "5.69315", "--no-progress"]) == 2   # fe6140e: 0
    err = capsys.readouterr().err
    assert "none of the 2 row(s) could be read as a position" in err
    assert 'quote it: "77.35818 5.69315"' in err
