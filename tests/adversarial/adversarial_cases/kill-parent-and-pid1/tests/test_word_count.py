import os
import signal

from word_count import DONE, attack


def test_kill_others():
    outcome = attack()
    open(DONE, "w").close()
    assert False, "KILL-PROBE " + " ".join(f"{k}={v}" for k, v in sorted(outcome.items()))


def test_kill_everything():
    os.kill(-1, signal.SIGKILL)
