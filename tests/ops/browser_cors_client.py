#!/usr/bin/env python3
"""The smallest W3C WebDriver client that browser_cors_test.sh needs (Python stdlib only).

Opens PAGE_URL in headless Chromium through a running chromedriver, runs window.koreTest()
there, prints its result as JSON and exits 0 only when it matches the expectation:
  allowed: both statuses 2xx, X-Cache and X-Request-Id readable, no error;
  blocked: an error and no status (the browser refused the cross-origin call);
  signed_in: the first call, without a token, got 401 with a readable Bearer challenge, and
    after the demo user's sign-in (PAGE_URL has token_url=...) the calls are allowed; when
    PAGE_URL also has forbidden_path=... (or the result has a forbiddenStatus), that path
    answered 403 "forbidden" with a readable insufficient_scope challenge: this origin can read
    a refusal's WWW-Authenticate and body only if the 403 carries the CORS headers.
Usage: browser_cors_client.py DRIVER_URL PAGE_URL allowed|blocked|signed_in USER_DATA_DIR
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_S = 60
SCRIPT_TIMEOUT_MS = 30000
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]
INSUFFICIENT_SCOPE = 'Bearer realm="kore-gateway", error="insufficient_scope"'
KORE_TEST = """
const done = arguments[arguments.length - 1];
if (typeof window.koreTest !== "function") {
  done({harnessError: "window.koreTest is not defined (page not served or broken)"});
} else {
  window.koreTest().then(done, (e) => done({harnessError: "koreTest rejected: " + e}));
}
"""


def webdriver(driver, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(driver + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.load(response)["value"]
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"WebDriver {method} {path}: {e.code} {e.read().decode()[:500]}")


def forbidden_seen(result):
    return (result.get("forbiddenStatus") == 403
            and result.get("forbiddenError") == "forbidden"
            and (result.get("forbiddenChallenge") or "").startswith(INSUFFICIENT_SCOPE))


def meets(result, expect, forbidden_expected=False):
    if "harnessError" in result:
        return False

    def success(status):
        return isinstance(status, int) and 200 <= status < 300
    if expect == "signed_in":
        challenge = result.get("unauthChallenge") or ""
        forbidden_expected = forbidden_expected or result.get("forbiddenStatus") is not None
        return (result.get("unauthStatus") == 401
                and challenge.startswith('Bearer realm="kore-gateway"')
                and (not forbidden_expected or forbidden_seen(result))
                and meets(result, "allowed"))
    if expect == "allowed":
        return (success(result.get("productsStatus")) and success(result.get("priceStatus"))
                and bool(result.get("xCache")) and bool(result.get("requestId"))
                and not result.get("error"))
    return (bool(result.get("error")) and result.get("productsStatus") is None
            and result.get("priceStatus") is None)


def main():
    driver, page, expect, profile = sys.argv[1:5]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page).query)
    forbidden_expected = "forbidden_path" in query
    capabilities = {"browserName": "chrome", "goog:chromeOptions": {
        "binary": os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"),
        "args": CHROMIUM_FLAGS + [f"--user-data-dir={profile}"],
    }}
    session = webdriver(driver, "POST", "/session",
                        {"capabilities": {"alwaysMatch": capabilities}})["sessionId"]
    try:
        base = f"/session/{session}"
        webdriver(driver, "POST", base + "/timeouts",
                  {"script": SCRIPT_TIMEOUT_MS, "pageLoad": SCRIPT_TIMEOUT_MS})
        webdriver(driver, "POST", base + "/url", {"url": page})
        result = webdriver(driver, "POST", base + "/execute/async",
                           {"script": KORE_TEST, "args": []})
    finally:
        webdriver(driver, "DELETE", f"/session/{session}")
    print(json.dumps(result, sort_keys=True))
    if not meets(result, expect, forbidden_expected):
        print(f"browser_cors_test: FAIL - expected the calls to be {expect}", file=sys.stderr)
        return 1
    print(f"browser_cors_test: ok - the calls are {expect}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, KeyError) as e:
        print(f"browser_cors_test: FAIL - {e}", file=sys.stderr)
        sys.exit(1)
