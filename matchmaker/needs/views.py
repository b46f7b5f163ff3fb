from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from graph import catalog, reference
from matchmaker.auth.access import roles_required
from matchmaker.errors import DomainError
from matchmaker.extensions import graph
from matchmaker.matching import service
from matchmaker.matching.ranking import Filters
from matchmaker.needs import bp
from matchmaker.needs.forms import NeedForm


@bp.route("/")
@roles_required("anchor")
def index():
    needs = graph().read(catalog.needs_of, current_user.company) if current_user.company else []
    return render_template("needs/index.html", needs=needs)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("anchor")
def new():
    form = NeedForm()
    form.category.choices = [("", "—")] + [
        (c["code"], c["name"]) for c in graph().read(reference.list_categories) if c["parent"]]
    if form.validate_on_submit():
        try:
            need_id = service.save_need(graph(), current_app.config["EMBEDDING_MODEL"],
                                        current_user.company, {k: v for k, v in form.data.items()
                                                               if k != "csrf_token"})
        except DomainError as e:
            getattr(form, e.field or "title", form.title).errors.append(e.message)
        else:
            return redirect(url_for("needs.show", need_id=need_id))
    return render_template("needs/new.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/<need_id>")
@roles_required("anchor", "organizer")
def show(need_id):
    filters = Filters(local_only=request.args.get("local") == "1",
                      required_certs=[c for c in request.args.getlist("cert") if c])
    result = service.match_need(graph(), need_id, current_user, filters)
    return render_template("needs/show.html", need=result["need"], matches=result["matches"],
                           filters=filters)
