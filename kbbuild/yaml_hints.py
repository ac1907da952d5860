"""One plain-words message per YAML syntax error, at the line where the editor must look."""

from __future__ import annotations

import yaml

from .messages import Msg, msg


def explain(exc: yaml.MarkedYAMLError) -> tuple[int, Msg]:
    """(1-based line, message) for a PyYAML error; PyYAML's own words are parser jargon (simple key,
    block end), so the common mistakes get a hint: a tab, a missing or extra colon, a list item out of
    line, an unclosed quote or bracket."""
    problem, context = exc.problem or "", exc.context or ""
    at = exc.problem_mark or exc.context_mark
    line = at.line + 1 if at else 1
    start = exc.context_mark.line + 1 if exc.context_mark else line  # where the unclosed thing began
    if problem.startswith("aliases (*name)"):
        return line, msg("yaml_alias")
    if problem.startswith("nested more than"):
        return line, msg("yaml_deep", depth=problem.split()[3])
    if "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "?"
        if char == "\\t":
            return line, msg("yaml_tab")
        return line, msg("yaml_start_char", char=char)
    if "expected a single document" in context:
        return line, msg("yaml_two_documents")
    if "could not find expected ':'" in problem:
        return start, msg("yaml_colon_missing")
    if "mapping values are not allowed" in problem:
        return line, msg("yaml_colon_extra")
    if "quoted scalar" in context:
        return start, msg("yaml_quote")
    if "flow sequence" in context or "flow mapping" in context:
        return start, msg("yaml_bracket")
    if "block sequence start" in problem or "expected '-' indicator" in problem:
        return line, msg("yaml_list_indent")
    if "expected <block end>" in problem or "expected key" in problem:
        return line, msg("yaml_indent")
    return line, msg("yaml_other", detail=" ".join(filter(None, [context, problem])))
