"""render job leases: who renders a job until when, how often it was tried, its HTML

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:25:00

A worker that dies or is stopped mid-render must not leave its job "running" for ever: the
worker holds a lease it renews while it works, and a job whose lease ran out is taken up
again by the next worker, from the HTML kept on the job.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("worker_id", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("enqueued_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("enqueue_error", sa.String(length=500), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.drop_column("enqueue_error")
        batch_op.drop_column("enqueued_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("worker_id")
        batch_op.drop_column("attempts")
        batch_op.drop_column("html")
