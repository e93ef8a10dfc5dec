"""Connecting with "Inloggen met Nmbrs": the client logs in at Nmbrs and consents (OAuth 2, REST)."""
