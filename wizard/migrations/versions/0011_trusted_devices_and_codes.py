"""trusted browsers per onboarding and one-time codes for a second browser

An invite link opened in a browser the onboarding does not know, once the
onboarding has started elsewhere, asks for a code mailed to the invitee.
``trusted_device`` keeps the sha256 of each verified browser's device id;
``device_code`` keeps each code's HMAC, expiry and wrong attempts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 08:00:00

"""
from alembic import op
import sqlalchemy as sa
import wizard.models.base


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trusted_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('trusted_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('onboarding_id', 'device_hash', name='uq_trusted_device_onboarding_device')
    )
    with op.batch_alter_table('trusted_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trusted_device_onboarding_id'), ['onboarding_id'], unique=False)

    op.create_table('device_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('ended_at', wizard.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('device_code', schema=None) as batch_op:
        batch_op.create_index('ix_device_code_onboarding_created', ['onboarding_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_code_device_hash'), ['device_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('device_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_code_device_hash'))
        batch_op.drop_index('ix_device_code_onboarding_created')
    op.drop_table('device_code')
    with op.batch_alter_table('trusted_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trusted_device_onboarding_id'))
    op.drop_table('trusted_device')
