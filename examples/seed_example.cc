// The seed program with the C++ SDK: three tasks on a 20-TFLOPS vGPU.

#include <cstdio>

#include "fastgpu/vgpu.h"

int main() {
  try {
    fastgpu::VirtualGPU vgpu = fastgpu::VirtualGPU::create(20, fastgpu::Unit::tflops);
    fastgpu::Task task1(20, 5);
    fastgpu::Task task2(15, 3);
    fastgpu::Task task3(10, 2);
    vgpu.submit_task(task1);
    vgpu.submit_task(task2);
    vgpu.submit_task(task3);
    vgpu.wait();
    std::puts("Task 1 completed.");
    std::puts("Task 2 completed.");
    std::puts("Task 3 completed.");
  } catch (const fastgpu::Error& e) {
    std::fprintf(stderr, "fastgpu: %s\n", e.what());
    return 1;
  }
  return 0;
}
