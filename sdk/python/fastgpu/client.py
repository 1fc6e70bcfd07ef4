"""The HTTP connection to fastgpud and its error type."""

import json
import os
import random
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_URL = "http://127.0.0.1:7070"
SCHEMES = ("http", "https")


class FastGPUError(Exception):
    """An error answered by fastgpud (status, code and message as the server sent them), or a
    failure to reach it (status 0, code 'unreachable')."""

    def __init__(self, status, code, message):
        super().__init__(f"{code}: {message}" if status == 0 else f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Client:
    """A connection to one fastgpud. Thread-safe: every call opens its own HTTP request."""

    def __init__(self, url=None, token=None, timeout=60.0, ca_file=None):
        self.url = normalize_url(url or os.environ.get("FASTGPU_URL") or DEFAULT_URL)
        self.token = token if token is not None else os.environ.get("FASTGPU_TOKEN")
        self.timeout = timeout
        # An https:// daemon's certificate is verified: against ca_file (default $FASTGPU_CA)
        # when given, else the system's trusted authorities.
        self.ca_file = ca_file or os.environ.get("FASTGPU_CA") or None
        self._tls = None
        if self.url.lower().startswith("https://"):
            try:
                self._tls = ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as e:
                raise FastGPUError(0, "invalid_argument", f"FASTGPU_CA {self.ca_file}: {e}") from None

    def request(self, method, path, body=None, query=None, timeout=None, raw=False):
        """Sends one request; returns the decoded JSON answer (the text when raw=True).
        Raises FastGPUError carrying the server's error message."""
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        payload = self._send(req, timeout or self.timeout)
        return payload.decode(errors="replace") if raw else json.loads(payload)

    def _send(self, req, timeout):
        """The answer's bytes. A 429 (too many long-polls at once) is asked again after a
        growing, jittered pause, for up to `timeout` seconds in all."""
        delay = 0.1
        give_up = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(req, timeout=timeout, context=self._tls) as answer:
                    return answer.read()
            except urllib.error.HTTPError as e:
                if e.code == 429 and time.monotonic() + delay < give_up:
                    time.sleep(delay * random.uniform(0.5, 1.0))
                    delay = min(delay * 2, 2.0)
                    continue
                raise _server_error(e) from None
            except (urllib.error.URLError, OSError) as e:
                raise self._unreachable(e) from None

    def _unreachable(self, e):
        """The FastGPUError for a request that got no answer."""
        reason = getattr(e, "reason", e)
        if isinstance(reason, ssl.SSLCertVerificationError):
            trusted = f"FASTGPU_CA {self.ca_file}" if self.ca_file else "set FASTGPU_CA"
            reason = f"its TLS certificate is not trusted ({trusted}): {reason.verify_message}"
        return FastGPUError(0, "unreachable", f"cannot reach fastgpud at {self.url}: {reason}")

    def gpus(self):
        """The GPUs of the pool with their live allocation."""
        return self.request("GET", "/v1/gpus")["gpus"]


def normalize_url(url):
    """The daemon's URL as requests use it: 'host:port' gets http:// (as the CLI accepts it),
    trailing slashes go. Raises ValueError for a scheme other than http and https."""
    if "://" not in url:
        url = "http://" + url
    scheme = url.split("://", 1)[0]
    if scheme.lower() not in SCHEMES:
        raise ValueError(f"fastgpud URL {url!r}: the scheme must be http or https, not {scheme!r}")
    return url.rstrip("/")


def _server_error(http_error):
    body = http_error.read()
    try:
        error = json.loads(body)["error"]
        return FastGPUError(http_error.code, error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        return FastGPUError(http_error.code, "http_error", body.decode(errors="replace")[:200])


_default = None


def default_client():
    """The client used when none is given: built from $FASTGPU_URL and $FASTGPU_TOKEN."""
    global _default
    if _default is None:
        _default = Client()
    return _default


def set_default_client(client):
    """Makes `client` the one used when none is given."""
    global _default
    _default = client
