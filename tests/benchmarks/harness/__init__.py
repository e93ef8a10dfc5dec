"""``make bench``: the whole product under load, as production runs it (issue 12).

Modules, in the order a run uses them: ``settings`` (options and ``BENCH_*`` variables),
``tls`` (a throw-away CA: the sandbox and receiver speak https, as production demands),
``apps`` (WSGI factories gunicorn serves: the bench sandbox, the receiver, the bare page),
``services`` (the processes: wizard and bare page under gunicorn, sandbox, receiver,
delivery worker, PostgreSQL), ``browser`` (one HR manager's browser over real HTTP),
``journeys`` (the token and consent paths), ``load`` (N managers at once), ``probe``
(validation wall time against the slowest call, concurrent and one by one), ``stats``
(percentiles), ``report`` (targets met or missed, JSON, the table) and ``chart`` (SVG).
Run it with ``make bench`` or ``python -m tests.benchmarks.harness --help``.
"""
