"""Reading a response body within a size limit, decompression included. Pure: no I/O.

httpx inflates each received chunk in one call, so a few kilobytes of nested gzip
can become a gigabyte before anyone counts it. `BoundedDecoder` inflates in small
steps instead and stops as soon as any stage has produced more than the limit.
"""

from __future__ import annotations

import zlib
from typing import Final

__all__ = ["ACCEPT_ENCODING", "BodyDecodeError", "BodyTooLargeError", "BoundedDecoder"]

#: What the SDK asks for: the encodings `BoundedDecoder` can inflate step by step.
ACCEPT_ENCODING: Final = "gzip, deflate"
#: Bytes one inflate step may produce; what is held in memory at once per stage.
_STEP: Final = 64 * 1024
#: Raw bytes of a "deflate" body kept to retry them as raw deflate if zlib refuses.
_HEAD: Final = 64
#: More stacked encodings than this is not a real server: it is an attack.
_MAX_STAGES: Final = 2


class BodyTooLargeError(Exception):
    """A stage produced more than the limit (raised before it is all in memory)."""


class BodyDecodeError(Exception):
    """The body is not valid for its ``Content-Encoding``, or uses an unknown one."""


class _Inflater:
    """One ``gzip`` or ``deflate`` stage, inflating at most ``_STEP`` bytes per call."""

    __slots__ = ("_deflate", "_head", "_left", "_zlib")

    def __init__(self, encoding: str, limit: int) -> None:
        self._deflate = encoding == "deflate"
        self._left = limit
        # gzip has a header; "deflate" is meant to be zlib-wrapped, but some servers
        # send it raw: the first bytes are kept to try again raw if zlib refuses them
        wbits = zlib.MAX_WBITS if self._deflate else zlib.MAX_WBITS | 16
        self._zlib = zlib.decompressobj(wbits)
        self._head: bytes | None = b"" if self._deflate else None

    def inflate(self, data: bytes) -> list[bytes]:
        pieces: list[bytes] = []
        if self._head is not None:
            self._head += data
        try:
            out = self._zlib.decompress(data, _STEP)
        except zlib.error:
            if self._head is None:
                raise BodyDecodeError("the body is not valid for its Content-Encoding") from None
            head, self._head = self._head, None
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.inflate(head)
        if self._head is not None and (out or len(self._head) > _HEAD):
            # zlib rejects a stream that is not zlib-wrapped within its first two bytes:
            # once it has accepted some, the raw fallback can no longer be needed
            self._head = None
        while out:
            self._take(out)
            pieces.append(out)
            tail = self._zlib.unconsumed_tail
            if not tail:
                break
            out = self._zlib.decompress(tail, _STEP)
        return pieces

    def flush(self) -> list[bytes]:
        # inflate() drains its input; zlib may still hold output of the last block
        pieces = []
        for _ in range(1 + len(self._zlib.unconsumed_tail) // _STEP + 1):
            out = self._zlib.decompress(self._zlib.unconsumed_tail, _STEP)
            if not out:
                break
            self._take(out)
            pieces.append(out)
        return pieces

    def _take(self, out: bytes) -> None:
        # counted as it is made, so a bomb stops after one step past the limit
        self._left -= len(out)
        if self._left < 0:
            raise BodyTooLargeError("the decompressed body is too large")


class BoundedDecoder:
    """Decode a body by its ``Content-Encoding`` and count every byte against ``limit``.

    Feed it the raw chunks as they arrive; each call returns the decoded bytes so far.

    >>> decoder = BoundedDecoder(None, limit=5)
    >>> decoder.feed(b"12345")
    b'12345'
    >>> decoder.feed(b"6")
    Traceback (most recent call last):
    ...
    sunshine_async._decoding.BodyTooLargeError: more than 5 bytes received

    Raises:
        BodyTooLargeError: more than ``limit`` bytes, at any stage.
        BodyDecodeError: an encoding it cannot decode, or a corrupt body.
    """

    __slots__ = ("_left", "_limit", "_raw", "_stages")

    def __init__(self, content_encoding: str | None, *, limit: int) -> None:
        names = [
            name.strip().lower()
            for name in (content_encoding or "").split(",")
            if name.strip() and name.strip().lower() != "identity"
        ]
        unknown = [name for name in names if name not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise BodyDecodeError(f"unsupported Content-Encoding {unknown[0][:40]!r}")
        if len(names) > _MAX_STAGES:
            raise BodyDecodeError(f"{len(names)} stacked Content-Encodings; at most 2 are read")
        self._limit = limit
        # the last encoding applied is the first to undo
        self._stages = [
            _Inflater("deflate" if name == "deflate" else "gzip", limit) for name in reversed(names)
        ]
        self._left = limit
        self._raw = limit

    def feed(self, data: bytes) -> bytes:
        """Decode one raw chunk."""
        return self._run([data], final=False)

    def finish(self) -> bytes:
        """Decode whatever the stages still hold once the body has ended."""
        return self._run([], final=True)

    def _run(self, pieces: list[bytes], *, final: bool) -> bytes:
        # what arrives counts too: a stream that inflates to nothing (empty deflate
        # blocks, say) would otherwise be read, and worked on, without end
        self._raw -= sum(len(piece) for piece in pieces)
        if self._raw < 0:
            raise BodyTooLargeError(f"more than {self._limit} bytes received")
        for stage in self._stages:
            out: list[bytes] = []
            for piece in pieces:
                out.extend(stage.inflate(piece))
            if final:
                out.extend(stage.flush())
            pieces = out
        body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self._left -= len(body)
        if self._left < 0:
            raise BodyTooLargeError(f"more than {self._limit} bytes")
        return body
