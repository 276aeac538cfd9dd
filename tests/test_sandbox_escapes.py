"""Issue 9's sandbox escapes, each checked from outside the sandbox.

Every case lives in ``tests/fixtures/hostile_cases.json``: the hostile program, the host-side
check that decides whether it escaped, and its outcome per isolation mode before the fix
(``85ad584``) and now. A case whose outcome is ``open`` is a known hole: it runs as a strict
xfail, so closing it makes the suite say so. The checks look at the host, not at what the
sandbox reports: device-node stats including ctime, the uid of the sandboxed process, a
host directory and host Unix sockets, the machine's shared memory, a host file's content and
leftover processes.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sft.tools import PythonRunResult, run_python_sandboxed
from sft.tools.sandbox import bwrap_required, bwrap_unavailable_reason

CASES_FILE = Path(__file__).parent / "fixtures" / "hostile_cases.json"
CASES = json.loads(CASES_FILE.read_text())["cases"]
BWRAP_REASON = bwrap_unavailable_reason()
SKIP_BWRAP = BWRAP_REASON is not None and not bwrap_required()
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
TMPFS_INODES = 4096
_unique_memory = itertools.count(256)


def _params() -> Iterator[object]:
    for case in CASES:
        for mode, outcome in case["outcomes"].items():
            marks = []
            if mode == "bwrap" and SKIP_BWRAP:
                marks.append(pytest.mark.skip(reason=f"bubblewrap unavailable: {BWRAP_REASON}"))
            if outcome["after"] == "open":
                marks.append(pytest.mark.xfail(strict=True, reason=outcome["after_detail"]))
            yield pytest.param(case, mode, id=f"{case['id']}-{mode}", marks=marks)


def _processes_with_arg(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker.encode() in argv and b"-c" in argv:
                found.append(int(entry))
    return found


def _uids(pid: int) -> list[int] | None:
    """Real, effective, saved and file-system uid of ``pid`` on the host."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    except OSError:
        return None
    return None


def _interpreters(marker: str) -> list[int]:
    """The sandboxed interpreters (not bubblewrap) of the run tagged with ``marker``."""
    pids = []
    for pid in _processes_with_arg(marker):
        try:
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if not argv0.endswith(b"bwrap"):
            pids.append(pid)
    return pids


def _shmem_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1])
    raise AssertionError("no Shmem line in /proc/meminfo")


def _device_stats() -> dict[str, tuple[int, ...]]:
    stats = {}
    for path in DEVICES:
        st = os.stat(path)
        stats[path] = (st.st_ino, st.st_rdev, st.st_mode, st.st_uid, st.st_gid, st.st_ctime_ns, st.st_mtime_ns)
    return stats


class _HostSockets:
    """A host directory with a Unix datagram socket, and an abstract one, that record what arrives."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "host.sock"
        self.name = f"sft-canary-{uuid.uuid4().hex[:12]}"
        self.sockets = []
        for address in (str(self.path), "\0" + self.name):
            server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            server.bind(address)
            server.setblocking(False)
            self.sockets.append(server)

    def received(self) -> list[bytes]:
        got = []
        for server in self.sockets:
            while True:
                try:
                    got.append(server.recv(4096))
                except BlockingIOError:
                    break
        return got

    def close(self) -> None:
        for server in self.sockets:
            server.close()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[dict[str, object]]:
    sockets = _HostSockets(tmp_path)
    secret = tmp_path / "world-readable.txt"
    secret.write_text(f"host-secret-{uuid.uuid4().hex}\n")
    secret.chmod(0o644)
    try:
        yield {"sockets": sockets, "secret": secret}
    finally:
        sockets.close()


def _run(code: str, mode: str, *, during: Callable[[str], None] | None = None) -> PythonRunResult:
    """Runs ``code``; ``during(marker)`` runs on the host meanwhile. Asserts no process outlives the call."""
    memory_mb = next(_unique_memory)
    marker = str(memory_mb << 20)
    box: dict[str, PythonRunResult] = {}

    def target() -> None:
        box["result"] = run_python_sandboxed(code, isolation=mode, memory_mb=memory_mb, timeout_s=8.0)  # type: ignore[arg-type]

    thread = threading.Thread(target=target)
    thread.start()
    if during is not None:
        during(marker)
    thread.join()
    deadline = time.monotonic() + 3
    while (left := _processes_with_arg(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == [], "a sandbox process survived"
    result = box["result"]
    assert result.isolation == mode
    return result


@pytest.mark.parametrize(("case", "mode"), list(_params()))
def test_hostile_case_leaves_the_host_untouched(case: dict, mode: str, host: dict[str, object]) -> None:
    sockets: _HostSockets = host["sockets"]  # type: ignore[assignment]
    secret: Path = host["secret"]  # type: ignore[assignment]
    code = (
        case["code"]
        .replace("@SOCK@", str(sockets.path))
        .replace("@DIR@", str(sockets.directory))
        .replace("@NAME@", sockets.name)
        .replace("@SECRET@", str(secret))
    )
    check = case["check"]
    devices_before = _device_stats()
    observed: dict[str, object] = {}

    def watch_uids(marker: str) -> None:
        # The bootstrap may be uid 0 for a few milliseconds before it switches; the code
        # sleeps 1.2 s, so a process still uid 0 after 1 s is running the code as root.
        deadline = time.monotonic() + 1.0
        uids: list[int] | None = None
        while time.monotonic() < deadline:
            pids = _interpreters(marker)
            uids = _uids(pids[0]) if pids else None
            if uids is not None and 0 not in uids:
                break
            time.sleep(0.02)
        observed["uids"] = uids

    def watch_shmem(marker: str) -> None:
        baseline = peak = _shmem_kib()
        give_up = time.monotonic() + 5
        while not _processes_with_arg(marker) and time.monotonic() < give_up:  # not started yet
            time.sleep(0.005)
        while _processes_with_arg(marker) and time.monotonic() < give_up + 10:
            peak = max(peak, _shmem_kib())
            time.sleep(0.02)
        observed["shmem_growth_mib"] = (peak - baseline) / 1024

    during = {"no_host_root_process": watch_uids, "host_shmem_bounded": watch_shmem}.get(check)
    result = _run(code, mode, during=during)

    # The host decides; what the sandbox printed is only checked last.
    assert _device_stats() == devices_before, "a host device node changed"
    assert sorted(os.listdir(sockets.directory)) == ["host.sock", "world-readable.txt"], "a file appeared on the host"
    assert sockets.received() == [], "a datagram reached a host socket"
    if check == "device_nodes_unchanged":
        assert "blocked" in result.stdout, result.stderr
    elif check == "no_host_root_process":
        assert observed["uids"] is not None, "the sandboxed interpreter was not found"
        assert 0 not in observed["uids"], f"the code ran as host root: uids {observed['uids']}"
        assert result.ok, result.stderr
    elif check == "host_shmem_bounded":
        assert observed["shmem_growth_mib"] < 100, f"shared memory grew by {observed['shmem_growth_mib']:.0f} MiB"
    elif check == "tmpfs_inodes_capped":
        files = int(re.search(r"files (\d+)", result.stdout).group(1))  # type: ignore[union-attr]
        assert files <= TMPFS_INODES, f"{files} files in the sandbox's /tmp"
    elif check == "host_secret_not_read":
        assert secret.read_text().strip() not in result.stdout
    elif check == "parent_cmdline_not_read":
        assert "pytest" not in result.stdout and os.path.basename(sys.executable) not in result.stdout
    elif check != "host_socket_untouched":
        raise AssertionError(f"unknown check {check!r}")
    assert "ESCAPED" not in result.stdout, result.stdout


def test_the_case_list_is_complete_and_says_what_changed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert case["hole"] and case["code"] and case["outcomes"]
        for mode, outcome in case["outcomes"].items():
            assert mode in ("bwrap", "rlimits")
            assert outcome["before"] in ("escaped", "blocked")
            assert outcome["after"] in ("blocked", "open")
            assert outcome["before_detail"] and outcome["after_detail"]
    fixed = [
        c["id"]
        for c in CASES
        if any(o["before"] == "escaped" and o["after"] == "blocked" for o in c["outcomes"].values())
    ]
    assert len(fixed) >= 10


# ============================================================== the guards must be able to fail

REPO_ROOT = Path(__file__).resolve().parents[1]


def _path_without_bwrap(tmp_path: Path) -> str:
    """A PATH with the tools the script uses but neither bwrap nor apt-get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "id", "mktemp", "tail", "rm", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_the_system_deps_script_fails_when_bubblewrap_cannot_be_installed(tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "install_system_deps.sh"
    env = {"PATH": _path_without_bwrap(tmp_path), "HOME": str(tmp_path)}
    failed = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=30)
    assert failed.returncode == 1
    assert "bubblewrap (bwrap) is not installed" in failed.stderr
    allowed = subprocess.run(
        ["bash", str(script)], env={**env, "SFT_ALLOW_NO_BWRAP": "1"}, capture_output=True, text=True, timeout=30
    )
    assert allowed.returncode == 0
    assert "continuing without a working bubblewrap" in allowed.stderr


def test_the_unit_test_target_requires_bubblewrap() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest-unit:", 1)[1].split("\n\n", 1)[0]
    assert "SFT_SANDBOX_REQUIRE_BWRAP=1" in recipe
