"""Classification results as a person reads them on a terminal of any width.

astropy's table printing cuts whole columns to fit the terminal, so a result with a long
``warnings`` column printed ``name ...`` and nothing else. Here the columns that answer the question
(name, p_blazar with its fold spread, the label, whether it can be relied on, the model, the number
of points) always print in full, and the notes (reliability, warnings) are abbreviated to what is
left of the line; the full text stays in the table and in any file written from it.
"""
from __future__ import annotations

import shutil
import sys
from typing import Any

import numpy as np

__all__ = ["format_results", "abbreviate", "summary_line"]

_MIN_NOTES = 24        # less room than this on the line and the notes go on a line of their own
_INDENT = "    "
_MAX_NAME = 28
_MAX_PART = 64         # one abbreviated note, so that a long first one leaves room for the rest


def _split_top_level(text: str, sep: str = "; ") -> list[str]:
    """``text`` split at ``sep`` outside parentheses (a warning's details hold "; " too)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _cut(text: str, width: int, ellipsis: str) -> str:
    if len(text) <= width:
        return text
    return text[:max(width - len(ellipsis), 0)].rstrip(" ,;:") + ellipsis


def abbreviate(text: str, width: int | None = None, *, ellipsis: str = "...") -> str:
    """Each "; "-separated note without its parenthesised details or text after a colon, joined,
    then cut to ``width`` characters.

    >>> abbreviate("1 point(s) off the model grid were ignored (PanSTARRS y_PS1); sparse: 2 points")
    '1 point(s) off the model grid were ignored; sparse'
    """
    short = []
    for part in _split_top_level(str(text)):
        head = part.split(" (", 1)[0].split(": ", 1)[0].strip()
        short.append(_cut(head, _MAX_PART, ellipsis))
    out = "; ".join(dict.fromkeys(short))        # each note once
    return out if width is None else _cut(out, width, ellipsis)


def _symbols(stream) -> tuple[str, str]:
    """'±' and '…' where the stream can encode them, else ASCII."""
    encoding = getattr(stream, "encoding", None) or "utf-8"   # None: an in-memory text stream
    try:
        "±…".encode(encoding)
        return "±", "…"
    except (UnicodeEncodeError, LookupError):
        return "+-", "..."


def _flag(value: Any) -> str:
    if value is np.ma.masked or value is None:
        return "-"
    return "yes" if bool(value) else "no"


def format_results(result, width: int | None = None, *, stream=None) -> str:
    """The table as fixed columns plus abbreviated notes, fitted to ``width`` (default: the terminal).

    Columns: ``name``, ``p_blazar`` with ``p_blazar_std``, ``blazar`` (``is_blazar``; "-" where it
    is withheld), ``reliable`` (when the result has it), ``model``, ``points`` (``n_points``), and
    ``notes``: the abbreviated ``reliability`` (where not reliable) and ``warnings``, on the row's
    line when at least 24 characters are left there, else indented on the line below. Only a
    terminal narrower than the answer columns themselves gets lines longer than ``width``.
    """
    stream = sys.stdout if stream is None else stream
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    pm, ellipsis = _symbols(stream)
    cols = set(result.colnames)
    n = len(result)
    names = [str(v) for v in result["name"]] if "name" in cols else \
        [f"{r:.5f} {d:+.5f}" for r, d in zip(result["ra"], result["dec"])]
    names = [_cut(s, _MAX_NAME, ellipsis) for s in names]
    p = np.asarray(result["p_blazar"], dtype=float)
    s = np.asarray(result["p_blazar_std"], dtype=float) if "p_blazar_std" in cols else np.full(n, np.nan)
    prob = [("no data" if not np.isfinite(pi) else
             f"{pi:.3f}" + ("" if not np.isfinite(si) else f" {pm} {si:.3f}")) for pi, si in zip(p, s)]
    table: dict[str, list[str]] = {"name": names, "p_blazar": prob}
    if "is_blazar" in cols:
        table["blazar"] = [_flag(v) for v in result["is_blazar"]]
    if "reliable" in cols:
        table["reliable"] = [_flag(v) for v in result["reliable"]]
    if "model" in cols:
        table["model"] = [str(v) for v in result["model"]]
    if "n_points" in cols:
        table["points"] = [str(int(v)) for v in result["n_points"]]
    fixed = {k: max(len(k), *(len(v) for v in vals)) if vals else len(k) for k, vals in table.items()}
    used = sum(fixed.values()) + 2 * len(fixed)
    # notes inline when they get a useful share of the line, else on their own indented line
    inline = width - used >= _MIN_NOTES
    room = width - used if inline else max(width - len(_INDENT), _MIN_NOTES)
    notes = []
    for i in range(n):
        parts = []
        if "reliability" in cols and "reliable" in cols and not bool(result["reliable"][i]):
            parts.append(str(result["reliability"][i]))
        if "warnings" in cols:
            parts.append(str(result["warnings"][i]))
        notes.append(abbreviate("; ".join(x for x in parts if x), room, ellipsis=ellipsis))

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(fixed[k]) if k in ("p_blazar", "points") else v.ljust(fixed[k])
                         for k, v in zip(table, values))

    out = [(line(list(table)) + ("  notes" if inline else "")).rstrip()]
    for i in range(n):
        row = line([table[k][i] for k in table])
        if inline:
            out.append((row + "  " + notes[i]).rstrip())
        else:
            out.append(row.rstrip())
            if notes[i]:
                out.append(_INDENT + notes[i])
    return "\n".join(out)


def summary_line(result, written: str | None = None) -> str:
    """One line: how many sources, how many blazars, how many not, withheld and without data."""
    n = len(result)
    p = np.asarray(result["p_blazar"], dtype=float)
    no_data = int((~np.isfinite(p)).sum())
    blazar = np.ma.asarray(result["is_blazar"]) if "is_blazar" in result.colnames else np.ma.masked_all(n)
    withheld = int(np.ma.getmaskarray(blazar).sum()) - no_data if "reliable" in result.colnames else 0
    known = ~np.ma.getmaskarray(blazar) & np.isfinite(p)
    yes = int(np.asarray(blazar.filled(False), bool)[known].sum())
    text = f"{n} source(s): {yes} blazar(s), {int(known.sum()) - yes} not"
    if withheld > 0:
        text += f", {withheld} unreliable (label withheld)"
    if no_data:
        text += f", {no_data} without usable data"
    warned = int(sum(bool(str(w)) for w in result["warnings"])) if "warnings" in result.colnames else 0
    if warned:
        text += f"; {warned} with warnings" + (f" (full text in {written})" if written else
                                                 " (full text with -o FILE)")
    return text
