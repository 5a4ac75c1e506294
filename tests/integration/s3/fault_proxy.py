"""An HTTP proxy on 127.0.0.1 in front of the moto server that breaks chosen requests the way S3 and networks do."""

import http.client
import http.server
import threading
import urllib.parse

SLOWDOWN = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"


class FaultProxy:
    """Relays every request to ``upstream``; ``fault(method, path)`` picks what happens to each: None (relayed),
    ``"slowdown"`` (503 SlowDown, not relayed) or ``"cut"`` (relayed, then the answer's body broken off half way
    with its full Content-Length declared). ``faults`` and ``passed`` list what happened, in order."""

    def __init__(self, upstream: str, fault):
        self.upstream = urllib.parse.urlparse(upstream)
        self.fault = fault
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
                if what == "slowdown":
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(SLOWDOWN)))
                    self.end_headers()
                    self.wfile.write(SLOWDOWN)
                    return
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
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
