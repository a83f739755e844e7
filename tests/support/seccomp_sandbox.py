"""Run ``linky-exporter`` under the system-call policy of the systemd unit, without systemd.

The unit sets ``SystemCallFilter=@system-service``, ``SystemCallErrorNumber=EPERM``,
``MemoryDenyWriteExecute=yes`` and ``RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX``.
systemd (252, as in Debian and Raspberry Pi OS Bookworm) enforces them with
seccomp; this module installs the same filters through libseccomp (the library
systemd itself uses), so a test can show that the exporter serves metrics under
them on a machine where systemd is not PID 1.

Used as a program:  python seccomp_sandbox.py POLICY.json -- linky-exporter args...
where POLICY.json is ``{"allow": [syscall names]}`` from ``system_service_syscalls``.

Why not pyseccomp (PyPI): it is itself a 491-line ctypes binding, unreleased since 2021;
it would replace only the ~20 lines of ctypes setup below, for one more dependency.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import mmap
import runpy
import socket
import subprocess
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4
SCMP_CMP_GT = 6
SCMP_CMP_MASKED_EQ = 7
PROT_EXEC = mmap.PROT_EXEC
PROT_WRITE = mmap.PROT_WRITE
SHM_EXEC = 0o100000


def scmp_act_errno(number: int) -> int:
    return 0x00050000 | (number & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def system_service_syscalls() -> list[str]:
    """The system calls of ``@system-service`` (and ``@default``, always allowed), groups expanded.

    Read from ``systemd-analyze syscall-filter``, so the list is the installed systemd's.
    """
    dump = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True, check=True).stdout
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in dump.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif line.startswith("    ") and current is not None and not line.strip().startswith("#"):
            current.append(line.strip())
        elif not line.strip():
            current = None
    names: set[str] = set()

    def expand(group: str) -> None:
        for item in groups[group]:
            if item.startswith("@"):
                expand(item)
            else:
                names.add(item)

    expand("@system-service")
    expand("@default")
    return sorted(names)


def install(allowed: list[str]) -> None:
    """Deny W+X memory and other address families, then allow only ``allowed`` (EPERM for others)."""
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    deny = scmp_act_errno(errno.EPERM)

    # MemoryDenyWriteExecute=yes: systemd's seccomp rules (src/shared/seccomp-util.c). Loaded
    # first, because the allow list below does not allow loading another filter.
    guards = lib.seccomp_init(SCMP_ACT_ALLOW)
    rules = [
        ("mmap", 2, PROT_EXEC | PROT_WRITE),  # a mapping both writable and executable
        ("mmap2", 2, PROT_EXEC | PROT_WRITE),
        ("mprotect", 2, PROT_EXEC),  # making any mapping executable afterwards
        ("pkey_mprotect", 2, PROT_EXEC),
        ("shmat", 2, SHM_EXEC),
    ]
    for name, arg, mask in rules:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            continue
        compare = (_ArgCmp * 1)(_ArgCmp(arg, SCMP_CMP_MASKED_EQ, mask, mask))
        _check(lib.seccomp_rule_add_array(guards, deny, number, 1, compare), f"deny W+X {name}")
    # RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX: socket() with any other family
    # fails with EAFNOSUPPORT, as systemd does (one rule per refused family, one for all above AF_INET6).
    socket_call = lib.seccomp_syscall_resolve_name(b"socket")
    refused = scmp_act_errno(errno.EAFNOSUPPORT)
    allowed_families = sorted({socket.AF_UNIX, socket.AF_INET, socket.AF_INET6})
    for family in range(allowed_families[-1]):
        if family not in allowed_families:
            compare = (_ArgCmp * 1)(_ArgCmp(0, SCMP_CMP_EQ, family, 0))
            _check(lib.seccomp_rule_add_array(guards, refused, socket_call, 1, compare), f"refuse family {family}")
    compare = (_ArgCmp * 1)(_ArgCmp(0, SCMP_CMP_GT, allowed_families[-1], 0))
    _check(lib.seccomp_rule_add_array(guards, refused, socket_call, 1, compare), "refuse higher families")
    _check(lib.seccomp_load(guards), "load the W^X and address-family filter")

    # SystemCallFilter=@system-service with SystemCallErrorNumber=EPERM.
    allow_list = lib.seccomp_init(deny)
    for name in allowed:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number >= 0:  # names of other architectures do not resolve here
            _check(lib.seccomp_rule_add_array(allow_list, SCMP_ACT_ALLOW, number, 0, None), f"allow {name}")
    _check(lib.seccomp_load(allow_list), "load the system-call filter")


def writable_executable_mapping_refused() -> bool:
    """True when an anonymous W+X mapping is refused (the filter is in force)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    address = libc.mmap(None, 4096, PROT_WRITE | PROT_EXEC | mmap.PROT_READ, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    return address in (None, ctypes.c_void_p(-1).value) and ctypes.get_errno() == errno.EPERM


def netlink_socket_refused() -> bool:
    """True when socket(AF_NETLINK) is refused (RestrictAddressFamilies in force)."""
    try:
        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close()
    except OSError as error:
        return error.errno == errno.EAFNOSUPPORT
    return False


def debugging_call_refused() -> bool:
    """True when perf_event_open (group @debug, not in @system-service) is refused.

    Called with a NULL attribute: without the filter the kernel answers EFAULT
    and does nothing, so the probe is harmless either way.
    """
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    number = lib.seccomp_syscall_resolve_name(b"perf_event_open")
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.syscall(ctypes.c_long(number), None, 0, -1, -1, 0)
    return result == -1 and ctypes.get_errno() == errno.EPERM


def _check(result: int, what: str) -> None:
    if result < 0:
        raise OSError(-result, f"seccomp: cannot {what}")


def main(argv: list[str]) -> None:
    policy, separator, *exporter_args = argv
    assert separator == "--", "usage: seccomp_sandbox.py POLICY.json -- ARGS..."
    with open(policy) as stream:
        install(json.load(stream)["allow"])
    # Said on stderr so the test reads it in the exporter's log.
    print(
        f"sandbox: W+X mapping refused: {writable_executable_mapping_refused()}, "
        f"debugging call refused: {debugging_call_refused()}, "
        f"netlink socket refused: {netlink_socket_refused()}",
        file=sys.stderr,
        flush=True,
    )
    sys.argv = ["linky-exporter", *exporter_args]
    runpy.run_module("linky_exporter.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
