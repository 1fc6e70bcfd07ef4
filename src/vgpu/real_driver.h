#pragma once
// The real CUDA driver (libcuda.so.1, or the library FASTGPU_VGPU_DRIVER names), opened at run
// time with dlopen; libfastgpu-vgpu never links it. Each function of driver_functions.h has a
// typed slot here; a slot is null when the driver lacks that symbol.
#include <string>

#include "vgpu/driver_functions.h"

namespace fastgpu::vgpu {

// Index of each driver function in RealDriver's table.
enum class DriverFn : int {
#define FASTGPU_DRIVER_ENUM(symbol, query, version, flavour, hooked) symbol,
  FASTGPU_DRIVER_FUNCTIONS(FASTGPU_DRIVER_ENUM)
#undef FASTGPU_DRIVER_ENUM
      kCount
};

// The function-pointer type of each driver function, by its enum value.
template <DriverFn F>
struct DriverFnType;
#define FASTGPU_DRIVER_TYPE(symbol, query, version, flavour, hooked) \
  template <>                                                        \
  struct DriverFnType<DriverFn::symbol> {                            \
    using type = decltype(&::symbol);                                \
  };
FASTGPU_DRIVER_FUNCTIONS(FASTGPU_DRIVER_TYPE)
#undef FASTGPU_DRIVER_TYPE

// Calls into glibc's own dlsym, bypassing libfastgpu-vgpu's dlsym hook. For the library's own
// lookups: RTLD_NEXT here is relative to libfastgpu-vgpu.
void* real_dlsym(void* handle, const char* symbol);

// The address of glibc's dlsym (for the dlsym trampoline).
void* glibc_dlsym_address();

// The opened driver and its entry points. Thread-safe after open() returns.
class RealDriver {
 public:
  // Opens `path` (a file name searched the usual way, or a path) and resolves every function.
  // Returns false with `error` set when the library cannot be opened.
  bool open(const std::string& path, std::string* error);

  // The real function F, or null when the driver does not export it.
  template <DriverFn F>
  typename DriverFnType<F>::type get() const {
    return reinterpret_cast<typename DriverFnType<F>::type>(slots_[static_cast<int>(F)]);
  }

  // The untyped real address of F, for matching what cuGetProcAddress returns.
  void* address(DriverFn f) const { return slots_[static_cast<int>(f)]; }

  // The driver's library handle (null before open()).
  void* handle() const { return handle_; }

 private:
  void* handle_ = nullptr;
  void* slots_[static_cast<int>(DriverFn::kCount)] = {};
};

}  // namespace fastgpu::vgpu
