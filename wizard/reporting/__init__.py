"""What support sees: the onboarding list with its flags, a journey's timeline, the funnel.

Read-only domain code over the models and the audit trail; the support dashboard,
its CSV export and the API render what these return.
"""
