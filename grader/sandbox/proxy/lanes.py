"""Concurrent calls over one channel.

A lane is one call stack across the channel: a test's thread calling into the submission
opens one ("t1", "t2", ...), and so does a thread of the submission calling a test's function
on its own ("s1", ...). Every frame names its lane; a reader thread on each end hands it to
the one thread serving that lane there. So several test threads can drive one student object
at once, and the submission's worker threads can call the tests' callbacks at once. The
student end serves new lanes on its main thread, and on a thread of their own when that one is
busy; the trusted end serves the submission's lanes only while a test is calling it.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from typing import Any

from grader.sandbox.proxy.channel import Channel, ChannelClosed, ChannelTimeout
from grader.sandbox.proxy.rules import ProtocolViolation, brief

# Calls in flight at once on one channel, and frames queued for one lane's thread: bounds
# on what a peer can make the other end hold.
MAX_LANES = 64
MAX_QUEUED = 64


class _Lane:
    """One call stack across the channel: the ids of this end's requests waiting on it, the
    frames that arrived for its thread, what the trusted end raised on it, its broken rule.
    """

    __slots__ = ("id", "inbox", "waiting", "raised", "violation")

    def __init__(self, lane_id: str) -> None:
        self.id = lane_id
        self.inbox: deque[dict[str, Any]] = deque()
        self.waiting: list[int] = []
        self.raised: list[int] = []
        self.violation: str | None = None


class Lanes(Channel):
    """The conversation machinery; `Endpoint` says how a request is served and answered."""

    trusted: bool
    violation: str | None
    raised: dict[int, frozenset[int]]
    timeout: float | None

    def __init__(self, sock: socket.socket, side: str) -> None:
        super().__init__(sock, side)
        self.next_id = 1
        self.cond = threading.Condition()
        self.local = threading.local()
        self.lanes: dict[str, _Lane] = {}
        self.next_lane = 1
        self.new_lanes: deque[_Lane] = deque()
        self.idle_servers = 0
        self.max_lanes = MAX_LANES
        self.failure: ConnectionError | None = None
        self.reader: threading.Thread | None = None

    def serve(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    def send_reply(self, reply: dict[str, Any]) -> None:
        raise NotImplementedError

    def _answer(self, message: dict[str, Any], message_id: int, lane: _Lane) -> Any:
        raise NotImplementedError

    def start(self) -> None:
        """Start reading frames (once): from now on each lane's thread gets its own."""
        with self.cond:
            if self.reader is not None:
                return
            self.reader = threading.Thread(
                target=self._read_frames, name=f"grader-{self.side}-frames", daemon=True
            )
            self.reader.start()

    def close(self) -> None:
        """Close the channel; every thread waiting on a lane wakes with ChannelClosed."""
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self._fail(ChannelClosed(f"the channel to the {self._peer()} was closed"))

    def depth(self) -> int:
        """How many of this thread's requests are waiting for their answer."""
        lane = getattr(self.local, "lane", None)
        return len(lane.waiting) if lane is not None else 0

    def request(self, op: str, **fields: Any) -> Any:
        """Send a request and serve the peer's requests on this lane until the answer."""
        self.start()
        lane = getattr(self.local, "lane", None)
        opened = lane is None
        if opened:
            lane = self._open_lane()
        try:
            with self.cond:
                message_id = self.next_id
                self.next_id += 1
                lane.waiting.append(message_id)
            try:
                self.send({"id": message_id, "lane": lane.id, "op": op, **fields})
                while True:
                    message = self._next_frame(lane)
                    if "op" in message:
                        self.serve(message)
                        continue
                    if message.get("id") != message_id:
                        raise ChannelClosed(f"the {self._peer()} answered out of turn")
                    break
            except BaseException:
                # Left without its answer: the conversation is out of step from here on.
                self.local.unanswered = getattr(self.local, "unanswered", 0) + 1
                raise
            finally:
                lane.waiting.remove(message_id)
            return self._answer(message, message_id, lane)
        finally:
            if opened:
                self._close_lane(lane)

    def _open_lane(self) -> _Lane:
        with self.cond:
            if self.failure is not None:
                raise self.failure
            lane = _Lane(f"{self.side[0]}{self.next_lane}")
            self.next_lane += 1
            self.lanes[lane.id] = lane
        self.local.lane = lane
        return lane

    def _close_lane(self, lane: _Lane) -> None:
        self.local.lane = None
        with self.cond:
            self.lanes.pop(lane.id, None)
        for ref in lane.raised:  # the call is over: no answer can bring them back now
            self.raised.pop(ref, None)

    def _next_frame(self, lane: _Lane) -> dict[str, Any]:
        timeout = self.timeout if self.timeout is not None else self.sock.gettimeout()
        with self.cond:
            if not self.cond.wait_for(
                lambda: lane.inbox or self.failure is not None, timeout
            ):
                raise ChannelTimeout(f"the {self._peer()} did not answer in time")
            if lane.inbox:
                return lane.inbox.popleft()
            assert self.failure is not None
            if self.trusted and self.violation is not None:
                raise ProtocolViolation(
                    "the process running your code broke the rules of its conversation "
                    f"with the tests: {self.violation}"
                )
            raise self.failure

    def _fail(self, failure: ConnectionError) -> None:
        with self.cond:
            if self.failure is None:
                self.failure = failure
            self.cond.notify_all()

    def _read_frames(self) -> None:
        """The reader thread: route each frame to the thread of its lane."""
        while True:
            try:
                message = self.receive(patient=True)
            except ChannelClosed as exc:
                self._fail(exc)
                return
            problem = self._route(message)
            if problem:
                self.violation = self.violation or problem
                self._fail(ChannelClosed(f"the {self._peer()} {problem}"))
                self.closed = True
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return

    def _route(self, message: dict[str, Any]) -> str:
        """Hand `message` to its lane's thread, or start serving a new lane; a problem
        that ends the conversation, or ""."""
        lane_id = message.get("lane")
        with self.cond:
            lane = self.lanes.get(lane_id) if isinstance(lane_id, str) else None
            if lane is not None:
                if len(lane.inbox) >= MAX_QUEUED:
                    return f"sent over {MAX_QUEUED} frames nobody asked for"
                lane.inbox.append(message)
                self.cond.notify_all()
                return ""
            if "op" not in message:
                return "answered a request nobody is waiting for"
            peer = "s" if self.side == "trusted" else "t"
            if not (
                isinstance(lane_id, str)
                and lane_id[:1] == peer
                and lane_id[1:].isdigit()
                and len(lane_id) <= 12
            ):
                return f"sent a request on a lane it cannot open ({brief(lane_id)})"
            if len(self.lanes) >= self.max_lanes:
                return f"opened over {self.max_lanes} calls at once"
            lane = _Lane(lane_id)
            lane.inbox.append(message)
            self.lanes[lane_id] = lane
            if self.idle_servers > len(self.new_lanes):  # one idle thread per lane
                self.new_lanes.append(lane)
                self.cond.notify_all()
                return ""
        threading.Thread(
            target=self._serve_lane,
            args=(lane,),
            name=f"grader-lane-{lane_id}",
            daemon=True,
        ).start()
        return ""

    def _serve_lane(self, lane: _Lane) -> None:
        """Serve a call the peer started on a lane of its own, on this thread."""
        self.local.lane = lane
        try:
            with self.cond:
                message = lane.inbox.popleft()
            if self.trusted and not self.lanes_of_mine():
                # The tests are not calling the submission now: a thread the submission
                # left running gets an error rather than a test's code running meanwhile.
                self.send_reply(
                    {
                        "id": message.get("id"),
                        "lane": lane.id,
                        "ok": False,
                        "error": {
                            "type": "RuntimeError",
                            "builtin": "RuntimeError",
                            "message": "the tests are not calling your code now: a "
                            "thread of yours called a test's function after its call "
                            "had returned",
                        },
                    }
                )
                return
            self.serve(message)
        except (ChannelClosed, ChannelTimeout):
            pass  # the reader has seen it too: waiting threads are told
        finally:
            self._close_lane(lane)

    def lanes_of_mine(self) -> list[str]:
        with self.cond:
            return [i for i in self.lanes if i[:1] == self.side[0]]

    def serve_forever(self) -> None:
        """Serve the calls the peer starts, on this thread (the main one), until the channel
        closes; calls that arrive while this thread is busy get threads of their own."""
        while True:
            with self.cond:
                self.idle_servers += 1
                try:
                    self.cond.wait_for(lambda: self.new_lanes or self.failure)
                finally:
                    self.idle_servers -= 1
                if not self.new_lanes:
                    return
                lane = self.new_lanes.popleft()
            self._serve_lane(lane)
