#!/usr/bin/env python3
"""Test fixture server for the browser tests (started by scripts/test).

It serves scripts (the sandbox, slow, failing, defining no global) and a fake merchant session
endpoint, and records the order in which requests start and end, per test id, so tests can prove
ordering ("the token request went out before the script finished loading") without timing.

    GET  /script?id=ID&delay=MS&kind=sandbox|noglobal|late
                                                         logs script-start, waits, serves, logs script-end
                                                         (late: the sandbox defines window.Fintoc 300 ms
                                                         after the script ran, like an async bootstrap)
    GET  /status/404                                     404
    ANY  /session?id=ID&delay=MS&status=200&mode=ok|html|missing&expires_in=S&redirect=URL
                                                         logs session-start (method, body, x-test header)
    GET  /log?id=ID                                      the log for ID as JSON
    GET  /closed-port                                    a TCP port nothing listens on
"""
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANDBOX = os.path.join(ROOT, "sandbox", "fintoc-sandbox.js")

LOCK = threading.Lock()
LOG = []  # (seq, id, event, detail)
COUNTER = [0]


def record(test_id, event, detail=None):
    with LOCK:
        COUNTER[0] += 1
        LOG.append({"seq": COUNTER[0], "id": test_id, "event": event, "detail": detail})
        return COUNTER[0]


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


CLOSED_PORT = closed_port()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def cors(self):
        # The wasm-bindgen test page is cross-origin isolated (COEP: require-corp), like a shop
        # that uses SharedArrayBuffer: cross-origin scripts need this header to load.
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        origin = self.headers.get("Origin")
        self.send_header("Access-Control-Allow-Origin", origin or "*")
        if origin:
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Vary", "Origin")

    def send(self, status, body, content_type="application/json"):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_OPTIONS(self):
        self.send_response(204)
        self.cors()
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")
        requested = self.headers.get("Access-Control-Request-Headers")
        if requested:
            self.send_header("Access-Control-Allow-Headers", requested)
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        url = urllib.parse.urlparse(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        test_id = q.get("id", "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        delay = float(q.get("delay", "0")) / 1000.0

        if url.path == "/script":
            record(test_id, "script-start")
            time.sleep(delay)
            kind = q.get("kind", "sandbox")
            if kind == "noglobal":
                source = "/* loads, defines nothing */ window.__noGlobalLoaded = true;"
            else:
                with open(SANDBOX, encoding="utf-8") as f:
                    source = f.read()
                if kind == "late":
                    source = (
                        "window.__fintocLateRan = true;\nsetTimeout(function () {\n"
                        + source
                        + "\n}, 300);"
                    )
            self.send(200, source, "text/javascript; charset=utf-8")
            record(test_id, "script-end")
        elif url.path.startswith("/status/"):
            self.send(int(url.path.split("/")[2]), "status page", "text/plain")
        elif url.path == "/session":
            n = record(
                test_id,
                "session-start",
                {"method": method, "body": body, "x-test": self.headers.get("X-Test")},
            )
            time.sleep(delay)
            status = int(q.get("status", "200"))
            mode = q.get("mode", "ok")
            if mode == "html":
                self.send(status, "<html><body>Bad   gateway\n from proxy</body></html>", "text/html")
            elif mode == "missing":
                self.send(status, json.dumps({"id": "cs_" + test_id, "object": "checkout_session"}))
            else:
                expires = datetime.now(timezone.utc) + timedelta(
                    seconds=float(q.get("expires_in", "86400"))
                )
                session = {
                    "id": "cs_" + test_id,
                    "object": "checkout_session",
                    "amount": 5000,
                    "currency": "CLP",
                    "status": "created",
                    "session_token": "cs_%s_sec_%d" % (test_id or "x", n),
                    "expires_in": float(q.get("expires_in", "86400")),
                    "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (expires.microsecond // 1000),
                    "redirect_url": q.get(
                        "redirect", "https://checkout.fintoc.com/checkout_session_" + test_id
                    ),
                }
                self.send(status, json.dumps(session))
            record(test_id, "session-end")
        elif url.path == "/order":
            # An order whose webhook "lands" after `after` polls: pending until then, then
            # `final` (paid, failed, …; "never" stays pending).
            n = record(test_id, "order-poll")
            with LOCK:
                polls = sum(1 for e in LOG if e["id"] == test_id and e["event"] == "order-poll")
            final = q.get("final", "paid")
            status = final if polls > int(q.get("after", "0")) and final != "never" else "pending"
            if q.get("fail_first") and polls == 1:
                self.send(503, json.dumps({"error": "busy"}))
            else:
                body = {"id": "ord_" + test_id, "status": status, "poll": n}
                if status == "failed":
                    body["failure_reason"] = "insufficient_funds"
                self.send(200, json.dumps(body))
        elif url.path == "/log":
            with LOCK:
                entries = [e for e in LOG if e["id"] == test_id]
            self.send(200, json.dumps(entries))
        elif url.path == "/closed-port":
            self.send(200, json.dumps({"port": CLOSED_PORT}))
        elif url.path == "/ping":
            self.send(200, "{}")
        else:
            self.send(404, "not found", "text/plain")


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8791
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("test server on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
