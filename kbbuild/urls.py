"""Where an entry lives in the static site; the site, the API and the handbook all link through here."""

from __future__ import annotations

# Keep in step with the nav in mkdocs.yml and the pages written by site.py.
TYPE_PAGES = {
    "script": "scripts",
    "process": "processes",
    "forbidden": "forbidden",
    "escalation": "escalations",
    "rule": "rules",
}


def entry_path(type_: str, id_: str) -> str:
    """Site-relative deep link, e.g. 'scripts/#hotline-greeting'."""
    return f"{TYPE_PAGES[type_]}/#{id_}"


def entry_url(type_: str, id_: str, prefix: str = "/") -> str:
    return prefix.rstrip("/") + "/" + entry_path(type_, id_)
