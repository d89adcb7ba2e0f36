"""Classifying long position lists: chunks, a progress bar, and a checkpoint that survives SIGKILL.

The checkpoint is a JSON-lines file: a header line naming the position list (a SHA-256 of the
positions) and every option the rows depend on (radius, catalogues, offline or live, model choice,
registry and model versions), then one line per finished row. Each chunk's rows are written with
one ``write`` and ``fsync``-ed, so a killed run leaves at most one partial last line, which is cut
off on resume. Rows are keyed by their input index: on resume, finished indices are skipped, so no
row is lost or duplicated. A checkpoint written with other options is refused (mixing them would
silently give a table of two configurations), and so is a file that is not a checkpoint at all:
it is never written to.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Sequence

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, Table

from .. import __version__
from ..exceptions import InputTypeError, InputValueError
from ..logger import log

__all__ = ["classify_batch", "read_positions", "positions_from_texts"]

CHECKPOINT_VERSION = 2
CHECKPOINT_FORMAT = "vo_blazar.classify_batch checkpoint"


def read_positions(path, *, offline: bool | None = None) -> Table:
    """Read a positions file: any astropy table with position columns, or text lines.

    Table columns are found by `~vo_blazar.sky.target.find_position_columns` (ra/dec, RAJ2000/DEJ2000,
    ra_nvss_deg/dec_nvss_deg, GLON/GLAT ...; degrees, any angle unit, or sexagesimal text); without
    them a name column (name, source, object, id) is resolved.

    Text lines may hold ``RA DEC`` (degrees or sexagesimal) or a source name. Returns a Table with
    ``name``, ``ra``, ``dec`` (deg, NaN for a bad row) and ``error`` (why a row could not be
    read; empty when fine), so that one bad row is reported and the rest is classified.
    """
    from ..sky.target import find_position_columns, parse_target
    path = Path(path)
    if not path.is_file():
        raise InputValueError(f"positions file {path} does not exist")
    table = None
    suffix = path.suffix.lower()
    if suffix in (".fits", ".fit", ".vot", ".xml", ".ecsv", ".csv"):
        try:
            if suffix in (".csv", ".ecsv"):   # text: a BOM (Excel) or Latin-1 must not refuse the file
                table = Table.read(_read_text(path).splitlines(),
                                   format="ascii.csv" if suffix == ".csv" else "ascii.ecsv")
            else:
                table = Table.read(path)
        except Exception as exc:
            raise InputValueError(f"cannot read positions file {path} as a table: {exc}") from exc
    names, ra, dec, errors = [], [], [], []
    if table is not None:
        cols = {c.lower(): c for c in table.colnames}
        ncol = next((cols[c] for c in ("name", "source", "object", "id") if c in cols), None)
        found = find_position_columns(table, required=ncol is None)   # no positions: names are resolved
        lon, lat, frame = found if found else (None, None, None)
        if lon and table[lon].dtype.kind not in "USO" and table[lat].dtype.kind not in "USO":
            # numeric columns at once: one SkyCoord per row cost 0.85 ms, 85 s for 100,000 rows
            return _numeric_positions(table, ncol, lon, lat, frame)
        for k, row in enumerate(table):
            name = str(row[ncol]) if ncol else f"row {k + 1}"
            try:
                if lon:
                    if table[lon].dtype.kind in "USO":      # sexagesimal text
                        c = parse_target(f"{row[lon]} {row[lat]}", offline=offline)
                    else:
                        a, b = _degrees(row[lon], table[lon]), _degrees(row[lat], table[lat])
                        if not (np.isfinite(a) and np.isfinite(b) and 0 <= a < 360 and -90 <= b <= 90):
                            raise InputValueError(
                                f"{lon}/{lat} ({row[lon]}, {row[lat]}) out of range or missing")
                        c = SkyCoord(a, b, unit="deg", frame=frame)
                    r, d = c.icrs.ra.deg, c.icrs.dec.deg
                else:
                    c = parse_target(name, offline=offline)
                    r, d = c.ra.deg, c.dec.deg
                names.append(name); ra.append(r); dec.append(d); errors.append("")
            except (ValueError, TypeError) as exc:
                names.append(name); ra.append(np.nan); dec.append(np.nan); errors.append(f"bad input: {exc}")
    else:
        for k, line in enumerate(_read_text(path).splitlines()):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            r, d, error = _parse_text(text, offline, where=f" (line {k + 1})")
            names.append(text); ra.append(r); dec.append(d); errors.append(error)
    if not names:
        raise InputValueError(f"positions file {path} holds no positions")
    return _positions_table(names, ra, dec, errors)


def _numeric_positions(table: Table, ncol: str | None, lon: str, lat: str, frame: str) -> Table:
    """`read_positions` for degree (or other angle) columns, vectorised; bad rows keep their error."""
    names = [str(v) for v in table[ncol]] if ncol else [f"row {k + 1}" for k in range(len(table))]
    a, b = _column_degrees(table[lon]), _column_degrees(table[lat])
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(a) & np.isfinite(b) & (a >= 0) & (a < 360) & (np.abs(b) <= 90)
    ra, dec = np.full(len(table), np.nan), np.full(len(table), np.nan)
    if ok.any():
        icrs = SkyCoord(a[ok], b[ok], unit="deg", frame=frame).icrs
        ra[ok], dec[ok] = icrs.ra.deg, icrs.dec.deg
    raw_lon, raw_lat = np.ma.asarray(table[lon]), np.ma.asarray(table[lat])
    errors = ["" if good else f"bad input: {lon}/{lat} ({raw_lon[k]}, {raw_lat[k]}) out of range or missing"
              for k, good in enumerate(ok)]
    return _positions_table(names, ra, dec, errors)


def _column_degrees(column) -> np.ndarray:
    unit = getattr(column, "unit", None)
    try:
        if isinstance(column, u.Quantity):   # a QTable column, possibly a MaskedQuantity
            values = np.array(getattr(column, "unmasked", column).value, dtype=float)
            values[np.broadcast_to(np.asarray(getattr(column, "mask", False), bool), values.shape)] = np.nan
        else:
            values = np.asarray(np.ma.filled(np.ma.asarray(column, dtype=float), np.nan), dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputValueError(f"column {column.info.name!r} cannot be read as numbers: {exc}") from exc
    if unit in (None, u.deg):
        return values
    try:
        return (values * unit).to_value(u.deg)
    except u.UnitConversionError as exc:
        raise InputValueError(f"column {column.info.name!r} has unit {unit}, which is not an angle") from exc


def _read_text(path: Path) -> str:
    """A text file as UTF-8 (a leading BOM dropped); a file that is not UTF-8 is read as Latin-1,
    which every byte sequence is, with a warning (names may then show odd accents)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.warning(f"positions file {path} is not UTF-8 (byte {raw[exc.start]:#x} at offset {exc.start}); "
                    "read as Latin-1")
        return raw.decode("latin-1")


def positions_from_texts(texts: Sequence[str], *, offline: bool | None = None) -> Table:
    """Positions typed by a user ("RA DEC" or names) as a `read_positions` table.

    Texts that cannot be read keep their row, with the reason in ``error``.
    """
    parsed = [_parse_text(text, offline) for text in texts]
    return _positions_table(list(texts), *([p[i] for p in parsed] for i in range(3)))


def _parse_text(text: str, offline: bool | None, where: str = "") -> tuple[float, float, str]:
    from ..sky.target import parse_target
    try:
        c = parse_target(text, offline=offline)
        return c.ra.deg, c.dec.deg, ""
    except (ValueError, TypeError) as exc:
        return np.nan, np.nan, f"bad input{where}: {exc}"


def _positions_table(names, ra, dec, errors) -> Table:
    return Table({"name": np.array(names, dtype=str), "ra": np.array(ra, float) * u.deg,
                  "dec": np.array(dec, float) * u.deg, "error": np.array(errors, dtype=object).astype(str)})


def _degrees(value, column) -> float:
    unit = getattr(column, "unit", None)
    value = float(np.ma.filled(np.ma.asarray(value, dtype=float), np.nan))
    return (value * unit).to_value(u.deg) if unit not in (None, u.deg) else value


def _table_degrees(positions: Table) -> tuple[np.ndarray, np.ndarray]:
    """ICRS RA/Dec in degrees (NaN where missing) of a positions table: ``ra``/``dec``, else any
    pair `~vo_blazar.sky.target.find_position_columns` recognises (RAJ2000/DEJ2000, GLON/GLAT ...)."""
    from ..sky.target import find_position_columns
    if "ra" in positions.colnames and "dec" in positions.colnames:
        lon, lat, frame = "ra", "dec", "icrs"
    else:
        lon, lat, frame = find_position_columns(positions)
    for name in (lon, lat):
        if getattr(positions[name], "dtype", np.dtype(float)).kind in "USO":
            raise InputValueError(f"column {name!r} holds text; classify_batch takes degrees "
                                  "(read sexagesimal text files with read_positions)")
    a, b = _column_degrees(positions[lon]), _column_degrees(positions[lat])
    if frame == "galactic":
        ok = np.isfinite(a) & np.isfinite(b) & (np.abs(b) <= 90)
        ra, dec = np.full(a.shape, np.nan), np.full(a.shape, np.nan)
        if ok.any():
            icrs = SkyCoord(a[ok], b[ok], unit="deg", frame="galactic").icrs
            ra[ok], dec[ok] = icrs.ra.deg, icrs.dec.deg
        return ra, dec
    return a, b


def _positions_key(ra: np.ndarray, dec: np.ndarray) -> str:
    data = np.round(np.nan_to_num(np.column_stack([ra, dec]), nan=-999.0), 7).astype("<f8").tobytes()
    return hashlib.sha256(data).hexdigest()


def _run_options(radius, gamma, offline, catalogs) -> dict:
    """Everything a result row depends on besides its position, in a JSON-comparable form."""
    from ..config import offline_mode
    from ..model.ensemble import CARD_NAME, MODELS_DIR, VARIANTS, sha256_of
    from ..pipeline import check_radius, select_catalogues
    chosen, registry = select_catalogues(catalogs)
    cards = {v: (sha256_of(MODELS_DIR / v / CARD_NAME) if (MODELS_DIR / v / CARD_NAME).is_file() else None)
             for v in VARIANTS}
    return {"radius_arcsec": round(float(check_radius(radius).to_value(u.arcsec)), 9),
            # "all" (with the registry version) rather than 33 names in a mismatch message
            "catalogs": "all" if catalogs is None else [c.name for c in chosen],
            "offline": offline_mode(offline),
            "gamma": gamma, "registry_version": registry.version, "model_cards_sha256": cards}


def _not_a_checkpoint(path: Path, why: str) -> InputValueError:
    return InputValueError(f"{path} is not a vo_blazar classify checkpoint ({why}); it was left untouched: "
                           "choose another --checkpoint file (a new name starts a new checkpoint)")


def _read_header(path: Path, first: bytes) -> dict:
    try:
        header = json.loads(first)
    except (UnicodeDecodeError, json.JSONDecodeError):
        header = None
    if not isinstance(header, dict) or "positions" not in header or "version" not in header:
        raise _not_a_checkpoint(path, f"its first line is {first[:60]!r}")
    return header


def _read_checkpoint(path: Path, key: str, options: dict) -> dict[int, dict]:
    if not path.exists() or path.stat().st_size == 0:
        return {}
    if not path.is_file():
        raise _not_a_checkpoint(path, "it is not a regular file")
    raw = path.read_bytes()
    end = raw.find(b"\n")
    if end < 0:
        # a header cut by a kill during the very first write is discarded; anything else is not ours
        if raw.startswith(b'{"format": "' + CHECKPOINT_FORMAT.encode()):
            log.warning("checkpoint %s holds only a partial header (interrupted run); starting afresh", path)
            path.write_bytes(b"")
            return {}
        raise _not_a_checkpoint(path, f"it starts with {raw[:60]!r}")
    header = _read_header(path, raw[:end])
    # validated before anything is cut, so a file that is not ours is never modified
    if header.get("positions") != key or header.get("version") != CHECKPOINT_VERSION:
        raise InputValueError(f"checkpoint {path} belongs to a different position list or version; "
                              "remove it or choose another checkpoint file")
    if header.get("options") != options:
        was = header.get("options") or {}
        diff = {k: (was.get(k), options[k]) for k in options if was.get(k) != options[k]}
        raise InputValueError(
            f"checkpoint {path} was written with other options: "
            + "; ".join(f"{k} was {a!r}, now {b!r}" for k, (a, b) in diff.items())
            + ". Resuming would mix two configurations in one table: rerun with the checkpoint's options, "
              "or remove it or choose another checkpoint file")
    complete = raw[: raw.rfind(b"\n") + 1]
    if len(complete) != len(raw):  # a kill mid-write: cut the partial line
        log.warning("checkpoint %s ended with a partial line (interrupted run); it is discarded", path)
        with open(path, "r+b") as fh:
            fh.truncate(len(complete))
    done = {}
    for number, line in enumerate(complete.decode("utf-8", "replace").splitlines()[1:], start=2):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict) and "positions" in row and "index" not in row:
            continue     # a repeated header (two runs started together on a new file)
        if not isinstance(row, dict) or "index" not in row:
            raise InputValueError(f"checkpoint {path}, line {number}, is not a result row ({line[:60]!r}); "
                                  "the file was edited or damaged: remove it or choose another "
                                  "checkpoint file")
        done.setdefault(int(row["index"]), row)   # first wins: a duplicate can never enter the result
    return done


@contextlib.contextmanager
def _exclusive(path: Path | None):
    """Hold an advisory lock on the checkpoint for the run (POSIX; elsewhere no lock). Opening
    it to append creates a missing checkpoint and changes nothing in an existing file."""
    if path is None:
        yield
        return
    try:
        import fcntl
    except ImportError:   # pragma: no cover - Windows
        yield
        return
    if path.is_dir() or not path.parent.is_dir():
        why = "it is a folder" if path.is_dir() else f"folder {path.parent} does not exist"
        raise InputValueError(f"cannot use {path} as a checkpoint: {why}")
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise InputValueError(f"checkpoint {path} is in use by another running classification; "
                                  "wait for it to finish or choose another checkpoint file") from exc
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _append(path: Path, lines: list[str]) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))
        fh.flush()
        os.fsync(fh.fileno())


def _jsonable(value):
    if value is np.ma.masked:   # e.g. is_blazar where the model cannot know: null, never "--"
        return None
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, u.Quantity):
        return _jsonable(value.value)
    return value if isinstance(value, (int, bool, str)) or value is None else str(value)


def classify_batch(positions: Table | SkyCoord, *, checkpoint: str | os.PathLike | None = None,
                   chunk_size: int = 200, radius: u.Quantity | None = None, gamma: bool | None = None,
                   offline: bool | None = None, catalogs: Sequence[str] | None = None,
                   progress: bool = True) -> Table:
    """Classify many positions in chunks, resumable from a checkpoint.

    Parameters
    ----------
    positions : `~astropy.coordinates.SkyCoord` or `~astropy.table.Table`
        Positions, or a table from `read_positions` (``name``, ``ra``, ``dec``, ``error``); rows
        with an ``error`` are reported with it and not classified.
    checkpoint : path, optional
        JSON-lines file; an interrupted run started again with the same file and positions
        resumes after the last finished chunk.
    chunk_size : int
        Positions per bulk SED query + prediction.

    Returns
    -------
    result : `~astropy.table.Table`
        One row per input position, in input order, with ``index`` and ``name`` in front of the
        `vo_blazar.classify` columns.
    """
    from . import classification as classifier
    from .result import RESULT_COLUMNS
    if isinstance(positions, SkyCoord):
        flat = positions.icrs.reshape((-1,)) if not positions.isscalar else positions.icrs.reshape((1,))
        positions = Table({"name": [f"#{i}" for i in range(len(flat))], "ra": flat.ra.deg * u.deg,
                           "dec": flat.dec.deg * u.deg, "error": [""] * len(flat)})
    elif not isinstance(positions, Table):
        raise InputTypeError("positions must be a SkyCoord or a Table from read_positions, "
                             f"got {type(positions).__name__}")
    if len(positions) == 0:
        raise InputValueError("no positions to classify")
    if int(chunk_size) < 1:
        raise InputValueError(f"chunk_size must be >= 1, got {chunk_size}")
    ra, dec = _table_degrees(positions)
    errors = [str(e) for e in positions["error"]] if "error" in positions.colnames else [""] * len(positions)
    # a bad position is its own row's error, as in read_positions, never the whole batch's
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(ra) & np.isfinite(dec)) | (np.abs(dec) > 90)
    for i in np.flatnonzero(bad):
        if not errors[i]:
            errors[i] = (f"bad input: position ({ra[i]}, {dec[i]}) is not finite or has |Dec| > 90 deg; "
                         "expected finite RA/Dec in degrees")
    names = ([str(n) for n in positions["name"]] if "name" in positions.colnames
             else [f"#{i}" for i in range(len(ra))])
    key = _positions_key(ra, dec)

    done: dict[int, dict] = {}
    path = Path(checkpoint) if checkpoint else None
    # one run per checkpoint at a time: two at once did every row twice into the same file
    with _exclusive(path):
        if path is not None:
            options = _run_options(radius, gamma, offline, catalogs)
            done = _read_checkpoint(path, key, options)
            if not path.exists() or path.stat().st_size == 0:
                _append(path, [json.dumps({"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                                           "positions": key, "n": len(ra), "options": options})])
            if done:
                log.info("resuming from %s: %d of %d rows already done", path, len(done), len(ra))
        resumed = len(done)
        reasons: dict[str, str] = {}   # catalogue -> first failure message of this run
        models: dict[str, dict] = {}   # variant -> what identifies the model (classify's meta)

        todo = [i for i in range(len(ra)) if i not in done]
        from tqdm.auto import tqdm
        # the bar moves once per chunk: one chunk would only jump from 0 to 100 %; and with delay, no bar
        # at all for work that is done within a second
        bar = tqdm(total=len(ra), initial=len(ra) - len(todo), unit="src", desc="classify", delay=1.0,
                   disable=not progress or len(todo) <= int(chunk_size))
        for start in range(0, len(todo), int(chunk_size)):
            chunk = todo[start:start + int(chunk_size)]
            good = [i for i in chunk if not errors[i]]
            rows = {}
            if good:
                # looked up at call time so that tests can substitute the classifier
                res = classifier.classify(SkyCoord(ra[good], dec[good], unit="deg"), radius=radius,
                                          gamma=gamma, offline=offline, catalogs=catalogs)
                for i, row in zip(good, res):
                    rows[i] = {c: _jsonable(row[c]) for c in RESULT_COLUMNS}
                models.update(getattr(res, "meta", {}).get("models") or {})
                for sed in getattr(res, "seds", []):
                    for name, reason in (sed.meta.get("failures") or {}).items():
                        reasons.setdefault(name, str(reason))
            for i in chunk:
                if errors[i]:
                    rows[i] = {c: None for c in RESULT_COLUMNS} | {"ra": _jsonable(ra[i]),
                                                                   "dec": _jsonable(dec[i]),
                                                                   "warnings": errors[i], "is_blazar": None,
                                                                   "n_points": 0, "n_upper_limits": 0,
                                                                   "bands": "", "model": ""}
                    if "reliable" in rows[i]:   # not classified is not reliable (classify's rule)
                        rows[i]["reliable"] = False
                rows[i]["index"], rows[i]["name"] = i, names[i]
            if path is not None:
                _append(path, [json.dumps(rows[i]) for i in chunk])
            done.update(rows)
            bar.update(len(chunk))
        bar.close()

    ordered = [done[i] for i in range(len(ra))]
    out = Table()
    out["index"] = np.array([r["index"] for r in ordered], np.int64)
    out["name"] = np.array([r["name"] for r in ordered], dtype=str)
    for c in RESULT_COLUMNS:
        values = [r.get(c) for r in ordered]
        if c in ("ra", "dec", "p_blazar", "p_blazar_std", "threshold"):
            out[c] = np.array([np.nan if v is None else v for v in values], float)
        elif c in ("n_points", "n_upper_limits"):
            out[c] = np.array([0 if v is None else v for v in values], np.int64)
        elif c == "is_blazar" or (any(isinstance(v, bool) for v in values)
                                  and all(v is None or isinstance(v, bool) for v in values)):
            # True/False, masked where null (no classification, or the model cannot know)
            out[c] = MaskedColumn([bool(v) for v in values], mask=[v is None for v in values], dtype=bool)
        else:
            out[c] = np.array(["" if v is None else str(v) for v in values], dtype=str)
    out["ra"].unit = out["dec"].unit = u.deg
    out.meta["resumed_rows"] = resumed   # rows taken from the checkpoint (0: a fresh run)
    # the models of the rows classified in this run; a checkpoint is refused unless it was written
    # with the same models (its options record their checksums), so resumed rows share them
    out.meta["models"] = models
    out.meta["vo_blazar_version"] = __version__
    out.meta["input_errors"] = int(sum(bool(e) for e in errors))
    out.meta["catalogue_failures"] = _failure_summary(out["warnings"], reasons)
    return out


_FAILED = re.compile(r"catalogue (\S+) failed \(([^)]*)\)")


def _failure_summary(warnings, reasons: dict[str, str]) -> dict[str, dict]:
    """Per failed catalogue: the rows it failed for (read from the rows' warnings, so rows resumed
    from a checkpoint count too) and the first full reason seen in this run."""
    counts: dict[str, int] = {}
    kinds: dict[str, str] = {}
    for text in warnings:
        for name, kind in _FAILED.findall(str(text)):
            counts[name] = counts.get(name, 0) + 1
            kinds.setdefault(name, kind)
    return {name: {"rows": n, "reason": reasons.get(name, kinds[name])} for name, n in sorted(counts.items())}
