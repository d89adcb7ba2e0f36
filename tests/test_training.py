"""Tests of vo_blazar.model: tiny configurations, a few steps, synthetic arrays only."""
import json

import numpy as np
import pytest

from vo_blazar.exceptions import InputValueError, ModelError
from vo_blazar.training.augmentation import band_dropout, coverage_weights, waveband_index
from vo_blazar.training.config import ModelConfig, TrainingConfig, preset
from vo_blazar.model.calibration import PlattScaler
from vo_blazar.training.evaluation import (binary_metrics, confusion_at, expected_calibration_error,
                                        roc_threshold, sparsest_mask)

keras = pytest.importorskip("keras")

from vo_blazar.model.ensemble import Ensemble, load_ensemble, sha256_of  # noqa: E402
from vo_blazar.training.network import build_model, count_layers  # noqa: E402
from vo_blazar.training.cross_validation import check_arrays, save_for_shipping, train_network  # noqa: E402

L = 20
LOG_NU = np.linspace(9.0, 25.0, L)


def synthetic_arrays(n=400, seed=0):
    """Synthetic, separable encoded SEDs: class 1 rises with frequency, class 0 falls."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(int)
    present = rng.random((n, L)) < 0.6
    present[:, 10] = True
    slope = np.where(y == 1, 0.4, -0.4)[:, None] * np.linspace(-1, 1, L)[None]
    flux = np.clip(0.55 + slope + 0.05 * rng.normal(size=(n, L)), 0.01, 1.0)
    X = np.zeros((n, L, 2), np.float32)
    X[..., 0] = np.where(present, flux, 0.0)
    return X, y


def test_build_shape_and_sigmoid_range():
    cfg = preset("tiny", grid_size=L)
    m = build_model(cfg, seed=1)
    assert m.input_shape == (None, L, 2)
    assert m.output_shape == (None, 1)
    X, _ = synthetic_arrays(16)
    p = m.predict(X, verbose=0)
    assert p.shape == (16, 1)
    assert np.all((p >= 0) & (p <= 1))


def test_short_grid_still_builds():
    # four MaxPool(2) with padding="same" must not fail on a grid shorter than 16
    m = build_model(preset("tiny", grid_size=5), compile=False)
    assert m.predict(np.zeros((2, 5, 2), np.float32), verbose=0).shape == (2, 1)


def test_paper_preset_size():
    m = build_model(preset("paper", grid_size=56), compile=False)
    assert 8.5e6 < m.count_params() < 9.5e6
    assert count_layers(m) == 16


def test_config_roundtrip_and_errors():
    cfg = preset("cpu", grid_size=42)
    assert ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    with pytest.raises(InputValueError, match="unknown ModelConfig keys"):
        ModelConfig.from_dict({"grid_size": 4, "colour": 1})
    with pytest.raises(InputValueError, match="dropout"):
        ModelConfig(dropout=1.5)
    with pytest.raises(InputValueError, match="unknown model preset"):
        preset("huge")
    with pytest.raises(InputValueError, match="n_folds"):
        TrainingConfig(n_folds=1)


def test_check_arrays_errors():
    X, y = synthetic_arrays(8)
    with pytest.raises(InputValueError, match=r"\(N, L, 2 or 3\)"):
        check_arrays(X[..., :1], y)
    with pytest.raises(InputValueError, match="grid cells"):
        check_arrays(X, y, grid_size=L + 1)
    with pytest.raises(InputValueError, match="3 channels per cell but the model expects 2"):
        check_arrays(np.concatenate([X, X[..., :1]], axis=2), y, channels=2)
    Xn = X.copy()
    Xn[0, 0, 0] = np.nan
    with pytest.raises(InputValueError, match="non-finite"):
        check_arrays(Xn, y)
    with pytest.raises(InputValueError, match="0 \\(non-blazar\\)"):
        check_arrays(X, y + 2)


def test_tiny_training_beats_chance():
    from sklearn.metrics import roc_auc_score

    X, y = synthetic_arrays(480, seed=3)
    Xt, yt = synthetic_arrays(200, seed=4)
    cfg = preset("tiny", grid_size=L)
    # the synthetic classes differ partly in which cells they fill: the coverage transplant (shipped
    # default) removes exactly that signal, so this test of the training loop leaves it off
    tc = TrainingConfig(epochs=6, patience=6, batch_size=32, coverage_transplant=0.0)
    model, hist = train_network(cfg, X[:400], y[:400], X[400:], y[400:], training=tc, log_nu=LOG_NU, seed=5)
    auc = roc_auc_score(yt, model.predict(Xt, verbose=0).ravel())
    assert auc > 0.8
    assert hist["epochs_run"] >= 1 and hist["seconds_per_epoch"] > 0


def test_roc_threshold_closest_to_corner():
    # hand-made: thresholds 0.8 -> (FPR 0, TPR 0.5); 0.6 -> (0, 1.0) perfect; 0.4 -> (0.5, 1)
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.6, 0.4, 0.1])
    # the vertex 0.6, returned as the midpoint to the next lower score (same decisions, no tie)
    assert roc_threshold(y, p) == pytest.approx(0.5)
    # imperfect case: the corner-closest point is (FPR 1/3, TPR 2/3) at threshold 0.5
    y = np.array([1, 1, 0, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.5, 0.3, 0.2])
    fpr_tpr = {0.9: (0, 1 / 3), 0.8: (0, 2 / 3), 0.7: (1 / 3, 2 / 3), 0.5: (1 / 3, 1), 0.3: (2 / 3, 1)}
    best = min(fpr_tpr, key=lambda t: np.hypot(fpr_tpr[t][0], 1 - fpr_tpr[t][1]))
    assert best == pytest.approx(0.5)
    assert roc_threshold(y, p) == pytest.approx(0.4)        # midpoint of 0.5 and the next score 0.3
    cm = confusion_at(y, p, roc_threshold(y, p))
    assert cm.tolist() == confusion_at(y, p, 0.5).tolist()
    assert cm.tolist() == [[2, 1], [0, 3]]
    with pytest.raises(InputValueError, match="both classes"):
        roc_threshold([1, 1], [0.2, 0.3])


def test_ece_hand_example():
    # bin [0.2, 0.3): p 0.25 x4, observed 1 of 4 -> |0.25 - 0.25| = 0
    # bin [0.8, 0.9): p 0.85 x4, observed 2 of 4 -> |0.5 - 0.85| = 0.35, weight 1/2
    y = np.array([1, 0, 0, 0, 1, 1, 0, 0])
    p = np.array([0.25] * 4 + [0.85] * 4)
    assert expected_calibration_error(y, p, n_bins=10) == pytest.approx(0.175)
    assert expected_calibration_error([0, 1], [0.0, 1.0]) == pytest.approx(0.0)


def test_platt_reduces_ece_on_overconfident_scores():
    rng = np.random.default_rng(0)
    z = rng.normal(size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-z))).astype(int)
    p_over = 1 / (1 + np.exp(-4 * z))  # too confident
    sc = PlattScaler().fit(y, p_over)
    assert sc.a == pytest.approx(0.25, abs=0.05)
    assert expected_calibration_error(y, sc(p_over)) < expected_calibration_error(y, p_over) / 2


def test_binary_metrics_and_sparsest():
    y = np.array([0, 0, 1, 1])
    m = binary_metrics(y, np.array([0.1, 0.7, 0.6, 0.9]), 0.65)
    assert m["roc_auc"] == pytest.approx(0.75)
    assert m["accuracy_blazar"] == pytest.approx(0.5) and m["accuracy_nonblazar"] == pytest.approx(0.5)
    mask = sparsest_mask(np.array([5, 1, 9, 3, 7, 2, 8, 4, 6, 10, 11]), 0.1)
    assert mask.sum() == 2 and set(np.flatnonzero(mask)) == {1, 5}


def test_sparsest_criterion_is_one_sided():
    from vo_blazar.training.card import sparsest_within_1sigma
    ms = lambda m, s: {"mean": m, "std": s}   # noqa: E731
    rest = {"roc_auc": ms(0.99, 0.01), "accuracy_blazar": ms(0.95, 0.01),
            "accuracy_nonblazar": ms(0.95, 0.02)}
    sparse = {"roc_auc": ms(1.0, 0.0),           # better than the rest: not a degradation
              "accuracy_blazar": ms(0.93, 0.015),  # 2 points worse, larger std 0.015: outside
              "accuracy_nonblazar": ms(0.935, 0.01)}  # 1.5 points worse, larger std 0.02: inside
    assert sparsest_within_1sigma(sparse, rest) == {"roc_auc": True, "accuracy_blazar": False,
                                                    "accuracy_nonblazar": True}
    sparse["roc_auc"] = ms(float("nan"), 0.0)     # undefined (one class only): left out, not passed
    assert "roc_auc" not in sparsest_within_1sigma(sparse, rest)


def test_band_dropout_blanks_whole_bands_and_keeps_one():
    X, _ = synthetic_arrays(300, seed=7)
    rng = np.random.default_rng(0)
    Xa = band_dropout(X, LOG_NU, rng, p_band=0.9, p_optical_ir=0.0)
    band = waveband_index(LOG_NU)
    before = X[..., 0] > 0
    after = Xa[..., 0] > 0
    assert not (after & ~before).any()            # nothing is invented
    assert after.any(axis=1).all()                # no SED is emptied
    assert (after.sum() < before.sum())
    for b in np.unique(band):                     # a band is kept or dropped as a whole
        cells = band == b
        kept = (after & before)[:, cells].sum(axis=1)
        have = before[:, cells].sum(axis=1)
        assert np.all((kept == 0) | (kept == have))
    assert np.array_equal(Xa[..., 0][after], X[..., 0][after])   # absolute scaling: values untouched


def test_band_dropout_shape_reanchors_peak():
    X = np.zeros((1, L, 2), np.float32)
    X[0, 2, 0] = 1.0      # radio peak (dropped below)
    X[0, 12, 0] = 0.505   # IR/optical cells: t = 0.5 -> anchored to 1 after the drop
    X[0, 13, 0] = 0.01
    log_nu = LOG_NU.copy()
    log_nu[12], log_nu[13] = 13.5, 14.5
    Xa = band_dropout(X, log_nu, np.random.default_rng(0), p_band=0.0, p_optical_ir=0.99,
                      shape_scaling=True)
    assert Xa[0, 2, 0] == 0.0
    assert Xa[0, 12, 0] == pytest.approx(1.0)
    assert Xa[0, 13, 0] == pytest.approx(0.01 + 0.99 * (0.0 + 0.5), abs=1e-6)


def test_level_channel_is_blanked_with_its_cell_and_never_reanchored():
    from vo_blazar.training.augmentation import restrict_to_cells
    from vo_blazar.training.network import input_statistics

    X = np.zeros((2, L, 3), np.float32)
    X[:, [2, 12, 13], 0] = [1.0, 0.505, 0.01]
    X[:, [2, 12, 13], 2] = [0.9, 0.7, 0.4]      # the absolute level of the same cells
    X[1, 13, 1] = 1.0                            # an upper limit
    log_nu = LOG_NU.copy()
    log_nu[12], log_nu[13] = 13.5, 14.5
    Xa = band_dropout(X, log_nu, np.random.default_rng(0), p_band=0.0, p_optical_ir=0.99, shape_scaling=True)
    assert Xa.shape == X.shape
    np.testing.assert_array_equal(Xa[:, 2], 0.0)                       # radio cell empty in all channels
    np.testing.assert_allclose(Xa[:, 12, 0], 1.0)                      # shape re-anchored ...
    np.testing.assert_array_equal(Xa[:, [12, 13], 2], X[:, [12, 13], 2])   # ... level untouched
    cells = np.zeros(L, bool)
    cells[12] = True
    Xr = restrict_to_cells(X.copy(), cells, missing_value=0.0)
    assert np.count_nonzero(Xr[:, :, 2]) == 2 and Xr[1, 13, 1] == 0.0
    mean, var = input_statistics(X)
    assert mean.shape == (L, 3)
    assert mean[13, 2] == pytest.approx(0.4) and mean[12, 0] == pytest.approx(0.505)
    assert mean[13, 1] == 0.0 and var[13, 1] == 1.0                     # the flag is left as it is


def test_ensemble_with_level_channel_checks_the_input_shape(tmp_path):
    cfg = _ship(tmp_path, scaling="shape_level")
    assert cfg.channels == 3
    ens = load_ensemble(directory=tmp_path)
    assert ens.grid.shape == (L, 3)
    X, _ = synthetic_arrays(5)
    X3 = np.concatenate([X, X[..., :1]], axis=2)
    ref = build_model(cfg, seed=0).predict(X3, verbose=0).ravel()
    np.testing.assert_allclose(ens.predict_folds(X3)[0], ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(InputValueError, match=f"\\(N, {L}, 3\\)"):
        ens.predict(X)


def test_coverage_weights_balance_classes_per_pattern():
    patterns = np.array([1, 1, 1, 1, 2, 2])
    y = np.array([1, 0, 0, 0, 1, 1])
    w = coverage_weights(patterns, y)
    assert w[0] == pytest.approx(w[1:4].sum())   # both classes weigh the same in pattern 1
    assert w[4] == pytest.approx(w[5])


def _ship(tmp_path, n_folds=2, scaling="absolute"):
    from vo_blazar.grid import FrequencyGrid
    import astropy.units as u

    grid = FrequencyGrid(10 ** LOG_NU * u.Hz, name="synthetic", scaling=scaling)
    cfg = preset("tiny", *grid.shape)
    weights = []
    for k in range(n_folds):
        m = build_model(cfg, seed=k)
        p = save_for_shipping(m, tmp_path / f"fold_{k:02d}.keras")
        weights.append({"file": p.name, "sha256": sha256_of(p)})
    grid.save(tmp_path / "grid.json")
    card = {"variant": "gamma", "grid_size": L, "threshold": 0.5, "model_config": cfg.to_dict(),
            "weights": weights,
            "calibration": {"method": "platt", "per_fold": [{"a": 1.0, "b": 0.0}] * n_folds}}
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    return cfg


def test_safe_mode_roundtrip_identical_predictions(tmp_path):
    cfg = _ship(tmp_path)
    X, _ = synthetic_arrays(12)
    ref = np.stack([build_model(cfg, seed=k).predict(X, verbose=0).ravel() for k in range(2)])
    ens = load_ensemble(directory=tmp_path)
    assert isinstance(ens, Ensemble) and len(ens) == 2 and ens.threshold == 0.5
    mean, std = ens.predict(X)
    np.testing.assert_allclose(ens.predict_folds(X), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mean, ref.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(std, ref.std(axis=0), rtol=1e-4, atol=1e-6)
    with pytest.raises(InputValueError, match=f"\\(N, {L}, 2\\)"):
        ens.predict(X[:, :5])


def test_predict_folds_raw_outputs_skip_the_calibration(tmp_path):
    from vo_blazar.model.calibration import PlattScaler

    cfg = _ship(tmp_path)
    card_path = tmp_path / "model_card.json"
    card = json.loads(card_path.read_text())
    card["calibration"]["per_fold"] = [{"a": 3.0, "b": 0.5}] * 2
    card_path.write_text(json.dumps(card))
    X, _ = synthetic_arrays(12)
    raw = np.stack([build_model(cfg, seed=k).predict(X, verbose=0).ravel() for k in range(2)])
    ens = load_ensemble(directory=tmp_path)
    np.testing.assert_allclose(ens.predict_folds(X, calibrated=False), raw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ens.predict_folds(X), PlattScaler(3.0, 0.5)(raw), rtol=1e-4, atol=1e-6)


def test_corrupted_or_missing_weights_raise_model_error(tmp_path):
    _ship(tmp_path)
    bad = tmp_path / "fold_01.keras"
    data = bytearray(bad.read_bytes())
    mid = len(data) // 2
    # flip bits (zeroing may change nothing)
    data[mid: mid + 64] = bytes(b ^ 0xFF for b in data[mid: mid + 64])
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="fold_01.keras"):
        load_ensemble(directory=tmp_path)
    # without a checksum in the card Keras itself must fail, still naming the file
    card = json.loads((tmp_path / "model_card.json").read_text())
    card["weights"][1].pop("sha256")
    bad.write_bytes(b"not a zip file")
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="fold_01.keras"):
        load_ensemble(directory=tmp_path)
    bad.unlink()
    with pytest.raises(ModelError, match="fold_01.keras.*does not exist"):
        load_ensemble(directory=tmp_path)
    with pytest.raises(ModelError, match="model_card.json"):
        load_ensemble(directory=tmp_path / "nowhere")


def test_shared_view_copies_put_blazars_in_the_shared_pattern():
    from vo_blazar.training.augmentation import shared_view_copies

    X = np.zeros((3, L, 2), np.float32)
    shared = np.zeros(L, bool)
    shared[[12, 13, 14]] = True
    X[0, [12, 13, 14], 0] = [0.5, 0.6, 0.7]          # exactly the shared cells (quasar-like): no copy
    X[1, [2, 12, 13, 14], 0] = [1.0, 0.5, 0.6, 0.7]  # shared cells and radio: copied, radio blanked
    X[2, [2, 12, 13], 0] = [1.0, 0.5, 0.6]          # lacks a shared cell: not eligible
    y = np.array([0, 1, 1])
    Xc, yc = shared_view_copies(X, y, shared, copies=2)
    assert Xc.shape == (2, L, 2) and yc.tolist() == [1, 1]
    assert np.array_equal(Xc[0, :, 0] > 0, shared)
    Xs, _ = shared_view_copies(X, y, shared, copies=1, shape_scaling=True)
    assert Xs[0, 14, 0] == pytest.approx(1.0)         # re-anchored at the brightest remaining cell


def test_compact_models_drops_optimizer_keeps_predictions(tmp_path):
    from vo_blazar.training.export import compact_models

    cfg = _ship(tmp_path, n_folds=1)
    X, y = synthetic_arrays(64)
    m = build_model(cfg, seed=3)
    m.fit(X, y, epochs=1, verbose=0)       # compiled and trained: the optimizer state is saved too
    path = tmp_path / "fold_00.keras"
    m.save(path)
    card = json.loads((tmp_path / "model_card.json").read_text())
    card["weights"][0]["sha256"] = sha256_of(path)
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    before = path.stat().st_size
    entries = compact_models(tmp_path)
    assert path.stat().st_size < before
    assert entries[0]["sha256"] == sha256_of(path)
    ens = load_ensemble(directory=tmp_path)
    np.testing.assert_allclose(ens.predict_folds(X)[0], m.predict(X, verbose=0).ravel(), atol=1e-6)


@pytest.mark.parametrize("scaling", ["shape_level", "shape"])
def test_run_training_end_to_end_on_synthetic_arrays(tmp_path, scaling):
    """Tiny 2-fold run through the whole pipeline: card, grid, safe-mode weights, figures, docs page."""
    import astropy.units as u
    from astropy.table import Table

    from vo_blazar.grid import FrequencyGrid
    from vo_blazar.model.card import REQUIRED_KEYS
    from vo_blazar.training.card import LEVEL_LIMIT
    from vo_blazar.training.command import run_training

    def grid_factory(variant):
        return FrequencyGrid(10 ** LOG_NU * u.Hz, name="synthetic")

    def loader(grid, variant, subset):
        if subset is not None:
            raise NotImplementedError("no same-coverage subset in the synthetic set")
        X, y = synthetic_arrays(240, seed=11)
        meta = Table({"name": [f"s{i}" for i in range(240)]})
        if grid.shape[1] == 2:
            return X, y, meta
        level = np.where(X[..., :1] > 0, 0.3 + 0.4 * y[:, None, None], 0.0)   # synthetic: a class-tied level
        return np.concatenate([X, level], axis=2).astype(np.float32), y, meta

    cards = run_training(variants=["gamma"], preset="tiny", scaling=scaling, n_folds=2, epochs=2, patience=2,
                         out_dir=tmp_path / "models", docs_dir=tmp_path / "docs", threads=1, baselines=True,
                         loader=loader, grid_factory=grid_factory, progress=lambda s: None)
    card = cards["gamma"]
    assert set(REQUIRED_KEYS) <= set(card)
    # the coverage-only baseline on the augmented training inputs is measured and reported
    assert 0.0 <= card["baseline_coverage_only_training_inputs_roc_auc"] <= 1.0
    assert "coverage_only_training_inputs" in card["baselines"]
    C = 3 if scaling == "shape_level" else 2
    assert card["grid_size"] == L and card["scaling"]["kind"] == scaling
    assert card["model_config"]["channels"] == C and card["data"]["n_total"] == 240
    for key in ("roc_auc", "pr_auc", "accuracy_blazar", "accuracy_nonblazar", "ece"):
        assert 0.0 <= card["metrics"][key]["mean"] <= 1.0 and card["metrics"][key]["std"] >= 0.0
    assert (len(card["threshold_per_fold"]) == 2
            and card["threshold"] == pytest.approx(np.mean(card["threshold_per_fold"])))
    sal = card["saliency"]
    assert len(sal["mean_abs_gradient"]) == L
    ens = load_ensemble("gamma", directory=tmp_path / "models" / "gamma")
    assert len(ens) == 2 and ens.grid.shape == (L, C)
    assert (tmp_path / "docs" / "_static" / "model" / "gamma_saliency.png").stat().st_size > 1000
    page = (tmp_path / "docs" / "model_card.rst").read_text()
    with_level = scaling == "shape_level"
    assert ("*shape* (channel 0) and its *level* (channel 2)" in page) == with_level
    assert (LEVEL_LIMIT in card["known_limits"]) == with_level
    if with_level:
        assert len(sal["mean_abs_gradient_level"]) == L
        assert sal["top10"][0]["saliency"] == pytest.approx(sal["top10"][0]["shape"]
                                                            + sal["top10"][0]["level"])
    else:
        assert sal["mean_abs_gradient_level"] is None and sal["top10"][0]["level"] is None


def test_roc_threshold_is_not_a_tied_score():
    # synthetic scores: 30 identical SEDs share the ROC vertex's score; float noise must not flip them
    from vo_blazar.training.evaluation import confusion_at, roc_threshold

    y = np.r_[np.ones(30, int), np.zeros(30, int), np.ones(5, int)]
    p = np.r_[np.full(30, 0.4), np.linspace(0.0, 0.3, 30), np.full(5, 0.9)].astype(np.float32)
    thr = roc_threshold(y, p)
    assert 0.3 < thr < 0.4
    assert np.array_equal(confusion_at(y, p, thr), confusion_at(y, p + 1e-6, thr))
    assert np.array_equal(confusion_at(y, p, thr), confusion_at(y, p - 1e-6, thr))
