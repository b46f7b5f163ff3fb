from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import audit as audit_store
from graph import companies as company_store
from graph import ledger as ledger_store
from graph import reference
from matchmaker import charts
from matchmaker.auth.access import roles_required
from matchmaker.errors import ValidationError
from matchmaker.extensions import current_policy, db
from matchmaker.i18n import _l
from matchmaker.imports import purchases as ledger
from matchmaker.incentives import bp, flags
from matchmaker.incentives import rates, rules as rewards
from matchmaker.incentives import service as awards
from matchmaker.money import parse_amount_fen, yuan, yuan_decimal
from matchmaker.web import (chart_download, flash_refusals, referring_page, xlsx_response,
                            year_arg)

# Form posts that a service refuses come back to the page they came from with the message.
flash_refusals(bp, lambda: referring_page(url_for("main.home")), statuses=(400, 409))


@bp.route("/")
@roles_required("organizer")
def dashboard():
    policy = current_policy()
    year = year_arg()
    rate_report = rates.report(db(), policy, year, years_back=2)
    award_report = awards.compute(db(), policy, year, current_user.email, store=False)
    records = awards.records(db(), year)
    totals: dict[str, int] = {}
    for a in records:
        totals[a["status"]] = totals.get(a["status"], 0) + a["amount_fen"]
    growers = sorted((r for r in award_report["anchors"] if (r["delta_fen"] or 0) > 0),
                     key=lambda r: -r["delta_fen"])[:5]
    chart = charts.rates_vs_targets("cluster-rates", rate_report["clusters"],
                                    rate_report["targets_pct"],
                                    _("%(year)s年 各产业集群本地配套率", year=year))
    award_chart = charts.amounts("awards-by-status", _("%(year)s年 奖励金额（按状态）", year=year),
                                 [(str(awards.STATUS_TEXT.get(k, k)), v, _AWARD_COLOR.get(k))
                                  for k, v in sorted(totals.items())])
    download = chart_download(chart, award_chart)
    if download:
        return download
    return render_template("incentives/dashboard.html", year=year, rates=rate_report,
                           awards=award_report, records=records,
                           rate_by_anchor={r["anchor"]: r for r in rate_report["anchors"]}, totals=totals, growers=growers,
                           chart=chart, award_chart=award_chart if totals else None,
                           status_text=awards.STATUS_TEXT, rule_names=RULE_NAMES,
                           other_rules=_other_rules(policy, year),
                           flagged={g["anchor"]: g for g in flags.year_review(db(), year)})


# Rules by name (the ids stay in machine exports and the API).
RULE_NAMES = {rewards.INCREMENT: _l("采购增量奖励"), rewards.PARK_OUTPUT: _l("园区配套产值奖励")}
SUPPLIER_CHOICES = 5000   # the purchase form's supplier picker (approved suppliers by name)

# Approved awards are paid (green); proposals await the office (amber); the rest are grey.
_AWARD_COLOR = {rewards.APPROVED: charts.MET, rewards.PROPOSED: charts.PARTLY}


def _other_rules(policy, year) -> list[str]:
    groups = policy.for_year(year).overlapping_rules
    return sorted({r for g in groups for r in g} - set(awards.COMPUTED_RULES))


@bp.route("/mine")
@roles_required("anchor")
def mine():
    return _mine_page(year_arg())


def _mine_page(year: int, entered: dict | None = None, status: int = 200):
    """The anchor's rate, awards and purchases; `entered`: a purchase that failed to save,
    shown again in the form with its errors."""
    policy = current_policy()
    rate_report = rates.report(db(), policy, year, years_back=4, anchor=current_user.company)
    me = rate_report["anchors"][0] if rate_report["anchors"] else None
    computed = awards.compute(db(), policy, year, current_user.email, store=False,
                              anchor=current_user.company)
    mine_row = computed["anchors"][0] if computed["anchors"] else None
    chart = charts.anchor_trend(me, rate_report["targets_pct"])
    download = chart_download(chart)
    if download:
        return download
    categories = [c for c in db().read_once(reference.list_categories) if c["parent"]]
    return render_template(
        "incentives/mine.html", year=year, me=me, row=mine_row, chart=chart,
        targets=rate_report["targets_pct"],
        records=awards.records(db(), None, current_user.company),
        purchases=db().read(ledger_store.purchases_of, current_user.company, year),
        categories=categories, category_names={c["code"]: c["name"] for c in categories},
        suppliers=db().read(company_store.list_companies, role="supplier",
                            status="approved", limit=SUPPLIER_CHOICES),
        entered=entered or {}, status_text=awards.STATUS_TEXT, rule_names=RULE_NAMES), status


@bp.route("/purchases", methods=["POST"])
@roles_required("anchor")
def add_purchase():
    """One purchase typed in by the anchor's clerk; same validation as an imported row. A
    failed save shows the form again with what was typed."""
    row = {k: request.form.get(k, "").strip() for k in ledger.PURCHASE_COLUMNS}
    row["anchor_credit_code"] = current_user.company
    row["supplier_credit_code"] = _supplier_code(row["supplier_credit_code"])
    year = year_arg(request.form)
    try:
        report = ledger.import_purchases(db(), [(1, row)], current_user.email,
                                         only_anchor=current_user.company, source="form")
    except ValidationError as e:
        flash("；".join(f"{d['column']}：{d['message']}" for d in e.details) or e.message, "error")
        return _mine_page(year, entered=row, status=400)
    flash(_("已保存") if report.created else _("已更正原记录") if report.updated
          else _("该发票已存在，未重复计入"), "success")
    return redirect(url_for("incentives.mine", year=year))


def _supplier_code(text: str) -> str:
    """The picker sends a credit code; a typed name of one approved supplier counts as its
    code (anything else goes to validation as typed, which names the field)."""
    if len(text) == 18 or not text:
        return text
    found = db().read(company_store.list_companies, role="supplier", status="approved",
                      search=text, limit=2)
    exact = [c for c in found if c["name"] == text]
    return (exact or found)[0]["credit_code"] if len(exact) == 1 or len(found) == 1 else text


@bp.route("/compute", methods=["POST"])
@roles_required("organizer")
def compute():
    year = year_arg(request.form)
    report = awards.compute(db(), current_policy(), year, current_user.email)
    flash(_("已重新计算%(year)s年奖励，%(n)s项有变化", year=year, n=report["changes"]), "success")
    return redirect(url_for("incentives.dashboard", year=year))


@bp.route("/awards/<path:key>/decide", methods=["POST"])
@roles_required("organizer")
def decide(key):
    award = awards.decide(db(), key, request.form.get("decision", ""),
                          request.form.get("comment", ""), current_user.email)
    flash(_("%(what)s：%(name)s %(amount)s", what=awards.STATUS_TEXT[award["status"]],
            name=award["subject_name"], amount=yuan(award["amount_fen"])), "success")
    return redirect(url_for("incentives.dashboard", year=award["year"]))


@bp.route("/baseline", methods=["POST"])
@roles_required("organizer")
def baseline():
    year = year_arg(request.form)
    try:
        local_fen = parse_amount_fen(request.form.get("local_yuan", ""), allow_zero=True)
    except ValueError as e:
        raise ValidationError(str(e), field="local_yuan") from e
    awards.confirm_prior_year(db(), current_policy(), request.form.get("anchor", ""), year, local_fen,
                              current_user.email)
    flash(_("已录入%(year)s年本地采购额并重新计算", year=year), "success")
    return redirect(url_for("incentives.dashboard", year=year + 1))


@bp.route("/other-award", methods=["POST"])
@roles_required("organizer")
def other_award():
    year = year_arg(request.form)
    try:
        amount = parse_amount_fen(request.form.get("amount_yuan", ""))
    except ValueError as e:
        raise ValidationError(str(e), field="amount_yuan") from e
    awards.add_other_award(db(), current_policy(), request.form.get("rule", ""),
                           request.form.get("subject", "").strip().upper(), year, amount,
                           request.form.get("note", ""), current_user.email)
    flash(_("已登记，并按就高不就低原则重新计算"), "success")
    return redirect(url_for("incentives.dashboard", year=year))


@bp.route("/flags")
@roles_required("organizer")
def integrity_flags():
    """What looks wrong behind the year's award proposals, with its evidence: for the office's
    review only (anchors never see it); a flag rejects nothing."""
    year = year_arg()
    return render_template("incentives/flags.html", year=year,
                           groups=flags.year_review(db(), year),
                           status_text=awards.STATUS_TEXT)


@bp.route("/flags/<path:key>/review", methods=["POST"])
@roles_required("organizer")
def review_flag(key):
    flag = flags.review(db(), key, request.form.get("comment", ""), current_user.email)
    flash(_("已记录核查意见：%(name)s", name=flag["anchor_name"]), "success")
    return redirect(url_for("incentives.integrity_flags", year=flag["year"]) + f"#{flag['anchor']}")


@bp.route("/audit")
@roles_required("organizer")
def audit():
    prefix = request.args.get("subject") or None
    return render_template("incentives/audit.html",
                           events=db().read(audit_store.events, prefix, 500), prefix=prefix)


@bp.route("/export.xlsx")
@roles_required("organizer")
def export():
    policy = current_policy()
    year = year_arg()
    rate_report = rates.report(db(), policy, year)
    records = awards.records(db(), year)
    pct, local, total = _("本地配套率(%)"), _("本地采购(元)"), _("采购总额(元)")
    return xlsx_response({
        _("产业集群"): ([_("集群"), _("名称"), local, total, pct, _("达到一期目标"),
                     _("达到二期目标")],
                 [[r["cluster"], r["name"], yuan_decimal(r["local_fen"]),
                   yuan_decimal(r["total_fen"]), r["rate_pct"], r["meets_phase1"],
                   r["meets_phase2"]] for r in rate_report["clusters"]]),
        _("主机企业"): ([_("统一社会信用代码"), _("企业"), _("集群"), local, total, pct],
                 [[r["anchor"], r["name"], ",".join(r["clusters"]), yuan_decimal(r["local_fen"]),
                   yuan_decimal(r["total_fen"]), r["rate_pct"]] for r in rate_report["anchors"]]),
        _("奖励"): ([_("编号"), _("规则"), _("对象"), _("年度"), _("类型"), _("金额(元)"), _("状态"),
                   _("理由"), _("审定人"), _("意见")],
               [[a["key"], a["rule"], a["subject_name"], a["year"], a["kind"],
                 yuan_decimal(a["amount_fen"]), awards.STATUS_TEXT.get(a["status"], a["status"]),
                 a["reason_text"], a["decided_by"], a["comment"]] for a in records]),
    }, f"rates-awards-{year}.xlsx")
