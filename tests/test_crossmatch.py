"""Tests of vo_blazar.crossmatch on small synthetic lists (no network, nothing from ../shared)."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.crossmatch import (ConeRegion, EllipseRegion, KnownBlazars, PolygonRegion,
                                  alpha_rx, as_region, candidates, classify_positions,
                                  fermi_ellipse, find_position_columns, match_positions)
from vo_blazar.cli.candidates import add_candidates_parser, run_candidates
from vo_blazar.exceptions import InputTypeError, InputValueError


def fake_classifier(coords, *, offline=None, radius=None, gamma=None):
    """Fake classifier: p_blazar is a fixed function of Dec, so the ranking is known in advance."""
    dec = coords.icrs.dec.deg
    p = (dec + 90.0) / 180.0
    return Table({"ra": coords.icrs.ra.deg, "dec": dec, "p_blazar": p, "p_blazar_std": 0.1 * p,
                  "is_blazar": p > 0.5, "model": np.full(len(dec), "fake"),
                  "warnings": np.array(["fake warning" if d < 0 else "" for d in dec])})


def _offset(coord, east_arcsec, north_arcsec):
    return coord.spherical_offsets_by(east_arcsec * u.arcsec, north_arcsec * u.arcsec)


@pytest.fixture
def synthetic_lists():
    """Four X-ray sources; three have a radio counterpart at a known offset, one (index 3) none."""
    base = SkyCoord([10.0, 20.0, 30.0, 40.0] * u.deg, [5.0, -20.0, 40.0, 0.0] * u.deg)
    radio_pos = SkyCoord([_offset(base[0], 3, 0), _offset(base[1], 0, 10), _offset(base[2], 20, 0)])
    xray = Table({"RAJ2000": base.ra.deg * u.deg, "DEJ2000": base.dec.deg * u.deg,
                  "name": ["X0", "X1", "X2", "X3"],
                  "flux": [1e-11, 2e-12, 5e-13, 1e-12] * u.erg / u.cm**2 / u.s})
    radio = Table({"ra": radio_pos.ra.deg, "dec": radio_pos.dec.deg,
                   "S1400": [100.0, 10.0, 50.0] * u.mJy})
    return xray, radio


# --------------------------------------------------------------------------- matching
def test_match_uses_per_pair_errors():
    c1 = SkyCoord([0.0, 1.0, 2.0] * u.deg, [0.0, 0.0, 0.0] * u.deg)
    c2 = SkyCoord([_offset(c1[0], 25, 0), _offset(c1[1], 25, 0), _offset(c1[2], 0.8, 0)])
    # errors: pair 0 tolerance 3*sqrt(10^2+2^2)=30.6" (25" matches); pair 1 3*sqrt(5^2+2^2)=16.2"
    # (25" does not); pair 2 tolerance 3*sqrt(0.1^2+0.1^2)=0.42" but the 1" floor lets 0.8" match
    m = match_positions(c1, c2, [10, 5, 0.1] * u.arcsec, [2, 2, 0.1] * u.arcsec)
    assert list(m["index1"]) == [0, 2]
    assert list(m["index2"]) == [0, 2]
    np.testing.assert_allclose(m["separation"], [25.0, 0.8], rtol=1e-6)
    np.testing.assert_allclose(m["tolerance"], [3 * np.hypot(10, 2), 1.0], rtol=1e-9)
    assert m["separation"].unit == u.arcsec
    m0 = match_positions(c1, c2, [10, 5, 0.1] * u.arcsec, [2, 2, 0.1] * u.arcsec, floor=0 * u.arcsec)
    assert list(m0["index1"]) == [0]
    with pytest.raises(InputValueError, match="k must be positive"):
        match_positions(c1, c2, 1 * u.arcsec, 1 * u.arcsec, k=0)


def test_match_empty_list_gives_empty_table():
    c1 = SkyCoord([0.0] * u.deg, [0.0] * u.deg)
    m = match_positions(c1, c1[:0], 1 * u.arcsec, 1 * u.arcsec)
    assert len(m) == 0 and m.colnames == ["index1", "index2", "separation", "tolerance"]


# --------------------------------------------------------------------------- inputs
def test_position_column_detection_and_errors():
    t = Table({"ra_nvss_deg": [1.0], "dec_nvss_deg": [2.0], "flux": [3.0]})
    assert find_position_columns(t) == ("ra_nvss_deg", "dec_nvss_deg", "icrs")
    assert find_position_columns(Table({"GLON": [1.0], "GLAT": [2.0]}))[2] == "galactic"
    with pytest.raises(InputValueError, match=r"no position columns.*\['x', 'y'\]"):
        find_position_columns(Table({"x": [1.0], "y": [2.0]}))


def test_candidates_bad_inputs(synthetic_lists):
    xray, radio = synthetic_lists
    with pytest.raises(InputValueError, match=r"xray list: no position columns.*'foo'"):
        candidates(Table({"foo": [1.0]}), radio, classifier=fake_classifier, drop_known=False)
    with pytest.raises(InputValueError, match="radio list is empty"):
        candidates(xray, radio[:0], classifier=fake_classifier, drop_known=False)
    with pytest.raises(InputTypeError, match="xray list must be"):
        candidates(42, radio, classifier=fake_classifier, drop_known=False)
    with pytest.raises(InputValueError, match="xray_error must be an angle"):
        candidates(xray, radio, xray_error=5 * u.s, classifier=fake_classifier, drop_known=False)
    with pytest.raises(InputValueError, match="neither a file nor a registry catalogue"):
        candidates("NO_SUCH_CATALOGUE", radio, classifier=fake_classifier, drop_known=False)
    with pytest.raises(InputValueError, match="does not exist"):
        candidates("missing_dir/list.fits", radio, classifier=fake_classifier, drop_known=False)


def test_frames_are_converted_and_stated(synthetic_lists):
    xray, radio = synthetic_lists
    ref = candidates(xray, radio, classifier=fake_classifier, known=Table({"name": [], "ra": [], "dec": []}))
    g = SkyCoord(radio["ra"] * u.deg, radio["dec"] * u.deg).galactic
    radio_gal = Table({"glon": g.l.deg * u.deg, "glat": g.b.deg * u.deg, "S1400": radio["S1400"]})
    res = candidates(xray, radio_gal, classifier=fake_classifier,
                     known=Table({"name": [], "ra": [], "dec": []}))
    assert any("converted from galactic to icrs" in n for n in res.meta["notes"])
    np.testing.assert_allclose(res["separation"], ref["separation"], atol=1e-6)
    # a frame that cannot be turned into sky positions is refused, naming the frame
    from astropy.coordinates import AltAz
    altaz = SkyCoord(az=[1.0] * u.deg, alt=[40.0] * u.deg, frame=AltAz())
    with pytest.raises(InputValueError, match="frame 'altaz'"):
        candidates(altaz, radio, classifier=fake_classifier, drop_known=False)


# --------------------------------------------------------------------------- candidates
def test_candidates_ranked_with_defaults_in_meta(synthetic_lists):
    xray, radio = synthetic_lists
    res = candidates(xray, radio, classifier=fake_classifier,
                     known=Table({"name": [], "ra": [], "dec": []}))
    # default errors 10" and 2" -> tolerance 30.6": all three counterparts match (3", 10", 20")
    assert len(res) == 3 and res.meta["n_pairs"] == 3
    assert "default 10.0 arcsec" in res.meta["xray_error"]
    assert "default 2.0 arcsec" in res.meta["radio_error"]
    assert res.meta["k"] == 3.0 and res.meta["floor_arcsec"] == 1.0
    # ranked by the fake p_blazar = (dec + 90) / 180: X2 (dec 40), X0 (dec 5), X1 (dec -20)
    assert list(res["xray_name"]) == ["X2", "X0", "X1"]
    assert list(res["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(res["p_blazar"], (np.asarray(res["dec"]) + 90) / 180)
    np.testing.assert_allclose(res["separation"], [20.0, 3.0, 10.0], rtol=1e-5)
    assert res["separation"].unit == u.arcsec and res["ra"].unit == u.deg
    assert res["xray_flux"].unit == u.erg / u.cm**2 / u.s and res["radio_flux"].unit == u.mJy
    assert res["warnings"][2] == "fake warning"          # the classifier's warning is carried
    expected = alpha_rx([5e-13] * u.erg / u.cm**2 / u.s, [50.0] * u.mJy)
    assert res["alpha_rx"][0] == pytest.approx(expected[0])
    # a tighter X-ray error loses the 20" pair, and the user value is stated
    res2 = candidates(xray, radio, xray_error=5 * u.arcsec, classifier=fake_classifier,
                      known=Table({"name": [], "ra": [], "dec": []}))
    assert list(res2["xray_name"]) == ["X0", "X1"] and res2.meta["xray_error"].startswith("user")


def test_known_blazars_dropped_and_listed(synthetic_lists):
    xray, radio = synthetic_lists
    known = KnownBlazars.from_table(Table({"name": ["5BZB J0000"], "ra": [radio["ra"][0]],
                                           "dec": [radio["dec"][0]]}), origin="5BZCAT")
    res = candidates(xray, radio, known=known, classifier=fake_classifier)
    assert res.meta["n_known_pairs"] == 1 and res.meta["n_dropped_known"] == 1
    assert list(res["xray_name"]) == ["X2", "X1"]
    dropped = res.meta["dropped_known"]
    assert list(dropped["known_name"]) == ["5BZB J0000"] and list(dropped["xray_name"]) == ["X0"]
    kept = candidates(xray, radio, known=known, drop_known=False, classifier=fake_classifier)
    assert len(kept) == 3 and len(kept.meta["dropped_known"]) == 0
    row = kept[kept["xray_name"] == "X0"][0]
    assert row["known_name"] == "5BZB J0000" and "known blazar (5BZCAT" in row["warnings"]


def test_known_from_catalogue_layouts():
    bz = KnownBlazars.from_5bzcat(Table({"BZCAT5 Source name": ["5BZQJ0001+1914"],
                                         "RA (J2000.0)": ["00 01 08.62"],
                                         "Dec (J2000.0)": ["+19 14 33.8"]}))
    assert bz.table["ra"][0] == pytest.approx(0.2859, abs=1e-3) and bz.origins == ["5BZCAT"]
    fgl = KnownBlazars.from_4fgl(Table({
        "Source_Name": ["4FGL J0001.0+0000", "4FGL J0002.0+0000", "4FGL J0003.0+0000"],
        "CLASS1": ["bll ", "PSR ", "FSRQ"], "ASSOC1": ["a", "b", "c"],
        "RA_Counterpart": [0.25, 0.5, np.nan], "DEC_Counterpart": [0.0, 0.0, 0.0]}))
    # the pulsar is not a blazar; the FSRQ without a counterpart position cannot be matched
    assert list(fgl.table["class"]) == ["bll"] and fgl.table["name"][0] == "4FGL J0001.0+0000 (a)"
    labelled = KnownBlazars.from_table(Table({"name": ["a", "b"], "ra": [1.0, 2.0], "dec": [0.0, 0.0],
                                              "label": [1, 0], "origin": ["3HSP", "SDSS"]}))
    assert list(labelled.table["name"]) == ["a"] and labelled.origins == ["3HSP"]
    m = labelled.match(SkyCoord([1.0, 1.0] * u.deg, [0.001, 0.01] * u.deg), radius=10 * u.arcsec)
    assert list(m["known_name"]) == ["a", ""]
    assert m["known_sep"][0] == pytest.approx(3.6, rel=1e-3) and np.isnan(m["known_sep"][1])


def test_alpha_rx_definition():
    fx = 1e-11 * u.erg / u.cm**2 / u.s
    fr = 100 * u.mJy
    # by hand: nuFnu(1 keV) = F / ln(24); F_nu = nuFnu / 2.418e17 Hz
    fnu_x = 1e-11 / np.log(24.0) / 2.417989e17 * 1e26  # mJy
    expected = -np.log10(fnu_x / 100.0) / np.log10(2.417989e17 / 1.4e9)
    assert alpha_rx(fx, fr) == pytest.approx(expected, rel=1e-6)
    assert 0.5 < expected < 0.7
    assert np.isnan(alpha_rx(fx, -1 * u.mJy))
    # a photon index other than 2 moves less of a 0.1-2.4 keV flux to 1 keV when harder
    assert alpha_rx(fx, fr, photon_index=1.5) != pytest.approx(expected)
    with pytest.raises(InputValueError, match="xray_band"):
        alpha_rx(fx, fr, xray_band=(2 * u.keV, 1 * u.keV))


# --------------------------------------------------------------------------- regions
def test_cone_and_ellipse_regions():
    c = SkyCoord(50 * u.deg, 10 * u.deg)
    cone = ConeRegion(c, 1 * u.arcmin)
    pts = SkyCoord([_offset(c, 50, 0), _offset(c, 70, 0)])
    assert list(cone.contains(pts)) == [True, False]
    # ellipse 2' x 0.5' with its major axis pointing east (PA 90): 1.5' east is in, 1.5' north out
    ell = EllipseRegion(c, 2 * u.arcmin, 0.5 * u.arcmin, 90 * u.deg)
    pts = SkyCoord([_offset(c, 90, 0), _offset(c, 0, 90), _offset(c, 0, 20)])
    assert list(ell.contains(pts)) == [True, False, True]
    with pytest.raises(InputValueError, match="radius"):
        ConeRegion(c, -1 * u.deg)


def test_polygon_region_including_pole():
    square = SkyCoord([10, 12, 12, 10] * u.deg, [10, 10, 12, 12] * u.deg)
    poly = PolygonRegion(square)
    pts = SkyCoord([11, 13, 11, 191] * u.deg, [11, 11, 9.9, -11] * u.deg)
    assert list(poly.contains(pts)) == [True, False, False, False]   # antipode is outside
    cap = PolygonRegion(SkyCoord([0, 90, 180, 270] * u.deg, [80, 80, 80, 80] * u.deg))
    assert list(cap.contains(SkyCoord([0, 45, 0] * u.deg, [90, 85, 70] * u.deg))) == [True, True, False]
    with pytest.raises(InputValueError, match="at least 3"):
        PolygonRegion(square[:2])


@pytest.fixture
def synthetic_fermi():
    return Table({"Source_Name": ["4FGL J0509.4+0542", "4FGL J0000.0+0000e"],
                  "RAJ2000": [77.36, 0.0], "DEJ2000": [5.70, 0.0],
                  "Conf_95_SemiMajor": [0.05, np.nan], "Conf_95_SemiMinor": [0.04, np.nan],
                  "Conf_95_PosAng": [30.0, np.nan]})


def test_fermi_ellipse_by_name(synthetic_fermi):
    reg = as_region("inside 4FGL J0509.4+0542", fermi_table=synthetic_fermi)
    assert isinstance(reg, EllipseRegion) and reg.name == "4FGL J0509.4+0542"
    assert reg.semi_major == 0.05 * u.deg and reg.pa == 30 * u.deg
    inside = SkyCoord(77.36 * u.deg, 5.73 * u.deg)
    outside = SkyCoord(77.36 * u.deg, 5.76 * u.deg)
    assert reg.contains(inside) and not reg.contains(outside)
    with pytest.raises(InputValueError, match=r"'4FGL J0509.5\+0542' is not a source.*J0509.4\+0542"):
        fermi_ellipse("4FGL J0509.5+0542", fermi_table=synthetic_fermi)
    with pytest.raises(InputValueError, match="no 95 % error ellipse"):
        fermi_ellipse("4FGL J0000.0+0000e", fermi_table=synthetic_fermi)
    with pytest.raises(InputValueError, match="not understood"):
        as_region("somewhere nice")


def test_candidates_in_region(synthetic_lists, synthetic_fermi):
    xray, radio = synthetic_lists
    res = candidates(xray, radio, region=(SkyCoord(30 * u.deg, 40 * u.deg), 1 * u.arcmin),
                     classifier=fake_classifier, known=Table({"name": [], "ra": [], "dec": []}))
    assert list(res["xray_name"]) == ["X2"] and res.meta["n_xray_in_region"] == 1
    assert res.meta["region"].startswith("cone")
    with pytest.raises(InputValueError, match="no xray source lies inside"):
        candidates(xray, radio, region="4FGL J0509.4+0542", fermi_table=synthetic_fermi,
                   classifier=fake_classifier, drop_known=False)


# --------------------------------------------------------------------------- Dask
# in-process cluster: its dashboards bind to loopback (not 0.0.0.0, which pytest-remotedata
# refuses); distributed's IP probe of 8.8.8.8 is refused and only warns
@pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address")
def test_dask_path_matches_single_process(synthetic_lists):
    distributed = pytest.importorskip("distributed")
    xray, radio = synthetic_lists
    known = Table({"name": [], "ra": [], "dec": []})
    single = candidates(xray, radio, classifier=fake_classifier, known=known)
    with (distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                   dashboard_address="127.0.0.1:0",
                                   worker_dashboard_address="127.0.0.1:0") as cluster,
          distributed.Client(cluster) as client):
        dist = candidates(xray, radio, classifier=fake_classifier, known=known, client=client,
                          chunk_size=1)
        coords = SkyCoord(np.linspace(0, 300, 7) * u.deg, np.linspace(-60, 60, 7) * u.deg)
        direct = classify_positions(coords, fake_classifier, client=client, chunk_size=3)
    assert dist.meta["dask"] and not single.meta["dask"]
    assert list(dist["xray_name"]) == list(single["xray_name"])
    np.testing.assert_allclose(dist["p_blazar"], single["p_blazar"])
    np.testing.assert_allclose(direct["dec"], np.linspace(-60, 60, 7))   # order kept across chunks


def test_classifier_contract_enforced():
    coords = SkyCoord([1.0, 2.0] * u.deg, [0.0, 0.0] * u.deg)
    with pytest.raises(InputValueError, match="one row per position"):
        classify_positions(coords, lambda c, **k: Table({"p_blazar": [0.1], "p_blazar_std": [0.0]}))
    with pytest.raises(InputValueError, match=r"lacks columns \['p_blazar_std'\]"):
        classify_positions(coords, lambda c, **k: Table({"p_blazar": [0.1, 0.2]}))


# --------------------------------------------------------------------------- files and CLI
def test_file_inputs_and_cli(tmp_path, synthetic_lists, monkeypatch, capsys):
    import argparse

    xray, radio = synthetic_lists
    xpath, rpath = tmp_path / "synthetic_xray.ecsv", tmp_path / "synthetic_radio.csv"
    xray.write(xpath)
    r = radio.copy()
    r["S1400"] = r["S1400"].value  # a CSV keeps no unit: the unit is given on the command line
    r.write(rpath)
    Table({"name": ["K"], "ra": [radio["ra"][1]], "dec": [radio["dec"][1]]}).write(tmp_path / "known.ecsv")
    import sys
    cand = sys.modules["vo_blazar.crossmatch.candidates"]  # the package attribute is the function
    monkeypatch.setattr(cand, "_default_classifier", lambda: fake_classifier)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    add_candidates_parser(sub)
    out = tmp_path / "cands.ecsv"
    args = parser.parse_args(["candidates", str(xpath), str(rpath), "--radio-flux", "S1400",
                              "--radio-flux-unit", "mJy", "--known", str(tmp_path / "known.ecsv"),
                              "-o", str(out), "--regions", str(tmp_path / "c.reg")])
    assert run_candidates(args) == 0
    res = Table.read(out)
    assert list(res["xray_name"]) == ["X2", "X0"] and res["radio_flux"].unit == u.mJy
    dropped = Table.read(tmp_path / "cands_dropped_known.ecsv")
    assert list(dropped["known_name"]) == ["K"]
    assert (tmp_path / "c.reg").read_text().count("circle") == 2
    assert "1 known blazars (dropped)" in capsys.readouterr().out


def test_shipped_known_blazars_cover_5bzcat_3hsp_and_4fgl_and_are_read_once():
    kb = KnownBlazars.shipped()
    assert kb is KnownBlazars.shipped()
    assert set(kb.table["origin"]) == {"5BZCAT", "3HSP", "4FGL-DR4"}
    hit = kb.match(SkyCoord([77.35818, 10.0], [5.69315, -45.0], unit="deg"))
    assert "TXS 0506+056" in hit["known_name"][0] or "J0509+0541" in hit["known_name"][0]
    assert hit["known_name"][1] == "" and np.isnan(hit["known_sep"][1])


def test_catalogs_reach_the_classifier(synthetic_lists):
    """``candidates(..., catalogs=...)`` (and ``vo-blazar candidates --catalogs``) builds the SEDs
    from those catalogues only: the option used to be accepted and silently ignored."""
    xray, radio = synthetic_lists
    seen = []

    def recording(coords, **kw):
        seen.append(kw)
        return fake_classifier(coords, offline=kw.get("offline"), radius=kw.get("radius"))

    candidates(xray, radio, classifier=recording, drop_known=False, catalogs=["NVSS", "2RXS"])
    assert seen and all(kw["catalogs"] == ["NVSS", "2RXS"] for kw in seen)
    seen.clear()
    candidates(xray, radio, classifier=recording, drop_known=False)
    assert seen and all("catalogs" not in kw for kw in seen)   # the classifier's default: all


def test_cli_candidates_passes_catalogs(synthetic_lists, tmp_path, monkeypatch):
    import importlib

    from vo_blazar.cli.commands import main
    # the module, not the function the package exports under the same name
    module = importlib.import_module("vo_blazar.crossmatch.candidates")

    xray, radio = synthetic_lists
    xray.write(tmp_path / "x.ecsv"), radio.write(tmp_path / "r.ecsv")
    got = {}
    real = module.candidates

    def spy(*args, **kw):
        got.update(kw)
        return real(*args, **{**kw, "classifier": fake_classifier, "drop_known": False, "catalogs": None})
    monkeypatch.setattr(module, "candidates", spy)
    assert main(["candidates", str(tmp_path / "x.ecsv"), str(tmp_path / "r.ecsv"), "--offline",
                 "--catalogs", "NVSS,2RXS", "-o", str(tmp_path / "c.ecsv")]) == 0
    assert got["catalogs"] == ["NVSS", "2RXS"]
