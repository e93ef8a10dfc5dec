"""connection methods and journeys

Validation runs record which connection method they checked and store generic
checks (``group``/``name`` instead of the SOAP-only ``service``/``operation``);
onboardings become journeys: a re-connection of a live connection (switch to
"Inloggen met Nmbrs", new credentials) points at the first journey.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

RUNS = sa.table("validation_run", sa.column("id", sa.Integer), sa.column("checks", sa.JSON))


def _rename_check_keys(old: tuple[str, str], new: tuple[str, str]) -> None:
    """Rewrite each stored check's keys (a few rows per onboarding; done in Python on any backend)."""
    connection = op.get_bind()
    for run_id, checks in connection.execute(sa.select(RUNS.c.id, RUNS.c.checks)).all():
        renamed = [{(new[old.index(key)] if key in old else key): value
                    for key, value in check.items()} for check in checks or []]
        connection.execute(RUNS.update().where(RUNS.c.id == run_id).values(checks=renamed))


def upgrade():
    with op.batch_alter_table('validation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16), nullable=False,
                                      server_default='token'))
        batch_op.alter_column('operations', new_column_name='checks', existing_type=sa.JSON(),
                              existing_nullable=False)
        batch_op.alter_column('username', existing_type=sa.String(length=320), nullable=True)
    with op.batch_alter_table('validation_run', schema=None) as batch_op:
        batch_op.alter_column('method', server_default=None)
    _rename_check_keys(("service", "operation"), ("group", "name"))

    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('new', 'switch_to_consent', 'relink',
                                                      name='journeykind', native_enum=False,
                                                      length=24),
                                      nullable=False, server_default='new'))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_onboarding_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key('fk_onboarding_parent_id_onboarding', 'onboarding',
                                    ['parent_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
    # Every connection completed so far was its first hand-off.
    op.execute("UPDATE onboarding SET revision = 1 WHERE status = 'completed'")


def downgrade():
    with op.batch_alter_table('onboarding', schema=None) as batch_op:
        batch_op.drop_constraint('fk_onboarding_parent_id_onboarding', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_onboarding_parent_id'))
        batch_op.drop_column('revision')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('kind')

    _rename_check_keys(("group", "name"), ("service", "operation"))
    with op.batch_alter_table('validation_run', schema=None) as batch_op:
        batch_op.alter_column('username', existing_type=sa.String(length=320), nullable=False)
        batch_op.alter_column('checks', new_column_name='operations', existing_type=sa.JSON(),
                              existing_nullable=False)
        batch_op.drop_column('method')
