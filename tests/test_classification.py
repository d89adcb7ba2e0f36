"""classify_sed / classify_batch with a tiny untrained ensemble (synthetic weights, tests only).

The shipped networks are exercised in test_shipped_models.py; here the logic around them is
checked: variant choice, warnings, NaN for unusable SEDs, order, checkpoint resume after SIGKILL.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.classifier.classification import classify_sed
from vo_blazar.exceptions import InputTypeError, InputValueError
from vo_blazar.sed import NUFNU_UNIT, make_sed

TINY_ENSEMBLE_CODE = """
import keras
from astropy import units as u
from vo_blazar.grid import FrequencyGrid
from vo_blazar.training.config import ModelConfig
from vo_blazar.model.ensemble import Ensemble
from vo_blazar.training.network import build_model

def tiny_ensembles():
    out = {}
    for variant, fmax in (("gamma", 1e26), ("nogamma", 1e20)):
        grid = FrequencyGrid.log_binned(32, 1e8 * u.Hz, fmax * u.Hz)
        cfg = ModelConfig(grid_size=32, filters=(4, 4, 4, 4), lstm_units=4, dense=(4,), dropout=0.0)
        models = [build_model(cfg, seed=s, compile=False) for s in (1, 2)]
        out[variant] = Ensemble(models, grid, {"variant": variant, "threshold": 0.5})
    return out
"""
exec(TINY_ENSEMBLE_CODE)


@pytest.fixture(scope="module")
def ensembles():
    return tiny_ensembles()  # noqa: F821 (defined by exec above)


def synthetic_sed(freqs, fluxes, ul=None, target=(10.0, 20.0)):
    n = len(freqs)
    return make_sed({"frequency": np.asarray(freqs, float) * u.Hz,
                     "nufnu": np.asarray(fluxes, float) * NUFNU_UNIT,
                     "upper_limit": np.zeros(n, bool) if ul is None else np.asarray(ul)},
                    target=SkyCoord(*target, unit="deg"))


RADIO_TO_XRAY = ([1.4e9, 5e9, 1.4e14, 5e14, 2.4e17], [1e-14, 2e-14, 1e-12, 2e-12, 1e-12])
WITH_GAMMA = ([1.4e9, 1.4e14, 2.4e17, 2.4e23], [1e-14, 1e-12, 1e-12, 1e-11])


def test_variant_follows_the_data_and_rows_keep_order(ensembles):
    seds = [synthetic_sed(*RADIO_TO_XRAY), synthetic_sed(*WITH_GAMMA, target=(30, 40))]
    res = classify_sed(seds, ensembles=ensembles)
    assert res["model"].tolist() == ["nogamma", "gamma"]
    assert np.all((res["p_blazar"] >= 0) & (res["p_blazar"] <= 1))
    assert np.all(res["p_blazar_std"] >= 0)
    assert res["threshold"].tolist() == [0.5, 0.5]
    # the decision at the threshold; masked here because untrained test models saw no training SED,
    # so every SED is outside their training range (reliable False, the reason given)
    assert np.ma.getdata(res["is_blazar"]).tolist() == (res["p_blazar"] >= 0.5).tolist()
    assert res["is_blazar"].mask.all() and not res["reliable"].any()
    assert all(r.startswith("outside the training range") for r in res["reliability"])
    assert res["ra"].quantity.to_value(u.deg).tolist() == [10.0, 30.0]
    assert res["n_points"].tolist() == [5, 4]
    assert res["bands"][1] == "radio,ir,xray,gamma"
    assert res.seds[1] is seds[1]


def test_gamma_points_beyond_a_gamma_upper_limit_do_not_pick_the_gamma_model(ensembles):
    sed = synthetic_sed([1.4e9, 1.4e14, 2.4e23], [1e-14, 1e-12, 1e-11], ul=[False, False, True])
    assert classify_sed(sed, ensembles=ensembles)["model"][0] == "nogamma"
    assert classify_sed(sed, gamma=True, ensembles=ensembles)["model"][0] == "gamma"


def test_forced_nogamma_says_gamma_points_were_ignored(ensembles):
    res = classify_sed(synthetic_sed(*WITH_GAMMA), gamma=False, ensembles=ensembles)
    assert res["model"][0] == "nogamma"
    assert "gamma-ray points ignored" in res["warnings"][0]


def test_unusable_seds_get_nan_and_a_reason_never_a_probability(ensembles):
    empty = synthetic_sed([], [])
    limits = synthetic_sed([1.4e9, 2.4e17], [1e-14, 1e-12], ul=[True, True])
    zero = synthetic_sed([1.4e9], [0.0])
    res = classify_sed([empty, limits, zero, synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    assert np.isnan(res["p_blazar"][:3]).all() and not res["is_blazar"][:3].any()
    assert "no usable photometry" in res["warnings"][0]
    assert "only upper limits" in res["warnings"][1]
    assert "no usable photometry" in res["warnings"][2]
    assert np.isfinite(res["p_blazar"][3])


def test_sparse_and_failed_catalogues_are_warned(ensembles):
    sed = synthetic_sed([1.4e9, 1.4e14], [1e-14, 1e-12])
    sed.meta["failures"] = {"4XMM": "ServiceTimeoutError: no answer"}
    w = classify_sed(sed, ensembles=ensembles)["warnings"][0]
    assert "sparse SED (2 detections)" in w and "catalogue 4XMM failed (ServiceTimeoutError)" in w
    assert "cross-validated" not in w          # a card without sparsest-SED figures quotes none


def test_sparse_warning_quotes_the_model_cards_measured_figures(ensembles):
    from vo_blazar.model.ensemble import Ensemble

    nogamma = ensembles["nogamma"]
    card = {"variant": "nogamma", "threshold": 0.5,
            "metrics_sparsest_10pct": {"accuracy_blazar": {"mean": 0.724, "std": 0.1},
                                       "accuracy_nonblazar": {"mean": 0.94, "std": 0.02}},
            "per_fold": [{"metrics_sparsest_10pct": {"max_points": 2}},
                         {"metrics_sparsest_10pct": {"max_points": 3}}]}
    measured = {"nogamma": Ensemble(nogamma.models, nogamma.grid, card), "gamma": ensembles["gamma"]}
    w = classify_sed(synthetic_sed([1.4e9, 1.4e14], [1e-14, 1e-12]), ensembles=measured)["warnings"][0]
    assert ("sparse SED (2 detections): low confidence; cross-validated, among the sparsest 10 % of training "
            "SEDs (<= 3 grid cells) 72 % of the blazars and 94 % of the non-blazars were classified "
            "correctly") in w


def test_user_table_in_ghz_is_converted(ensembles):
    t = Table({"frequency": [1.4, 5.0] * u.GHz, "nufnu": [1e-14, 2e-14] * NUFNU_UNIT})
    assert classify_sed(t, ensembles=ensembles)["n_points"][0] == 2
    with pytest.raises(InputValueError, match="no unit"):
        classify_sed(Table({"frequency": [1.4], "nufnu": [1e-14]}), ensembles=ensembles)


def test_bad_input(ensembles):
    with pytest.raises(InputValueError, match="empty"):
        classify_sed([], ensembles=ensembles)
    with pytest.raises(InputTypeError):
        classify_sed(42, ensembles=ensembles)


def test_result_writes_without_the_seds(tmp_path, ensembles):
    res = classify_sed([synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    res.write(tmp_path / "r.ecsv")
    back = Table.read(tmp_path / "r.ecsv")
    assert "seds" not in back.meta and back["model"][0] == "nogamma"


BATCH_SCRIPT = TINY_ENSEMBLE_CODE + textwrap.dedent("""
import sys, time
import numpy as np
import vo_blazar.classifier.classification as C
from vo_blazar.classifier.batch import classify_batch
from astropy.coordinates import SkyCoord
from vo_blazar.sed import NUFNU_UNIT, make_sed
from astropy import units as u

ens = tiny_ensembles()
C.get_ensemble = lambda v: ens[v]
def fake_classify(coords, **kw):   # synthetic SEDs, slow on purpose so the test can kill us mid-run
    time.sleep(0.4)
    seds = [make_sed({"frequency": [1.4e9, 1.4e14] * u.Hz, "nufnu": [1e-14, float(i + 1) * 1e-12] * NUFNU_UNIT},
                     target=c) for i, c in enumerate(coords)]
    return C.classify_sed(seds)
C.classify = fake_classify
coords = SkyCoord(np.arange(12) * 10.0, np.zeros(12), unit="deg")
res = classify_batch(coords, checkpoint=sys.argv[1], chunk_size=1, progress=False)
res.write(sys.argv[2], format="ascii.ecsv", overwrite=True)
""")


def test_batch_resumes_after_sigkill_without_loss_or_duplicates(tmp_path):
    script = tmp_path / "run_batch.py"
    script.write_text(BATCH_SCRIPT)
    ck, out = tmp_path / "ck.jsonl", tmp_path / "out.ecsv"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, str(script), str(ck), str(out)], env=env)
    deadline = time.time() + 120
    while time.time() < deadline:   # wait until a few rows are in the checkpoint, then kill -9
        if ck.exists() and ck.read_text().count("\n") >= 4:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = ck.read_text().count("\n") - 1
    assert 3 <= done_before < 12, "the run should have been killed in the middle"
    assert not out.exists()
    subprocess.run([sys.executable, str(script), str(ck), str(out)], env=env, check=True, timeout=300)
    res = Table.read(out)
    assert res["index"].tolist() == list(range(12))
    assert np.allclose(res["ra"], np.arange(12) * 10.0)
    # every row came from the substituted (synthetic) classifier, none from a live-VO attempt
    assert np.isfinite(res["p_blazar"]).all() and not any("failed" in w for w in res["warnings"])
    rows = [json.loads(line) for line in ck.read_text().splitlines()[1:]]
    assert sorted(r["index"] for r in rows) == list(range(12))   # each row written exactly once


def test_row_position_is_icrs_whatever_the_frame_of_the_sed_target(ensembles):
    sed = synthetic_sed(*RADIO_TO_XRAY)
    galactic = SkyCoord(l=30 * u.deg, b=40 * u.deg, frame="galactic")
    sed.meta["target"] = galactic
    res = classify_sed(sed, ensembles=ensembles)
    assert res["ra"].quantity[0].to_value(u.deg) == pytest.approx(galactic.icrs.ra.deg, abs=1e-9)
    assert res["dec"].quantity[0].to_value(u.deg) == pytest.approx(galactic.icrs.dec.deg, abs=1e-9)
    sed.meta["target"] = None
    assert np.isnan(classify_sed(sed, ensembles=ensembles)["ra"][0])


def test_ir_optical_only_sed_warns_with_the_cards_measured_recall(ensembles, monkeypatch):
    ir_optical = synthetic_sed([8.8e13, 1.4e14, 4.8e14, 6.3e14], [1e-12, 1.2e-12, 1.5e-12, 1.4e-12])
    monkeypatch.setitem(ensembles["nogamma"].card, "coverage_robustness", [
        {"view": "AllWISE + SDSS only", "origin": "5BZCAT", "label": 1, "n": 30, "correct": 0.1},
        {"view": "AllWISE + SDSS only", "origin": "3HSP", "label": 1, "n": 10, "correct": 0.5},
        {"view": "AllWISE + SDSS only", "origin": "SDSS_DR7_QSO", "label": 0, "n": 99, "correct": 0.99}])
    res = classify_sed([ir_optical, synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    assert "IR-optical bands only" in res["warnings"][0]
    assert "20 % of 40 blazars seen only by AllWISE and SDSS" in res["warnings"][0]   # (3 + 5) / 40
    assert np.isfinite(res["p_blazar"][0])                                             # still classified
    assert "IR-optical" not in res["warnings"][1]


def test_out_of_distribution_warnings_name_the_band_and_the_side():
    from vo_blazar.training.network import input_range, input_statistics
    grid = FrequencyGrid.log_binned(32, 1e8 * u.Hz, 1e20 * u.Hz)
    cfg = ModelConfig(grid_size=32, filters=(4, 4, 4, 4), lstm_units=4, dense=(4,), dropout=0.0)
    rng = np.random.default_rng(0)
    synthetic_training = np.zeros((200, 32, 2), np.float32)       # only cells 0-15 ever present
    synthetic_training[:, :16, 0] = rng.normal(0.5, 0.05, (200, 16)).clip(0.02, 1)
    synthetic_training[0, 3, 0] = 0.98                             # one rare but seen value
    model = build_model(cfg, seed=1, compile=False, input_stats=input_statistics(synthetic_training))
    card = {"variant": "nogamma", "threshold": 0.5, "input_range": input_range(synthetic_training)}
    ens = Ensemble([model], grid, card)
    assert ens.unusual_cells(synthetic_training) == [""] * 200    # no training SED is ever flagged
    X = np.zeros((4, 32, 2), np.float32)
    X[:, :16, 0] = 0.5                                            # typical
    X[1, 20, 0] = 0.5                                             # a band never seen in training
    X[2, 3, 0] = 0.99                                             # above every training value of its cell
    X[3, 5, 0], X[3, 6, 0] = 0.05, 0.05                           # below every training value
    reasons = ens.unusual_cells(X)
    assert reasons[0] == ""
    assert reasons[1] == "points in band(s) no training SED had: logbin020"
    assert reasons[2] == "flux above every training SED in logbin003"
    assert reasons[3] == "flux below every training SED in logbin005, logbin006"
    ens_without_range = Ensemble([model], grid, {"variant": "nogamma", "threshold": 0.5})
    assert ens_without_range.unusual_cells(X) == ["", reasons[1], "", ""]   # only the first check


def test_points_in_a_cell_only_one_class_filled_are_named(ensembles, monkeypatch):
    grid = ensembles["nogamma"].grid
    j = 20
    nu = 10 ** grid.log_frequencies[j]
    sed = synthetic_sed([1.4e9, 1.4e14, nu], [1e-14, 1e-12, 1.1e-12])
    monkeypatch.setitem(ensembles["nogamma"].card, "cells_one_class", {"blazar": [j], "nonblazar": []})
    res = classify_sed([sed, synthetic_sed(*RADIO_TO_XRAY)], ensembles=ensembles)
    assert f"points in {grid.labels[j]}, filled only for training blazars" in res["warnings"][0]
    assert "filled only for training" not in res["warnings"][1]


def test_ignored_points_are_named_and_counted_by_reason(ensembles):
    freqs = [1e7, 1.4e9, 5e9, 1.4e14, 5e14, 2.4e17, 6e14]       # 1e7 Hz lies below the tiny grids
    fluxes = [1e-15, 1e-14, 2e-14, 1e-12, 2e-12, 1e-12, np.nan]  # a point without a flux
    sed = make_sed({"frequency": np.asarray(freqs) * u.Hz, "nufnu": np.asarray(fluxes) * NUFNU_UNIT,
                    "upper_limit": np.zeros(7, bool),
                    "catalog": ["SYNTH-LOW", "A", "B", "C", "D", "E", "F"],
                    "band": ["10 MHz", "a", "b", "c", "d", "e", "f"]},
                   target=SkyCoord(10, 20, unit="deg"))
    warnings = classify_sed(sed, ensembles=ensembles)["warnings"][0]
    assert "1 point(s) off the model grid were ignored (SYNTH-LOW 10 MHz)" in warnings
    assert "1 point(s) without a finite, positive frequency and flux were ignored" in warnings


def _columns_equal(a, b):
    assert a.colnames == b.colnames
    for name in a.colnames:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
        assert np.array_equal(np.ma.getmaskarray(a[name]), np.ma.getmaskarray(b[name])), name


def test_a_list_and_the_equivalent_collection_give_identical_columns(ensembles):
    from vo_blazar.sed import SEDCollection

    off = make_sed({"frequency": [1e7, 1.4e9, 1.4e14] * u.Hz, "nufnu": [1e-15, 1e-14, 1e-12] * NUFNU_UNIT,
                    "catalog": ["LOW", "A", "B"], "band": ["x", "a", "b"]}, target=SkyCoord(5, 6, unit="deg"))
    seds = [synthetic_sed(*RADIO_TO_XRAY), synthetic_sed([], []), synthetic_sed(*WITH_GAMMA, target=(30, 40)),
            synthetic_sed([1.4e9, 2.4e17], [1e-14, 1e-12], ul=[True, True]), off]
    from_list = classify_sed(seds, ensembles=ensembles)
    collection = SEDCollection.from_seds(seds)
    from_collection = classify_sed(collection, ensembles=ensembles)
    _columns_equal(from_list, from_collection)
    assert from_collection.seds is collection
    assert "1 point(s) off the model grid were ignored (LOW x)" in from_collection["warnings"][4]
    # a collection made from the stacked points table (as the pipeline builds it): the same again
    _columns_equal(from_list, classify_sed(SEDCollection(collection.points, collection.meta), ensembles=ensembles))


def test_result_seds_follow_slicing_sorting_and_row_removal(ensembles):
    seds = [synthetic_sed(*RADIO_TO_XRAY, target=(1, 0)), synthetic_sed(*WITH_GAMMA, target=(2, 0)),
            synthetic_sed([1.4e9, 1.4e14], [1e-14, 1e-12], target=(3, 0))]
    res = classify_sed(seds, ensembles=ensembles)
    assert len(res.seds) == 3
    tail = res[1:]
    assert len(tail.seds) == 2 and tail.seds[0] is seds[1] and tail.seds[1] is seds[2]
    picked = res[[2, 0]]
    assert [s is t for s, t in zip(picked.seds, (seds[2], seds[0]))] == [True, True]
    masked = res[np.array([True, False, True])]
    assert masked.seds.to_list() == [seds[0], seds[2]]
    assert masked.seds[1].meta["target"].ra.deg == masked["ra"][1] == 3.0
    assert len(res.seds) == 3   # the original result is untouched
    ordered = res.copy(copy_data=False)
    ordered.sort("n_points")     # 2, 4, 5 points
    assert [s is t for s, t in zip(ordered.seds, (seds[2], seds[1], seds[0]))] == [True] * 3
    ordered.reverse()
    assert ordered.seds[0] is seds[0]
    ordered.remove_rows([0])
    assert len(ordered.seds) == 2 and ordered.seds[0] is seds[1]


def test_result_records_what_answered(tmp_path):
    """The result names the models (training date, grid, threshold, folds, runtime), the package
    and registry versions, and keeps them when written: a table in a paper can say what made it."""
    from astropy.table import Table

    import vo_blazar
    from vo_blazar.classifier.classification import get_ensemble
    from vo_blazar.registry import load_registry

    res = vo_blazar.classify(SkyCoord([166.11381], [38.20883], unit="deg"), offline=True)   # Mrk 421
    used = set(res["model"])
    assert set(res.meta["models"]) == used
    for variant in used:
        ens = get_ensemble(variant)
        info = res.meta["models"][variant]
        assert info["trained"] == ens.card.created and info["grid_version"] == ens.grid.version
        assert info["threshold"] == pytest.approx(ens.threshold) and info["n_folds"] == len(ens)
        assert info["runtime"] == ens.runtime
    assert res.meta["vo_blazar_version"] == vo_blazar.__version__
    assert res.meta["registry_version"] == load_registry().version
    assert res.meta["classified"].endswith("Z")
    path = tmp_path / "r.ecsv"
    res.write(path)
    back = Table.read(path)
    assert back.meta["models"] == res.meta["models"] and "seds" not in back.meta
