"""Hand-off of completed onboardings to the sync backend.

``service`` holds the outbox state logic (enqueue, claim, outcomes, list,
retry), ``delivery`` the worker that POSTs signed messages, ``payload`` the
versioned body with its JWE-sealed credentials, ``signing`` Standard Webhooks
signatures, ``retention`` the purging of credentials no longer needed, and
``keys`` the key material. See docs/handoff.md.
"""
