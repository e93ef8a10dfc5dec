"""Command groups for ``flask --app wsgi ...``; each lives in its own module."""
from wizard.cli.connections import connections_group
from wizard.cli.demo import demo_command
from wizard.cli.invite import invite_group
from wizard.cli.keys import keys_group
from wizard.cli.mail import mail_group
from wizard.cli.nmbrs import nmbrs_group
from wizard.cli.outbox import outbox_group
from wizard.cli.purge import purge_command
from wizard.cli.sandbox import sandbox_group
from wizard.cli.support import support_group

COMMANDS = (invite_group, connections_group, mail_group, nmbrs_group, sandbox_group, outbox_group,
            keys_group, support_group, purge_command, demo_command)


def register_commands(app) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
