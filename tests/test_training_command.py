"""`vo_blazar.training.command`: where a training run writes, and how ``ship_models`` replaces the
shipped set without deleting a shipped file. No network is trained here: the "new" models are a
copy of the shipped ``nogamma`` folder, and the package folder is a copy too (``MODELS_DIR``
monkeypatched), so the real shipped files are never touched."""
import json
import logging
import shutil

import pytest

from vo_blazar.exceptions import InputValueError, ModelError
from vo_blazar.model.ensemble import CARD_NAME, MODELS_DIR, load_ensemble
from vo_blazar.model.runtime import MANIFEST_NAME
from vo_blazar.training import command


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A stand-in for the package's models folder, with an old fold file the new card lacks."""
    models = tmp_path / "package_models"
    shutil.copytree(MODELS_DIR / "nogamma", models / "nogamma")
    (models / "nogamma" / "fold_10.keras").write_bytes(b"an old fold")
    monkeypatch.setattr(command, "MODELS_DIR", models)
    return models


@pytest.fixture
def trained(tmp_path):
    """A "new" training folder: the shipped set with a card that says it is new."""
    source = tmp_path / "train" / "nogamma"
    shutil.copytree(MODELS_DIR / "nogamma", source)
    card = json.loads((source / CARD_NAME).read_text())
    card["trained_by"] = "test"
    (source / CARD_NAME).write_text(json.dumps(card))
    return source


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_ship_models_replaces_the_set_and_keeps_the_old_one(package, trained, tmp_path, caplog):
    before = _snapshot(package / "nogamma")
    with caplog.at_level(logging.WARNING, logger="astropy.vo_blazar"):
        written = command.ship_models(trained, "nogamma", keep=tmp_path / "kept")
    dest = package / "nogamma"
    assert [p.name for p in written][-1] == CARD_NAME              # the card last
    assert {p.name for p in written} == set(_snapshot(trained))
    assert json.loads((dest / CARD_NAME).read_text())["trained_by"] == "test"
    assert _snapshot(tmp_path / "kept") == before                  # the replaced set, byte for byte
    assert (dest / "fold_10.keras").read_bytes() == b"an old fold"  # not deleted: named instead
    assert "fold_10.keras" in caplog.text and str(tmp_path / "kept") in caplog.text
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]   # no temporary file left
    assert load_ensemble("nogamma", directory=dest, runtime="onnx").runtime == "onnx"


def test_ship_models_refuses_an_inconsistent_folder_before_touching_the_package(package, trained, tmp_path):
    before = _snapshot(package / "nogamma")
    fold = trained / "fold_03.keras"
    fold.write_bytes(fold.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="fold_03.keras is missing or differs from the SHA-256"):
        command.ship_models(trained, "nogamma", keep=tmp_path / "kept")
    shutil.copyfile(MODELS_DIR / "nogamma" / "fold_03.keras", fold)
    (trained / MANIFEST_NAME).unlink()
    with pytest.raises(ModelError, match="has no ONNX export"):
        command.ship_models(trained, "nogamma", keep=tmp_path / "kept")
    assert _snapshot(package / "nogamma") == before and not (tmp_path / "kept").exists()


def test_ship_models_refuses_a_stale_export(package, trained, tmp_path):
    """New fold files with the old export: the manifest no longer matches the card."""
    card = json.loads((trained / CARD_NAME).read_text())
    fold = trained / card["weights"][0]["file"]
    fold.write_bytes(fold.read_bytes() + b"\0")
    card["weights"][0]["sha256"] = command.sha256_of(fold)
    (trained / CARD_NAME).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="was made from other fold files"):
        command.ship_models(trained, "nogamma", keep=tmp_path / "kept")
    assert not (tmp_path / "kept").exists()


def test_ship_models_argument_errors(package, trained, tmp_path):
    (tmp_path / "kept").mkdir()
    with pytest.raises(InputValueError, match="exists: give a new folder"):
        command.ship_models(trained, "nogamma", keep=tmp_path / "kept")
    with pytest.raises(InputValueError, match="variant must be one of"):
        command.ship_models(trained, "both", keep=tmp_path / "new")
    with pytest.raises(InputValueError, match="is inside the shipped models folder"):
        command.ship_models(package / "nogamma", "nogamma", keep=tmp_path / "new")


def test_is_shipped_path(tmp_path):
    assert command.is_shipped_path(MODELS_DIR) and command.is_shipped_path(MODELS_DIR / "gamma" / "x")
    assert command.is_shipped_path(MODELS_DIR / "gamma" / ".." / "..")is False
    assert not command.is_shipped_path(tmp_path) and not command.is_shipped_path(MODELS_DIR.parent)


@pytest.mark.parametrize("out_dir, ship, match", [
    (None, False, "run_training needs out_dir"),
    (MODELS_DIR, True, "is the package's shipped models folder"),
    (MODELS_DIR / "nogamma", False, "is the package's shipped models folder"),
])
def test_run_training_refuses_to_write_the_package_before_any_work(out_dir, ship, match, monkeypatch):
    def no_loader(*args):
        raise AssertionError("the data were loaded")
    with pytest.raises(InputValueError, match=match):
        command.run_training(variants=["nogamma"], out_dir=out_dir, ship=ship, loader=no_loader,
                             grid_factory=no_loader)


def test_default_out_dir_is_a_new_build_folder():
    out = command.default_out_dir()
    assert out.parent.name == "build" and out.name.startswith("train-") and out.name.endswith("Z")


def test_set_aside_renames_and_never_deletes(tmp_path):
    assert command._set_aside(tmp_path / "gamma") is None
    for n in (1, 2):
        (tmp_path / "gamma").mkdir()
        (tmp_path / "gamma" / "f").write_text(str(n))
        assert command._set_aside(tmp_path / "gamma") == tmp_path / f"gamma.replaced-{n}"
    assert not (tmp_path / "gamma").exists()
    assert [(tmp_path / f"gamma.replaced-{n}" / "f").read_text() for n in (1, 2)] == ["1", "2"]


def test_the_command_line_names_moved_to_cli_with_a_warning():
    from astropy.utils.exceptions import AstropyDeprecationWarning

    import vo_blazar.cli.train as cli_train
    import vo_blazar.model
    for name in ("train_command", "add_arguments", "main"):
        with pytest.warns(AstropyDeprecationWarning, match=f"use vo_blazar.cli.train.{name}"):
            assert getattr(command, name) is getattr(cli_train, name)
    with pytest.warns(AstropyDeprecationWarning):
        assert vo_blazar.model.train_command is cli_train.train_command
    with pytest.raises(AttributeError):
        command.no_such_name
