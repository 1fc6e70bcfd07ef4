"""Virtual GPUs: a reserved slice of one GPU that tasks share."""

import time

from .client import default_client

UNITS = ("tflops", "gpu")
_LONG_POLL_SECONDS = 30
_PAGE_SIZE = 1000  # tasks per request of tasks(); the API allows 1..10000


class VirtualGPU:
    """A slice of one GPU held by fastgpud. Tasks submitted to it run concurrently while the sum
    of their demands fits the slice; the others wait their turn."""

    def __init__(self, record, client=None):
        self.record = record
        self.id = record["id"]
        self.client = client

    @classmethod
    def create(cls, amount, unit="tflops", memory=None, client=None):
        """Reserves `amount` of `unit` ('tflops', or 'gpu' for a fraction of one GPU), with
        `memory` (bytes or a string like '16GiB') when given."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        body = {unit: amount}
        if memory is not None:
            body["memory"] = memory
        record = (client or default_client()).request("POST", "/v1/vgpus", body)
        return cls(record, client)

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
        return self.record

    def __repr__(self):
        return f"VirtualGPU(id={self.id}, state={self.record.get('state')})"
