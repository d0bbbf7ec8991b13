"""Read an NPPES file in byte-range chunks that end on a record boundary, one thread ahead of the parser.

Each chunk is read with one ``os.pread`` at its exact length, hashed (when asked) in file order, and
handed over through a one-deep queue so reading and hashing overlap with polars parsing the previous
chunk.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

CHUNK_BYTES = 64 << 20  # per parse; peak memory is a small multiple of this (prefetch + parse)
_BOUNDARY_WINDOW = 256 << 10  # a record is ~1.2 KB, so a chunk end is found in the last 256 KB


def _last_record_end(data: bytes, start: int = 0) -> int:
    """Offset just past the last newline in ``data[start:]`` that is outside quotes, or 0.

    ``data`` begins on a record boundary, so a newline ends a record exactly when the number of
    quote characters before it is even (an escaped ``""`` adds two). Counting is done once and then
    adjusted while stepping back, so this is linear even for a chunk full of quoted newlines.
    """
    end = data.rfind(b"\n", start)
    if end == -1:
        return 0
    quotes = data.count(b'"', 0, end)
    while quotes % 2:
        prev = data.rfind(b"\n", start, end)
        if prev == -1:
            return 0
        quotes -= data.count(b'"', prev, end)
        end = prev
    return end + 1


def _last_record_start(probe: bytes) -> int:
    """Offset of the last ``\n"<digit>`` in ``probe`` (the newline's offset), or -1.

    In a file where every field is quoted and the first field is the NPI, ``\n"`` followed by a
    digit can only be a record start: inside a quoted field a quote is doubled (``\n""…``) and a
    closing quote is followed by a comma or a line end. This lets a chunk end be found from a small
    window at its end, without scanning (or copying) the whole chunk.
    """
    i = probe.rfind(b'\n"')
    while i != -1:
        if i + 2 < len(probe) and 48 <= probe[i + 2] <= 57:
            return i
        i = probe.rfind(b'\n"', 0, i)
    return -1


def _chunk_end(fd: int, start: int, target: int, size: int, name: str, chunk_bytes: int) -> int:
    """File offset of a record boundary in ``(start, target]`` (or later if a record is huge)."""
    window = _BOUNDARY_WINDOW
    while True:
        if target >= size:
            return size
        lo = max(start, target - window)
        probe = os.pread(fd, target - lo, lo)
        i = _last_record_start(probe)
        if i >= 0:
            return lo + i + 1
        if lo == start:
            break
        window *= 8
    # Not every field is quoted (a re-saved file?): fall back to quote parity over the whole span.
    limit = start + 8 * chunk_bytes
    while target < min(size, limit):
        cut = _last_record_end(os.pread(fd, target - start, start))
        if cut:
            return start + cut
        target += chunk_bytes
    if target >= size:
        return size
    raise ValueError(
        f"{name}: no record boundary within {target - start:,} bytes from byte {start:,}; "
        "unbalanced quotes, not a well-formed CSV"
    )


def _read_chunks(path: Path, start: int, chunk_bytes: int, hasher: hashlib._Hash | None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, bytes)`` of whole records from ``start`` to the end, hashing each in order.

    Each chunk is read once with ``os.pread`` at its exact length, so the bytes handed to polars
    are the only copy (no concatenation of a carried-over tail, no slicing).
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        pos = start
        while pos < size:
            end = _chunk_end(fd, pos, pos + chunk_bytes, size, path.name, chunk_bytes)
            data = os.pread(fd, end - pos, pos)
            if len(data) != end - pos:
                raise ValueError(f"{path.name}: the file changed while it was being read (short read at byte {pos:,})")
            if hasher is not None:
                hasher.update(data)
            yield pos, data
            pos = end
    finally:
        os.close(fd)


def _prefetch(items: Iterator, depth: int = 1) -> Iterator:
    """Run ``items`` in a background thread, ``depth`` items ahead.

    Reading and hashing happen in Python (the GIL is released for file I/O and hashlib) while
    polars parses the previous chunk on its own threads.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def worker() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put((True, item))
            q.put((True, done))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer thread
            q.put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # release the file at once when the consumer stopped early
                close()

    thread = threading.Thread(target=worker, name="nppes-reader", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = q.get()
            if not ok:
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a worker waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
