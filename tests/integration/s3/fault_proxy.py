"""An HTTP proxy on 127.0.0.1 in front of the moto server that breaks chosen requests the way S3 and networks do."""

import http.client
import http.server
import re
import threading
import urllib.parse

from flytekitplugins.artifacts.backends.s3 import abilities

#: What an S3 answer says about checksums: headers (x-amz-checksum-sha256...) and XML elements (<ChecksumSHA256>).
_CHECKSUM_XML = re.compile(rb"<(Checksum[A-Za-z0-9]*)>[^<]*</\1>")
DENIED = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
SLOWDOWN = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"


class FaultProxy:
    """Relays every request to ``upstream``; ``fault(method, path)`` picks what happens to each: None (relayed),
    ``"slowdown"`` (503 SlowDown, not relayed), ``"denied"`` (403 AccessDenied, not relayed: botocore does not retry
    it) or ``"cut"`` (relayed, then the answer's body broken off half way
    with its full Content-Length declared). ``faults`` and ``passed`` list what happened, in order.

    With ``plain=True`` the upstream looks like an S3-compatible server without the newer S3 features (Ceph's RADOS
    gateway, older MinIO): no answer carries a checksum, and ``If-None-Match`` on CompleteMultipartUpload is not
    honoured (it never reaches the upstream). With ``unconditional=True`` no request keeps its ``If-None-Match``: a
    server that overwrites on every write."""

    def __init__(self, upstream: str, fault=lambda method, path: None, plain: bool = False,
                 unconditional: bool = False):
        self.upstream = urllib.parse.urlparse(upstream)
        self.fault = fault
        self.plain = plain
        self.unconditional = unconditional
        self.faults, self.passed = [], []
        lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    what = proxy.fault(self.command, self.path)
                (proxy.faults if what else proxy.passed).append((self.command, self.path, what))
                if what == "denied":
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(DENIED)))
                    self.end_headers()
                    self.wfile.write(DENIED)
                    return
                if what == "slowdown":
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(SLOWDOWN)))
                    self.end_headers()
                    self.wfile.write(SLOWDOWN)
                    return
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
                if proxy.unconditional or (proxy.plain and self.command == "POST" and "uploadId=" in self.path):
                    headers = {k: v for k, v in headers.items() if k.lower() != "if-none-match"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                answer_headers = resp.getheaders()
                if proxy.plain:
                    data = _CHECKSUM_XML.sub(b"", data)
                    answer_headers = [(k, v) for k, v in answer_headers if not k.lower().startswith("x-amz-checksum")]
                self.send_response(resp.status)
                for k, v in answer_headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(k, v)
                # A HEAD answer has no body: the length it declares is the object's.
                length = resp.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
                self.send_header("Content-Length", length)
                if what == "cut":
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data[: len(data) // 2] if what == "cut" else data)
                if what == "cut":
                    self.close_connection = True
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        # A later proxy may be given the same port, in another mode: what this process found out about this
        # endpoint's abilities must not carry over to it.
        abilities.reset()
