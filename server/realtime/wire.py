"""Websocket frames of ``/live`` built once per event, for every client.

The text of an Engine.IO packet shared by many clients is a :class:`Shared` string that keeps
its frames, plain and compressed. Compression is ``permessage-deflate`` without context
takeover (each message compressed on its own: see :mod:`server.realtime.transport`), so the
compressed frame is the same bytes for every client. Messages under :data:`DEFLATE_MIN`
bytes go uncompressed (a frame may always be sent so).
"""

from __future__ import annotations

import struct
import zlib

#: Messages shorter than this are sent uncompressed: deflate saves nothing on them.
DEFLATE_MIN = 256
#: The compressor's window; offers that limit the server's window below it are declined.
WBITS = 15
#: RFC 7692 7.2.1: the empty stored block every flush ends with, left off the wire.
TAIL = b"\x00\x00\xff\xff"


class Shared(str):
    """The text of an Engine.IO packet that many clients receive; keeps its frames."""

    def frame(self, deflate: bool) -> bytes:
        key = "_deflated" if deflate else "_plain"
        built = self.__dict__.get(key)
        if built is None:
            built = self.__dict__[key] = frame(str(self), deflate)
        return built


def frame(text: str, deflate: bool = False) -> bytes:
    """One unmasked, final websocket text frame (a server's), compressed on its own when
    ``deflate`` and the text is long enough."""
    if isinstance(text, Shared):
        return text.frame(deflate)
    data, first = text.encode(), 0x81  # FIN, text
    if deflate and len(data) >= DEFLATE_MIN:
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -WBITS)
        data = (packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH))[:-len(TAIL)]
        first |= 0x40  # RSV1: compressed
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", first, n)
    elif n < 65536:
        head = struct.pack("!BBH", first, 126, n)
    else:
        head = struct.pack("!BBQ", first, 127, n)
    return head + data
