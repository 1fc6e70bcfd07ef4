// libfastgpu-vgpu's `dlsym`, which replaces glibc's for the whole process: it answers with the
// library's hooks for the intercepted names (so that a runtime that dlopens libcuda and looks up
// cuGetProcAddress gets the hook) and hands every other lookup to glibc's dlsym.
//
// The hand-over must be a tail jump. glibc resolves RTLD_NEXT relative to the object that
// called dlsym, found from the return address; a jump keeps the caller's return address, so
// dlsym(RTLD_NEXT, ...) from any library (sanitizers and other interposers rely on it) finds
// what it would without libfastgpu-vgpu. On x86-64 and AArch64 the entry point is therefore a
// few instructions of assembly; elsewhere it is C++ and RTLD_NEXT is resolved relative to this
// library (first in the preload order), which finds what a preloaded caller expects.
#include "vgpu/hook_registry.h"
#include "vgpu/hook_support.h"

using namespace fastgpu::vgpu;

// glibc's dlsym, where the trampoline jumps; set by fastgpu_vgpu_dlsym_hook before it returns
// null (it is the same value every time).
extern "C" {
__attribute__((visibility("hidden"))) void* fastgpu_vgpu_glibc_dlsym = nullptr;
}

// The hook for `symbol`, or null after making sure fastgpu_vgpu_glibc_dlsym is set.
extern "C" __attribute__((visibility("hidden"))) void* fastgpu_vgpu_dlsym_hook(const char* symbol) {
  if (void* hook = hook_by_symbol(symbol)) return hook;
  if (__atomic_load_n(&fastgpu_vgpu_glibc_dlsym, __ATOMIC_ACQUIRE) == nullptr) {
    __atomic_store_n(&fastgpu_vgpu_glibc_dlsym, glibc_dlsym_address(), __ATOMIC_RELEASE);
  }
  return nullptr;
}

#if defined(__x86_64__)
asm(R"(
  .text
  .globl dlsym
  .type dlsym, @function
dlsym:
  push %rdi
  push %rsi
  sub $8, %rsp
  mov %rsi, %rdi
  call fastgpu_vgpu_dlsym_hook
  add $8, %rsp
  pop %rsi
  pop %rdi
  test %rax, %rax
  jnz 1f
  jmp *fastgpu_vgpu_glibc_dlsym(%rip)
1:
  ret
  .size dlsym, .-dlsym
)");
#elif defined(__aarch64__)
asm(R"(
  .text
  .globl dlsym
  .type dlsym, %function
dlsym:
  stp x29, x30, [sp, -32]!
  mov x29, sp
  stp x0, x1, [sp, 16]
  mov x0, x1
  bl fastgpu_vgpu_dlsym_hook
  mov x9, x0
  ldp x0, x1, [sp, 16]
  ldp x29, x30, [sp], 32
  cbnz x9, 1f
  adrp x16, fastgpu_vgpu_glibc_dlsym
  ldr x16, [x16, :lo12:fastgpu_vgpu_glibc_dlsym]
  br x16
1:
  mov x0, x9
  ret
  .size dlsym, .-dlsym
)");
#else
extern "C" FASTGPU_EXPORT void* dlsym(void* handle, const char* symbol) noexcept {
  if (void* hook = fastgpu_vgpu_dlsym_hook(symbol)) return hook;
  return real_dlsym(handle, symbol);
}
#endif
