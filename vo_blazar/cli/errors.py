"""How a ``vo-blazar`` verb's outcome becomes an exit status and what it prints on failure.

A user's mistake (a `~vo_blazar.exceptions.VOBlazarError`: bad coordinates, unknown names or
catalogues, unwritable outputs) prints one line ``vo-blazar <verb>: error: ...`` and exits with
`EXIT_USER_ERROR`; so does a verb that needs the ``train`` extra when it is not installed. Anything
else is a bug and shows its traceback. Verbs return their own status otherwise (e.g. 3 when no row
got photometry because catalogues failed).
"""
from __future__ import annotations

import argparse
import sys

from ..exceptions import VOBlazarError

__all__ = ["EXIT_USER_ERROR", "TRAIN_MODULES", "run_verb"]

#: Exit status of a user's mistake (argparse uses it too, for options it cannot parse).
EXIT_USER_ERROR = 2

#: What only the ``train`` extra installs (``vo-blazar train``, the reports): a missing one is a
#: one-line hint, not a traceback.
TRAIN_MODULES = frozenset({"tensorflow", "keras", "sklearn", "h5py", "tf2onnx", "onnx"})


def run_verb(args: argparse.Namespace, verb: str) -> int:
    """Call ``args.func(args)`` and turn its outcome into an exit status.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options; ``args.func`` is the verb's function (set with ``set_defaults``).
    verb : str
        The verb's name, for the error line.
    """
    try:
        return int(args.func(args) or 0)
    except VOBlazarError as exc:
        print(f"vo-blazar {verb}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in TRAIN_MODULES:
            raise
        print(f"vo-blazar {verb}: error: this needs the train extra ({exc.name} is not installed): "
              "pip install 'vo_blazar[train]'", file=sys.stderr)
        return EXIT_USER_ERROR
