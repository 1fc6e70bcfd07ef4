"""Prints the tasks fastgpud recorded, with start and end times relative to the first start."""

import fastgpu


def main():
    tasks = fastgpu.default_client().request("GET", "/v1/tasks")["tasks"]
    starts = [t["started_at"] for t in tasks if t["started_at"]]
    origin = min(starts) if starts else 0.0
    print(f"{'task':>4}  {'vgpu':>4}  {'tflops':>6}  {'seconds':>7}  {'state':<10}  {'start':>6}  {'end':>6}")
    for t in tasks:
        start = t["started_at"] - origin if t["started_at"] else float("nan")
        end = t["ended_at"] - origin if t["ended_at"] else float("nan")
        print(f"{t['id']:>4}  {t['vgpu'] or '-':>4}  {t['resources']['tflops'] or '-':>6}  "
              f"{t['seconds'] or '-':>7}  {t['state']:<10}  {start:6.2f}  {end:6.2f}")


if __name__ == "__main__":
    main()
