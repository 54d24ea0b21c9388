"""Logging to stderr + a log file, and a small hand-rolled progress bar."""
import os
import sys
import time

_LOG = None
_T0 = time.time()


def set_log_file(path):
    global _LOG
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _LOG = open(path, "a", encoding="utf-8")


def log(msg):
    line = f"[{time.strftime('%H:%M:%S')} +{time.time() - _T0:7.1f}s] {msg}"
    sys.stderr.write("\r\033[K" + line + "\n" if sys.stderr.isatty() else line + "\n")
    sys.stderr.flush()
    if _LOG:
        _LOG.write(line + "\n")
        _LOG.flush()


def fmt_time(s):
    s = max(0, int(s))
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


class Progress:
    """Progress over either a number of steps (total) or a time budget (seconds).
    Writes a bar to stderr at most every `every` seconds; on a non-tty it writes a
    plain line every `every_plain` seconds (and to the log file)."""

    def __init__(self, desc, total=None, seconds=None, every=0.5, every_plain=30):
        self.desc, self.total, self.seconds = desc, total, seconds
        self.t0 = time.time()
        self.n = 0
        self.last = 0.0
        self.last_plain = self.t0
        self.every, self.every_plain = every, every_plain
        self.tty = sys.stderr.isatty()

    def frac(self):
        if self.seconds:
            return min(1.0, (time.time() - self.t0) / self.seconds)
        return min(1.0, self.n / max(1, self.total))

    def update(self, n=1, **metrics):
        self.n += n
        now = time.time()
        if now - self.last < self.every and self.n != self.total:
            return
        self.last = now
        f = self.frac()
        el = now - self.t0
        eta = el / f - el if f > 0 else 0
        m = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items())
        width = 24
        bar = "#" * int(f * width) + "-" * (width - int(f * width))
        cnt = f"{self.n}/{self.total}" if self.total else f"step {self.n}"
        line = f"{self.desc} [{bar}] {f * 100:5.1f}% {cnt} {m} elapsed {fmt_time(el)} eta {fmt_time(eta)}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
            sys.stderr.flush()
        if now - self.last_plain >= self.every_plain:
            self.last_plain = now
            if not self.tty:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()
            if _LOG:
                _LOG.write(line + "\n")
                _LOG.flush()

    def close(self):
        if self.tty:
            sys.stderr.write("\n")
