"""Connecting with a Nmbrs SOAP API token: username, token and domain typed into a form."""
