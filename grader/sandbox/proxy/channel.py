"""Frames between the two processes: length-prefixed JSON over a stream socket."""

from __future__ import annotations

import json
import socket
import struct
import threading
from typing import Any

from grader.sandbox.proxy import codec
from grader.sandbox.proxy.rules import no_constant

MAX_FRAME = 64 * 1024 * 1024
HEADER = struct.Struct(">I")


class ChannelClosed(ConnectionError):
    """The other process went away in the middle of a conversation."""


class ChannelTimeout(TimeoutError):
    """The other process did not answer in time."""


class Channel:
    """One end's socket: whole frames in, whole frames out (sends from any thread)."""

    def __init__(self, sock: socket.socket, side: str) -> None:
        self.sock = sock
        self.side = side  # "trusted" or "student"
        self.closed = False
        self.send_lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message, ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
        if len(payload) > MAX_FRAME:
            raise codec.CodecError("message too large to send")
        try:
            with self.send_lock:
                self.sock.sendall(HEADER.pack(len(payload)) + payload)
        except socket.timeout:
            raise ChannelTimeout(f"the {self._peer()} did not read in time") from None
        except OSError as exc:
            raise ChannelClosed(f"the {self._peer()} went away ({exc})") from None

    def receive(self, patient: bool = False) -> dict[str, Any]:
        """The next frame. `patient`: a quiet peer is no error (the reader thread waits;
        each lane's thread keeps its own time)."""
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, patient))
        if size > MAX_FRAME:
            raise ChannelClosed(f"the {self._peer()} sent a frame of {size} bytes")
        try:  # JSON only: no NaN or Infinity, which no reply could echo
            message = json.loads(
                self._read_exact(size, patient).decode("utf-8"),
                parse_constant=no_constant,
            )
        except (ValueError, RecursionError):
            raise ChannelClosed(f"the {self._peer()} sent a malformed frame") from None
        if not isinstance(message, dict):
            raise ChannelClosed(f"the {self._peer()} sent a malformed message")
        return message

    def _read_exact(self, size: int, patient: bool = False) -> bytes:
        chunks, remaining = [], size
        while remaining:
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except socket.timeout:
                if patient and not self.closed:
                    continue
                raise ChannelTimeout(
                    f"the {self._peer()} did not answer in time"
                ) from None
            except OSError as exc:
                raise ChannelClosed(f"the {self._peer()} went away ({exc})") from None
            if not chunk:
                raise ChannelClosed(f"the {self._peer()} went away")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _peer(self) -> str:
        return "student process" if self.side == "trusted" else "test process"
