"""FastGPU's Python SDK: virtual GPUs and tasks on a fastgpud daemon, over its HTTP API.

Standard library only. The daemon is found at the URL given to Client, else $FASTGPU_URL,
else http://127.0.0.1:7070 (http or https; host:port alone means http); a bearer token comes
from Client(token=...) or $FASTGPU_TOKEN.

    vgpu = fastgpu.VirtualGPU.create(20, 'tflops')
    vgpu.submit_task(fastgpu.Task(20, 5))       # a synthetic load: 20 TFLOPS for 5 s
    vgpu.wait()
"""

from .client import Client, FastGPUError, default_client, set_default_client
from .task import Task, submit
from .vgpu import VirtualGPU

__all__ = [
    "Client",
    "FastGPUError",
    "Task",
    "VirtualGPU",
    "default_client",
    "set_default_client",
    "submit",
]
