"""Coverage-robustness figures of the shipped models: reproducible from the archive and the card."""
import numpy as np
import pytest

from vo_blazar.model.card import read_card
from vo_blazar.model.ensemble import MODELS_DIR
from vo_blazar.training.robustness import VIEWS


@pytest.mark.parametrize("variant", ["gamma", "nogamma"])
def test_shipped_cards_carry_every_view_with_consistent_counts(variant):
    card = read_card(MODELS_DIR / variant / "model_card.json")
    rows = card.coverage_robustness
    assert {r.view for r in rows} == set(VIEWS)
    catalogued = {r.origin: r for r in rows if r.view == "as catalogued"}
    n_blazar, found = card.coverage_share("as catalogued", label=1)
    assert n_blazar == sum(r.n for r in catalogued.values() if r.label == 1) == card["data"]["n_blazar"]
    assert sum(r.n for r in catalogued.values()) == card["data"]["n_total"]
    for r in rows:
        assert 0 <= r.correct <= 1 and r.correct == pytest.approx(
            r.classified_blazar if r.label else 1 - r.classified_blazar)
    # the card's own headline figure: blazar accuracy at the shipped thresholds, out of fold
    assert found == pytest.approx(card.metrics["accuracy_blazar"].mean, abs=0.02)


def test_refolding_detects_a_card_that_does_not_match_its_models(tmp_path):
    import json
    import shutil

    from vo_blazar.exceptions import ModelError
    from vo_blazar.training.robustness import coverage_robustness
    shutil.copytree(MODELS_DIR / "nogamma", tmp_path / "nogamma")
    card_path = tmp_path / "nogamma" / "model_card.json"
    card = json.loads(card_path.read_text())
    card["training"]["seed"] += 1          # other folds: every test fold now holds training sources
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="differs from the card"):
        coverage_robustness("nogamma", directory=tmp_path / "nogamma")


@pytest.mark.parametrize("variant", ["gamma", "nogamma"])
def test_shipped_cards_report_the_same_coverage_subset_by_group(variant):
    card = read_card(MODELS_DIR / variant / "model_card.json")
    groups = {r["group"]: r for r in card["leakage_controlled_by_group"]}
    overall = groups["all"]
    assert overall["n"] == card["data"]["n_same_coverage"]
    # pooled out of fold vs the mean of the per-fold figures: the same predictions, close but not equal
    assert overall["roc_auc"] == pytest.approx(card.metrics_leakage_controlled["roc_auc"].mean, abs=0.02)
    n_blazar_groups = sum(r["n"] for g, r in groups.items() if g.startswith("blazars "))
    assert n_blazar_groups <= card["data"]["n_same_coverage_blazar"]
    assert all(0 <= r["roc_auc"] <= 1 for r in groups.values())


@pytest.mark.parametrize("variant", ["gamma", "nogamma"])
def test_shipped_cards_carry_the_training_input_range(variant):
    from vo_blazar.model.ensemble import load_ensemble
    ens = load_ensemble(variant)
    low, high = read_card(MODELS_DIR / variant / "model_card.json").input_range
    assert low.shape == high.shape == ens.grid.shape
    assert np.all(np.isnan(low[:, 1])) and np.all(np.isnan(high[:, 1]))       # the upper-limit flag
    seen = ~np.isnan(low[:, 0])
    flux_low, flux_high = low[seen][:, [0, 2]], high[seen][:, [0, 2]]
    assert np.all(flux_low <= flux_high)
    assert np.all((flux_low >= ens.grid.scaling.floor - 1e-6) & (flux_high <= 1 + 1e-6))
    assert np.all(flux_high[:, 0] == pytest.approx(1.0))     # every cell holds some SED's brightest point


@pytest.mark.parametrize("variant", ["gamma", "nogamma"])
def test_sparsest_counts_re_derive_the_trainings_selection(variant):
    card = read_card(MODELS_DIR / variant / "model_card.json")
    counts = card["sparsest_10pct_counts"]
    per_fold = [f["metrics_sparsest_10pct"] for f in card["per_fold"]]
    assert counts["n"] == sum(f["n"] for f in per_fold)
    assert counts["max_points"] == max(f["max_points"] for f in per_fold) == card.sparsest_max_points
    assert sum(counts["per_origin"].values()) == counts["n"] and 0 < counts["n_blazar"] < counts["n"]


def test_routed_table_answers_like_classify():
    cards = {v: read_card(MODELS_DIR / v / "model_card.json") for v in ("gamma", "nogamma")}
    routed = cards["gamma"]["coverage_robustness_routed"]
    assert routed == cards["nogamma"]["coverage_robustness_routed"]
    catalogued = [r for r in routed if r["view"] == "as catalogued"]
    assert sum(r["n"] for r in catalogued) == cards["gamma"]["data"]["n_total"]   # every source answered once
    assert 0 < sum(r["n_gamma_model"] for r in catalogued) < cards["gamma"]["data"]["n_total"]
    # a view that keeps no gamma-ray point is answered by the no-gamma model alone: its card's rows
    radio_only = [r for r in routed if r["view"] == "radio and mm only"]
    assert all(r["n_gamma_model"] == 0 for r in radio_only)
    nogamma_rows = [r for r in cards["nogamma"]["coverage_robustness"] if r["view"] == "radio and mm only"]
    key = lambda r: (r["origin"], r["n"], round(r["correct"], 9))   # noqa: E731
    assert sorted(map(key, radio_only)) == sorted(map(key, nogamma_rows))


@pytest.mark.parametrize("variant", ["gamma", "nogamma"])
def test_card_coverage_patterns_re_derive_from_the_archive(variant):
    # the keys are vo_blazar.bands.POINT_BANDS names of every training SED's points: the card was
    # computed with these edges, and classify looks a new SED's pattern up in it
    from vo_blazar.training.robustness import _load, coverage_pattern_counts

    trained = _load(variant, None, None)
    assert coverage_pattern_counts(trained) == trained.ensemble.card.coverage_patterns
