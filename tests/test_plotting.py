"""SED and saliency plots: the artists carry the right data; bad input fails clearly."""
import matplotlib
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from vo_blazar.exceptions import InputTypeError, InputValueError, VOBlazarWarning
from vo_blazar.interop.plotting import ARROW_DEX, TOPLABEL, XLABEL, YLABEL, plot_saliency, plot_sed, save_sed_plot
from vo_blazar.sed.table import make_sed

ERG = u.erg / u.cm**2 / u.s


def synthetic_sed():
    """A made-up SED: 3 NVSS-like radio, 2 WISE-like IR, 1 X-ray detection and 2 X-ray upper limits."""
    return make_sed({
        "frequency": [1.4e9, 1.4e9, 5e9, 1.36e13, 2.5e13, 2.4e17, 7.2e17, 1e18] * u.Hz,
        "nufnu": [1e-14, 2e-14, 3e-14, 4e-12, 3e-12, 1e-12, 5e-13, 2e-13] * ERG,
        "nufnu_err": [1e-15, 2e-15, 3e-15, 4e-13, 3e-13, 2e-13, np.nan, np.nan] * ERG,
        "upper_limit": [False, False, False, False, False, False, True, True],
        "catalog": ["NVSS", "NVSS", "NVSS", "AllWISE", "AllWISE", "2SXPS", "2SXPS", "2SXPS"],
    }, target=SkyCoord(83.63308 * u.deg, 22.0145 * u.deg))


def _by_gid(ax, prefix):
    return [a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)]


def test_plot_sed_artists():
    ax = plot_sed(synthetic_sed(), p_blazar=0.873)
    assert isinstance(ax.figure, Figure)
    det = {a.get_gid(): a for a in ax.get_lines() if (a.get_gid() or "").startswith("detections:")}
    assert set(det) == {"detections:NVSS", "detections:AllWISE", "detections:2SXPS"}
    assert sum(len(a.get_xdata()) for a in det.values()) == 6
    np.testing.assert_allclose(det["detections:NVSS"].get_xdata(), np.log10([1.4e9, 1.4e9, 5e9]))
    np.testing.assert_allclose(det["detections:AllWISE"].get_ydata(), np.log10([4e-12, 3e-12]))
    uls = [a for a in ax.get_lines() if a.get_gid() == "upper_limits:2SXPS"]
    assert len(uls) == 1
    np.testing.assert_allclose(uls[0].get_ydata(), np.log10([5e-13, 2e-13]))
    arrows = [a for a in ax.texts if isinstance(a, Annotation) and a.get_gid() == "upper_limit_arrow"]
    assert len(arrows) == 2
    for arrow in arrows:  # pointing down by ARROW_DEX from the limit
        (x0, y0), (x1, y1) = arrow.xyann, arrow.xy
        assert x0 == x1 and y1 == pytest.approx(y0 - ARROW_DEX)
    assert ax.get_ylim()[0] < np.log10(2e-13) - ARROW_DEX  # the arrows are inside the axes
    assert ax.get_xlabel() == XLABEL and ax.get_ylabel() == YLABEL
    assert "p_blazar = 0.87" in ax.get_title()
    assert "83.63308" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["NVSS", "AllWISE", "2SXPS"]
    # detections and limits of one catalogue share its colour
    assert det["detections:2SXPS"].get_color() == uls[0].get_color()
    assert det["detections:NVSS"].get_color() != det["detections:2SXPS"].get_color()


def test_log_errors_asymmetric():
    sed = make_sed({"frequency": [1e10] * u.Hz, "nufnu": [1e-12] * ERG, "nufnu_err": [5e-13] * ERG,
                    "catalog": ["X"]})
    ax = plot_sed(sed, energy_axis=False, legend=False)
    segs = [c for c in ax.collections if c.get_segments()][0].get_segments()[0]
    ys = sorted(p[1] for p in segs)
    assert ys == pytest.approx([np.log10(0.5e-12), np.log10(1.5e-12)])


def test_draws_on_given_axes_and_title():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_sed(synthetic_sed(), ax=ax, title="synthetic") is ax
    assert ax.get_title() == "synthetic"
    assert len(fig.axes) == 1  # nothing else created on the figure
    top = [a for a in ax.child_axes if a.get_xlabel() == TOPLABEL]
    assert len(top) == 1  # the energy axis
    to_ev = top[0]._functions[0]
    # 1 keV is 2.418e17 Hz
    assert to_ev(np.log10(2.418e17)) == pytest.approx(3.0, abs=1e-3)
    assert not plot_sed(synthetic_sed(), energy_axis=False).child_axes


def test_units_converted():
    sed = Table({"frequency": [21.0, 1.0] * u.cm, "nufnu": [1e-26, 1e-25] * u.W / u.m**2})
    ax = plot_sed(sed, legend=False)
    x = ax.get_lines()[0].get_xdata()
    np.testing.assert_allclose(sorted(x), sorted(np.log10([(21 * u.cm).to_value(u.Hz, u.spectral()),
                                                           (1 * u.cm).to_value(u.Hz, u.spectral())])))
    np.testing.assert_allclose(sorted(ax.get_lines()[0].get_ydata()), [-23.0, -22.0])


def test_bad_points_warned_not_silent():
    sed = synthetic_sed()
    sed["nufnu"][0] = np.nan * ERG
    sed["nufnu"][1] = -1 * ERG
    with pytest.warns(VOBlazarWarning, match="2 of 8 SED points"):
        ax = plot_sed(sed)
    assert sum(len(a.get_xdata()) for a in _by_gid(ax, "detections:")) == 4


def test_bad_input():
    with pytest.raises(InputValueError, match="lacks column"):
        plot_sed(Table({"freq": [1.0] * u.Hz, "nufnu": [1.0] * ERG}))
    with pytest.raises(InputValueError, match="no unit"):
        plot_sed(Table({"frequency": [1e9], "nufnu": [1e-12]}))
    with pytest.raises(InputValueError, match="cannot be converted"):
        plot_sed(Table({"frequency": [1e9] * u.Hz, "nufnu": [1e-12] * u.Jy}))
    with pytest.raises(InputValueError, match="no point with finite"):
        plot_sed(make_sed({"frequency": [1e9] * u.Hz, "nufnu": [np.nan] * ERG}))
    with pytest.raises(InputValueError, match=r"probability in \[0, 1\]"):
        plot_sed(synthetic_sed(), p_blazar=1.5)
    with pytest.raises(InputTypeError):
        plot_sed([1, 2, 3])


def test_saliency_over_sed():
    grid = np.logspace(8, 26, 10) * u.Hz
    sal = np.linspace(0, 1, 10)
    ax = plot_saliency(grid, sal, synthetic_sed(), p_blazar=0.4)
    twin = [a for a in ax.figure.axes if a.get_ylabel() == "saliency"]
    assert len(twin) == 1
    bars = [p for p in twin[0].patches]
    assert len(bars) == 10
    np.testing.assert_allclose([b.get_height() for b in bars], sal)
    np.testing.assert_allclose([b.get_x() + b.get_width() / 2 for b in bars], np.linspace(8, 26, 10))
    assert "p_blazar = 0.40" in ax.get_title()
    assert sum(len(a.get_xdata()) for a in _by_gid(ax, "detections:")) == 6


def test_saliency_alone_and_channels():
    grid = [1e-6, 1e-3, 1.0] * u.m  # wavelengths are converted, order does not matter
    ax = plot_saliency(grid, np.array([[1, -2], [0.5, 0.5], [3, 0]]))
    heights = [b.get_height() for b in ax.patches]
    x = [b.get_x() + b.get_width() / 2 for b in ax.patches]
    order = np.argsort(x)
    # highest frequency (1 micron) last; channel sums of |values|
    np.testing.assert_allclose(np.array(heights)[order], [3, 1, 3])
    with pytest.raises(InputValueError, match="one value per grid frequency"):
        plot_saliency(grid, [1, 2])
    with pytest.raises(InputTypeError, match="Quantity"):
        plot_saliency([1e9, 1e10], [1, 2])
    with pytest.raises(InputValueError, match="not a spectral unit"):
        plot_saliency([1, 2] * u.kg, [1, 2])
    with pytest.raises(InputValueError, match="non-finite"):
        plot_saliency([1, 2] * u.GHz, [1, np.nan])


def test_save_sed_plot(tmp_path):
    before = matplotlib.pyplot.get_fignums() if "matplotlib.pyplot" in __import__("sys").modules else []
    out = save_sed_plot(synthetic_sed(), tmp_path / "sed.png", p_blazar=0.9)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = save_sed_plot(synthetic_sed(), tmp_path / "sed.pdf", saliency=np.ones(4),
                        grid_frequencies=np.logspace(9, 18, 4) * u.Hz)
    assert pdf.read_bytes()[:4] == b"%PDF"
    with pytest.raises(InputValueError, match="cannot write a plot as '.xyz'"):
        save_sed_plot(synthetic_sed(), tmp_path / "sed.xyz")
    with pytest.raises(InputValueError, match="both saliency and grid_frequencies"):
        save_sed_plot(synthetic_sed(), tmp_path / "s.png", saliency=np.ones(4))
    after = matplotlib.pyplot.get_fignums() if "matplotlib.pyplot" in __import__("sys").modules else []
    assert after == before  # no pyplot figures left behind
