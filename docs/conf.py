# Sphinx configuration for vo_blazar. Build: .venv/bin/sphinx-build -b html docs docs/_build/html
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "vo_blazar"
author = "vo_blazar developers"
copyright = "2026, vo_blazar developers"
from vo_blazar import __version__ as release  # noqa: E402

version = release
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
]
numpydoc_show_class_members = False
autosummary_generate = True
autodoc_typehints = "none"
intersphinx_mapping = {}  # no network at build time
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = ["_static"]
nitpicky = False
