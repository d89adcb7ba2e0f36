"""A broken registry entry fails in load_registry() naming the entry and the field, never at query time.

Also checks that the registry keys added for the audited entries (``row_filter``, ``one_row_per``,
``access.aliases``, ``error_placeholder``, access kinds ``packaged`` / ``offline``) do what
docs/registry.rst says. Every table here is synthetic test data, not photometry.
"""
import textwrap

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.access import VOAccess
from vo_blazar.exceptions import RegistryError, ServiceError
from vo_blazar.photometry.points import convert_rows
from vo_blazar.registry import load_registry

ENTRY = """
version: "test"
catalogues:
  - name: TOY
    title: toy
    waveband: radio
    reference: nobody
    access: {kind: vizier, table: X/1/toy, bulk: xmatch}
    ra_column: RAJ2000
    dec_column: DEJ2000
    points:
      - {band: toy, frequency: "1.4 GHz", conversion: flux_density, value: S, error: e_S,
         params: {unit: mJy}}
"""


def _load(tmp_path, text):
    path = tmp_path / "registry.yaml"
    path.write_text(textwrap.dedent(text))
    return load_registry(path)


def _replace(old, new):
    assert old in ENTRY, old
    return ENTRY.replace(old, new)


BAD = {
    # conversions and params
    "unknown conversion": (_replace("conversion: flux_density", "conversion: jansky"),
                           "points[0].conversion", "unknown conversion 'jansky'"),
    "misspelt param": (_replace("params: {unit: mJy}", "params: {unit: mJy, zeropoint: 3 Jy}"),
                       "points[0].params.zeropoint", "unknown param"),
    "param that is not a number": (_replace("params: {unit: mJy}",
                                            "params: {unit: mJy, error_placeholder: lots}"),
                                   "points[0].params.error_placeholder", "must be a number"),
    # column mappings
    "no value column": (_replace("value: S, ", ""), "points[0].value", "missing"),
    "value column read as a number": (_replace("value: S,", "value: 1,"), "points[0].value",
                                      "must name a column"),
    "error column read as a bool": (_replace("error: e_S,", "error: yes,"), "points[0].error",
                                    "must name a column"),
    "no position column": (_replace("    dec_column: DEJ2000\n", ""), "dec_column", "missing"),
    "position column read as a number": (_replace("ra_column: RAJ2000", "ra_column: 12"), "ra_column",
                                         "must name a column"),
    "name column read as a number": (_replace("    points:", "    name_column: 7\n    points:"),
                                     "name_column", "must name a column"),
    "null_error limit without any error column": (
        _replace("error: e_S,\n         params: {unit: mJy}",
                 "params: {unit: mJy}, upper_limit: {kind: null_error, column: e_lo}"),
        "points[0].upper_limit.error_hi", "needs error_hi"),
    "nonpositive limit on a magnitude": (
        _replace("conversion: flux_density, value: S, error: e_S,\n         params: {unit: mJy}",
                 "conversion: ab_mag, value: m, error: e_m, upper_limit: {kind: nonpositive}"),
        "points[0].upper_limit.kind", "makes no sense for magnitudes"),
    "upper-limit sigma of zero": (
        _replace("params: {unit: mJy}", "params: {unit: mJy}, upper_limit: {kind: null_error, "
                                        "column: e_lo, sigma: 0}"),
        "points[0].upper_limit.sigma", "must be positive"),
    "ellipse column read as a number": (
        _replace("    points:", "    match: ellipse\n    ellipse: {semi_major: 1, semi_minor: B, angle: PA}"
                                "\n    points:"),
        "ellipse.semi_major", "must name a column"),
    # access specs
    "unknown access kind": (_replace("kind: vizier, table: X/1/toy, bulk: xmatch", "kind: ftp"),
                            "access.kind", "'ftp'"),
    "VizieR catalogue id without a table": (_replace("table: X/1/toy", "table: J/ApJ/817/172"),
                                            "access.table", "not a VizieR table id"),
    "VizieR id of one part": (_replace("table: X/1/toy", "table: nvss"), "access.table",
                              "not a VizieR table id"),
    "VizieR entry with a url": (_replace("table: X/1/toy,", "table: X/1/toy, url: 'http://x.org/tap',"),
                                "access.url", "takes no url"),
    "cone search without a url": (_replace("kind: vizier, table: X/1/toy, bulk: xmatch", "kind: scs"),
                                  "access.url", "needs a url"),
    "cone search url that is not http": (
        _replace("kind: vizier, table: X/1/toy, bulk: xmatch", "kind: scs, url: 'ftp://x.org/cone?'"),
        "access.url", "not an http(s) URL"),
    "cone search url without a host": (
        _replace("kind: vizier, table: X/1/toy, bulk: xmatch", "kind: scs, url: 'coneGet.pl?table=x&'"),
        "access.url", "not an http(s) URL"),
    "cone search with a table": (
        _replace("kind: vizier, table: X/1/toy, bulk: xmatch",
                 "kind: scs, url: 'https://x.org/cone?', table: x"),
        "access.table", "takes no table"),
    "XMatch bulk on a cone search": (
        _replace("kind: vizier, table: X/1/toy, bulk: xmatch", "kind: scs, url: 'https://x.org/cone?', "
                                                               "bulk: xmatch"),
        "access.bulk", "CDS XMatch needs a VizieR table"),
    "TAP upload on a cone search": (
        _replace("kind: vizier, table: X/1/toy, bulk: xmatch", "kind: scs, url: 'https://x.org/cone?', "
                                                               "bulk: tap_upload"),
        "access.bulk", "TAP upload needs"),
    "TAP without a table": (_replace("kind: vizier, table: X/1/toy, bulk: xmatch",
                                     "kind: tap, url: 'https://x.org/tap'"), "access.table", "needs a table"),
    "unknown bulk mode": (_replace("bulk: xmatch", "bulk: ftp"), "access.bulk", "'ftp'"),
    "unknown access key": (_replace("bulk: xmatch}", "bulk: xmatch, columns: x}"), "access",
                           "unknown keys ['columns']"),
    "offline entry with a bulk mode": (_replace("kind: vizier, table: X/1/toy, bulk: xmatch",
                                                "kind: offline, bulk: xmatch"), "access", "takes no table"),
    "packaged entry with a table": (_replace("kind: vizier, table: X/1/toy, bulk: xmatch",
                                             "kind: packaged, table: X/1/toy"), "access", "takes no table"),
    "aliases that are not a mapping": (_replace("bulk: xmatch}", "bulk: xmatch, aliases: [Qfl]}"),
                                       "access.aliases", "must map"),
    "alias to a number": (_replace("bulk: xmatch}", "bulk: xmatch, aliases: {Qfl: 3}}"),
                          "access.aliases.Qfl", "must name a column"),
    # row selection
    "row filter without a test": (_replace("    points:", "    row_filter: [{column: DupFlag}]\n    points:"),
                                  "row_filter[0]", "needs at least one of"),
    "row filter bound that is not a number": (
        _replace("    points:", "    row_filter: [{column: DupFlag, max: one}]\n    points:"),
        "row_filter[0].max", "must be a number"),
    "row filter with an unknown key": (
        _replace("    points:", "    row_filter: [{column: DupFlag, below: 2}]\n    points:"),
        "row_filter[0]", "unknown keys ['below']"),
    "row filter that is not a list": (_replace("    points:", "    row_filter: DupFlag\n    points:"),
                                      "row_filter", "non-empty list"),
    "one_row_per read as a number": (_replace("    points:", "    one_row_per: 1\n    points:"),
                                     "one_row_per", "must name a column"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_broken_entry_fails_at_load_naming_entry_and_field(tmp_path, case):
    text, field, reason = BAD[case]
    with pytest.raises(RegistryError) as exc:
        _load(tmp_path, text)
    message = str(exc.value)
    assert "catalogue 'TOY'" in message, message
    assert f"field {field!r}" in message, message
    assert reason in message, message


def test_the_unbroken_entry_loads(tmp_path):
    cat = _load(tmp_path, ENTRY)["TOY"]
    assert cat.access.table == "X/1/toy" and cat.access.aliases == {}
    assert cat.row_filter == () and cat.one_row_per is None


def test_shipped_registry_uses_documented_access_forms():
    reg = load_registry()
    assert reg["4FGL-DR4"].access.kind == "packaged"
    assert reg["Stripe82X"].access.kind == "offline"
    assert reg["2MASS"].access.aliases == {"Qfl": "Qflg"}
    assert reg["2SXPS"].access.table == "IX/58/2sxps"
    assert reg["GLEAM"].access.table == "VIII/100/gleamegc"
    assert reg["CSC2"].access.url.startswith("http://cda.cfa.harvard.edu/csc21scs/")
    assert reg["RACS"].access.url.endswith("_v2021_08_v02") and reg["RACS"].one_row_per == "source_id"
    assert [(r.column, r.max, r.values) for r in reg["VLASS"].row_filter] == [
        ("DupFlag", 1.0, None), ("QualFlag", None, (0, 4))]
    assert reg["Gaia"].epoch_mjd == 57388.5 and reg["eRASS1"].epoch_mjd == 58920.0


# ---------------------------------------------------------------------- the keys at work
KEYS = """
version: "test"
catalogues:
  - name: KEYS
    title: keys
    waveband: radio
    reference: nobody
    access: {kind: vizier, table: X/1/keys, aliases: {Qfl: Qflag}}
    ra_column: ra
    dec_column: dec
    row_filter:
      - {column: DupFlag, max: 1}
      - {column: QualFlag, values: [0, 4]}
    one_row_per: src
    points:
      - {band: keys, frequency: "3 GHz", conversion: flux_density, value: S, error: e_S,
         params: {unit: mJy, error_placeholder: 99}}
"""


def _synthetic_rows():
    # synthetic test rows: two components of source A (same total), B flagged duplicate, C bad
    # quality, D with a placeholder error, E with no source id (kept: a null id repeats nothing)
    return Table({"ra": [10.0] * 6, "dec": [0.0] * 6,
                  "src": np.ma.masked_array(["A", "A", "B", "C", "D", ""],
                                            mask=[0, 0, 0, 0, 0, 1]),
                  "DupFlag": [0, 0, 2, 0, 1, 0], "QualFlag": [0, 0, 0, 1, 4, 0],
                  "S": [10.0, 10.0, 20.0, 30.0, 40.0, 50.0],
                  "e_S": [1.0, 1.0, 1.0, 1.0, 99.0, 2.0]})


def test_row_filter_one_row_per_and_placeholder_error(tmp_path):
    cat = _load(tmp_path, KEYS)["KEYS"]
    sed = convert_rows(cat, _synthetic_rows())
    nu = 3e9
    kept = sorted(zip(np.asarray(sed["_row"]), sed["nufnu"].to_value(u.erg / u.cm**2 / u.s),
                      sed["nufnu_err"].to_value(u.erg / u.cm**2 / u.s)))
    assert [k[0] for k in kept] == [0, 4, 5]          # A once, D, E; B (dup) and C (quality) dropped
    assert np.isclose(kept[0][1], nu * 10e-26)         # 10 mJy = 1e-25 erg/cm2/s/Hz
    assert np.isclose(kept[1][1], nu * 40e-26) and np.isnan(kept[1][2])   # 99 mJy is no error
    assert np.isclose(kept[2][2], nu * 2e-26)
    assert sed.meta["skipped_reasons"]["keys"] == {"filtered": 3}


def test_one_row_per_counts_each_bulk_target(tmp_path):
    cat = _load(tmp_path, KEYS)["KEYS"]
    rows = _synthetic_rows()[:2]
    rows["_index"] = [0, 1]        # the same component row answered for two targets
    assert len(convert_rows(cat, rows)) == 2


def test_service_alias_renames_the_answer_column(tmp_path):
    cat = _load(tmp_path, KEYS)["KEYS"]
    answer = Table({"ra": [1.0], "dec": [2.0], "Qfl": ["AAA"]})
    checked = VOAccess()._check_columns(cat, answer, "http://127.0.0.1/x")
    assert "Qflag" in checked.colnames and "Qfl" not in checked.colnames


def test_offline_entry_fails_live_with_a_clear_error():
    cat = load_registry()["Stripe82X"]
    with pytest.raises(ServiceError, match="Stripe82X: no live VO service.*offline snapshot"):
        VOAccess().cone(cat, SkyCoord(10, 0, unit="deg"), 10 * u.arcsec)


def test_packaged_entry_answers_without_network():
    # strict remote_data mode would fail this test on any non-local socket
    cat = load_registry()["4FGL-DR4"]
    rows = VOAccess().cone(cat, SkyCoord(166.1138, 38.2088, unit="deg"), 0.2 * u.deg)   # Mrk 421
    assert "4FGL J1104.4+3812" in [str(n).strip() for n in rows["Source_Name"]]


@pytest.mark.parametrize("name,ghz", [("PCCS2_100", 100), ("PCCS2_143", 143), ("PCCS2_217", 217),
                                      ("PCCS2_353", 353)])
def test_pccs2_hfi_entries_take_frequency_suffixed_vizier_names(name, ghz):
    # third-party code reads these VizieR tables as DetFlux<GHz>/e_DetFlux<GHz> (docs/registry.rst)
    cat = load_registry()[name]
    answer = Table({"RAJ2000": [10.0], "DEJ2000": [-5.0], "Name": ["PCCS2 X"],
                    f"DetFlux{ghz}": [1234.5] * u.mJy, f"e_DetFlux{ghz}": [56.7] * u.mJy})
    checked = VOAccess()._check_columns(cat, answer, "http://127.0.0.1/x")
    assert {"DetFlux", "e_DetFlux"} <= set(checked.colnames)
    point = convert_rows(cat, checked)
    nu = ghz * 1e9
    # nuFnu = nu x S, 1 mJy = 1e-26 erg/cm2/s/Hz
    assert point["nufnu"].to_value(u.erg / u.cm**2 / u.s) == pytest.approx([nu * 1234.5e-26], rel=1e-9)
    assert point["nufnu_err"].to_value(u.erg / u.cm**2 / u.s) == pytest.approx([nu * 56.7e-26], rel=1e-9)
    # an answer with the plain names is used as it is
    plain = Table({"RAJ2000": [10.0], "DEJ2000": [-5.0], "DetFlux": [1.0] * u.mJy,
                   "e_DetFlux": [0.1] * u.mJy, f"DetFlux{ghz}": [9.0] * u.mJy})
    checked = VOAccess()._check_columns(cat, plain, "http://127.0.0.1/x")
    assert checked["DetFlux"][0] == 1.0


def test_bat105_has_no_live_service():
    # VizieR's J/ApJS/235/4/table3 labels (Flux, Swift, RAJ2000) are not the entry's FITS names
    cat = load_registry()["BAT105"]
    assert cat.access.kind == "offline"
    with pytest.raises(ServiceError, match="BAT105: no live VO service"):
        VOAccess().cone(cat, SkyCoord(166.1138, 38.2088, unit="deg"), 10 * u.arcsec)
