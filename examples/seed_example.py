import fastgpu
import time

def main():
    vgpu = fastgpu.VirtualGPU.create(20, 'tflops')
    task1 = fastgpu.Task(20, 5)
    task2 = fastgpu.Task(15, 3)
    task3 = fastgpu.Task(10, 2)
    vgpu.submit_task(task1)
    vgpu.submit_task(task2)
    vgpu.submit_task(task3)
    vgpu.wait()
    print("Task 1 completed.")
    print("Task 2 completed.")
    print("Task 3 completed.")

if __name__ == "__main__":
    main()
