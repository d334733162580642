"""Publishing a locked report: the checklist, the publications, and the full-report PDF renders
behind them.

The package re-exports ``publications`` (what callers mean by ``services.publishing``); the
other modules are imported by name: ``publishing.rendering``.
"""

from webapp.services.publishing.publications import (
    MAX_NOTE,
    CheckItem,
    Checklist,
    OpenThread,
    OpenThreadsNeedReason,
    RenderNotReady,
    checklist,
    download_name,
    html_etag,
    human_size,
    publication,
    publications_of,
    publish,
    require_chair,
)

__all__ = [
    "CheckItem",
    "Checklist",
    "checklist",
    "download_name",
    "html_etag",
    "human_size",
    "MAX_NOTE",
    "OpenThread",
    "OpenThreadsNeedReason",
    "publication",
    "publications_of",
    "publish",
    "RenderNotReady",
    "require_chair",
]
