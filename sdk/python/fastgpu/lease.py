"""Owner leases of vGPUs: kept alive while the program that created them runs.

One daemon thread renews every lease this program holds, so it never keeps a finished program
alive; at exit the leases are released, so fastgpud reclaims the vGPUs as soon as their tasks
have ended. A program that dies without exiting (SIGKILL, power loss) stops renewing, and the
daemon reclaims its vGPUs once the lease period has passed.
"""

import atexit
import threading

from .client import FastGPUError

_RELEASE_TIMEOUT_SECONDS = 2.0


class LeaseKeeper:
    """Renews the leases it holds every third of their period, on one daemon thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held = {}  # (client, vGPU id) -> lease period in seconds
        self._wake = threading.Event()
        self._thread = None

    def hold(self, client, vgpu_id, period):
        """Starts renewing vGPU `vgpu_id` of `client` every `period` / 3 seconds."""
        with self._lock:
            self._held[(client, vgpu_id)] = period
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fastgpu-lease",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def drop(self, client, vgpu_id):
        """Stops renewing vGPU `vgpu_id` of `client`; True when it was held."""
        with self._lock:
            return self._held.pop((client, vgpu_id), None) is not None

    def release_all(self):
        """Releases every held lease (at exit): the daemon deletes each vGPU once its tasks end."""
        with self._lock:
            held, self._held = list(self._held), {}
        for client, vgpu_id in held:
            try:
                client.request("POST", f"/v1/vgpus/{vgpu_id}/release", body={},
                               timeout=_RELEASE_TIMEOUT_SECONDS)
            except (FastGPUError, ValueError):
                pass  # gone already, or the daemon is down: the lease lapses on its own

    def _run(self):
        while True:
            with self._lock:
                held = dict(self._held)
            wait = min(held.values(), default=30.0) / 3
            self._wake.wait(wait)
            self._wake.clear()
            for (client, vgpu_id), _period in held.items():
                try:
                    client.request("POST", f"/v1/vgpus/{vgpu_id}/renew", body={},
                                   timeout=max(1.0, wait))
                except FastGPUError as e:
                    if e.status == 404:  # deleted: nothing left to keep
                        self.drop(client, vgpu_id)
                except ValueError:
                    pass  # an answer that is not JSON: try again next period


KEEPER = LeaseKeeper()
atexit.register(KEEPER.release_all)
