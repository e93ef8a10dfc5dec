"""A WSGI app served by waitress in a background thread, on a loopback port."""
from __future__ import annotations

import threading

from waitress import wasyncore
from waitress.server import create_server


class ThreadedServer:
    """Start with ``start()`` (or use as a context manager); ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, app, *, port: int = 0, threads: int = 4):
        # Many test apps keep pooled keep-alive connections to the session-wide servers; like a
        # real server, close idle ones after a while and do not stop listening at waitress'
        # default of 100 (which made calls of later tests fail to connect under load).
        self.server = create_server(app, host="127.0.0.1", port=port, threads=threads,
                                    clear_untrusted_proxy_headers=True,
                                    connection_limit=1000, channel_timeout=15)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "ThreadedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        """Close every socket from inside the server's own loop.

        Closing them from the test thread races with the loop's ``select()``, which then
        fails on a closed descriptor; a thunk run by the loop itself cannot race.
        """
        if self.thread.is_alive():
            try:
                self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
            except OSError:
                # The trigger's descriptor is already gone: a database restart test once saw a
                # descriptor closed under it. Close from here; the loop then ends on its own.
                wasyncore.close_all(self.server._map, ignore_all=True)
            self.thread.join(timeout=5)
        else:
            wasyncore.close_all(self.server._map)
        self.server.task_dispatcher.shutdown(timeout=5)

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
