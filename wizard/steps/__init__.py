"""The wizard as data: the step contract (``base``), one module per step, the list (``flow``).

This package imports nothing on purpose: the step modules import ``base``, and
``flow`` imports them all, so there is no circle.
"""
