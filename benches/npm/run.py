#!/usr/bin/env python3
"""Drives headless Chromium (through chromedriver) over the three pages and prints medians:
page load -> widget open, for fintoc-wasm and for @fintoc/fintoc-js written two ways.

    run.py CHROMEDRIVER_PORT SERVER_PORT RUNS
"""
import json
import statistics
import sys
import tempfile
import time
import urllib.request

DRIVER, PORT, RUNS = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
BASE = "http://127.0.0.1:%d" % DRIVER
PAGES = [
    ("@fintoc/fintoc-js, docs order (token, then script)", "docs-order.html"),
    ("@fintoc/fintoc-js, Promise.all", "promise-all.html"),
    ("fintoc-wasm (npm package)", "fintoc-wasm.html"),
]


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["value"]


profile = tempfile.mkdtemp()
session = call("POST", "/session", {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "acceptInsecureCerts": True,
    "goog:loggingPrefs": {"browser": "ALL"},
    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--ignore-certificate-errors", "--disk-cache-size=1",
        "--host-resolver-rules=MAP js.fintoc.com 127.0.0.1:%d" % PORT,
        "--user-data-dir=" + profile,
    ]},
}}})["sessionId"]
S = "/session/" + session
times = {page: [] for _, page in PAGES}
try:
    for run in range(RUNS):
        # Rotate the order every run, so no page always goes first (or last).
        for _, page in PAGES[run % len(PAGES):] + PAGES[:run % len(PAGES)]:
            call("POST", S + "/url", {"url": "about:blank"})
            call("POST", S + "/url", {"url": "https://js.fintoc.com/bench/" + page})
            deadline = time.time() + 15
            opened = None
            while time.time() < deadline and opened is None:
                opened = call("POST", S + "/execute/sync", {"script": "return window.__openedAt ?? null;", "args": []})
                if opened is None:
                    time.sleep(0.02)
            if opened is None:
                logs = call("POST", S + "/se/log", {"type": "browser"})
                logs.append(call("POST", S + "/execute/sync", {"script": "return [window.__states, window.__error];", "args": []}))
                sys.exit("%s: the widget never opened within 15 s; console: %s" % (page, logs))
            times[page].append(opened)
finally:
    call("DELETE", S)

medians = {page: statistics.median(t) for page, t in times.items()}
ours = medians["fintoc-wasm.html"]
print("page load -> widget open, median of %d runs (script and session each delayed; cold, no cache):" % RUNS)
for label, page in PAGES:
    print("  %-52s %6.0f ms   runs: %s" % (label, medians[page], " ".join("%.0f" % t for t in times[page])))
print("  ratio fintoc-wasm / docs order  = %.2f (target <= 0.60)" % (ours / medians["docs-order.html"]))
print("  ratio fintoc-wasm / Promise.all = %.2f (target <= 1.10)" % (ours / medians["promise-all.html"]))
