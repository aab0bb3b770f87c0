"""A seccomp filter that closes the kernel interfaces student code never needs.

bubblewrap installs it (``--seccomp FD``) just before the program starts. It
answers ``EPERM`` to:

- kernel keyrings (``add_key``, ``request_key``, ``keyctl``): they belong to
  the uid, not to the sandbox, so one run could leave data there for the next;
- new namespaces (``unshare``, ``setns``, ``clone`` with a ``CLONE_NEW*``
  flag): nested user namespaces are a large kernel attack surface;
- mounting, module loading, ``kexec``, ``reboot``, swap, ``acct``,
  ``quotactl``, ``syslog``, file handles (``open_by_handle_at``);
- ``ptrace`` and ``process_vm_readv/writev``, ``bpf``, ``perf_event_open``,
  ``userfaultfd`` and ``io_uring``: debugging and kernel-exploit favourites;

and ``ENOSYS`` to ``clone3`` (whose flags a filter cannot inspect; the C
library then falls back to ``clone``). Everything else is allowed.

Only x86-64 is covered (the numbers below are that architecture's); on other
machines :func:`filter_program` returns None and the sandbox runs without this
extra layer (``docs/sandbox.md`` says so). A program for another
architecture under x86-64 (32-bit or x32 system calls) is killed.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

__all__ = ["BLOCKED_X86_64", "filter_program", "filter_fd"]

BLOCKED_X86_64 = {
    "ptrace": 101,
    "syslog": 103,
    "vhangup": 153,
    "pivot_root": 155,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
"""System calls answered with EPERM, by their x86-64 numbers."""

_CLONE = 56
_CLONE3 = 435
_X32_BIT = 0x40000000
_AUDIT_ARCH_X86_64 = 0xC000003E
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
_CLONE_NAMESPACES |= 0x20000000 | 0x40000000

_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JUMP_ANY_BIT = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_ERRNO = 0x00050000

# Offsets in struct seccomp_data: nr, arch, then args[0] (its low 32 bits on little-endian).
_NR, _ARCH, _ARG0 = 0, 4, 16


def _instruction(code: int, k: int, jump_true: int = 0, jump_false: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jump_true, jump_false, k)


def filter_program() -> bytes | None:
    """The filter as the raw ``struct sock_filter`` array bubblewrap reads, or None.

    Examples
    --------
    >>> program = filter_program()
    >>> program is None or len(program) % 8 == 0
    True
    """
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    blocked = sorted(BLOCKED_X86_64.values())
    # Layout: checks, then the shared return instructions at the end.
    checks = 5 + len(blocked) + 2
    ret_allow, ret_eperm, ret_enosys = checks, checks + 1, checks + 2
    clone_check = checks + 3
    program = [
        _instruction(_LOAD_WORD, _ARCH),
        _instruction(_JUMP_EQUAL, _AUDIT_ARCH_X86_64, 1, 0),
        _instruction(_RETURN, _KILL_PROCESS),
        _instruction(_LOAD_WORD, _NR),
    ]

    def jump_to(target: int) -> int:
        return target - len(program) - 1

    program.append(_instruction(_JUMP_AT_LEAST, _X32_BIT, jump_to(ret_eperm), 0))
    for number in blocked:
        program.append(_instruction(_JUMP_EQUAL, number, jump_to(ret_eperm), 0))
    program.append(_instruction(_JUMP_EQUAL, _CLONE3, jump_to(ret_enosys), 0))
    program.append(_instruction(_JUMP_EQUAL, _CLONE, jump_to(clone_check), 0))
    assert len(program) == ret_allow, "the return instructions must follow the checks"
    program += [
        _instruction(_RETURN, _ALLOW),
        _instruction(_RETURN, _ERRNO | errno.EPERM),
        _instruction(_RETURN, _ERRNO | errno.ENOSYS),
        _instruction(_LOAD_WORD, _ARG0),
        _instruction(_JUMP_ANY_BIT, _CLONE_NAMESPACES, 0, 1),
        _instruction(_RETURN, _ERRNO | errno.EPERM),
        _instruction(_RETURN, _ALLOW),
    ]
    return b"".join(program)


def filter_fd() -> int | None:
    """A file descriptor holding :func:`filter_program`, ready for ``bwrap --seccomp``.

    The caller passes it to the child (``pass_fds``) and closes it after the
    launch. None when there is no filter for this machine.
    """
    program = filter_program()
    if program is None:
        return None
    fd = os.memfd_create("course-sandbox-seccomp", os.MFD_CLOEXEC)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
