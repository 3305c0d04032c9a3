"""Request bodies on the wire: compact JSON, and one file as ``multipart/form-data``."""

from __future__ import annotations

import json

from ._config import MAX_BODY_BYTES
from ._exceptions import InvalidArgumentError
from ._types import JSONObject

__all__ = ["encode_body", "encode_multipart"]


def encode_body(body: JSONObject) -> bytes:
    """Serialize a request body compactly, refusing what the API would refuse for size."""
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        data = text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # a set, NaN, a lone surrogate ...
        raise InvalidArgumentError(f"the request body is not valid JSON: {exc}") from None
    if len(data) > MAX_BODY_BYTES:
        raise InvalidArgumentError(
            f"the request body is {len(data)} bytes; the API accepts at most {MAX_BODY_BYTES}"
        )
    return data


def encode_multipart(
    field: str, data: bytes, *, filename: str, content_type: str, boundary: str
) -> tuple[bytes, str]:
    """One file as ``multipart/form-data``: the body and its ``Content-Type``.

    >>> body, kind = encode_multipart(
    ...     "source", b"hi", filename="a.txt", content_type="text/plain", boundary="b1"
    ... )
    >>> kind
    'multipart/form-data; boundary=b1'
    """
    for name, value in (("field", field), ("filename", filename), ("content_type", content_type)):
        if any(ch in value for ch in '"\r\n') or not value:
            raise InvalidArgumentError(f"{name} must be non-empty, without quotes or newlines")
    if boundary.encode() in data:
        raise InvalidArgumentError("the multipart boundary occurs in the data")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    body = head.encode("utf-8") + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
