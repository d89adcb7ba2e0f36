"""Maintainer commands, run from a source checkout (``python -m tools.<command>``).

They rebuild what the package ships (snapshot, labels, grids, the data report, the worked
examples) from the raw catalogue files in ``../shared/data``. They are not installed with the
package, and they never delete a shipped model.
"""
