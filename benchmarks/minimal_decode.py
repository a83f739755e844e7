"""A minimal strict TIC parser, the yardstick of ``linky-exporter decode``'s CPU (benchmarks/decode_command.py).

It does decode's job on a clean capture and nothing more: frames from STX to
ETX, each group's checksum in either mode, the same JSON line per frame on
stdout and the counts on stderr. It has none of decode's care for damaged
streams (bit 7, lost ETX, EOT, overflow, stray bytes, malformed groups): on a
clean capture both must print the same lines, which the benchmark checks.
It imports nothing from linky_exporter, so it pays no import either.

    python benchmarks/minimal_decode.py CAPTURE
"""

import json
import sys

SP, HT = 0x20, 0x09
MODES = {SP: "historique", HT: "standard"}


def frame_groups(body: bytes) -> tuple[str | None, dict]:
    mode, groups = None, {}
    for group in body[1:-1].split(b"\r\n"):
        check, separator = group[-1], group[-2]
        summed = group[:-2] if separator == SP else group[:-1]
        if separator not in MODES or (sum(summed) & 0x3F) + 0x20 != check:
            continue
        mode = MODES[separator]
        if separator == SP:
            label, _, value = group[:-2].decode("latin-1").partition(" ")
            horodate = None
        else:
            fields = group[:-2].decode("latin-1").split("\t")
            label, value = fields[0], fields[-1]
            horodate = fields[1] if len(fields) == 3 else None
        groups[label] = {"value": value.strip(" "), "horodate": horodate}
    return mode, groups


def main(path: str) -> None:
    with open(path, "rb") as capture:
        data = capture.read()
    lines, frames, groups_valid = [], 0, 0
    for part in data.split(b"\x03"):
        start = part.rfind(b"\x02")
        if start < 0:
            continue
        mode, groups = frame_groups(part[start + 1 :])
        if groups:
            frames += 1
            groups_valid += len(groups)
            lines.append(json.dumps({"mode": mode, "groups": groups}) + "\n")
    sys.stdout.write("".join(lines))
    print(json.dumps({"frames_valid": frames, "groups_valid": groups_valid}), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
