"""PyTorch under libfastgpu-vgpu: the memory limit, the reported memory, and a capped matmul.

Run by tests/gpu/run.sh with the shim preloaded and FASTGPU_VGPU_MEMORY_LIMIT set; prints
key=value lines and exits non-zero when the limit does not hold.
"""
import os
import sys
import time

import torch


def main():
    limit = int(os.environ["FASTGPU_VGPU_MEMORY_LIMIT"])
    free, total = torch.cuda.mem_get_info()
    print(f"torch_total={total} torch_free={free}")
    half = torch.empty(limit // 2, dtype=torch.uint8, device="cuda")
    refused = False
    try:
        torch.empty(limit, dtype=torch.uint8, device="cuda")
    except torch.cuda.OutOfMemoryError:
        refused = True
    print(f"torch_over_limit_refused={int(refused)}")
    del half
    torch.cuda.empty_cache()
    a = torch.randn(4096, 4096, device="cuda")
    torch.cuda.synchronize()
    start = time.time()
    for _ in range(50):
        a = a @ a
        a = a / a.norm()
    torch.cuda.synchronize()
    print(f"torch_matmul_s={time.time() - start:.3f} finite={int(bool(torch.isfinite(a).all()))}")
    ok = refused and total == limit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
