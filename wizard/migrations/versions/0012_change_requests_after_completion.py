"""change requests after completion

A client who finished can ask to change which companies are connected; support sees the
request on the list (flag) and the detail page and settles it (a relink, or otherwise).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 08:00:00

"""
from alembic import op
import sqlalchemy as sa
import wizard.models.base


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('onboarding_id', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('state', sa.Enum('open', 'handled', name='changerequeststate',
                                   native_enum=False, length=10), nullable=False),
        sa.Column('created_at', wizard.models.base.UTCDateTime(), nullable=False),
        sa.Column('handled_at', wizard.models.base.UTCDateTime(), nullable=True),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.Enum('relink', 'closed', name='changeresolution',
                                        native_enum=False, length=10), nullable=True),
        sa.ForeignKeyConstraint(['handled_by_id'], ['support_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index('ix_change_request_onboarding_state', ['onboarding_id', 'state'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index('ix_change_request_onboarding_state')
    op.drop_table('change_request')
