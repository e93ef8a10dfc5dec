"""delivery endpoints that answered 410 Gone; erasure of ended journeys; one acceptance per person

A sync backend URL that answered 410 is disabled (``delivery_endpoint``) until
an operator re-enables it. ``onboarding.erased_at`` records when the retention
rules erased an ended journey's personal data. A terms acceptance is kept once
per onboarding, version and person: repeats stored before are dropped (the
earliest, the evidence, stays).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import wizard.models.base


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('disabled_at', wizard.models.base.UTCDateTime(), nullable=True),
    sa.Column('disabled_status', sa.Integer(), nullable=True),
    sa.Column('disabled_by', sa.String(length=40), nullable=True),
    sa.Column('enabled_at', wizard.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url_hash')
    )
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', wizard.models.base.UTCDateTime(), nullable=True))
    op.execute(
        "DELETE FROM terms_acceptance WHERE id NOT IN (SELECT MIN(id) FROM terms_acceptance "
        "GROUP BY onboarding_id, version, accepted_name)")
    with op.batch_alter_table('terms_acceptance', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_terms_acceptance_person',
                                          ['onboarding_id', 'version', 'accepted_name'])


def downgrade():
    with op.batch_alter_table('terms_acceptance', schema=None) as batch_op:
        batch_op.drop_constraint('uq_terms_acceptance_person', type_='unique')
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    op.drop_table('delivery_endpoint')
