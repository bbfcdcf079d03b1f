#!/usr/bin/env python3
"""Key latency of the cockpit in a real pseudo-terminal.

Starts `cxcockpit --db STORE` in a pty of COLS x ROWS, presses a fixed walk of keys through
every pane and times, for each key, the first byte of the answer and the complete frame: the
screen (as a terminal emulator, pyte, draws it) has changed and shows no loading line, and the
burst of output that brought it there has ended. The peak memory (VmHWM) of the cockpit so far is
read after each key, and after the walk; and what it does idle: bytes written and CPU time over a few seconds once the
prefetching has ended.

    pip install pyte
    python3 benches/keys.py --bin target/release/cxcockpit --db target/stores/big.db

The figures in the README's Performance section come from this script.
"""

import argparse
import os
import pty
import select
import struct
import sys
import time

import fcntl
import pyte
import termios

# A burst of output has ended when nothing more arrives for this long.
QUIET = 0.02


def spawn(binary, db, cols, rows):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("NO_COLOR", None)
        os.execv(binary, [binary, "--db", db])
    return pid, fd


class Screen:
    def __init__(self, fd, cols, rows):
        self.fd = fd
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes = 0

    def text(self):
        return "\n".join(self.screen.display)

    def read(self, timeout):
        """Reads what arrives within `timeout`; returns the time of the first byte or None."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        at = time.monotonic()
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return None
        self.bytes += len(data)
        self.stream.feed(data)
        return at

    def wait_frame(self, sent, before, limit):
        """After a key sent at `sent`: (ms to the first byte, ms to the complete frame)."""
        first = None
        deadline = sent + limit
        while time.monotonic() < deadline:
            at = self.read(max(0.0, deadline - time.monotonic()))
            if at is None:
                continue
            if first is None:
                first = at
            text = self.text()
            if text != before and "loading " not in text:
                # Take the rest of this burst: the frame ends with it.
                last = at
                while True:
                    more = self.read(QUIET)
                    if more is None:
                        break
                    last = more
                if "loading " not in self.text():
                    return ms(first, sent), ms(last, sent)
        return (ms(first, sent) if first else None), None

    def settle(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.read(max(0.0, end - time.monotonic()))


def ms(at, since):
    return round((at - since) * 1000.0, 1)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def peak_memory_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    return None


# (label, bytes to send). The walk assumes the demo's first journey: 6 phases, so Churn is 8 and
# Tiers 9; Tab goes from Tiers to Triage.
WALK = [
    ("phase pane (2)", b"2"),
    ("month back ([)", b"["),
    ("segment (s)", b"s"),
    ("segment back (S)", b"S"),
    ("predictive power (i)", b"i"),
    ("touchpoints (T)", b"T"),
    ("what customers say (c)", b"c"),
    ("close view (Esc)", b"\x1b"),
    ("open Churn (8)", b"8"),
    ("Churn: month back ([)", b"["),
    ("Churn: month forward (])", b"]"),
    ("Churn: segment (s)", b"s"),
    ("Churn: segment back (S)", b"S"),
    ("open Tiers (9)", b"9"),
    ("Tiers: month back ([)", b"["),
    ("Tiers: month forward (])", b"]"),
    ("open Triage (Tab)", b"\t"),
    ("Triage: all accounts (t)", b"t"),
    ("Triage: order (o)", b"o"),
    ("Triage: month back ([)", b"["),
    ("account view (v)", b"v"),
    ("close account (Esc)", b"\x1b"),
    ("review (V)", b"V"),
    ("review: month back ([)", b"["),
    ("close review (V)", b"V"),
    ("next journey (J)", b"J"),
]


def months_walk(steps):
    """Every month of Tiers, Churn and Triage, a key each: Tiers stepped back `steps` months from
    the last (to the first month, where most accounts join a tier: the longest watch list),
    Churn forward from there, Triage back again. The month is shared by the panes."""
    walk = [("open Tiers (9)", b"9")]
    walk += [(f"Tiers: month back ([) {i + 1}", b"[") for i in range(steps)]
    walk.append(("open Churn (8)", b"8"))
    walk += [(f"Churn: month forward (]) {i + 1}", b"]") for i in range(steps)]
    walk += [("back to Tiers (9)", b"9"), ("open Triage (Tab)", b"\t")]
    walk += [(f"Triage: month back ([) {i + 1}", b"[") for i in range(steps)]
    return walk


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/release/cxcockpit")
    parser.add_argument("--db", required=True)
    parser.add_argument("--cols", type=int, default=160)
    parser.add_argument("--rows", type=int, default=48)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds to wait for a frame")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between keys")
    parser.add_argument("--months", type=int, metavar="N",
                        help="instead of the walk above: every month of Tiers, Churn and Triage, N months before the last")
    args = parser.parse_args()
    walk = WALK if args.months is None else months_walk(args.months)

    started = time.monotonic()
    pid, fd = spawn(args.bin, args.db, args.cols, args.rows)
    screen = Screen(fd, args.cols, args.rows)
    rows = []
    first, full = screen.wait_frame(started, "", args.limit)
    screen.settle(args.pause)
    rows.append(("first frame (start to screen)", first, full, peak_memory_mb(pid)))
    for label, keys in walk:
        before = screen.text()
        sent = time.monotonic()
        os.write(fd, keys)
        first, full = screen.wait_frame(sent, before, args.limit)
        screen.settle(args.pause)
        rows.append((label, first, full, peak_memory_mb(pid)))

    # Idle: let the prefetching end, then count what the cockpit does.
    screen.settle(5.0)
    peak = peak_memory_mb(pid)
    bytes_before, cpu_before = screen.bytes, cpu_seconds(pid)
    screen.settle(5.0)
    idle_bytes, idle_cpu = screen.bytes - bytes_before, cpu_seconds(pid) - cpu_before

    os.write(fd, b"q")
    sent = time.monotonic()
    _, status = os.waitpid(pid, 0)
    quit_ms = ms(time.monotonic(), sent)

    print(f"| key | first byte (ms) | complete frame (ms) | peak memory so far (MB) |")
    print(f"|---|---|---|---|")
    for label, first, full, peak_so_far in rows:
        show = lambda v: "-" if v is None else f"{v}"
        print(f"| {label} | {show(first)} | {show(full)} | {show(peak_so_far)} |")
    print()
    print(f"peak memory after the walk: {peak} MB")
    print(f"idle for 5 s after prefetching: {idle_bytes} bytes written, {idle_cpu:.2f} s CPU")
    print(f"q: exited in {quit_ms} ms, status {status}")
    slow_first = [r for r in rows[1:] if r[1] is None or r[1] > 16]
    return 1 if slow_first else 0


if __name__ == "__main__":
    sys.exit(main())
