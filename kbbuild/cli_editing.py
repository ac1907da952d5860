"""Editors' tools: `kb schema` (JSON Schemas and the modelines that point editors at them) and `kb new`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from .cli_handbook import Named
from .model import TYPE_LABELS, TYPES
from .schema import modeline, render, schemas, with_modeline
from .settings import get_settings
from .urls import TYPE_PAGES


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the schemas to (default schema/).")
@click.option("--modelines", is_flag=True,
              help="Also make the first line of every YAML file of the KB point at its schema (idempotent).")
@click.argument("kb_dir", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
def schema(out: Path | None, modelines: bool, kb_dir: Path | None) -> None:
    """Write the JSON Schemas of the KB files (completion and inline errors in VS Code)."""
    settings = get_settings()
    out = out or settings.schema_dir
    out.mkdir(parents=True, exist_ok=True)
    for name, body in schemas().items():
        (out / name).write_text(render(body), "utf-8")
        click.echo(out / name)
    if modelines:
        kb_dir = kb_dir or settings.kb_dir
        changed = 0
        for path in sorted(p for p in kb_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
            text = path.read_text("utf-8")
            new = with_modeline(text, modeline(path, kb_dir, out))
            if new != text:
                path.write_text(new, "utf-8")
                changed += 1
        click.echo(f"modelines: {changed} file(s) changed in {kb_dir}", err=True)


@click.command()
@click.argument("type_", metavar="TYPE", type=Named(TYPES, TYPE_LABELS, {"禁语": "forbidden", "规则": "rule"}))
@click.argument("id_", metavar="[ID]", required=False)
@click.option("--write", is_flag=True, help="Write kb/<type folder>/<ID>.yaml instead of printing (needs ID).")
@click.option("--kb-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="The KB folder (default kb/).")
def new(type_: str, id_: str | None, write: bool, kb_dir: Path | None) -> None:
    """Print (or --write) a commented template entry: TYPE is script/话术, process/流程, forbidden/服务禁语,
    escalation/升级路径 or rule/规则与时限."""
    from .entry_template import entry_template
    from .model import ID_PATTERN

    settings = get_settings()
    kb_dir = kb_dir or settings.kb_dir
    if id_ is not None and not re.fullmatch(ID_PATTERN, id_):
        raise click.BadParameter("id 只能用小写字母、数字和单个连字符（hotline-greeting）", param_hint="ID")
    target = kb_dir / TYPE_PAGES[type_] / f"{id_}.yaml"
    text = entry_template(type_, id_, modeline(target, kb_dir, settings.schema_dir))
    if not write:
        click.echo(text, nl=False)
        return
    if id_ is None:
        raise click.UsageError("--write 需要 ID：kb new script my-new-id --write")
    if target.exists():
        click.echo(f"{target} 已存在，没有覆盖", err=True)
        sys.exit(1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")
    click.echo(target)
