"""Classification: SEDs in, one row per source out (`classify`, `classify_sed`), the rules for
when the model cannot know (`~vo_blazar.classifier.reliability`), the result table
(`ClassificationResult`) and resumable batch runs (`classify_batch`)."""
from .batch import classify_batch, read_positions
from .classification import classify, classify_sed
from .result import ClassificationResult

__all__ = ["classify", "classify_sed", "classify_batch", "read_positions", "ClassificationResult"]
