"""`matchmaker reference …`: the office's edits from the command line, audited as actor "cli"."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from graph import reference
from matchmaker.errors import DomainError
from matchmaker.extensions import current_policy
from matchmaker.reference import bp
from matchmaker.reference import edits, seeds

bp.cli.help = "Add, rename, alias, merge or retire parks, clusters and categories."
KIND = click.argument("kind", type=click.Choice(edits.KINDS))
ACTOR = "cli"


def _graph():
    return current_app.extensions["graph"]


def _run(change) -> None:
    try:
        change()
    except DomainError as e:
        raise click.ClickException(e.message) from e


@bp.cli.command("import")
@KIND
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_items(kind, file):
    """Add the items of a CSV in the seed files' format (code,name,…) whose codes are new."""
    rows = seeds.read_rows(kind, Path(file).read_text(encoding="utf-8-sig"))
    known = {r["code"] for r in _graph().read(reference.LISTS[kind], True)}
    for row in (r for r in rows if r["code"] not in known):
        fields = {**row, "aliases": "、".join(row["aliases"])}
        _run(lambda: edits.add(_graph(), kind, fields, ACTOR, current_policy().region))
        click.echo(f"added {row['code']} {row['name']}")


@bp.cli.command("rename")
@KIND
@click.argument("code")
@click.argument("name")
def rename(kind, code, name):
    """Rename an item; the old name stays as an alias."""
    _run(lambda: edits.rename(_graph(), kind, code.upper(), {"name": name}, ACTOR))


@bp.cli.command("alias")
@KIND
@click.argument("code")
@click.argument("aliases")
def alias(kind, code, aliases):
    """Replace an item's aliases (separated by 、 or |)."""
    _run(lambda: edits.set_aliases(_graph(), kind, code.upper(), aliases, ACTOR))


@bp.cli.command("merge")
@KIND
@click.argument("code")
@click.argument("into")
def merge(kind, code, into):
    """Move every record of CODE to INTO, which keeps CODE as an alias."""
    _run(lambda: click.echo(
        f"moved {edits.merge(_graph(), kind, code.upper(), into.upper(), ACTOR)} records"))


@bp.cli.command("retire")
@KIND
@click.argument("code")
def retire(kind, code):
    """Hide an item from new records; the records that have it keep it."""
    _run(lambda: edits.retire(_graph(), kind, code.upper(), ACTOR))
