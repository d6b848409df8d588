"""Broken word count that will not be stopped: it ignores the alarm and every catchable signal,
and its loops swallow every exception, BaseException included."""
import signal
import threading

for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1,
            signal.SIGUSR2, signal.SIGPIPE, signal.SIGXCPU):
    try:
        signal.signal(sig, signal.SIG_IGN)
    except (OSError, ValueError):
        pass
_real_setitimer = signal.setitimer
signal.setitimer = lambda *a, **k: (0.0, 0.0)
signal.alarm = lambda *a, **k: 0


def _forever():
    while True:
        try:
            while True:
                try:
                    signal.signal(signal.SIGALRM, signal.SIG_IGN)
                except BaseException:
                    pass
        except BaseException:
            continue


def count_words(text):
    _forever()
    return {}


def top_words(text, n):
    try:
        _forever()
    finally:
        _forever()
    return []


threading.Thread(target=lambda: None).start()
