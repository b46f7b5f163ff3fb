from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import fairs as fair_store
from graph import reference
from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError, Forbidden
from matchmaker.extensions import current_policy, db
from matchmaker.fairs import (bp, followup, meetings, proposals, report, setup, standby,
                             timetable)
from matchmaker.fairs.forms import FairForm
from matchmaker.i18n import _l
from matchmaker.money import yuan_decimal
from matchmaker.web import domain_error_response, flash_refusals, safe_next, xlsx_response

PARTICIPANTS = ("anchor", "supplier", "organizer")
RECONCILIATION_TEXT = {"fulfilled": _l("已兑现"), "partly": _l("部分兑现"), "not_yet": _l("尚未兑现")}


def _texts():
    return {"preference_text": meetings.PREFERENCE_TEXT, "status_text": meetings.STATUS_TEXT,
            "outcome_text": meetings.OUTCOME_TEXT, "fair_status_text": setup.FAIR_STATUS_TEXT}


def _back_to() -> str:
    """Where a form post goes back to: the page it names (`next`), else its fair's page (the
    follow-up page for follow-up answers)."""
    fair_id = request.view_args.get("fair_id")
    return safe_next(request.form.get("next"), url_for("fairs.show", fair_id=fair_id)
                     if fair_id else url_for("fairs.follow_ups"))


def _back(fair_id):
    return redirect(_back_to())


# Every refusal of a participant's or the organizer's action is flashed on the page it came from.
flash_refusals(bp, _back_to)


@bp.route("/")
@roles_required(*PARTICIPANTS)
def index():
    return render_template("fairs/index.html", fairs=db().read(fair_store.list_fairs), **_texts())


@bp.route("/new", methods=["GET", "POST"])
@roles_required("organizer")
def new():
    form = FairForm(data=setup.default_form() if request.method == "GET" else None)
    form.cluster.choices = [("", _("全部产业集群"))] + [
        (c["code"], c["name"]) for c in db().read_once(reference.list_clusters)]
    if form.validate_on_submit():
        clusters = {c["code"] for c in db().read_once(reference.list_clusters)}
        try:
            fair_id = setup.create(db(), form.data, clusters, current_user.email)
        except DomainError as e:
            getattr(form, e.field or "name", form.name).errors.append(e.message)
        else:
            flash(_("洽谈会已创建，企业现在可以报名"), "success")
            return redirect(url_for("fairs.show", fair_id=fair_id))
    return render_template("fairs/new.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/<fair_id>")
@roles_required(*PARTICIPANTS)
def show(fair_id):
    fair = setup.get(db(), fair_id)
    regs = db().read(fair_store.registrations, fair_id)
    if current_user.is_organizer:
        return render_template("fairs/organize.html", fair=fair, registrations=regs,
                               meetings=db().read(fair_store.meetings, fair_id),
                               outcomes=meetings.outcomes(db(), fair_id), **_texts())
    mine = next((r for r in regs if r["company"] == current_user.company), None)
    pairs = db().read(fair_store.meetings, fair_id, current_user.company) if mine else []
    side = "anchor" if current_user.role == "anchor" else "supplier"
    agenda = (timetable.agenda(db(), fair, current_user.company)
              if mine and fair["status"] == "published" else [])
    return render_template("fairs/participate.html", fair=fair, registration=mine,
                           meetings=pairs, side=side,
                           other="supplier" if side == "anchor" else "anchor", agenda=agenda,
                           **_texts())


@bp.route("/<fair_id>/register", methods=["POST"])
@roles_required("anchor", "supplier")
def register(fair_id):
    added = proposals.register(db(), fair_id, current_user, request.form.getlist("available"))
    flash(_("报名成功，已为您推荐 %(n)s 个洽谈对象", n=added), "success")
    return redirect(url_for("fairs.show", fair_id=fair_id))


@bp.route("/<fair_id>/meetings/<path:key>/preference", methods=["POST"])
@roles_required("anchor", "supplier")
def preference(fair_id, key):
    meetings.set_preference(db(), key, current_user, request.form.get("preference"))
    flash(_("已记录您的意向"), "success")
    return _back(fair_id)


@bp.route("/<fair_id>/meetings/<path:key>/request", methods=["POST"])
@roles_required("anchor", "supplier")
def send_request(fair_id, key):
    meetings.send_request(db(), key, current_user)
    flash(_("邀约已发出，等待对方确认"), "success")
    return _back(fair_id)


@bp.route("/<fair_id>/meetings/<path:key>/answer", methods=["POST"])
@roles_required("anchor", "supplier")
def answer(fair_id, key):
    accept = request.form.get("accept") == "1"
    meetings.answer_request(db(), key, current_user, accept)
    flash(_("已接受邀约") if accept else _("已婉拒邀约"), "success")
    return _back(fair_id)


@bp.route("/<fair_id>/schedule", methods=["POST"])
@roles_required("organizer")
def schedule(fair_id):
    report = timetable.run_scheduler(db(), fair_id, current_app.config["FAIR_SOLVER_SECONDS"],
                                     current_policy())
    flash(_("排程完成：%(n)s / %(m)s 场会谈已安排", n=report["scheduled"],
            m=report["requested"]), "success")
    return redirect(url_for("fairs.show", fair_id=fair_id))


@bp.route("/<fair_id>/standby", methods=["POST"])
@roles_required("organizer")
def fill_standby(fair_id):
    result = standby.fill(db(), fair_id, time_limit=current_app.config["FAIR_SOLVER_SECONDS"])
    flash(_("已释放 %(f)s 场未到场会谈的时段，安排了 %(n)s 场候补会谈，双方已收到通知",
            f=result["freed"], n=result["placed"]), "success")
    return redirect(url_for("fairs.show", fair_id=fair_id))


@bp.route("/<fair_id>/publish", methods=["POST"])
@roles_required("organizer")
def publish(fair_id):
    count = timetable.publish(db(), fair_id)
    flash(_("日程已发布（%(n)s 场会谈），参会企业可查看并下载日程", n=count), "success")
    return redirect(url_for("fairs.show", fair_id=fair_id))


@bp.route("/<fair_id>/agenda")
@roles_required("anchor", "supplier")
def agenda(fair_id):
    fair = setup.get(db(), fair_id)
    return render_template("fairs/agenda.html", fair=fair,
                           rows=timetable.agenda(db(), fair, current_user.company))


@bp.route("/<fair_id>/agenda.ics")
@roles_required("anchor", "supplier")
def agenda_ics(fair_id):
    fair = setup.get(db(), fair_id)
    body = timetable.agenda_ics(fair, timetable.agenda(db(), fair, current_user.company),
                              current_user.company_name or "")
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f"attachment; filename=agenda-{fair_id}.ics"})


@bp.route("/<fair_id>/tables")
@roles_required("organizer")
def table_plan(fair_id):
    fair = setup.get(db(), fair_id)
    return render_template("fairs/tables.html", fair=fair,
                           plan=timetable.table_plan(db(), fair))


@bp.route("/<fair_id>/export.xlsx")
@roles_required("organizer")
def export(fair_id):
    fair = setup.get(db(), fair_id)
    rows = [[s["day"], s["start"], s["end"], n + 1, m["anchor_name"], m["supplier_name"],
             m.get("need_title") or "", str(meetings.OUTCOME_TEXT.get(m.get("outcome"), "")),
             yuan_decimal(m["amount_fen"]) if m.get("amount_fen") else ""]
            for s in timetable.table_plan(db(), fair) for n, m in enumerate(s["tables"]) if m]
    return xlsx_response({_("日程"): ([_("日期"), _("开始"), _("结束"), _("桌号"), _("主机企业"),
                                     _("配套企业"), _("需求"), _("结果"), _("合同金额（元）")],
                                    rows)}, f"fair-{fair_id}.xlsx")


@bp.route("/follow-ups")
@roles_required("anchor", "supplier")
def follow_ups():
    return render_template("fairs/follow_ups.html",
                           questions=followup.questions(db(), current_user.company),
                           follow_up_text=followup.STATUS_TEXT, **_texts())


@bp.route("/follow-ups/<path:key>", methods=["POST"])
@roles_required("anchor", "supplier")
def answer_follow_up(key):
    followup.answer(db(), current_user, key, request.form.get("round", type=int),
                    request.form.get("status"), request.form.get("note"))
    flash(_("已保存，谢谢反馈"), "success")
    return redirect(url_for("fairs.follow_ups"))


@bp.route("/reports")
@roles_required("organizer")
def reports():
    return render_template("fairs/reports.html",
                           rows=report.compare(db(), current_policy()))


@bp.route("/<fair_id>/report")
@roles_required("organizer")
def fair_report(fair_id):
    return render_template("fairs/report.html",
                           r=report.fair_report(db(), current_policy(), fair_id),
                           reconciliation_text=RECONCILIATION_TEXT,
                           follow_up_text=followup.STATUS_TEXT, **_texts())


@bp.route("/<fair_id>/report.xlsx")
@roles_required("organizer")
def fair_report_xlsx(fair_id):
    r = report.fair_report(db(), current_policy(), fair_id)
    money = yuan_decimal
    pairs = [[p["anchor_name"], p["supplier_name"], _("是") if p["pair"].local else _("否"),
              str(meetings.OUTCOME_TEXT[p["pair"].outcome]), money(p["before_fen"]),
              money(p["after_fen"]), money(p["change_fen"]),
              _("是") if p["new_relationship"] else _("否"),
              money(p["pair"].expected_fen) if p["pair"].expected_fen else "",
              str(RECONCILIATION_TEXT[p["reconciliation"]]) if p["reconciliation"] else "",
              p["rate_points"] if p["rate_points"] is not None else "",
              money(p["award_share_fen"])] for p in r["pairs"]]
    clusters = [[c["name"], c["before_pct"], c["after_pct"], c["change_pts"]]
                for c in r["clusters"]]
    return xlsx_response({
        _("会谈跟踪"): ([_("主机企业"), _("配套企业"), _("本地企业"), _("洽谈结果"),
                      _("会前12个月采购（元）"), _("会后12个月采购（元）"), _("变化（元）"),
                      _("新建配套关系"), _("预计采购（元）"), _("兑现情况"),
                      _("占本地配套率（百分点）"), _("对应奖励（元）")], pairs),
        _("产业链配套率"): ([_("产业链"), _("会前配套率（%）"), _("会后配套率（%）"),
                        _("变化（百分点）")], clusters)}, f"fair-report-{fair_id}.xlsx")


@bp.route("/<fair_id>/checkin/<company>", methods=["POST"])
@roles_required("organizer")
def check_in(fair_id, company):
    present = request.form.get("present") == "1"
    meetings.check_in(db(), fair_id, company, present)
    flash(_("已签到") if present else _("已撤销签到"), "success")
    return _back(fair_id)


@bp.route("/<fair_id>/meetings/<path:key>/outcome", methods=["POST"])
@roles_required(*PARTICIPANTS)
def outcome(fair_id, key):
    meetings.record_outcome(db(), key, current_user, request.form)
    flash(_("洽谈结果已登记"), "success")
    return _back(fair_id)


@bp.route("/<fair_id>/meetings/<path:key>/expected-purchase", methods=["POST"])
@roles_required("organizer")
def expected_purchase(fair_id, key):
    if not key.startswith(fair_id + "|"):  # an address that does not fit together: no flash
        return domain_error_response(Forbidden(_("会谈不属于该洽谈会")))
    meetings.to_expected_purchase(db(), key, current_user.email)
    flash(_("已转为预计采购"), "success")
    return _back(fair_id)
