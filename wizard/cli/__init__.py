"""Command groups for ``flask --app wsgi ...``; each lives in its own module."""
from wizard.cli.demo import demo_command
from wizard.cli.invite import invite_group
from wizard.cli.mail import mail_group
from wizard.cli.nmbrs import nmbrs_group
from wizard.cli.sandbox import sandbox_group


def register_commands(app) -> None:
    app.cli.add_command(invite_group)
    app.cli.add_command(mail_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(nmbrs_group)
    app.cli.add_command(sandbox_group)
