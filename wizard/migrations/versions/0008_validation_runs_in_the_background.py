"""validation runs in the background

A validation run is written when it starts and filled in while it runs: ``finished_at``
stays NULL until the verdict is in, ``total`` says how many rights it checks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import wizard.models.base


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('validation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finished_at', wizard.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('validation_run', schema=None) as batch_op:
        batch_op.alter_column('total', server_default=None)
    # Runs made before were finished when they were stored.
    op.execute("UPDATE validation_run SET finished_at = started_at, total = checked")


def downgrade():
    with op.batch_alter_table('validation_run', schema=None) as batch_op:
        batch_op.drop_column('total')
        batch_op.drop_column('finished_at')
