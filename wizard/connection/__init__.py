"""Connecting an onboarding to Nmbrs: stored credentials, validation runs, reachable entities.

Steps and views call these services; only these modules talk to ``wizard.nmbrs``.
"""
