from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import audit as audit_store
from graph import awards as award_store
from graph import ledger as ledger_store
from graph import reference
from matchmaker import awards, charts, ledger, rewards, tables
from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError, ValidationError
from matchmaker.extensions import current_policy, graph
from matchmaker import domain_error_response
from matchmaker.incentives import bp, flags
from matchmaker.web import referring_page, year_arg



@bp.route("/")
@roles_required("organizer")
def dashboard():
    policy = current_policy()
    year = year_arg(policy)
    rate_report = ledger.rates(graph(), policy, year, years_back=2)
    award_report = awards.compute(graph(), policy, year, current_user.email, store=False)
    records = graph().read(award_store.awards, year)
    totals: dict[str, int] = {}
    for a in records:
        totals[a["status"]] = totals.get(a["status"], 0) + a["amount_fen"]
    growers = sorted((r for r in award_report["anchors"] if (r["delta_fen"] or 0) > 0),
                     key=lambda r: -r["delta_fen"])[:5]
    chart = charts.rates_vs_targets(rate_report["clusters"], rate_report["targets_pct"],
                                    _("%(year)s年 各产业集群本地配套率", year=year))
    return render_template("incentives/dashboard.html", year=year, rates=rate_report,
                           awards=award_report, records=records,
                           rate_by_anchor={r["anchor"]: r for r in rate_report["anchors"]}, totals=totals, growers=growers,
                           chart=chart, status_text=awards.STATUS_TEXT,
                           other_rules=_other_rules(policy, year),
                           flagged={g["anchor"]: g for g in flags.year_review(graph(), year)})


def _other_rules(policy, year) -> list[str]:
    groups = policy.for_year(year).overlapping_rules
    return sorted({r for g in groups for r in g} - set(awards.COMPUTED_RULES))


@bp.route("/mine")
@roles_required("anchor")
def mine():
    policy = current_policy()
    year = year_arg(policy)
    rate_report = ledger.rates(graph(), policy, year, years_back=4, anchor=current_user.company)
    me = rate_report["anchors"][0] if rate_report["anchors"] else None
    computed = awards.compute(graph(), policy, year, current_user.email, store=False,
                              anchor=current_user.company)
    mine_row = computed["anchors"][0] if computed["anchors"] else None
    chart = None
    if me:
        years = sorted(me["trend"])
        chart = charts.trend(years, [me["trend"][y]["rate_pct"] for y in years],
                             rate_report["targets_pct"], _("本企业本地配套率趋势"))
    return render_template(
        "incentives/mine.html", year=year, me=me, row=mine_row, chart=chart,
        targets=rate_report["targets_pct"],
        records=graph().read(award_store.awards, None, current_user.company),
        purchases=graph().read(ledger_store.purchases_of, current_user.company, year),
        categories=[c for c in graph().read_once(reference.list_categories) if c["parent"]],
        status_text=awards.STATUS_TEXT)


@bp.route("/purchases", methods=["POST"])
@roles_required("anchor")
def add_purchase():
    """One purchase typed in by the anchor's clerk; same validation as an imported row."""
    row = {k: request.form.get(k, "") for k in ledger.PURCHASE_COLUMNS}
    row["anchor_credit_code"] = current_user.company
    year = year_arg(current_policy(), request.form)
    try:
        report = ledger.import_purchases(graph(), [(1, row)], current_user.email,
                                         only_anchor=current_user.company, source="form")
    except ValidationError as e:
        flash("；".join(f"{d['column']}：{d['message']}" for d in e.details) or e.message, "error")
    else:
        flash(_("已保存") if report.created else _("已更正原记录") if report.updated
              else _("该发票已存在，未重复计入"), "success")
    return redirect(url_for("incentives.mine", year=year))


@bp.route("/compute", methods=["POST"])
@roles_required("organizer")
def compute():
    year = year_arg(current_policy(), request.form)
    report = awards.compute(graph(), current_policy(), year, current_user.email)
    flash(_("已重新计算%(year)s年奖励，%(n)s项有变化", year=year, n=report["changes"]), "success")
    return redirect(url_for("incentives.dashboard", year=year))


@bp.route("/awards/<path:key>/decide", methods=["POST"])
@roles_required("organizer")
def decide(key):
    award = awards.decide(graph(), key, request.form.get("decision", ""),
                          request.form.get("comment", ""), current_user.email)
    flash(_("%(what)s：%(name)s %(amount)s", what=awards.STATUS_TEXT[award["status"]],
            name=award["subject_name"], amount=rewards.yuan(award["amount_fen"])), "success")
    return redirect(url_for("incentives.dashboard", year=award["year"]))


@bp.route("/baseline", methods=["POST"])
@roles_required("organizer")
def baseline():
    year = year_arg(current_policy(), request.form)
    try:
        local_fen = ledger.parse_amount_fen(request.form.get("local_yuan", ""), allow_zero=True)
    except ValueError as e:
        raise ValidationError(str(e), field="local_yuan") from e
    awards.confirm_prior_year(graph(), current_policy(), request.form.get("anchor", ""), year, local_fen,
                              current_user.email)
    flash(_("已录入%(year)s年本地采购额并重新计算", year=year), "success")
    return redirect(url_for("incentives.dashboard", year=year + 1))


@bp.route("/other-award", methods=["POST"])
@roles_required("organizer")
def other_award():
    year = year_arg(current_policy(), request.form)
    try:
        amount = ledger.parse_amount_fen(request.form.get("amount_yuan", ""))
    except ValueError as e:
        raise ValidationError(str(e), field="amount_yuan") from e
    awards.add_other_award(graph(), current_policy(), request.form.get("rule", ""),
                           request.form.get("subject", "").strip().upper(), year, amount,
                           request.form.get("note", ""), current_user.email)
    flash(_("已登记，并按就高不就低原则重新计算"), "success")
    return redirect(url_for("incentives.dashboard", year=year))


@bp.route("/flags")
@roles_required("organizer")
def integrity_flags():
    """What looks wrong behind the year's award proposals, with its evidence: for the office's
    review only (anchors never see it); a flag rejects nothing."""
    year = year_arg(current_policy())
    return render_template("incentives/flags.html", year=year,
                           groups=flags.year_review(graph(), year),
                           status_text=awards.STATUS_TEXT)


@bp.route("/flags/<path:key>/review", methods=["POST"])
@roles_required("organizer")
def review_flag(key):
    flag = flags.review(graph(), key, request.form.get("comment", ""), current_user.email)
    flash(_("已记录核查意见：%(name)s", name=flag["anchor_name"]), "success")
    return redirect(url_for("incentives.integrity_flags", year=flag["year"]) + f"#{flag['anchor']}")


@bp.route("/audit")
@roles_required("organizer")
def audit():
    prefix = request.args.get("subject") or None
    return render_template("incentives/audit.html",
                           events=graph().read(audit_store.events, prefix, 500), prefix=prefix)


@bp.route("/export.xlsx")
@roles_required("organizer")
def export():
    policy = current_policy()
    year = year_arg(policy)
    rate_report = ledger.rates(graph(), policy, year)
    records = graph().read(award_store.awards, year)
    pct = "本地配套率(%)"
    yuan = rewards.yuan_decimal
    data = tables.write_xlsx({
        "产业集群": (["集群", "名称", "本地采购(元)", "采购总额(元)", pct, "达到一期目标",
                   "达到二期目标"],
                 [[r["cluster"], r["name"], yuan(r["local_fen"]), yuan(r["total_fen"]),
                   r["rate_pct"], r["meets_phase1"], r["meets_phase2"]]
                  for r in rate_report["clusters"]]),
        "主机企业": (["统一社会信用代码", "企业", "集群", "本地采购(元)", "采购总额(元)", pct],
                 [[r["anchor"], r["name"], ",".join(r["clusters"]), yuan(r["local_fen"]),
                   yuan(r["total_fen"]), r["rate_pct"]] for r in rate_report["anchors"]]),
        "奖励": (["编号", "规则", "对象", "年度", "类型", "金额(元)", "状态", "理由", "审定人",
                "意见"],
               [[a["key"], a["rule"], a["subject_name"], a["year"], a["kind"],
                 yuan(a["amount_fen"]), awards.STATUS_TEXT.get(a["status"], a["status"]),
                 a["reason_text"], a["decided_by"], a["comment"]] for a in records]),
    })
    return Response(data, headers={
        "Content-Disposition": f"attachment; filename=rates-awards-{year}.xlsx",
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


@bp.errorhandler(DomainError)
def domain_error(e: DomainError):
    """Form posts come back to the page they came from with the message, not an error page;
    refused access and bad page addresses get the site's answer."""
    if request.method != "POST" or e.status not in (400, 409):
        return domain_error_response(e)
    flash(e.message, "error")
    return redirect(referring_page(url_for("main.home")))
