"""`kb handbook`: print the KB (or one channel or type of it) as an A4 PDF."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli_common import require_clean
from .model import CHANNEL_LABELS, CHANNELS, TYPE_LABELS, TYPES
from .operators import doc_operators, profiles
from .settings import get_settings


class Named(click.Choice):
    """A choice of codes that also takes their Chinese names (营业厅 → hall, 话术 → script)."""

    def __init__(self, codes: tuple[str, ...], names: dict[str, str], aliases: dict[str, str] | None = None) -> None:
        self.by_name = {v: k for k, v in names.items()} | (aliases or {})
        super().__init__([*codes, *self.by_name])

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        value = super().convert(value, param, ctx)
        return self.by_name.get(str(value), str(value))


@click.command()
@click.option("--channel", type=Named(CHANNELS, CHANNEL_LABELS, {"热线电话": "hotline", "上门服务": "field"}),
              default=None, help="Only entries for this channel: hotline/热线, hall/营业厅, field/上门, online/在线.")
@click.option("--type", "type_", type=Named(TYPES, TYPE_LABELS, {"禁语": "forbidden", "规则": "rule", "时限": "rule"}),
              default=None, help="Only entries of this type: script/话术, process/流程, forbidden/服务禁语, "
                                 "escalation/升级路径, rule/规则与时限.")
@click.option("--operator", default=None,
              help="Only this operator's norms plus the general ones (中国移动, 中国电信, 中国联通); "
                   "default KB_OPERATOR, else every operator's.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF to write (default build/handbook-<channel or all>.pdf); the HTML goes beside it.")
@click.argument("kb_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def handbook(channel: str | None, type_: str | None, operator: str | None, out: Path | None,
             kb_dir: Path | None) -> None:
    """Render the printable handbook (PDF with cover, contents and page numbers)."""
    from .build import kb_hash
    from .handbook import HandbookError, make_handbook

    settings = get_settings()
    kb = require_clean(kb_dir, "handbook not made")
    operator = operator or settings.operator
    known = profiles(doc_operators(kb.sources))
    if operator is not None and operator not in known:
        raise click.BadParameter(f"unknown operator {operator!r}; choose one of {', '.join(known)}",
                                 param_hint="--operator")
    if out is None:
        name = f"handbook-{channel or 'all'}" + (f"-{type_}" if type_ else "") + (f"-{operator}" if operator else "")
        out = settings.build_dir / f"{name}.pdf"
    start = time.perf_counter()
    try:
        result = make_handbook([loc.entry for loc in kb.entries], kb.sources, out.parent,
                               kb_version=kb_hash(kb), channel=channel, type_=type_, basename=out.stem,
                               operator=operator)
    except HandbookError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{result.pdf}: {result.pages} pages, {result.entries} entries "
               f"in {time.perf_counter() - start:.1f} s")
