"""support dashboard, API and reminders

Support accounts with server-side sessions and login throttling, the CRM's API
keys and idempotency records, sent reminders; the audit trail names the support
user or API key that acted; onboardings keep their current step, last client
activity and a per-onboarding reminder switch, with the indexes support's list
sorts and filters on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:00:00

"""
from alembic import op
import sqlalchemy as sa

from wizard.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'support_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('role', sa.Enum('agent', 'admin', name='supportrole', native_enum=False, length=10),
                  nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_login_at', UTCDateTime(), nullable=True),
        sa.Column('password_changed_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'))
    op.create_table(
        'support_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.Column('ended_reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['support_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'))
    op.create_index('ix_support_session_user_id', 'support_session', ['user_id'])
    op.create_table(
        'login_throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', UTCDateTime(), nullable=True),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email_hash'))
    op.create_table(
        'api_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.Enum('read', 'write', name='apiscope', native_enum=False, length=10),
                  nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_used_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['support_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['support_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'))
    op.create_table(
        'idempotency_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_key_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('api_key_id', 'key', name='uq_idempotency_record_key'))
    op.create_index('ix_idempotency_record_created_at', 'idempotency_record', ['created_at'])
    op.create_table(
        'reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('onboarding_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.String(length=20), nullable=False),
        sa.Column('anchor', UTCDateTime(), nullable=False),
        sa.Column('mail_message_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['mail_message_id'], ['mail_message.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('onboarding_id', 'slot', 'anchor', name='uq_reminder_slot'))
    op.create_index('ix_reminder_onboarding_id', 'reminder', ['onboarding_id'])

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_event_onboarding_type', ['onboarding_id', 'event_type'])
        batch_op.create_index('ix_audit_event_support_user_id', ['support_user_id'])
        batch_op.create_foreign_key('fk_audit_event_support_user_id_support_user', 'support_user',
                                    ['support_user_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_audit_event_api_key_id_api_key', 'api_key',
                                    ['api_key_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('current_step', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_activity_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminders_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    # The last client action so far, else the creation; completed onboardings are done.
    op.execute("UPDATE onboarding SET last_activity_at = COALESCE((SELECT MAX(occurred_at) "
               "FROM audit_event WHERE audit_event.onboarding_id = onboarding.id "
               "AND audit_event.actor = 'client'), created_at)")
    op.execute("UPDATE onboarding SET current_step = 'done' WHERE status = 'completed'")
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.alter_column('last_activity_at', existing_type=UTCDateTime(), nullable=False)
        batch_op.alter_column('reminders_enabled', server_default=None)
        batch_op.create_index('ix_onboarding_created_at', ['created_at'])
        batch_op.create_index('ix_onboarding_expires_at', ['expires_at'])
        batch_op.create_index('ix_onboarding_last_activity_at', ['last_activity_at'])
        batch_op.create_index('ix_onboarding_updated_at_id', ['updated_at', 'id'])


def downgrade():
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.drop_index('ix_onboarding_updated_at_id')
        batch_op.drop_index('ix_onboarding_last_activity_at')
        batch_op.drop_index('ix_onboarding_expires_at')
        batch_op.drop_index('ix_onboarding_created_at')
        batch_op.drop_column('reminders_enabled')
        batch_op.drop_column('last_activity_at')
        batch_op.drop_column('current_step')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_event_api_key_id_api_key', type_='foreignkey')
        batch_op.drop_constraint('fk_audit_event_support_user_id_support_user', type_='foreignkey')
        batch_op.drop_index('ix_audit_event_support_user_id')
        batch_op.drop_index('ix_audit_event_onboarding_type')
        batch_op.drop_column('api_key_id')
        batch_op.drop_column('support_user_id')

    op.drop_index('ix_reminder_onboarding_id', table_name='reminder')
    op.drop_table('reminder')
    op.drop_index('ix_idempotency_record_created_at', table_name='idempotency_record')
    op.drop_table('idempotency_record')
    op.drop_table('api_key')
    op.drop_table('login_throttle')
    op.drop_index('ix_support_session_user_id', table_name='support_session')
    op.drop_table('support_session')
    op.drop_table('support_user')
