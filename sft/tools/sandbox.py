"""Runs untrusted, model-written Python in a separate, locked-down process.

Code the model writes is never ``exec``'d in our process. Each call starts a fresh
interpreter (the *base* interpreter, not the project's venv) and layers defences the way
the field does, strongest available first:

1. **Separate process with limits** (always): a new session/process group that is
   killed as a whole, a wall-clock timeout, ``RLIMIT_CPU``, ``RLIMIT_AS`` (memory),
   ``RLIMIT_FSIZE``, ``RLIMIT_NOFILE``, no core dumps, a cap on captured output, an
   empty environment (nothing of ours, e.g. no ``TINKER_API_KEY``), stdin at EOF, a
   throwaway working directory, and ``python -S -s -P -B`` (no site-packages, no user
   site, no script directory on ``sys.path``, no ``.pyc`` writes). ``PYTHONHASHSEED=0``
   makes set/dict orders reproducible, so expected answers are stable.
2. **Namespaces via bubblewrap** (``isolation == "bwrap"``, when ``bwrap`` works here):
   new pid, network, ipc, uts and cgroup namespaces (and a user namespace unless we are
   root); no network at all (not even the host's loopback); an empty, read-only root
   where only ``/usr``, the ``/lib*`` links, ``/etc/ld.so.cache`` and the Python
   installation are mounted read-only, plus ``/dev/null``, ``/dev/zero`` and
   ``/dev/urandom`` (remounted read-only: usable, but their inodes -- the host's --
   cannot be changed) and a ``/tmp`` tmpfs capped at 64 MiB and 4,096 inodes as the
   working directory. The project (``/work``), home directories (``~/.ssh``), ``/etc``,
   ``/proc``, ``/sys`` and the host's ``/tmp`` are simply not there. The code never runs
   as host root: as root, bubblewrap runs without a user namespace (so it can reach an
   interpreter under a 0700 home) and the child switches to nobody (uid 65534) before
   reading the code; otherwise the user namespace maps the sandbox's nobody to our uid.
   The child uses its setup capabilities (``CAP_SYS_ADMIN`` for the capped tmpfs and the
   read-only device remounts) before the code is read, then drops all of them.
   The interpreter is the namespace's pid 1 (``--as-pid-1``); on a timeout it is
   killed first, bubblewrap reaps it, and ``--die-with-parent`` plus the process
   group kill make sure nothing survives and no zombie is left behind.
3. **Seccomp** (x86_64 Linux, see :mod:`sft.tools._seccomp`): no new processes (threads
   are fine), no socket calls at all (``socketpair``, ``bind``, ``sendto``... too), no
   ``memfd_create`` or System V shared memory (memory ``RLIMIT_AS`` would not count), no
   ``chmod``/``chown``/``utime``/xattr/``link`` calls, no ``ptrace``/mount/namespace/
   keyring/``bpf``/``io_uring`` calls, no broadcast ``kill``. Without bubblewrap the
   filter also turns every file-system write into ``EROFS`` and only lets the code
   signal itself. Every capability is dropped in both modes.

Honest limits of the ``rlimits`` fallback (no bubblewrap): the code runs under our uid
(often root in containers, though without capabilities) and can *read* any file that
uid can read (e.g. the project's ``.env``) and other processes' ``/proc/<pid>/cmdline``;
a non-root parent's ``/proc/<pid>/environ`` is readable too. Seccomp still stops it from
writing or creating files (socket files included), reaching any socket, signalling other
processes and forking. ``RLIMIT_NPROC`` is not relied on: the kernel does not enforce it
for root, and for other users it counts every process of the user. Without seccomp
(non-x86_64) the fallback is only a resource limiter. So ``isolation="auto"`` uses it only when
the user opts in with ``SFT_SANDBOX_ALLOW_FALLBACK=1``; otherwise, without a usable bubblewrap,
it refuses with the reason and what to do. ``SFT_SANDBOX_REQUIRE_BWRAP=1`` (or
``isolation="bwrap"``) refuses the fallback even then; CI sets it.
The known holes and their outcomes are listed in ``tests/fixtures/hostile_cases.json``.

Startup cost is kept low (this runs thousands of times during dataset creation): the
child skips ``site`` (``-S``), imports only ``resource`` and ``ctypes`` (to finish the
sandbox and install seccomp) before the user code, gets its code on stdin (no temp file
in bwrap mode), the bubblewrap command line and the seccomp program are built once and
cached, and :func:`run_python_many` runs several sandboxes concurrently.
"""

from __future__ import annotations

import contextlib
import math
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from sft.tools import _seccomp

__all__ = [
    "ENV_REQUIRE_BWRAP",
    "ISOLATION_BWRAP",
    "ISOLATION_RLIMITS",
    "PythonRunResult",
    "SandboxError",
    "SandboxUnavailableError",
    "available_isolation",
    "bwrap_required",
    "bwrap_unavailable_reason",
    "run_python_many",
    "run_python_sandboxed",
]

ISOLATION_BWRAP = "bwrap"
ISOLATION_RLIMITS = "rlimits"
ENV_REQUIRE_BWRAP = "SFT_SANDBOX_REQUIRE_BWRAP"
"""When set to ``1``/``true``/``yes``, ``isolation="auto"`` refuses to run without bwrap."""

Isolation = Literal["auto", "bwrap", "rlimits"]

MAX_CODE_BYTES = 1_000_000
_NOBODY = 65534  # the unprivileged uid/gid used inside (and if possible outside)
_SETUP_FAILED_EXIT = 125
_SETUP_FAILED_MARKER = "sft-sandbox: setup failed:"
_PIPE_GRACE_S = 0.2  # how long to drain pipes after the process is gone


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the code it ran)."""


class SandboxUnavailableError(SandboxError):
    """The requested isolation (bubblewrap) cannot be used on this machine."""


@dataclass(frozen=True)
class PythonRunResult:
    """What happened when sandboxed code ran.

    Attributes:
        stdout: Captured standard output (UTF-8, undecodable bytes replaced), cut at the
            output limit.
        stderr: Captured standard error, e.g. a traceback.
        exit_code: The process's exit status; negative for a signal (``-9``). Under
            bubblewrap, statuses ``128 + n`` for fatal signals ``n`` are reported as
            ``-n`` (a program that calls ``sys.exit(137)`` is indistinguishable).
        timed_out: The wall-clock timeout expired and the process was killed.
        limit_exceeded: Which limit stopped the code: ``"output"``, ``"memory"``,
            ``"cpu"``, ``"file_size"``, ``"processes"`` or ``None``.
        duration_s: Wall-clock seconds from start to the process being reaped.
        isolation: ``"bwrap"`` or ``"rlimits"`` -- the layers actually used.
        seccomp: Whether a seccomp filter was installed.
    """

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool
    limit_exceeded: str | None
    duration_s: float
    isolation: str
    seccomp: bool

    @property
    def ok(self) -> bool:
        """True when the code ran to completion with exit status 0 within all limits."""
        return self.exit_code == 0 and not self.timed_out and self.limit_exceeded is None

    def error_summary(self) -> str | None:
        """A one-line description of the failure, or ``None`` when :attr:`ok`."""
        if self.ok:
            return None
        if self.timed_out:
            return "timed out"
        if self.limit_exceeded is not None:
            return f"{self.limit_exceeded} limit exceeded"
        lines = [line for line in self.stderr.strip().splitlines() if line.strip()]
        if lines:
            return lines[-1].strip()
        if self.exit_code < 0:
            try:
                return f"killed by {signal.Signals(-self.exit_code).name}"
            except ValueError:
                return f"killed by signal {-self.exit_code}"
        return f"exit code {self.exit_code}"


# --------------------------------------------------------------------------- child side

# Under bubblewrap the interpreter starts with CAP_SYS_ADMIN (and, when bubblewrap runs as
# root without a user namespace, CAP_SETUID/CAP_SETGID) and uses them, before any
# untrusted byte is read, for what bubblewrap has no option for:
# - a /tmp tmpfs capped in bytes *and inodes* (bubblewrap's --size caps bytes only; empty
#   files cost no bytes, so 100,000s of them fit),
# - the device nodes (the host's own inodes) remounted read-only, keeping device access:
#   chmod/utime/... on them fail with EROFS, while reading and writing them still work,
# - as host root: switching to nobody (uid/gid 65534), so the code is never host root.
# _sft_install_seccomp then drops every capability that is left.
_SANDBOX_ENTRY = """
def _sft_enter_sandbox(spec):
    import ctypes, os
    size, inodes, uid, devices = spec.split(":", 3)
    libc = ctypes.CDLL(None, use_errno=True)
    def mount(source, target, fstype, flags, data):
        if libc.mount(source, target.encode(), fstype, ctypes.c_ulong(flags), data) != 0:
            raise OSError(ctypes.get_errno(), "mount failed", target)
    options = "size=%s,nr_inodes=%s,mode=0700,uid=65534,gid=65534" % (size, inodes)
    mount(b"tmpfs", "/tmp", b"tmpfs", 2 | 4 | 8, options.encode())  # nosuid, nodev, noexec
    for device in devices.split(","):
        # Keep the flags a user namespace may not clear (statvfs and mount atime bits differ).
        have = os.statvfs(device).f_flag
        flags = 1 | 32 | 4096 | (have & (2 | 4 | 8 | 1024 | 2048))  # ro, remount, bind
        if have & 4096:
            flags |= 1 << 21  # relatime
        mount(None, device, None, flags, None)
    if int(uid) >= 0:
        for cap in range(64):
            libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP, while CAP_SETPCAP is still held
        os.setgroups([])
        os.setresgid(int(uid), int(uid), int(uid))
        os.setresuid(int(uid), int(uid), int(uid))  # clears every remaining capability
    os.chdir("/tmp")  # the new tmpfs (0700, owned by nobody)
"""


# Runs in the sandboxed interpreter before the untrusted code: under bubblewrap, finish
# the sandbox (see _SANDBOX_ENTRY), then apply limits, drop every capability, install
# seccomp, read the code from stdin and run it as __main__. Any failure before the user
# code starts exits with _SETUP_FAILED_EXIT: fail closed.
_BOOTSTRAP = (
    (
        """
import sys
def _sft_run():
    argv = sys.argv
    try:
        if argv[7]:
            _sft_enter_sandbox(argv[7])
        import resource as R
        cpu, mem, fsize, nofile, nproc = (int(x) for x in argv[1:6])
        R.setrlimit(R.RLIMIT_CORE, (0, 0))
        R.setrlimit(R.RLIMIT_CPU, (cpu, cpu + 1))
        R.setrlimit(R.RLIMIT_AS, (mem, mem))
        R.setrlimit(R.RLIMIT_FSIZE, (fsize, fsize))
        R.setrlimit(R.RLIMIT_NOFILE, (nofile, nofile))
        if nproc > 0:
            R.setrlimit(R.RLIMIT_NPROC, (nproc, nproc))
        _sft_install_seccomp(argv[6])
        source = sys.stdin.buffer.read()
    except BaseException as error:
        sys.stderr.write("MARKER %r\\n" % (error,))
        sys.stderr.flush()
        import os
        os._exit(EXIT)
    sys.argv = ["main.py"]
    main = type(sys)("__main__")
    main.__file__ = "main.py"
    sys.modules["__main__"] = main
    try:
        exec(compile(source, "main.py", "exec"), main.__dict__)
    except SystemExit:
        raise
    except BaseException as error:
        import linecache, traceback
        text = source.decode("utf-8", "replace").splitlines(True)
        linecache.cache["main.py"] = (len(source), None, text, "main.py")
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        sys.exit(1)
"""
        + _seccomp.CHILD_INSTALLER
        + "\n"
        + _SANDBOX_ENTRY
        + "\n_sft_run()\n"
    )
    .replace("MARKER", _SETUP_FAILED_MARKER)
    .replace("EXIT", str(_SETUP_FAILED_EXIT))
)

# --------------------------------------------------------------------------- host side


def _base_python() -> str:
    """The real interpreter behind our venv (the sandbox must not need the venv)."""
    candidate = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(candidate)


def _python_flags() -> list[str]:
    # -S no site, -s no user site, -B no .pyc writes, -u unbuffered (output survives a
    # kill and the output cap sees it early), UTF-8 I/O whatever the locale. -P keeps the
    # working directory off sys.path. Not -E/-I: the environment is ours (clean) and
    # must carry PYTHONHASHSEED.
    return ["-S", "-s", "-B", "-u", "-X", "utf8", "-P"]


def _child_env(home: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
    }


@dataclass(frozen=True)
class _BwrapSetup:
    prefix: list[str]  # bwrap and its options, without the command
    run_as: int | None  # uid (and gid) to start bwrap as; None: as ourselves
    switch_uid: bool  # bwrap runs as host root without a user namespace; the child drops to nobody

    @property
    def host_uid(self) -> int:
        """The uid the sandboxed code has on the host (outside any user namespace)."""
        if self.switch_uid:
            return _NOBODY
        return self.run_as if self.run_as is not None else os.geteuid()

    def entry_spec(self) -> str:
        """What the child's ``_sft_enter_sandbox`` sets up (see ``_SANDBOX_ENTRY``)."""
        uid = _NOBODY if self.switch_uid else -1
        return f"{_TMPFS_BYTES}:{_TMPFS_INODES}:{uid}:{','.join(_DEVICES)}"


_bwrap_lock = threading.Lock()
_bwrap_cache: dict[str, _BwrapSetup | str] = {}  # python -> setup, or why it failed
_TMPFS_BYTES = 64 << 20
_TMPFS_INODES = 4096  # files + directories in /tmp; empty files cost inodes, not bytes
_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")


def _bwrap_prefix(bwrap: str, python: str, *, switch_uid: bool) -> list[str]:
    """The bubblewrap command line.

    Args:
        bwrap: The bubblewrap executable.
        python: The interpreter that will run; its installation is mounted read-only.
        switch_uid: We are host root: run bubblewrap without a user namespace (it can
            then reach an interpreter under a 0700 home) and let the child switch to
            nobody. Otherwise a user namespace maps the sandbox's nobody to our uid.
    """
    if switch_uid:
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        caps = ["CAP_SYS_ADMIN", "CAP_SETPCAP", "CAP_SETUID", "CAP_SETGID"]
    else:
        namespaces = ["--unshare-all", "--unshare-user", "--uid", str(_NOBODY), "--gid", str(_NOBODY)]
        caps = ["CAP_SYS_ADMIN", "CAP_SETPCAP"]  # within the sandbox's user namespace only
    # No --disable-userns: it puts the code in a nested user namespace that does not own
    # the mount namespace, so the child could not mount its capped /tmp. Seccomp denies
    # unshare, setns and clone with new namespaces instead.
    args = [
        bwrap,
        *namespaces,
        # The interpreter is the namespace's pid 1, a direct child of bubblewrap: no
        # bwrap init process in between that would be left as a zombie for the host's
        # init to reap (one per call otherwise).
        "--as-pid-1",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    for cap in caps:  # used by the child before the code runs, then dropped
        args += ["--cap-add", cap]
    args += [
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    # Mirror the /bin, /lib... layout: merged-/usr systems use symlinks, others dirs.
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    # The interpreter's own installation, e.g. /root/.pyenv/versions/3.11.7: only that
    # directory becomes visible, not the rest of the home directory. For a `python`
    # other than ours, its installation is taken to be the parent of its bin directory.
    mounted = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
    created: set[str] = set()
    installations = {os.path.dirname(os.path.dirname(python))}
    if python == _base_python():
        installations = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.base_exec_prefix)}
    for path in sorted(installations | {os.path.dirname(python)}):
        if not any(path == m or path.startswith(m + "/") for m in mounted):
            # Parents that bubblewrap would create 0700 (as root), unreachable for nobody.
            parents = [p for p in _ancestors(path) if p not in created]
            for parent in parents:
                args += ["--perms", "0755", "--dir", parent]
            created.update(parents)
            args += ["--ro-bind", path, path]
            mounted.append(path)
    # No /proc and no /sys: a procfs would show the host's sysctls and, as host root,
    # let a uid-0 process write them. Python runs fine without them. /dev gets only
    # three harmless nodes (the child remounts them read-only), no writable /dev tmpfs.
    args += ["--perms", "0755", "--dir", "/dev"]
    for device in _DEVICES:
        args += ["--dev-bind", device, device]
    args += [
        "--dir",
        "/tmp",  # the child mounts its size- and inode-capped tmpfs here
        "--chdir",
        "/tmp",
        "--remount-ro",
        "/",
        "--clearenv",
    ]
    for key, value in _child_env("/tmp").items():
        args += ["--setenv", key, value]
    return args


def _ancestors(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/a", "/a/b"]``."""
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _bwrap_argv(setup: _BwrapSetup, python: str, limits: list[str], seccomp_hex: str) -> list[str]:
    # RLIMIT_NPROC counts per (user namespace, uid); it is never enforced for host root,
    # and seccomp already stops new processes.
    nproc = "0" if setup.host_uid == 0 else "64"
    return [*setup.prefix, python, *_python_flags(), "-c", _BOOTSTRAP, *limits, nproc, seccomp_hex, setup.entry_spec()]


def _probe(setup: _BwrapSetup, python: str) -> str | None:
    """Runs a trivial program through the whole sandbox; returns why it failed, or None."""
    program = _seccomp_program(deny_fs_writes=False, restrict_to_self=False)
    argv = _bwrap_argv(setup, python, ["5", str(256 << 20), str(1 << 20), "64"], program.hex() if program else "")
    ids = {} if setup.run_as is None else {"user": setup.run_as, "group": setup.run_as, "extra_groups": []}
    try:
        probe = subprocess.run(
            argv,
            input=b"import os\nassert os.getuid() == os.geteuid() == %d\n" % _NOBODY,
            capture_output=True,
            timeout=30,
            check=False,
            **ids,  # type: ignore[arg-type]
        )
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    if probe.returncode == 0:
        return None
    return probe.stderr.decode("utf-8", "replace").strip() or f"exit {probe.returncode}"


def _bwrap_setup(python: str) -> _BwrapSetup | str:
    """Builds and probes the bubblewrap command once per interpreter (cached).

    As host root, bubblewrap first runs as root without a user namespace and the child
    switches to nobody before the code runs; where that fails (no CAP_SYS_ADMIN, e.g. in
    a container), bubblewrap runs as nobody with a user namespace, which only works when
    nobody can reach the interpreter. The sandboxed code never runs as host root: when
    neither works, bubblewrap is unavailable and the reason says so.
    """
    with _bwrap_lock:
        cached = _bwrap_cache.get(python)
        if cached is not None:
            return cached
        bwrap = shutil.which("bwrap")
        result: _BwrapSetup | str
        if bwrap is None:
            result = "bubblewrap (bwrap) is not installed"
        else:
            if os.geteuid() == 0:
                candidates = [
                    _BwrapSetup(_bwrap_prefix(bwrap, python, switch_uid=True), None, True),
                    _BwrapSetup(_bwrap_prefix(bwrap, python, switch_uid=False), _NOBODY, False),
                ]
            else:
                candidates = [_BwrapSetup(_bwrap_prefix(bwrap, python, switch_uid=False), None, False)]
            failures = []
            for candidate in candidates:
                failure = _probe(candidate, python)
                if failure is None:
                    result = candidate
                    break
                failures.append(failure.splitlines()[-1])
            else:
                result = "bubblewrap does not work here: " + "; ".join(failures)
                if os.geteuid() == 0:
                    result += (
                        " (as root, the sandbox must switch to nobody or run bubblewrap as nobody, which "
                        f"needs {python} readable by nobody; it never runs the code as host root)"
                    )
        _bwrap_cache[python] = result
        return result


def available_isolation(python: str | None = None) -> str:
    """Returns the strongest isolation usable here: ``"bwrap"`` or ``"rlimits"``."""
    setup = _bwrap_setup(python or _base_python())
    return ISOLATION_BWRAP if isinstance(setup, _BwrapSetup) else ISOLATION_RLIMITS


def bwrap_unavailable_reason(python: str | None = None) -> str | None:
    """Why bubblewrap cannot be used here, or ``None`` when it can."""
    setup = _bwrap_setup(python or _base_python())
    return None if isinstance(setup, _BwrapSetup) else setup


_seccomp_cache: dict[tuple[bool, bool], bytes] = {}


def _seccomp_program(*, deny_fs_writes: bool, restrict_to_self: bool) -> bytes | None:
    if not _seccomp.is_supported():
        return None
    key = (deny_fs_writes, restrict_to_self)
    program = _seccomp_cache.get(key)
    if program is None:
        program = _seccomp.build_filter(deny_fs_writes=deny_fs_writes, restrict_to_self=restrict_to_self)
        _seccomp_cache[key] = program
    return program


ENV_ALLOW_FALLBACK = "SFT_SANDBOX_ALLOW_FALLBACK"
FALLBACK_HINT = (
    "Model-written Python runs only under bubblewrap unless you accept the weaker rlimits sandbox (no namespaces: "
    "the code can read every file your user can read, and off Linux x86_64 it has no seccomp filter either): "
    f"install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) or set {ENV_ALLOW_FALLBACK}=1"
)


def fallback_allowed() -> bool:
    """Whether ``SFT_SANDBOX_ALLOW_FALLBACK`` lets ``isolation="auto"`` fall back to rlimits when bubblewrap cannot
    be used (off by default: the fallback cannot stop the code from reading the host's files)."""
    return os.environ.get(ENV_ALLOW_FALLBACK, "").strip().lower() in ("1", "true", "yes")


def python_sandbox_problem(python: str | None = None) -> str | None:
    """Why ``run_python_sandboxed(isolation="auto")`` would refuse to run code here, or ``None`` when it would run:
    for commands to check before they start work that needs the Python tool."""
    if fallback_allowed() and not bwrap_required():
        return None
    reason = bwrap_unavailable_reason(python)
    if reason is None:
        return None
    return reason if bwrap_required() else f"{reason}. {FALLBACK_HINT}"


def bwrap_required() -> bool:
    """Whether ``SFT_SANDBOX_REQUIRE_BWRAP`` asks to refuse running without bubblewrap."""
    return os.environ.get(ENV_REQUIRE_BWRAP, "").strip().lower() in ("1", "true", "yes")


def _classify(exit_code: int, stderr: str, *, output_exceeded: bool, timed_out: bool) -> str | None:
    """Maps how the process ended to the limit that stopped it, if any (``limit_exceeded``).

    The output limit, when the code wrote more than it allows; none when the wall-clock timeout killed it (that
    is ``timed_out``); else what its exit status and the last line of its stderr say.
    """
    if output_exceeded:
        return "output"
    if timed_out:
        return None
    if exit_code == -signal.SIGXCPU:
        return "cpu"
    if exit_code == -signal.SIGXFSZ:
        return "file_size"
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if last.startswith("MemoryError"):
        return "memory"
    if "[Errno 27]" in last:  # EFBIG: Python ignores SIGXFSZ, so writes fail instead
        return "file_size"
    if last.startswith("BlockingIOError: [Errno 11]"):  # EAGAIN from fork/clone
        return "processes"
    return None


def run_python_sandboxed(
    code: str,
    *,
    timeout_s: float = 5.0,
    memory_mb: int = 256,
    max_output_bytes: int = 64_000,
    cpu_s: float | None = None,
    max_file_mb: int = 16,
    isolation: Isolation = "auto",
    python: str | None = None,
) -> PythonRunResult:
    """Runs ``code`` in a fresh, isolated Python process and captures its output.

    Args:
        code: Python source written by the model (untrusted).
        timeout_s: Wall-clock limit; the whole process tree is killed when it expires.
        memory_mb: Address-space limit (``RLIMIT_AS``) of the interpreter, in MiB.
        max_output_bytes: Combined stdout + stderr cap; the process is killed when it
            writes more, and ``limit_exceeded == "output"``.
        cpu_s: CPU-time limit (``RLIMIT_CPU``); defaults to ``timeout_s + 1`` rounded up.
        max_file_mb: Largest file the code may write (``RLIMIT_FSIZE``), in MiB.
        isolation: ``"auto"`` (bubblewrap; rlimits when bubblewrap cannot be used only if
            ``SFT_SANDBOX_ALLOW_FALLBACK=1`` and not ``SFT_SANDBOX_REQUIRE_BWRAP=1``), ``"bwrap"``
            (required) or ``"rlimits"`` (never use bubblewrap: the caller accepts its limits).
        python: Interpreter to run (CPython 3.11+); defaults to the real base
            interpreter of this one. Under bubblewrap only its installation (the
            parent of its ``bin`` directory) and ``/usr`` are visible.

    Returns:
        A :class:`PythonRunResult`; errors in the code (exceptions, timeouts, limits) are
        reported there, never raised.

    Raises:
        TypeError: If ``code`` is not a string.
        ValueError: If ``code`` is larger than 1 MB or a limit is not positive.
        SandboxUnavailableError: If bubblewrap is required but cannot be used.
        SandboxError: If the sandbox process could not be started. (If it starts but
            cannot apply its limits, it exits with status 125 and an
            ``sft-sandbox: setup failed`` message without running the code.)
    """
    if not isinstance(code, str):
        raise TypeError(f"code must be a string, got {type(code).__name__}")
    source = code.encode("utf-8", "surrogatepass")
    if len(source) > MAX_CODE_BYTES:
        raise ValueError(f"code is too large ({len(source)} bytes, limit {MAX_CODE_BYTES})")
    if timeout_s <= 0 or memory_mb <= 0 or max_output_bytes <= 0 or max_file_mb <= 0:
        raise ValueError("timeout_s, memory_mb, max_output_bytes and max_file_mb must be > 0")
    python = os.path.realpath(python) if python else _base_python()

    mode = isolation
    if mode == "auto":
        mode = "bwrap" if bwrap_required() or not fallback_allowed() else available_isolation(python)  # type: ignore[assignment]
    if mode == "bwrap":
        setup = _bwrap_setup(python)
        if not isinstance(setup, _BwrapSetup):
            if isolation == "auto" and not bwrap_required():
                raise SandboxUnavailableError(f"{setup}. {FALLBACK_HINT}")
            raise SandboxUnavailableError(setup)
    elif mode != "rlimits":
        raise ValueError(f"unknown isolation {isolation!r}; use 'auto', 'bwrap' or 'rlimits'")

    # One second above the wall-clock timeout by default: single-threaded code then always meets the timeout
    # first (its CPU time cannot exceed wall time), and the CPU limit only stops multi-threaded burners.
    cpu = max(1, math.ceil(cpu_s if cpu_s is not None else timeout_s + 1))
    limits = [str(cpu), str(memory_mb << 20), str(max_file_mb << 20), "256"]
    workdir: str | None = None
    try:
        if mode == "bwrap":
            program = _seccomp_program(deny_fs_writes=False, restrict_to_self=False)
            argv = _bwrap_argv(setup, python, limits, program.hex() if program is not None else "")
            env: dict[str, str] | None = {}
            cwd = None
            run_as = setup.run_as
        else:
            workdir = tempfile.mkdtemp(prefix="sft-sandbox-")
            program = _seccomp_program(deny_fs_writes=True, restrict_to_self=True)
            seccomp_arg = program.hex() if program is not None else ""
            argv = [python, *_python_flags(), "-c", _BOOTSTRAP, *limits, "0", seccomp_arg, ""]
            env = _child_env(workdir)
            cwd = workdir
            run_as = None
        launch = _Launch(argv, env, cwd, run_as, isolation=mode, seccomp=program is not None)
        return _run(launch, source=source, timeout_s=timeout_s, max_output_bytes=max_output_bytes)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


@dataclass(frozen=True)
class _Launch:
    """How :func:`_run` starts the sandboxed interpreter, and what isolates it (for the result).

    Attributes:
        argv: The command line (bubblewrap's, or the interpreter's with its bootstrap).
        env: The child's whole environment (``None``: this process's).
        cwd: Its working directory (``None``: this process's).
        run_as: The uid (and gid) it runs as, without supplementary groups; ``None``: ours.
        isolation: :data:`ISOLATION_BWRAP` or :data:`ISOLATION_RLIMITS`.
        seccomp: Whether the child installs a seccomp filter.
    """

    argv: list[str]
    env: dict[str, str] | None
    cwd: str | None
    run_as: int | None
    isolation: str
    seccomp: bool


def _run(launch: _Launch, *, source: bytes, timeout_s: float, max_output_bytes: int) -> PythonRunResult:
    isolation = launch.isolation
    start = time.monotonic()
    deadline = start + timeout_s
    try:
        proc = subprocess.Popen(
            launch.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=launch.env,
            cwd=launch.cwd,
            start_new_session=True,  # its own process group, killed as a whole
            **({} if launch.run_as is None else {"user": launch.run_as, "group": launch.run_as, "extra_groups": []}),
        )
    except OSError as error:
        raise SandboxError(f"could not start the sandbox: {error}") from error
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    in_fd, out_fd, err_fd = proc.stdin.fileno(), proc.stdout.fileno(), proc.stderr.fileno()
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    pending = memoryview(source)  # code still to be written to the child's stdin
    total = 0
    timed_out = False
    output_exceeded = False
    exited = False
    exit_seen_at = 0.0
    pidfd: int | None = None
    selector = selectors.DefaultSelector()
    try:
        for fd in (in_fd, out_fd, err_fd):
            os.set_blocking(fd, False)  # never block past the deadline on any pipe
        selector.register(in_fd, selectors.EVENT_WRITE)
        selector.register(out_fd, selectors.EVENT_READ)
        selector.register(err_fd, selectors.EVENT_READ)
        with contextlib.suppress(AttributeError, OSError):  # pidfd: Linux 5.3+
            pidfd = os.pidfd_open(proc.pid)
            selector.register(pidfd, selectors.EVENT_READ)
        while True:
            if exited and not any(fd in selector.get_map() for fd in chunks):
                break
            now = time.monotonic()
            if exited:
                # Stragglers that inherited the pipes must not keep us waiting.
                wait = exit_seen_at + _PIPE_GRACE_S - now
                if wait <= 0:
                    break
            else:
                wait = deadline - now
                if wait <= 0:
                    timed_out = True
                    break
            if pidfd is None:
                wait = min(wait, 0.02)  # no pidfd: poll for the exit instead
            for key, _ in selector.select(wait):
                fd = key.fd
                if fd == pidfd:
                    exited, exit_seen_at = True, time.monotonic()
                    selector.unregister(fd)
                elif fd == in_fd:
                    try:
                        written = os.write(fd, pending[:65536])
                    except BlockingIOError:
                        continue
                    except OSError:  # the child is gone; its stderr says why
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        selector.unregister(fd)
                        proc.stdin.close()
                else:
                    try:
                        data = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if not data:
                        selector.unregister(fd)
                        continue
                    room = max_output_bytes - total
                    if len(data) > room:
                        data = data[:room]
                        output_exceeded = True
                    chunks[fd].append(data)
                    total += len(data)
            if output_exceeded:
                break
            if pidfd is None and not exited and _has_exited(proc.pid):
                exited, exit_seen_at = True, time.monotonic()
    finally:
        selector.close()
        if pidfd is not None:
            os.close(pidfd)
        if not exited and isolation == ISOLATION_BWRAP:
            # Kill the sandboxed interpreter first and let bubblewrap reap it and exit:
            # killing bubblewrap first would orphan it (a zombie for the host's init).
            for child in _children(proc.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(child, signal.SIGKILL)
            give_up = time.monotonic() + 0.5
            while not _has_exited(proc.pid) and time.monotonic() < give_up:
                time.sleep(0.002)
        # The process has exited (not yet reaped) or must die now. Kill the whole group
        # before reaping, so that the group id cannot have been reused.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()
    duration = time.monotonic() - start

    exit_code = proc.returncode
    if isolation == ISOLATION_BWRAP and 128 < exit_code < 128 + 65:
        # bubblewrap reports "killed by signal n" as 128 + n, like a shell.
        exit_code = 128 - exit_code
    out_text = b"".join(chunks[out_fd]).decode("utf-8", "replace")
    err_text = b"".join(chunks[err_fd]).decode("utf-8", "replace")
    return PythonRunResult(
        stdout=out_text,
        stderr=err_text,
        exit_code=exit_code,
        timed_out=timed_out,
        limit_exceeded=_classify(exit_code, err_text, output_exceeded=output_exceeded, timed_out=timed_out),
        duration_s=duration,
        isolation=isolation,
        seccomp=launch.seccomp,
    )


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (empty where /proc does not list them)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except (OSError, ValueError):
        return []


def _has_exited(pid: int) -> bool:
    """Whether ``pid`` has exited, without reaping it (fallback for kernels without pidfd)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def run_python_many(
    codes: Iterable[str],
    *,
    workers: int = 2,
    **kwargs: object,
) -> list[PythonRunResult]:
    """Runs many snippets in parallel sandboxes (one process each), keeping order.

    Args:
        codes: The snippets.
        workers: How many sandboxes run at once (threads that wait on processes; the
            work itself happens in the child processes).
        **kwargs: Passed to :func:`run_python_sandboxed` (``timeout_s``, ...).

    Returns:
        One :class:`PythonRunResult` per snippet, in input order.
    """
    items: Sequence[str] = list(codes)
    if workers <= 1 or len(items) <= 1:
        return [run_python_sandboxed(code, **kwargs) for code in items]  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sft-sandbox") as pool:
        return list(pool.map(lambda code: run_python_sandboxed(code, **kwargs), items))  # type: ignore[arg-type]
