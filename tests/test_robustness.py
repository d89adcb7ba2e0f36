"""Coverage-robustness figures of the shipped models: reproducible from the archive and the card."""
import numpy as np
import pytest

from vo_blazar.model.ensemble import MODELS_DIR
from vo_blazar.model.robustness import VIEWS


@pytest.mark.parametrize("variant", ["gamma", "nogamma"])
def test_shipped_cards_carry_every_view_with_consistent_counts(variant):
    from vo_blazar.model.card import read_card
    card = read_card(MODELS_DIR / variant / "model_card.json")
    rows = card["coverage_robustness"]
    assert {r["view"] for r in rows} == set(VIEWS)
    catalogued = {r["origin"]: r for r in rows if r["view"] == "as catalogued"}
    n_blazar = sum(r["n"] for r in catalogued.values() if r["label"] == 1)
    assert n_blazar == card["data"]["n_blazar"]
    assert sum(r["n"] for r in catalogued.values()) == card["data"]["n_total"]
    for r in rows:
        assert 0 <= r["correct"] <= 1 and r["correct"] == pytest.approx(
            r["classified_blazar"] if r["label"] else 1 - r["classified_blazar"])
    # the card's own headline figure: blazar accuracy at the shipped thresholds, out of fold
    found = sum(r["n"] * r["correct"] for r in catalogued.values() if r["label"] == 1) / n_blazar
    assert found == pytest.approx(card["metrics"]["accuracy_blazar"]["mean"], abs=0.02)


def test_refolding_detects_a_card_that_does_not_match_its_models(tmp_path):
    import json
    import shutil

    from vo_blazar.exceptions import ModelError
    from vo_blazar.model.robustness import coverage_robustness
    shutil.copytree(MODELS_DIR / "nogamma", tmp_path / "nogamma")
    card_path = tmp_path / "nogamma" / "model_card.json"
    card = json.loads(card_path.read_text())
    card["training"]["seed"] += 1          # other folds: every test fold now holds training sources
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="differs from the card"):
        coverage_robustness("nogamma", directory=tmp_path / "nogamma")
