"""Retrain and ship the classifier ensembles, their model cards and the docs page.

    python -m tools.train_models --docs docs              # both variants, 10 folds (what is shipped)
    python -m tools.train_models --variant gamma --folds 5 --out /tmp/models

Same options as ``vo-blazar train`` (see ``vo_blazar.cli.train``).
"""
import sys

from vo_blazar.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
