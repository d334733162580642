"""users.session_generation: raising it ends every session and remember cookie of the person

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 17:40:00

Existing sessions carry a bare user id, which the new loader does not accept: everyone signs
in once more after the upgrade.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
