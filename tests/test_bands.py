"""The waveband vocabulary: one definition per boundary, the same answers as before it existed."""
import numpy as np
import pytest

from vo_blazar import bands
from vo_blazar.bands import CELL_BANDS, GAMMA_LOG_NU, POINT_BANDS, RADIO_MAX_LOG_NU, WAVEBANDS, Wavebands

# frequencies on and around every boundary, plus cells of the registry grid (log10 Hz)
LOG_NU = np.array([8.0, 10.99, 11.0, 11.01, 12.0, 12.2, 12.5, 12.51, 14.35, 14.385, 14.4936, 14.5, 14.93,
                   15.0, 15.05, 16.2, 16.3, 16.5, 20.0, 20.01])
# what training/augmentation.py (WAVEBAND_EDGES, side="right") and classifier/reliability.py
# (_WAVEBAND_EDGES upper edges, side="left") gave for LOG_NU before vo_blazar.bands existed
CELL_BEFORE = ["radio", "radio", "mm", "mm", "mm", "mm", "ir", "ir", "optical", "optical", "optical",
               "optical", "optical", "optical", "uv", "uv", "uv", "xray", "gamma", "gamma"]
POINT_BEFORE = ["radio", "radio", "radio", "mm", "mm", "mm", "mm", "ir", "ir", "ir", "ir", "ir", "optical",
                "optical", "uv", "uv", "xray", "xray", "xray", "gamma"]


def test_cell_bands_of_the_training_augmentation_are_unchanged():
    from vo_blazar.training.augmentation import WAVEBAND_EDGES, WAVEBAND_NAMES, waveband_index

    assert WAVEBAND_EDGES == (-np.inf, 11.0, 12.5, 14.35, 15.05, 16.5, 20.0)
    assert [WAVEBAND_NAMES[i] for i in waveband_index(LOG_NU)] == CELL_BEFORE
    with pytest.raises(ValueError, match="finite"):
        waveband_index([9.0, np.nan])


@pytest.mark.parametrize("variant, per_band", [("gamma", [9, 4, 6, 8, 4, 12, 14]),
                                               ("nogamma", [9, 4, 6, 8, 4, 12, 0])])
def test_cell_bands_of_the_shipped_grids_are_unchanged(variant, per_band):
    # the shipped models were trained with these groups of cells (counted with the old edges)
    from vo_blazar.grid import FrequencyGrid
    from vo_blazar.model.ensemble import MODELS_DIR

    grid = FrequencyGrid.load(MODELS_DIR / variant / "grid.json")
    assert np.bincount(CELL_BANDS.index(grid.log_frequencies), minlength=7).tolist() == per_band


def test_point_bands_of_the_classifier_are_unchanged():
    from vo_blazar.classifier.reliability import waveband_coverage

    edges = [(band, POINT_BANDS.upper_edge(band)) for band in WAVEBANDS]
    assert edges == [("radio", 11.0), ("mm", 12.5), ("ir", 14.5), ("optical", 15.0),
                     ("uv", 16.2), ("xray", 20.0), ("gamma", np.inf)]
    present, text = waveband_coverage(LOG_NU, np.arange(LOG_NU.size), LOG_NU.size)
    assert text == POINT_BEFORE and present.sum(axis=1).tolist() == [1] * LOG_NU.size
    present, text = waveband_coverage(LOG_NU[[0, 7, 19]], np.array([0, 0, 1]), 3)
    assert text == ["radio,ir", "gamma", ""] and not present[2].any()


def test_robustness_and_archive_cuts_are_unchanged():
    from vo_blazar.training.archive import RADIO_MAX_LOG_NU as archive_cut
    from vo_blazar.training.robustness import IR_OPTICAL_MAX_LOG_NU, VIEWS

    assert archive_cut == RADIO_MAX_LOG_NU == 12.0
    assert IR_OPTICAL_MAX_LOG_NU == POINT_BANDS.upper_edge("optical") == 15.0
    lognu = np.array([11.99, 12.0, 14.9, 15.0])
    assert VIEWS["radio and mm only"](None, lognu).tolist() == [True, False, False, False]
    assert VIEWS["radio and mm removed"](None, lognu).tolist() == [False, True, True, True]
    assert VIEWS["IR + optical only"](None, lognu).tolist() == [False, True, True, False]


def test_each_boundary_is_defined_once_and_reexported():
    import vo_blazar.grid
    import vo_blazar.grid.frequency_grid
    import vo_blazar.registry

    assert vo_blazar.grid.GAMMA_LOG_NU is vo_blazar.grid.frequency_grid.GAMMA_LOG_NU is bands.GAMMA_LOG_NU
    assert GAMMA_LOG_NU == 20.0 and POINT_BANDS.edges[-1] == CELL_BANDS.edges[-1] == GAMMA_LOG_NU
    assert vo_blazar.registry.WAVEBANDS is WAVEBANDS
    assert POINT_BANDS.names == CELL_BANDS.names == WAVEBANDS


def test_a_value_on_a_boundary_goes_where_at_edge_says():
    assert WAVEBANDS[POINT_BANDS.index(GAMMA_LOG_NU)] == "xray"      # as classify routes: > 20 is gamma
    assert WAVEBANDS[CELL_BANDS.index(GAMMA_LOG_NU)] == "gamma"
    assert POINT_BANDS.lower_edge("radio") == -np.inf and POINT_BANDS.upper_edge("gamma") == np.inf
    assert CELL_BANDS.lower_edge("ir") == CELL_BANDS.upper_edge("mm") == 12.5


@pytest.mark.parametrize("edges, at_edge, message", [((11.0, 12.0), "lower", "6 increasing edges"),
                                                     ((1, 2, 3, 5, 4, 6), "lower", "6 increasing edges"),
                                                     ((1, 2, 3, 4, 5, 6), "middle", "at_edge")])
def test_a_malformed_split_is_refused(edges, at_edge, message):
    with pytest.raises(ValueError, match=message):
        Wavebands("test", edges, at_edge)
