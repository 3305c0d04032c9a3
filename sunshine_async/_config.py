"""Defaults and limits. Constants only: no logic lives here."""

from __future__ import annotations

from typing import Final

from ._version import __version__

DEFAULT_BASE_URL: Final = "https://api.smooch.io"
#: The longest base URL accepted: a real one is a few dozen characters, and anything
#: this long is a mistake that would otherwise fail only at the first request.
MAX_BASE_URL_CHARS: Final = 2048
USER_AGENT: Final = f"sunshine-async/{__version__}"

#: Seconds one attempt of one request may take, connecting and reading included.
DEFAULT_TIMEOUT: Final = 60.0
DEFAULT_MAX_RETRIES: Final = 2
#: Requests one Session has in flight at most; the connection pool has as many slots.
#: httpcore's pool does work per request that grows with its size (see README,
#: Performance): 20 keeps it cheap and still carries ~130 requests/s at 150 ms each.
DEFAULT_MAX_CONNECTIONS: Final = 20
#: Seconds to establish a connection (TCP and TLS), within the attempt's deadline.
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
#: Seconds ``aclose()`` gives the requests it ended to let go of their connections
#: before it closes the pool under them; they need milliseconds unless a transport
#: given to the Session holds on.
CLOSE_GRACE_SECONDS: Final = 1.0
#: A response body (after decompression) larger than this is refused: 32 MiB.
DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
#: An error response needs only its ``errors`` list: its body is read up to this much.
MAX_ERROR_BODY_BYTES: Final = 64 * 1024
#: Error messages quote at most this many characters of anything from the server.
MAX_EXCERPT_CHARS: Final = 200
#: ... and list at most this many problems of one response.
MAX_PROBLEMS_SHOWN: Final = 5
#: First backoff delay in seconds; it doubles on each retry, up to the maximum.
RETRY_BASE_DELAY: Final = 0.5
RETRY_MAX_DELAY: Final = 8.0
#: A `Retry-After` longer than this is not waited out: the error goes to the caller.
RETRY_AFTER_CAP: Final = 60.0

PAGE_SIZE_MIN: Final = 1
PAGE_SIZE_MAX: Final = 100
#: The SDK asks for full pages; the API's own default (25) means four times the requests.
DEFAULT_PAGE_SIZE: Final = 100
CURSOR_LENGTH: Final = 24
MAX_ID_LENGTH: Final = 1024
#: The API rejects request bodies over 100 kB.
MAX_BODY_BYTES: Final = 100_000
#: A message's ``metadata`` is a flat object of at most 4 kB of JSON.
MAX_METADATA_BYTES: Final = 4096

#: Minted JWTs live this long (seconds) ...
JWT_LIFETIME: Final = 600
#: ... and are replaced when less than this is left, so no request carries a dying token.
JWT_RENEW_MARGIN: Final = 60
JWT_SCOPES: Final = ("app", "account", "integration")
