"""Command groups for ``flask --app wsgi ...``; each lives in its own module."""
from wizard.cli.demo import demo_command
from wizard.cli.invite import invite_group
from wizard.cli.keys import keys_group
from wizard.cli.outbox import outbox_group
from wizard.cli.purge import purge_command
from wizard.cli.sandbox_receiver import sandbox_group


def register_commands(app) -> None:
    app.cli.add_command(invite_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(outbox_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(purge_command)
    app.cli.add_command(sandbox_group)
