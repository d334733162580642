"""A TCP server on a free port that either forwards to a real server or swallows everything.

``swallow`` mode is a database or Redis that stops answering: connections are accepted and
what the client sends is read and dropped, and no byte ever comes back. ``forward`` mode is the
service back again. Switching to ``swallow`` also closes every forwarded connection (as a
restart does), so the client's pool finds them dead and connects anew — into the silence.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator


class Blackhole:
    def __init__(self, forward_to: tuple[str, int] | None = None) -> None:
        self.forward_to = forward_to
        self.swallowing = forward_to is None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, name="blackhole", daemon=True).start()

    def swallow(self) -> None:
        with self._lock:
            self.swallowing = True
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def forward(self) -> None:
        assert self.forward_to is not None
        with self._lock:
            self.swallowing = False
            for sock in self._open:  # the silent connections go; new ones reach the real server
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stopped.set()
        self.swallow()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._open.add(client)
                target = None if self.swallowing else self.forward_to
            threading.Thread(target=self._serve, args=(client, target), daemon=True).start()

    def _serve(self, client: socket.socket, target: tuple[str, int] | None) -> None:
        upstream = socket.create_connection(target) if target else None
        if upstream is not None:
            with self._lock:
                self._open.add(upstream)
        peers = {client: upstream, upstream: client} if upstream else {client: None}
        try:
            while not self._stopped.is_set():
                readable, _, _ = select.select(list(peers), [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if peers[sock] is not None:
                        peers[sock].sendall(data)  # forwarding; swallowing drops it
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with self._lock:
                        self._open.discard(sock)
                    sock.close()


@contextlib.contextmanager
def blackhole(forward_to: tuple[str, int] | None = None) -> Iterator[Blackhole]:
    hole = Blackhole(forward_to)
    try:
        yield hole
    finally:
        hole.close()
