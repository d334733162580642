"""What services announce once their transaction has committed, for the worker to take up.

Services send these (through ``webapp.after_commit``) and never import the worker;
``webapp.tasks`` connects the receivers that put the work on the queue.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# job_id: int, html: str — a render job row is committed and waits for the worker.
render_job_queued = _signals.signal("render-job-queued")
# messages: list[EmailMessage] — link mail (invitations, resets) ready to leave.
mail_ready = _signals.signal("mail-ready")
# notification_ids: list[int] — notifications committed; e-mail them to their people.
notifications_committed = _signals.signal("notifications-committed")
