"""Reading a request body as Google's front end does: malformed framing is a 400 and an absurd size a 413, at
once, before anything is read or parsed; the server stays up.

``Content-Length: abc`` raised ValueError in the handler thread and ``Content-Length: 10**12`` waited for a
terabyte: neither request got an answer. A body that would not fit ``MAX_BODY_BYTES`` is never read.
"""

from __future__ import annotations

from typing import Protocol


class Reader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...
    def readline(self, n: int = -1, /) -> bytes: ...


#: the largest request body served (Gemini refuses requests over 20 MB of inline data)
MAX_BODY_BYTES = 32 * 1024 * 1024
_CHUNK_LINE = 1024


class FramingError(ValueError):
    """The request's framing is unusable: answer ``status`` with this message and close the connection
    (the byte stream can no longer be trusted to be in step)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _length(text: str) -> int:
    if not text.strip().isdigit():
        raise FramingError(400, f"Invalid Content-Length {text[:40]!r}: expected a whole number of bytes")
    n = int(text)
    if n > MAX_BODY_BYTES:
        raise FramingError(413, f"Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes.")
    return n


def read_body(transfer_encoding: str | None, content_length: str | None, rfile: Reader) -> bytes:
    """The body its headers frame (chunked or Content-Length) from ``rfile``, or ``FramingError``."""
    if (transfer_encoding or "").lower() == "chunked":
        return _chunked(rfile)
    raw = content_length
    n = 0 if raw is None else _length(raw)
    data = rfile.read(n) if n > 0 else b""
    if len(data) < n:
        raise FramingError(400, f"Request body ended after {len(data)} of {n} bytes.")
    return data


def _chunked(rfile: Reader) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(_CHUNK_LINE)
        try:
            size = int(line.split(b";")[0].strip() or b"x", 16)
        except ValueError:
            raise FramingError(400, "Invalid chunk size in a chunked request body.") from None
        if size < 0:
            raise FramingError(400, "Invalid chunk size in a chunked request body.")
        total += size
        if total > MAX_BODY_BYTES:
            raise FramingError(413, f"Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes.")
        if size == 0:
            while rfile.readline(_CHUNK_LINE) not in (b"\r\n", b"\n", b""):  # trailers end with an empty line
                pass
            return b"".join(chunks)
        chunk = rfile.read(size)
        if len(chunk) < size:
            raise FramingError(400, "Request body ended inside a chunk.")
        chunks.append(chunk)
        rfile.readline(_CHUNK_LINE)
