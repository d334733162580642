"""Administration: templates, reports and periods, organisations and units, people, the activity log.

The blueprint is defined in ``blueprint.py``; each area's module imports it from there and adds
its routes. Importing the area modules here registers every route before the app registers
``bp``.
"""

from webapp.views.admin import activity, organisations, people, report_admin, templates
from webapp.views.admin.blueprint import bp

__all__ = ["activity", "bp", "organisations", "people", "report_admin", "templates"]
