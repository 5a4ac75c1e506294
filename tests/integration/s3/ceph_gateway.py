"""A real Ceph RADOS gateway for the S3 tests, from Debian's packages (``make ceph`` installs them): one monitor,
one OSD keeping its data in memory (memstore), and ``radosgw`` with the beast frontend, all on 127.0.0.1 free ports,
without authentication between them, with every file in one temporary folder. Only the processes started here are
stopped, by pid.

    gateway = CephGateway(folder)
    url = gateway.start()      # about 20 s; S3 user "testing" / "testing"
    ...
    gateway.stop()
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid

#: The Debian 12 packages the gateway comes from (the ``ceph`` and ``monmaptool`` commands are in ceph-common).
PACKAGES = ("ceph-mon", "ceph-osd", "radosgw", "ceph-common")
COMMANDS = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "monmaptool")
START_TIMEOUT = 120
#: The pools the gateway uses, created before its first request (else the first requests wait for them).
POOLS = (".rgw.root", "default.rgw.log", "default.rgw.control", "default.rgw.meta", "default.rgw.buckets.index",
         "default.rgw.buckets.data", "default.rgw.buckets.non-ec")
ACCESS_KEY = SECRET_KEY = "testing"


def missing_commands():
    """The Ceph commands not on PATH (empty when the gateway can be started)."""
    return [c for c in COMMANDS if shutil.which(c) is None]


def skip_message(missing) -> str:
    """Why the tests against the gateway are skipped, and what to install."""
    return (f"no Ceph RADOS gateway: {', '.join(missing)} not found; install {' '.join(PACKAGES)} (`make ceph`, "
            "as root on Debian 12)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CONF = """[global]
fsid = {fsid}
mon host = [v2:127.0.0.1:{mon_port}]
auth cluster required = none
auth service required = none
auth client required = none
keyring = /dev/null
# Without authentication there is no session key, so every connection runs in crc mode.
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
ms bind ipv6 = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd objectstore = memstore
# Memory is only taken as objects are written; every S3 test of one run shares this OSD.
memstore device bytes = 6442450944
osd class update on start = false
osd crush update on start = false
run dir = {dir}/run
admin socket = {dir}/run/$name.asok
log file = {dir}/log/$name.log
pid file = {dir}/run/$name.pid
mon data = {dir}/mon/$name
osd data = {dir}/osd/$name

[client.admin]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port} tcp_nodelay=1
rgw data = {dir}/rgw
"""


class CephGateway:
    """One monitor, one memstore OSD and a gateway under ``folder``; ``start()`` returns the gateway's URL."""

    def __init__(self, folder: str):
        self.dir = os.path.abspath(folder)
        self.conf = os.path.join(self.dir, "ceph.conf")
        self.procs = []
        self.url = None

    def _run(self, *args: str) -> str:
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({out.returncode}): {out.stderr.strip()[-1500:]}")
        return out.stdout

    def _ceph(self, *args: str) -> str:
        return self._run("ceph", "-c", self.conf, *args)

    def _daemon(self, name: str, *args: str) -> None:
        log = open(os.path.join(self.dir, "log", f"{name}.out"), "ab")
        try:
            self.procs.append(subprocess.Popen([*args, "-c", self.conf, "-f"], stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, cwd=self.dir))
        finally:
            log.close()

    def start(self) -> str:
        for sub in ("run", "log", "mon", "osd/osd.0", "rgw"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        fsid, rgw_port = str(uuid.uuid4()), _free_port()
        mon_port = _free_port()
        with open(self.conf, "w") as f:
            f.write(_CONF.format(fsid=fsid, mon_port=mon_port, rgw_port=rgw_port, dir=self.dir))
        monmap = os.path.join(self.dir, "monmap")
        self._run("monmaptool", "--create", "--addv", "a", f"[v2:127.0.0.1:{mon_port}]", "--fsid", fsid, monmap)
        self._run("ceph-mon", "-c", self.conf, "--mkfs", "-i", "a", "--monmap", monmap)
        self._daemon("mon", "ceph-mon", "-i", "a")
        self._ceph("osd", "stat", "--connect-timeout", "30")
        osd_uuid = str(uuid.uuid4())
        osd_id = self._ceph("osd", "new", osd_uuid).strip()
        self._run("ceph-osd", "-c", self.conf, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid)
        self._daemon("osd", "ceph-osd", "-i", osd_id)
        self._ceph("osd", "crush", "add-bucket", "localhost", "host")
        self._ceph("osd", "crush", "move", "localhost", "root=default")
        self._ceph("osd", "crush", "add", f"osd.{osd_id}", "1.0", "host=localhost")
        self._create_pools()
        self._run("radosgw-admin", "-c", self.conf, "user", "create", "--uid", "tester", "--display-name", "tester",
                  "--access-key", ACCESS_KEY, "--secret", SECRET_KEY)
        self._daemon("rgw", "radosgw", "-n", "client.admin")
        self.url = f"http://127.0.0.1:{rgw_port}"
        self._wait_for_gateway()
        return self.url

    def _create_pools(self) -> None:
        # One `ceph` command takes about a second to start: the pools are created side by side.
        procs = [subprocess.Popen(["ceph", "-c", self.conf, "osd", "pool", "create", p, "8", "8"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
                 for p in POOLS]
        for p, pool in zip(procs, POOLS):
            _, err = p.communicate(timeout=60)
            if p.returncode != 0:
                raise RuntimeError(f"creating the pool {pool} failed: {err.decode(errors='replace').strip()}")

    def _wait_for_gateway(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            try:
                with opener.open(self.url + "/", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the RADOS gateway did not answer at {self.url}; its logs are in {self.dir}/log")

    def stop(self) -> None:
        """Stop the gateway, the OSD and the monitor (newest first), each by its pid."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs = []
