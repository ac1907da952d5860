"""Serve a published build: search, entries, suggestions, the forbidden-phrase checker, site and widget."""
