"""``reliable`` / ``reliability``: where the model cannot know it says so (tiny synthetic ensembles)."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.classifier.classification import MIN_PATTERN_SEDS, classify_sed, waveband_coverage
from vo_blazar.sed import NUFNU_UNIT, make_sed

try:
    from .test_classify import RADIO_TO_XRAY, TINY_ENSEMBLE_CODE
except ImportError:
    from test_classification import RADIO_TO_XRAY, TINY_ENSEMBLE_CODE

exec(TINY_ENSEMBLE_CODE)


@pytest.fixture
def ensembles(monkeypatch):
    """Untrained tiny ensembles whose every cell counts as seen in training (no range check)."""
    out = tiny_ensembles()  # noqa: F821 (defined by exec above)
    for e in out.values():
        monkeypatch.setattr(e, "unusual_cells", lambda X: [""] * len(X))
    return out


def test_outside_the_training_range_is_not_reliable():
    e = tiny_ensembles()  # noqa: F821 -- untrained: no cell was seen, so every SED extrapolates
    r = classify_sed([synthetic_sed(*RADIO_TO_XRAY)], ensembles=e)
    assert not r["reliable"][0]
    assert r["reliability"][0].startswith("outside the training range (points in band(s) no training SED had")
    assert "outside the training range" not in r["warnings"][0]     # said once, in reliability


def synthetic_sed(freqs, fluxes, ul=None):
    n = len(freqs)
    return make_sed({"frequency": np.asarray(freqs, float) * u.Hz,
                     "nufnu": np.asarray(fluxes, float) * NUFNU_UNIT,
                     "upper_limit": np.zeros(n, bool) if ul is None else np.asarray(ul)},
                    target=SkyCoord(10.0, 20.0, unit="deg"))


def test_waveband_coverage_text():
    lognu = np.log10([1.4e9, 1.4e14, 2.4e17, 1e9])
    present, bands = waveband_coverage(lognu, np.array([0, 0, 0, 1]), 3)
    assert bands == ["radio,ir,xray", "radio", ""]
    assert present.sum() == 4


def test_single_detection_is_not_reliable_and_has_no_label(ensembles):
    r = classify_sed([synthetic_sed([1.4e9], [1e-14]), synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    assert np.isfinite(r["p_blazar"][0])                       # a probability, but no label
    assert not r["reliable"][0] and "1 detection on the model grid" in r["reliability"][0]
    assert r["is_blazar"].mask[0]
    assert r["reliable"][1] and r["reliability"][1] == "" and not r["is_blazar"].mask[1]


def test_not_classified_rows_are_not_reliable(ensembles):
    r = classify_sed([synthetic_sed([1.4e9, 1e14], [1e-14, 1e-12], ul=[True, True])], ensembles=ensembles)
    assert np.isnan(r["p_blazar"][0]) and not r["reliable"][0]
    assert r["reliability"][0].startswith("not classified")


def test_coverage_pattern_unseen_in_training_is_not_reliable(ensembles):
    card = ensembles["nogamma"].card
    card["coverage_patterns"] = {"radio,ir,optical,xray": 5000, "radio,xray": MIN_PATTERN_SEDS - 1}
    try:
        seds = [synthetic_sed([1.4e9, 1.4e14, 5e14, 2.4e17], [1e-14, 1e-12, 2e-12, 1e-12]),   # seen 5000 x
                synthetic_sed([1.4e9, 5e9, 2.4e17], [1e-14, 2e-14, 1e-12]),                   # seen 9 x
                synthetic_sed([1.4e14, 5e14, 2e15], [1e-12, 1e-12, 1e-12])]                  # never seen
        r = classify_sed(seds, ensembles=ensembles)
    finally:
        del card["coverage_patterns"]
    assert r["reliable"].tolist() == [True, False, False]
    assert "'radio,xray' seen for 9 training SEDs" in r["reliability"][1]
    assert "seen for 0 training SEDs" in r["reliability"][2]
    assert r["is_blazar"].mask.tolist() == [False, True, True]


def test_reliability_survives_writing(ensembles, tmp_path):
    r = classify_sed([synthetic_sed([1.4e9], [1e-14]), synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    r.write(tmp_path / "out.ecsv")
    from astropy.table import Table
    back = Table.read(tmp_path / "out.ecsv")
    assert back["reliable"].tolist() == [False, True]
    assert back["is_blazar"].mask.tolist() == [True, False]


def test_fold_models_that_disagree_are_not_reliable(ensembles, monkeypatch):
    e = ensembles["nogamma"]

    def predict(X, **kw):      # synthetic fold outputs: the two folds say 0.1 and 0.9
        n = len(X)
        return np.full(n, 0.5), np.full(n, 0.4)
    monkeypatch.setattr(e, "predict", predict)
    r = classify_sed([synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    assert not r["reliable"][0] and "the fold models disagree (spread 0.40)" in r["reliability"][0]
    assert r["is_blazar"].mask[0] and r["p_blazar"][0] == 0.5


@pytest.mark.parametrize("edit, message", [
    ({"threshold": "abc"}, "threshold must be a number in \\[0, 1\\], got 'abc'"),
    ({"weights": [{"file": "fold_00.keras"}]}, "lists 1 fold weight files but 10 calibrations"),
])
def test_bad_model_card_is_named_in_a_clear_error(tmp_path, edit, message):
    # probe cases 106/107: a hand-edited card gave a bare ValueError or an error naming no file
    import json
    import shutil

    from vo_blazar.exceptions import ModelError
    from vo_blazar.model.ensemble import MODELS_DIR, load_ensemble

    folder = tmp_path / "gamma"
    shutil.copytree(MODELS_DIR / "gamma", folder)
    card = json.loads((folder / "model_card.json").read_text())
    card.update(edit)
    (folder / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match=message) as info:
        load_ensemble("gamma", directory=folder)
    assert str(folder / "model_card.json") in str(info.value)


def test_gamma_survey_limits_on_the_no_gamma_model_are_not_off_grid_points(ensembles):
    sed = synthetic_sed([1.4e9, 1.4e14, 5e14, 4.2e23, 1.3e24], [1e-14, 1e-12, 2e-12, 1.6e-13, 1.3e-13],
                        ul=[False, False, False, True, True])
    r = classify_sed(sed, ensembles=ensembles)
    assert r["model"][0] == "nogamma" and "off the model grid" not in r["warnings"][0]
