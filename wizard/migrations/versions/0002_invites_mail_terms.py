"""invite opens, mail messages, terms acceptance

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 04:38:35.856797

"""
from alembic import op
import sqlalchemy as sa
import wizard.models.base


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sent', 'failed', 'cancelled', name='mailstate', native_enum=False, length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('next_attempt_at', wizard.models.base.UTCDateTime(), nullable=True),
    sa.Column('sent_at', wizard.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_onboarding_id'), ['onboarding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_state'), ['state'], unique=False)

    op.create_table('terms_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('accepted_at', wizard.models.base.UTCDateTime(), nullable=False),
    sa.Column('accepted_name', sa.String(length=200), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('terms_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terms_acceptance_onboarding_id'), ['onboarding_id'], unique=False)

    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_opened_at', wizard.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_opened_at', wizard.models.base.UTCDateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.drop_column('last_opened_at')
        batch_op.drop_column('first_opened_at')

    with op.batch_alter_table('terms_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terms_acceptance_onboarding_id'))

    op.drop_table('terms_acceptance')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_state'))
        batch_op.drop_index(batch_op.f('ix_mail_message_onboarding_id'))
        batch_op.drop_index(batch_op.f('ix_mail_message_next_attempt_at'))

    op.drop_table('mail_message')
