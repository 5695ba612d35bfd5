"""What bounds a loopback server: the body it takes, how long a connection may stay
silent, how many connections it holds, how many requests it answers at once. A request
over a bound is refused; no request, however it is sent, holds the server's memory or
its threads (the server, waitress, reads every request before a thread sees it)."""

from __future__ import annotations

__all__ = ["CONNECTION_TIMEOUT", "MAX_BODY", "MAX_CONNECTIONS", "MEMORY_BODY", "WORKERS"]

#: The largest request body a server takes (a vendor's mail may carry 20MB of
#: attachments); a longer one is answered 413 unread when its length says so, or as soon
#: as it passes this.
MAX_BODY = 32 * 1024 * 1024
#: How much of a request body is held in memory; the rest waits in a temporary file
#: until the request is whole.
MEMORY_BODY = 512 * 1024
#: Real seconds a connection may stay silent (a request half sent, or idle between
#: requests) before the server closes it.
CONNECTION_TIMEOUT = 10
#: Connections a server holds at once. A connection costs a socket, not a thread: a
#: thousand half-sent requests leave every thread free for the requests that are whole.
MAX_CONNECTIONS = 1024
#: Threads answering whole requests at once (a ``timeout`` fault holds one).
WORKERS = 16
