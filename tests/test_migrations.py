"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from wizard import create_app
from wizard.extensions import db


@pytest.mark.both_databases
def test_upgrade_matches_the_models_and_downgrade_undoes_it(app_config):
    app = create_app(app_config)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(directory=directory, revision="0001")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names())
        assert {"mail_message", "terms_acceptance"}.isdisjoint(tables)
        assert "onboarding" in tables
        db.engine.dispose()
