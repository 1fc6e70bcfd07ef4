"""Tasks: a command or a synthetic load, with the resources it needs."""

import time

from .client import default_client

FINAL_STATES = ("succeeded", "failed", "cancelled")
_LONG_POLL_SECONDS = 30


def is_final(record):
    """True when a task record will not change any more."""
    state = record["state"]
    if state == "lost":
        return record["retries_used"] >= record["max_retries"]
    return state in FINAL_STATES


class Task:
    """Work for a vGPU or for the pool.

    Task(20, 5) is a synthetic load holding 20 TFLOPS for 5 seconds. Task(command=[...],
    gpu=0.5, memory='8GiB') runs a command on half a GPU. Give at most one of tflops, gpu
    (a fraction of one GPU) and gpus (whole GPUs). After submission, `id` is set and
    `status`, `wait()`, `logs()` and `cancel()` ask the daemon.
    """

    def __init__(self, tflops=None, seconds=None, *, command=None, gpu=None, gpus=None,
                 memory=None, cpu=None, env=None, cwd=None, priority=None, name=None,
                 max_retries=None, timeout=None, enforce=None, preemptible=None, client=None):
        self.request = {}
        fields = {"tflops": tflops, "seconds": seconds, "argv": command, "gpu": gpu,
                  "gpus": gpus, "memory": memory, "cpu": cpu, "env": env, "cwd": cwd,
                  "priority": priority, "name": name, "max_retries": max_retries,
                  "timeout": timeout, "enforce": enforce, "preemptible": preemptible}
        for key, value in fields.items():
            if value is not None:
                self.request[key] = list(value) if key == "argv" else value
        self.client = client
        self.id = None
        self.record = None

    def _client(self):
        return self.client or default_client()

    def submit(self, vgpu=None):
        """Submits the task (to vGPU id `vgpu`, else to the pool); returns self."""
        if self.id is not None:
            raise ValueError(f"task {self.id} was already submitted")
        body = dict(self.request)
        if vgpu is not None:
            body["vgpu"] = vgpu
        self.record = self._client().request("POST", "/v1/tasks", body)
        self.id = self.record["id"]
        return self

    def _need_id(self):
        if self.id is None:
            raise ValueError("the task has not been submitted")
        return self.id

    def refresh(self):
        """Reads the task's record from the daemon; returns it."""
        self.record = self._client().request("GET", f"/v1/tasks/{self._need_id()}")
        return self.record

    @property
    def status(self):
        """The task's state now: pending, running, succeeded, failed, cancelled, lost."""
        return self.refresh()["state"]

    def wait(self, timeout=None):
        """Blocks until the task finishes (or `timeout` seconds pass); returns its state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _LONG_POLL_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
            poll = min(left, _LONG_POLL_SECONDS)
            self.record = self._client().request(
                "GET", f"/v1/tasks/{self._need_id()}/wait", query={"timeout": f"{poll:.3f}"},
                timeout=poll + 30)
            if is_final(self.record) or (deadline is not None and time.monotonic() >= deadline):
                return self.record["state"]

    def logs(self, stream="stdout"):
        """The task's stdout (or stderr) so far, as text."""
        return self._client().request("GET", f"/v1/tasks/{self._need_id()}/logs",
                                      query={"stream": stream}, raw=True)

    def cancel(self):
        """Cancels the task; returns its record."""
        self.record = self._client().request("POST", f"/v1/tasks/{self._need_id()}/cancel")
        return self.record

    def __repr__(self):
        state = self.record["state"] if self.record else "unsubmitted"
        return f"Task(id={self.id}, state={state}, request={self.request})"


def submit(task, client=None):
    """Submits `task` to the pool (no vGPU); returns it."""
    if client is not None:
        task.client = client
    return task.submit()
