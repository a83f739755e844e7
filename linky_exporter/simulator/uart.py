"""What a UART set to the wrong speed makes of a TIC line.

A reader at 1200 Bd on a 9600 Bd line (or the reverse) does not see silence: it
sees bytes, wrong ones. We reproduce that at the bit level so that baud-rate
auto-detection is tested against realistic garbage: the line is 7E1 (start bit,
7 data bits LSB first, even parity, stop bit, idle high between characters), the
reader waits for a falling edge, samples 8 bits in the middle of its own bit
periods and delivers the byte it assembled.
"""

from __future__ import annotations


def line_bits(data: bytes) -> list[int]:
    bits: list[int] = []
    for byte in data:
        seven = byte & 0x7F
        bits.append(0)  # start
        bits.extend((seven >> k) & 1 for k in range(7))
        bits.append(bin(seven).count("1") & 1)  # even parity
        bits.append(1)  # stop
    return bits


def misread(data: bytes, line_baud: int, reader_baud: int) -> bytes:
    """The bytes a ``reader_baud`` 8N1 UART assembles from ``data`` sent at ``line_baud``."""
    if line_baud == reader_baud:
        return data
    bits = line_bits(data)
    count = len(bits)
    step = line_baud / reader_baud  # line bits per reader bit
    out = bytearray()
    position = 0.0
    while position < count:
        i = int(position)
        while i < count and bits[i]:
            i += 1
        if i >= count:
            break
        value = 0
        for k in range(8):
            j = int(i + (k + 1.5) * step)
            value |= (bits[j] if j < count else 1) << k
        out.append(value)
        # The reader's stop bit ends 9.5 of its bit periods after the start edge.
        position = max(i + 1.0, i + 9.5 * step)
    return bytes(out)
