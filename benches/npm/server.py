#!/usr/bin/env python3
"""HTTPS server for scripts/bench-npm, standing in for https://js.fintoc.com (Chromium maps the
host here with --host-resolver-rules and a throwaway certificate): Fintoc.js (the sandbox) at /v1
and a merchant session endpoint at /session, each delayed DELAY_MS, plus the pages and the two
packages being compared (/pkg/: ours; /fintoc-js/: @fintoc/fintoc-js as published).

    server.py PORT CERT KEY ROOT FINTOC_JS_DIR DELAY_MS
"""
import http.server
import json
import os
import ssl
import sys
import time

PORT, CERT, KEY, ROOT, FINTOC_JS, DELAY = (
    int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]) / 1000
)
TYPES = {".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def file(self, path):
        # @fintoc/fintoc-js's ES build imports './lib/core' with no extension (it expects a
        # bundler): serve `x.js` for `x`, and `x/index.js` for a directory, as a bundler would resolve it.
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, "index.js")):
            # A directory import: redirect, so the module's own relative imports resolve inside it.
            self.send_response(301)
            self.send_header("Location", self.path.split("?")[0].rstrip("/") + "/index.js")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        for candidate in (path, path + ".js"):
            if os.path.isfile(candidate):
                with open(candidate, "rb") as f:
                    return self.send(200, f.read(), TYPES.get(os.path.splitext(candidate)[1], "application/octet-stream"))
        self.send(404, b"not found", "text/plain")

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ("/v1", "/v1/"):
            time.sleep(DELAY)
            with open(os.path.join(ROOT, "sandbox", "fintoc-sandbox.js"), "rb") as f:
                self.send(200, f.read(), "text/javascript")
        elif path == "/session":
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            time.sleep(DELAY)
            token = "cs_bench_sec_%d" % int(time.time() * 1000)
            self.send(200, json.dumps({"session_token": token, "expires_in": 600}).encode(), "application/json")
        elif path.startswith("/pkg/"):
            self.file(os.path.join(ROOT, "pkg", path[len("/pkg/"):]))
        elif path.startswith("/fintoc-js/"):
            self.file(os.path.join(FINTOC_JS, path[len("/fintoc-js/"):]))
        elif path.startswith("/bench/"):
            self.file(os.path.join(ROOT, "benches", "npm", path[len("/bench/"):]))
        else:
            self.send(404, b"not found", "text/plain")


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("bench server on %d" % PORT, flush=True)
server.serve_forever()
