"""delegation to the client's Nmbrs administrator

"Stuur dit naar mijn Nmbrs-beheerder": a link of the administrator's own (only the sha256 of
its nonce is kept), its timestamps, and the language of emails that go to someone other than
the onboarding's contact.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-22 08:00:00

"""
from alembic import op
import sqlalchemy as sa

from wizard.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('onboarding_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('nonce_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('opened_at', UTCDateTime(), nullable=True),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegation_onboarding_id'), ['onboarding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegation_public_id'), ['public_id'], unique=True)
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegation_public_id'))
        batch_op.drop_index(batch_op.f('ix_delegation_onboarding_id'))
    op.drop_table('delegation')
