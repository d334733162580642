"""IOP-rapport: the partnership's joint activity report, written together."""

from __future__ import annotations

import os

# openpyxl parses with lxml whenever lxml is installed (pikepdf brings it) and then skips
# defusedxml; untrusted workbooks must go through defusedxml. openpyxl reads this switch
# once, when first imported, so it is set here, before anything can import openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")

from flask import Flask

from webapp.config import PROJECT_ROOT, Config, database_engine_options, normalise_database_url


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _trust_proxies(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_engine_options(app.config)
    # The remember cookie signs in as much as the session cookie: never sent where that is not.
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    from webapp import request_log

    request_log.init_app(app)  # the first hooks: every request is timed and logged, one refused early too

    _init_extensions(app)
    _register_blueprints(app)

    from webapp import after_commit, cli, errors, input_guard, locking, rate_limits, security, tasks, templating

    after_commit.init_app(app)
    tasks.init_app(app)
    security.init_app(app)
    rate_limits.init_app(app)
    input_guard.init_app(app)  # text PostgreSQL cannot store is refused before any view reads it
    locking.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Believe each X-Forwarded-* header from as many proxies as the config names (0: not at all)."""
    hops = {f"x_{name}": int(app.config[f"PROXY_FIX_X_{name.upper()}"]) for name in PROXY_HEADERS}
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


PROXY_HEADERS = ("for", "proto", "host", "port", "prefix")


def _init_extensions(app: Flask) -> None:
    from webapp import models  # noqa: F401  (the whole schema, for Flask-Migrate)
    from webapp.extensions import babel, csrf, db, login_manager, migrate
    from webapp.language import select_locale

    (PROJECT_ROOT / "instance").mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(PROJECT_ROOT / "translations")
    )
    _translate_templates_per_request(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from webapp import signed_in

    login_manager.user_loader(signed_in.load_user)
    signed_in.init_app(app)


def _translate_templates_per_request(app: Flask) -> None:
    """Templates' _() and ngettext with the request's translations looked up once per request.

    Flask-Babel's callables look the locale and the catalogue up again for every string (a
    block page has some forty): the same answer within a request, since the locale is chosen
    once per request (webapp.language) and Flask-Babel keeps it for the request too, until a
    force_locale changes it.
    """
    from flask import g
    from flask_babel import get_translations

    def translations():
        # Kept with the locale object Flask-Babel chose (g._flask_babel.babel_locale), so that
        # force_locale (a document's own language) is followed both ways.
        state = g.get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        kept = g.get("_template_translations")
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
        found = get_translations()
        g._template_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), found)
        return found

    # jinja2.ext.i18n (added by Flask-Babel) puts install_gettext_callables on the environment.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def _register_blueprints(app: Flask) -> None:
    from webapp.views import (
        account,
        admin,
        auth,
        blocks,
        capacity,
        comments,
        documents,
        health,
        imports,
        live,
        main,
        notifications,
        publishing,
        reports,
        review,
    )

    for blueprint in (
        health.bp,
        auth.bp,
        main.bp,
        reports.bp,
        blocks.bp,
        review.bp,
        imports.bp,
        comments.bp,
        notifications.bp,
        live.bp,
        admin.bp,
        capacity.bp,
        documents.bp,
        account.bp,
        publishing.bp,
    ):
        app.register_blueprint(blueprint)
