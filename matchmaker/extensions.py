"""Flask extensions, created unbound and initialised in the app factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def db():
    """The app's graph handle (graph.db.Graph: one driver per process, created in the factory).
    Named apart from the `graph` package, whose query functions views pass to it."""
    from flask import current_app
    return current_app.extensions["graph"]


def limiter():
    """Rate limits counted in the graph (shared by every worker)."""
    from flask import current_app
    return current_app.extensions["limiter"]


def current_policy():
    """The policy configuration this deployment runs under (parsed once per file)."""
    from flask import current_app
    from matchmaker import policy as policy_module
    return policy_module.load(current_app.config["POLICY_FILE"])
