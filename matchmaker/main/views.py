from flask import render_template
from flask_login import current_user, login_required

from graph import companies as company_store
from matchmaker import notifications
from matchmaker.auth.access import company_approved
from matchmaker.extensions import current_policy, db
from matchmaker.main import bp, cockpit
from matchmaker.web import chart_download


@bp.route("/")
def home():
    """Visitors see what the platform is; each signed-in role its cockpit."""
    if not current_user.is_authenticated:
        return render_template("main/landing.html", figures=cockpit.public_figures(db()))
    company = db().read(company_store.get_company, current_user.company) \
        if current_user.company else None
    if not company_approved(current_user):
        return render_template("main/home.html", company=company, board=None)
    policy = current_policy()
    if current_user.is_organizer:
        board = cockpit.office(db(), policy)
    elif current_user.role == "anchor":
        board = cockpit.anchor(db(), policy, current_user.company)
    elif current_user.role == "supplier":
        board = cockpit.supplier(db(), current_user.company)
    else:
        board = None
    download = chart_download(board and board.get("chart"))
    if download:
        return download
    return render_template("main/home.html", company=company, board=board)


@bp.route("/notifications")
@login_required
def inbox():
    """Newest first; opening the page marks them read."""
    items = notifications.inbox(db(), current_user)
    notifications.mark_read(db(), current_user, [n["id"] for n in items if not n["read"]])
    return render_template("main/notifications.html", items=items,
                           sentence=notifications.sentence)
