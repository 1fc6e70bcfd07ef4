"""Virtual GPUs: a reserved slice of one GPU that tasks share."""

import time

from .client import default_client
from .lease import KEEPER

UNITS = ("tflops", "gpu")
_LONG_POLL_SECONDS = 30
_PAGE_SIZE = 1000  # tasks per request of tasks(); the API allows 1..10000
DEFAULT_LEASE_SECONDS = 30


class VirtualGPU:
    """A slice of one GPU held by fastgpud. Tasks submitted to it run concurrently while the sum
    of their demands fits the slice; the others wait their turn.

    By default it lives as long as the program that created it: a lease renewed in the
    background, released at exit (or at the end of a `with` block), after which fastgpud
    deletes it once its tasks have ended."""

    def __init__(self, record, client=None):
        self.record = record
        self.id = record["id"]
        self.client = client

    @classmethod
    def create(cls, amount, unit="tflops", memory=None, client=None,
               lease=DEFAULT_LEASE_SECONDS, ttl=None, idle_timeout=None):
        """Reserves `amount` of `unit` ('tflops', or 'gpu' for a fraction of one GPU), with
        `memory` (bytes or a string like '16GiB') when given.

        `lease` (seconds, or None for a vGPU that lives until deleted): the daemon reclaims the
        vGPU once this program has stopped renewing it for that long and its tasks have ended.
        `ttl`: deleted that many seconds after creation, its tasks cancelled. `idle_timeout`:
        deleted after that many seconds without an unfinished task."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        body = {unit: amount}
        if memory is not None:
            body["memory"] = memory
        for name, seconds in (("lease", lease), ("ttl", ttl), ("idle_timeout", idle_timeout)):
            if seconds is not None:
                body[name] = seconds
        vgpu = cls((client or default_client()).request("POST", "/v1/vgpus", body), client)
        if lease is not None:
            KEEPER.hold(vgpu._client(), vgpu.id, float(lease))
        return vgpu

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False

    def _client(self):
        return self.client or default_client()

    def submit_task(self, task):
        """Submits `task` to this vGPU; returns the task."""
        if task.client is None:
            task.client = self.client
        return task.submit(vgpu=self.id)

    def wait(self, timeout=None):
        """Blocks until none of this vGPU's tasks is unfinished (or `timeout` seconds pass);
        returns the records of its tasks."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _LONG_POLL_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
            poll = min(left, _LONG_POLL_SECONDS)
            answer = self._client().request("GET", f"/v1/vgpus/{self.id}/wait",
                                            query={"timeout": f"{poll:.3f}"}, timeout=poll + 30)
            if answer["done"] or (deadline is not None and time.monotonic() >= deadline):
                return answer["tasks"]

    def tasks(self):
        """The records of all this vGPU's tasks, read page by page."""
        tasks, cursor = [], 0
        while True:
            query = {"vgpu": self.id, "limit": _PAGE_SIZE}
            if cursor:
                query["cursor"] = cursor
            page = self._client().request("GET", "/v1/tasks", query=query)
            tasks.extend(page["tasks"])
            cursor = page.get("next_cursor") or 0
            if not cursor:
                return tasks

    def delete(self, force=False):
        """Gives the slice back. Refused while tasks run unless force=True (cancels them)."""
        query = {"force": "true"} if force else None
        self.record = self._client().request("DELETE", f"/v1/vgpus/{self.id}", query=query)
        KEEPER.drop(self._client(), self.id)
        return self.record

    def release(self):
        """Stops keeping the vGPU: fastgpud deletes it once its tasks have ended."""
        KEEPER.drop(self._client(), self.id)
        self.record = self._client().request("POST", f"/v1/vgpus/{self.id}/release", body={})
        return self.record

    def __repr__(self):
        return f"VirtualGPU(id={self.id}, state={self.record.get('state')})"
