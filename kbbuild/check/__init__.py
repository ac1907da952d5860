"""Forbidden-phrase checking: tier 1 (listed wordings, certain) and tier 2 (classifier, 疑似)."""

from .checker import Checker
from .phrases import PhraseMatcher, speech_fold

__all__ = ["Checker", "PhraseMatcher", "speech_fold"]
