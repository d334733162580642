"""blocks.is_empty: whether the block's current revision has no text, kept on the block

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 20:30:00

List pages (the overview, Mina bidrag) show "tomt" without loading any revision body. The
flag is filled here from each block's current revision with the rule the app keeps it by
(``webapp.models.reports.is_blank``: only whitespace, as Python's ``str.strip`` sees it), so
it is computed in Python rather than with SQL's narrower ``trim``. The run is one transaction
on both backends (migrations/env.py): a killed upgrade leaves no column and no half-filled flags.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_blocks = sa.table("blocks", sa.column("id", sa.Integer), sa.column("is_empty", sa.Boolean))


def upgrade():
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_empty", sa.Boolean(), server_default=sa.true(), nullable=False))
    connection = op.get_bind()
    written = connection.execute(
        sa.text(
            "SELECT blocks.id, revisions.source FROM blocks JOIN revisions ON revisions.id = blocks.current_revision_id"
        )
    )
    ids = [block_id for block_id, source in written if (source or "").strip()]
    if ids:
        connection.execute(
            _blocks.update().where(_blocks.c.id == sa.bindparam("block_id")).values(is_empty=False),
            [{"block_id": block_id} for block_id in ids],
        )


def downgrade():
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_column("is_empty")
