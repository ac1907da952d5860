"""Mask what may identify a customer (phone, ID-card, account and other long numbers) before text is stored."""

from __future__ import annotations

import re

# The digits themselves are folded first (full width → ASCII), so １３８… is caught like 138….
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")
# An 18-character ID-card number (the last may be X) or a 15-digit old one; then any run of 5 or more
# digits, also when written with spaces or dashes between groups (138 1234 5678, 6222-0210-…).
# Account numbers are runs of digits too, so the last pattern covers them; letters before digits
# (a broadband account like ad12345678) are masked with the digits.
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_GROUPED = re.compile(r"[A-Za-z]{0,4}\d(?:[\d\s\-]{0,40}\d)?")
MASK = "*"
MIN_DIGITS = 5


def _mask_run(m: re.Match[str]) -> str:
    run = m.group()
    if sum(c.isdigit() for c in run) < MIN_DIGITS:
        return run
    return MASK * len(run.rstrip()) + run[len(run.rstrip()):]


_ANY_DIGIT = re.compile(r"[0-9０-９]")


def mask(text: str) -> str:
    """`text` with every ID-card, phone, account or other number of 5+ digits replaced by *."""
    if not _ANY_DIGIT.search(text):  # most queries: nothing to mask, and the search log does it per line
        return text
    folded = text.translate(_FULLWIDTH)
    folded = _ID_CARD.sub(lambda m: MASK * len(m.group()), folded)
    return _GROUPED.sub(_mask_run, folded)
