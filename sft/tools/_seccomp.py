"""Seccomp-BPF filters for the Python sandbox (x86_64 Linux only).

A seccomp filter is the kernel-enforced last layer under the sandbox: whatever the
untrusted code does -- including raw ``ctypes`` system calls -- the calls below fail.

* **Always denied:** creating processes (``fork``, ``vfork``, ``clone`` without
  ``CLONE_THREAD``; threads stay allowed), sockets, ``ptrace`` and other cross-process
  calls, mounts and namespaces, kernel keyrings, ``bpf``, ``perf_event_open``,
  ``io_uring`` (its operations would bypass seccomp), module loading, clocks, reboot and
  similar administrative calls.
* **Always denied:** every socket call (``socketpair``, ``bind``, ``connect``,
  ``sendto``, ``sendmsg``, ... -- not only ``socket``), memory that ``RLIMIT_AS`` does not
  count (``memfd_create``, System V shared memory), and changes to existing inodes'
  metadata and links (the ``chmod``/``chown``/``utime``/xattr/``link`` families).
* **Always denied:** ``kill`` with a negative target (``kill(-1, ...)`` broadcasts).
* **Only without bubblewrap** (``rlimits`` isolation, where the code shares our file
  system, pid space and often our uid): every file-system write (``open`` with write
  flags, ``unlink``, ``rename``, ``chmod``, ...) fails with ``EROFS``, and signals,
  ``prlimit`` and the like may only target the sandboxed process itself.

Process creation fails with ``EAGAIN`` -- what ``RLIMIT_NPROC`` gives -- so the runner can
report ``limit_exceeded == "processes"``; ``clone3`` fails with ``ENOSYS`` so that glibc
falls back to ``clone``, whose flags a filter can inspect (``clone3`` passes a pointer).

The program is plain classic BPF assembled here (no libseccomp), passed to bubblewrap
with ``--seccomp FD`` or installed by the child itself through ``prctl``.
"""

from __future__ import annotations

import errno
import platform
import struct
import sys

# BPF opcodes (linux/filter.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
_CLONE_THREAD = 0x00010000

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6].
_OFFSET_NR = 0
_OFFSET_ARCH = 4


def _arg_low(index: int) -> int:
    # Little-endian: the low 32 bits of args[index]. pids and flags fit in 32 bits.
    return 16 + 8 * index


PID_PLACEHOLDER = 0x5EC0_0B1D
"""Stands for the sandboxed process's pid in rlimits-mode filters; the child patches it."""

# x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
_X86_64 = {
    "open": 2,
    "shmget": 29,
    "shmat": 30,
    "shmctl": 31,
    "socket": 41,
    "connect": 42,
    "accept": 43,
    "sendto": 44,
    "recvfrom": 45,
    "sendmsg": 46,
    "recvmsg": 47,
    "shutdown": 48,
    "bind": 49,
    "listen": 50,
    "getsockname": 51,
    "getpeername": 52,
    "socketpair": 53,
    "setsockopt": 54,
    "getsockopt": 55,
    "clone": 56,
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "kill": 62,
    "truncate": 76,
    "rename": 82,
    "mkdir": 83,
    "rmdir": 84,
    "creat": 85,
    "link": 86,
    "unlink": 87,
    "symlink": 88,
    "chmod": 90,
    "fchmod": 91,
    "chown": 92,
    "fchown": 93,
    "lchown": 94,
    "ptrace": 101,
    "syslog": 103,
    "rt_sigqueueinfo": 129,
    "utime": 132,
    "mknod": 133,
    "uselib": 134,
    "setpriority": 141,
    "sched_setparam": 142,
    "sched_setscheduler": 144,
    "vhangup": 153,
    "pivot_root": 155,
    "_sysctl": 156,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "nfsservctl": 180,
    "setxattr": 188,
    "lsetxattr": 189,
    "fsetxattr": 190,
    "removexattr": 197,
    "lremovexattr": 198,
    "fremovexattr": 199,
    "tkill": 200,
    "sched_setaffinity": 203,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "tgkill": 234,
    "utimes": 235,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "ioprio_set": 251,
    "migrate_pages": 256,
    "openat": 257,
    "mkdirat": 258,
    "mknodat": 259,
    "fchownat": 260,
    "futimesat": 261,
    "unlinkat": 263,
    "renameat": 264,
    "linkat": 265,
    "symlinkat": 266,
    "fchmodat": 268,
    "unshare": 272,
    "move_pages": 279,
    "utimensat": 280,
    "accept4": 288,
    "rt_tgsigqueueinfo": 297,
    "recvmmsg": 299,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "prlimit64": 302,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "sendmmsg": 307,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "sched_setattr": 314,
    "renameat2": 316,
    "memfd_create": 319,
    "kexec_file_load": 320,
    "bpf": 321,
    "execveat": 322,
    "userfaultfd": 323,
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_open": 434,
    "clone3": 435,
    "openat2": 437,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
    "quotactl_fd": 443,
    "memfd_secret": 447,
    "fchmodat2": 452,
    "setxattrat": 463,
    "removexattrat": 466,
    "file_setattr": 469,
}

# Denied in every mode, with EPERM.
_ALWAYS_DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_open",
    "pidfd_getfd",
    "pidfd_send_signal",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "add_key",
    "request_key",
    "keyctl",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "syslog",
    "sethostname",
    "setdomainname",
    "settimeofday",
    "clock_settime",
    "adjtimex",
    "clock_adjtime",
    "iopl",
    "ioperm",
    "name_to_handle_at",
    "open_by_handle_at",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "vhangup",
    "nfsservctl",
    "uselib",
    "_sysctl",
    "fanotify_init",
    "setpriority",
    "sched_setparam",
    "sched_setscheduler",
    "sched_setaffinity",
    "sched_setattr",
    "ioprio_set",
    "migrate_pages",
    "move_pages",
)

# Every socket call, denied with EACCES in every mode. ``socket`` alone is not enough:
# ``socketpair`` makes Unix sockets without it, and ``bind``/``sendto`` on such a socket
# create socket files on, and deliver datagrams to, the host when the file system is shared.
_SOCKET_CALLS = (
    "socket",
    "socketpair",
    "bind",
    "connect",
    "listen",
    "accept",
    "accept4",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "shutdown",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
)

# Memory that RLIMIT_AS does not count (shared memory, memfd pages), denied with EPERM
# in every mode: the address-space limit then bounds what the code can allocate.
_UNCOUNTED_MEMORY = ("memfd_create", "memfd_secret", "shmget", "shmat", "shmctl")

# Changes to the metadata of existing inodes (mode, owner, times, extended attributes)
# and hard links, denied with EPERM in every mode: under bubblewrap the device nodes
# are the host's own inodes, and no snippet needs these calls. In the shared-file-system
# mode they are also file-system writes (below), which fail with EROFS instead.
_MODE_OWNER_TIMES = (
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
)
_XATTRS = (
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "setxattrat",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "removexattrat",
    "file_setattr",
)
_HARD_LINKS = ("link", "linkat")
_INODE_CHANGES = (*_MODE_OWNER_TIMES, *_XATTRS, *_HARD_LINKS)

# File-system writes, denied with EROFS when the code shares the host file system.
_FS_WRITES = (
    "creat",
    "truncate",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "rmdir",
    *_HARD_LINKS,
    "symlink",
    "symlinkat",
    "unlink",
    "unlinkat",
    *_MODE_OWNER_TIMES,
    "mknod",
    "mknodat",
    *_XATTRS,
)

# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND: any of them means "may write".
_OPEN_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000

# Calls whose first argument names a target process: allowed only for the sandboxed
# process itself (0 = "myself" for kill and prlimit64).
_SELF_TARGETED = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


def is_supported() -> bool:
    """Whether this module can build a filter for the running machine."""
    return sys.platform == "linux" and platform.machine() in ("x86_64", "AMD64")


class _Program:
    """Classic BPF with forward jumps to labels, resolved at :meth:`assemble`."""

    def __init__(self) -> None:
        self.code: list[tuple[int, object, object, int]] = []
        self.labels: dict[str, int] = {}

    def emit(self, op: int, k: int, jt: object = 0, jf: object = 0) -> None:
        self.code.append((op, jt, jf, k))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def assemble(self) -> bytes:
        out = bytearray()
        for index, (op, jt, jf, k) in enumerate(self.code):
            offsets = []
            for target in (jt, jf):
                if isinstance(target, str):
                    offset = self.labels[target] - index - 1
                    if not 0 <= offset <= 255:
                        raise AssertionError(f"BPF jump out of range: {offset}")
                    offsets.append(offset)
                else:
                    offsets.append(int(target))  # type: ignore[call-overload]
            out += struct.pack("<HBBI", op, offsets[0], offsets[1], k & 0xFFFFFFFF)
        return bytes(out)


def build_filter(*, deny_fs_writes: bool, restrict_to_self: bool) -> bytes:
    """Assembles the seccomp filter as raw ``struct sock_filter`` bytes.

    Args:
        deny_fs_writes: Also fail file-system writes with ``EROFS`` (no mount namespace).
        restrict_to_self: Only let signal-sending and ``prlimit64`` calls target the
            process itself; the pid is :data:`PID_PLACEHOLDER`, patched by the child.

    Returns:
        The program bytes (8 bytes per instruction).

    Raises:
        RuntimeError: If seccomp filters are not supported on this machine.
    """
    if not is_supported():
        raise RuntimeError("seccomp filters are only built for x86_64 Linux")
    nr = _X86_64
    p = _Program()
    p.emit(_LD_W_ABS, _OFFSET_ARCH)
    p.emit(_JEQ_K, _AUDIT_ARCH_X86_64, 1, 0)
    p.emit(_RET_K, _RET_KILL_PROCESS)  # a foreign ABI: nothing legitimate uses it
    p.emit(_LD_W_ABS, _OFFSET_NR)
    p.emit(_JGE_K, _X32_SYSCALL_BIT, "eperm", 0)  # x32 ABI aliases
    for name in ("fork", "vfork"):
        p.emit(_JEQ_K, nr[name], "eagain", 0)
    p.emit(_JEQ_K, nr["clone3"], "enosys", 0)
    p.emit(_JEQ_K, nr["openat2"], "enosys", 0)  # pointer flags: glibc falls back to openat
    p.emit(_JEQ_K, nr["clone"], "clone", 0)
    for name in _SOCKET_CALLS:
        p.emit(_JEQ_K, nr[name], "eacces", 0)
    if deny_fs_writes:
        p.emit(_JEQ_K, nr["open"], "open", 0)
        p.emit(_JEQ_K, nr["openat"], "openat", 0)
        for name in _FS_WRITES:
            p.emit(_JEQ_K, nr[name], "erofs", 0)
    if not restrict_to_self:
        # Inside a pid namespace only the sandbox's own processes are reachable, but a
        # broadcast kill(-1)/kill(-pgid) is never what a snippet needs; deny it anyway.
        p.emit(_JEQ_K, nr["kill"], "kill_positive", 0)
    if restrict_to_self:
        p.emit(_JEQ_K, nr["prlimit64"], "self_or_zero", 0)
        p.emit(_JEQ_K, nr["kill"], "self_or_zero", 0)
        for name in _SELF_TARGETED[1:]:
            p.emit(_JEQ_K, nr[name], "self_only", 0)
        # Without a pid namespace, exec'ing a set-uid-free binary could still hand the
        # sandbox a fresh interpreter outside the "python only" contract; deny it.
        p.emit(_JEQ_K, nr["execve"], "eacces", 0)
        p.emit(_JEQ_K, nr["execveat"], "eacces", 0)
    inode_changes = [name for name in _INODE_CHANGES if not (deny_fs_writes and name in _FS_WRITES)]
    for name in (*_ALWAYS_DENIED, *_UNCOUNTED_MEMORY, *inode_changes):
        p.emit(_JEQ_K, nr[name], "eperm", 0)
    p.emit(_RET_K, _RET_ALLOW)

    p.label("clone")
    p.emit(_LD_W_ABS, _arg_low(0))
    p.emit(_JSET_K, _CLONE_THREAD, "allow", "eagain")
    if not restrict_to_self:
        p.label("kill_positive")
        p.emit(_LD_W_ABS, _arg_low(0))
        p.emit(_JSET_K, 0x80000000, "eperm", "allow")
    if deny_fs_writes:
        p.label("open")
        p.emit(_LD_W_ABS, _arg_low(1))
        p.emit(_JSET_K, _OPEN_WRITE_FLAGS, "erofs", "allow")
        p.label("openat")
        p.emit(_LD_W_ABS, _arg_low(2))
        p.emit(_JSET_K, _OPEN_WRITE_FLAGS, "erofs", "allow")
    if restrict_to_self:
        p.label("self_or_zero")
        p.emit(_LD_W_ABS, _arg_low(0))
        p.emit(_JEQ_K, 0, "allow", 0)
        p.emit(_JEQ_K, PID_PLACEHOLDER, "allow", "eperm")
        p.label("self_only")
        p.emit(_LD_W_ABS, _arg_low(0))
        p.emit(_JEQ_K, PID_PLACEHOLDER, "allow", "eperm")
    p.label("allow")
    p.emit(_RET_K, _RET_ALLOW)
    for name, code in (
        ("eperm", errno.EPERM),
        ("eagain", errno.EAGAIN),
        ("enosys", errno.ENOSYS),
        ("eacces", errno.EACCES),
        ("erofs", errno.EROFS),
    ):
        p.label(name)
        p.emit(_RET_K, _RET_ERRNO | code)
    return p.assemble()


# Run inside the sandboxed interpreter (both modes), before the untrusted code. It has
# to be small and import little: it runs once per sandboxed call.
CHILD_INSTALLER = """
def _sft_install_seccomp(program_hex):
    import ctypes, os
    program = bytearray.fromhex(program_hex)  # empty: drop privileges, no filter
    me = os.getpid().to_bytes(4, "little")
    for at in range(4, len(program), 8):  # the k field of each 8-byte instruction
        if program[at:at + 4] == PLACEHOLDER_BYTES:
            program[at:at + 4] = me
    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    buffer = ctypes.create_string_buffer(bytes(program), len(program))
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    # Give up every capability first (matters when we run as root): bounding set, then
    # effective/permitted/inheritable via capset (version 3 header, two data words).
    for cap in range(64):
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP; EINVAL past the last cap
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset() failed")
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if program and libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
""".replace("PLACEHOLDER_BYTES", repr(PID_PLACEHOLDER.to_bytes(4, "little")))
"""Source of ``_sft_install_seccomp(program_hex)``, pasted into the child's bootstrap."""
