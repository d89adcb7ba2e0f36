"""Retrain and ship the classifier ensembles, their model cards and the docs page.

    python scripts/train_models.py --docs docs              # both variants, 10 folds (what is shipped)
    python scripts/train_models.py --variant gamma --folds 5 --out /tmp/models

Same options as ``vo-blazar train`` (see ``vo_blazar.training.command``).
"""
import sys

from vo_blazar.training.command import main

if __name__ == "__main__":
    sys.exit(main())
