"""The model card: typed reading and checking (`vo_blazar.model.card`), one writer
(`vo_blazar.training.card`)."""
import json
import subprocess
import sys

import numpy as np
import pytest
from astropy.utils.exceptions import AstropyDeprecationWarning

from vo_blazar.exceptions import ModelError
from vo_blazar.model.card import (ALLWISE_SDSS_VIEW, REQUIRED_KEYS, CoverageRow, MeanStd, ModelCard,
                                  WeightFile, coverage_share, read_card)
from vo_blazar.model.ensemble import MODELS_DIR
from vo_blazar.training.card import to_json, write_card

SHIPPED = [MODELS_DIR / v / "model_card.json" for v in ("gamma", "nogamma")]


@pytest.mark.parametrize("path", SHIPPED, ids=["gamma", "nogamma"])
def test_shipped_cards_are_rewritten_byte_identically(path, tmp_path):
    # what `python -m vo_blazar.training.robustness` and `vo-blazar train` write back
    out = write_card(read_card(path), tmp_path / "model_card.json")
    assert out.read_bytes() == path.read_bytes()


def test_preset_cards_of_the_docs_are_rewritten_byte_identically(tmp_path):
    from pathlib import Path

    cards = sorted((Path(__file__).parents[1] / "docs" / "_static" / "model" / "preset_cards").glob("*.json"))
    if not cards:
        pytest.skip("no source checkout")
    for path in cards:
        assert write_card(read_card(path), tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("path", SHIPPED, ids=["gamma", "nogamma"])
def test_shipped_cards_read_as_typed_attributes(path):
    raw = json.loads(path.read_text())
    card = read_card(path)
    assert isinstance(card, ModelCard) and card.path == path and card.raw == raw
    assert card.variant == path.parent.name and card.format == "vo_blazar-model-card-1"
    assert card.threshold == raw["threshold"] == pytest.approx(np.mean(card.threshold_per_fold))
    assert card.grid_size == raw["grid_size"] == card.model_config["grid_size"]
    assert card.n_folds == 10 == len(card.weights) == len(card.per_fold) == len(card.platt_per_fold)
    assert card.seed == raw["training"]["seed"] and card.scaling_kind == "shape_level"
    w = raw["weights"][3]
    assert card.weights[3] == WeightFile("fold_03.keras", w["sha256"], w["bytes"])
    assert card.calibration_method == "platt"
    assert card.platt_per_fold[2].a == raw["calibration"]["per_fold"][2]["a"]
    assert card.per_fold[4].roc_auc == raw["per_fold"][4]["metrics"]["roc_auc"]
    assert card.sparsest_max_points == max(f["metrics_sparsest_10pct"]["max_points"] for f in raw["per_fold"])
    assert card.metrics["roc_auc"] == MeanStd(**raw["metrics"]["roc_auc"])
    sparse = raw["metrics_sparsest_10pct"]["accuracy_blazar"]
    assert card.metrics_sparsest_10pct["accuracy_blazar"] == MeanStd(sparse["mean"], sparse["std"])
    assert card.coverage_patterns == raw["coverage_patterns"]
    assert card.cells_one_class == {k: tuple(v) for k, v in raw["cells_one_class"].items()}
    low, high = card.input_range
    assert low.shape == high.shape == (card.grid_size, 3) and np.isnan(low[:, 1]).all()
    assert card.known_limits == tuple(raw["known_limits"])
    rows = [r for r in raw["coverage_robustness"] if r["view"] == ALLWISE_SDSS_VIEW and r["label"] == 1]
    n, correct = card.coverage_share(ALLWISE_SDSS_VIEW, label=1)
    assert n == sum(r["n"] for r in rows) > 0
    assert correct == pytest.approx(sum(r["n"] * r["correct"] for r in rows) / n, rel=1e-12)


def test_the_view_name_is_the_one_the_robustness_views_define():
    from vo_blazar.training.robustness import VIEWS

    assert ALLWISE_SDSS_VIEW in VIEWS
    assert {r.view for r in read_card(SHIPPED[0]).coverage_robustness} == set(VIEWS)


def test_coverage_share_of_no_rows_is_nan():
    rows = [CoverageRow("v", "A", 1, 30, 0.1), CoverageRow("v", "B", 1, 10, 0.5),
            CoverageRow("v", "C", 0, 5, 1.0)]
    assert coverage_share(rows, "v", 1) == (40, pytest.approx(0.2))
    n, share = coverage_share(rows, "other", 1)
    assert n == 0 and np.isnan(share)


def test_a_card_without_measured_figures_reads_as_empty():
    card = ModelCard({"variant": "nogamma", "threshold": 0.5})
    assert card.path is None and card.weights == () and card.per_fold == () and card.platt_per_fold == ()
    assert card.coverage_patterns is None and card.coverage_robustness == () and card.input_range is None
    assert card.cells_one_class == {"blazar": (), "nonblazar": ()}
    assert card.metrics_sparsest_10pct == {} and card.sparsest_max_points is None
    assert card.grid_file == "grid.json" and card.calibration_method == "none"


def test_item_access_edits_the_card_the_attributes_read():
    raw = {"variant": "gamma", "threshold": 0.5}
    card = ModelCard(raw)
    card["cells_one_class"] = {"blazar": [3], "nonblazar": []}
    assert card.cells_one_class["blazar"] == (3,)
    assert raw["cells_one_class"] == {"blazar": [3], "nonblazar": []}
    del card["cells_one_class"]
    assert "cells_one_class" not in card and len(card) == 2 and dict(card) == raw


def test_updated_keeps_the_key_order_and_leaves_the_card_alone():
    card = ModelCard({"variant": "gamma", "threshold": 0.5, "known_limits": ["a"]})
    new = card.updated(threshold=0.25, coverage_patterns={"radio": 3})
    assert list(new) == ["variant", "threshold", "known_limits", "coverage_patterns"]
    assert new.threshold == 0.25 and card.threshold == 0.5 and "coverage_patterns" not in card


def test_reading_names_the_card_and_the_missing_entries(tmp_path):
    path = tmp_path / "model_card.json"
    path.write_text(json.dumps({"variant": "gamma", "threshold": 0.5}))
    with pytest.raises(ModelError, match="lacks required keys") as info:
        read_card(path)
    assert str(path) in str(info.value) and "'metrics'" in str(info.value)
    with pytest.raises(ModelError, match="nowhere.json does not exist"):
        read_card(tmp_path / "nowhere.json")
    path.write_text("[1, 2]")
    with pytest.raises(ModelError, match="must hold a JSON object"):
        read_card(path)


def _ensemble_card(**edit):
    card = {"variant": "gamma", "threshold": 0.5, "model_config": {"grid_size": 4},
            "weights": [{"file": "fold_00.keras"}, {"file": "fold_01.keras"}],
            "calibration": {"method": "platt", "per_fold": [{"a": 1.0, "b": 0.0}] * 2}}
    card.update(edit)
    return ModelCard({k: v for k, v in card.items() if v is not None}, "models/gamma/model_card.json")


@pytest.mark.parametrize("edit, message", [
    ({}, None),
    ({"threshold": "abc"}, "threshold must be a number in \\[0, 1\\], got 'abc'"),
    ({"threshold": 1.5}, "threshold must be a number in \\[0, 1\\], got 1.5"),
    ({"threshold": True}, "threshold must be a number"),
    ({"threshold": None}, "lacks required entry 'threshold'"),
    ({"weights": None}, "lacks required entry 'weights'"),
    ({"weights": []}, "'weights' must list the fold files"),
    ({"weights": [{"sha256": "x"}]}, "'weights' must list the fold files"),
    ({"model_config": {"filters": [4]}}, "'model_config' must give the network's 'grid_size'"),
    ({"weights": [{"file": "fold_00.keras"}]}, "lists 1 fold weight files but 2 calibrations"),
])
def test_checking_an_ensemble_card_names_the_card_and_the_field(edit, message):
    card = _ensemble_card(**edit)
    if message is None:
        assert card.check_ensemble() is card
        return
    with pytest.raises(ModelError, match=message) as info:
        card.check_ensemble()
    assert "models/gamma/model_card.json" in str(info.value)


def test_one_nan_policy_for_every_json_file(tmp_path):
    card = {k: 0 for k in REQUIRED_KEYS}
    card["metrics"] = {"roc_auc": {"mean": np.float32(0.5), "std": float("nan")}, "n": np.int64(3),
                       "pair": (np.inf, -1.5)}
    path = write_card(card, tmp_path / "model_card.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text and text.endswith("}\n")
    back = json.loads(text)
    assert back["metrics"] == {"roc_auc": {"mean": 0.5, "std": None}, "n": 3, "pair": [None, -1.5]}
    assert read_card(path).metrics["roc_auc"] == MeanStd(0.5, None)
    assert to_json({"a": float("nan")}) == '{\n "a": null\n}\n'


def test_writing_a_card_that_lacks_required_keys_writes_nothing(tmp_path):
    with pytest.raises(ModelError, match="lacks required keys"):
        write_card({"variant": "gamma"}, tmp_path / "model_card.json")
    assert not (tmp_path / "model_card.json").exists()
    write_card({"variant": "gamma"}, tmp_path / "model_card.json", required=("variant",))
    assert json.loads((tmp_path / "model_card.json").read_text()) == {"variant": "gamma"}


@pytest.mark.parametrize("name", ["build_card", "write_card", "render_rst", "known_limits",
                                  "sparsest_within_1sigma", "KNOWN_LIMITS", "LEVEL_LIMIT"])
def test_the_writing_side_is_still_answered_by_its_old_module_with_a_warning(name):
    import vo_blazar.model.card as old
    import vo_blazar.training.card as new

    with pytest.warns(AstropyDeprecationWarning, match=f"vo_blazar.model.card.{name} is deprecated"):
        assert getattr(old, name) is getattr(new, name)
    with pytest.raises(AttributeError):
        old.no_such_name


def test_ensemble_reads_its_card_as_a_model_card():
    from vo_blazar.model.ensemble import load_ensemble

    ens = load_ensemble("nogamma")
    assert isinstance(ens.card, ModelCard) and ens.card.path == SHIPPED[1]
    assert ens.threshold == ens.card.threshold and ens.variant == "nogamma"
    assert ens.card["threshold"] == ens.card.threshold           # the dict-style reads still work


def test_reading_a_card_imports_no_training_framework():
    code = ("import sys\n"
            "from vo_blazar.model.card import read_card\n"
            "from vo_blazar.model.ensemble import MODELS_DIR\n"
            "card = read_card(MODELS_DIR / 'gamma' / 'model_card.json')\n"
            "card.coverage_share('AllWISE + SDSS only', 1), card.platt_per_fold, card.input_range\n"
            "heavy = ('tensorflow', 'keras', 'sklearn', 'vo_blazar.training')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
