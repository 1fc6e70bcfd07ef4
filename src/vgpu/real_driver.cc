#include "vgpu/real_driver.h"

#include <dlfcn.h>

namespace fastgpu::vgpu {
namespace {

using DlsymFn = void* (*)(void*, const char*);

// glibc's dlsym, found by version so that libfastgpu-vgpu's own (unversioned) `dlsym` export
// can never be found instead: first the next object after this library, then inside libc (or
// libdl before glibc 2.34) by handle, for when this library was dlopened rather than preloaded.
DlsymFn find_glibc_dlsym() {
  constexpr const char* kVersions[] = {"GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_2.17"};
  for (const char* version : kVersions) {
    if (void* found = dlvsym(RTLD_NEXT, "dlsym", version)) return reinterpret_cast<DlsymFn>(found);
  }
  for (const char* library : {"libc.so.6", "libdl.so.2"}) {
    void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) continue;
    for (const char* version : kVersions) {
      if (void* found = dlvsym(handle, "dlsym", version)) return reinterpret_cast<DlsymFn>(found);
    }
  }
  return nullptr;
}

DlsymFn glibc_dlsym() {
  static const DlsymFn fn = find_glibc_dlsym();
  return fn;
}

constexpr const char* kSymbolNames[] = {
#define FASTGPU_DRIVER_NAME(symbol, query, version, flavour, hooked) #symbol,
    FASTGPU_DRIVER_FUNCTIONS(FASTGPU_DRIVER_NAME)
#undef FASTGPU_DRIVER_NAME
};

}  // namespace

void* glibc_dlsym_address() { return reinterpret_cast<void*>(glibc_dlsym()); }

void* real_dlsym(void* handle, const char* symbol) {
  DlsymFn fn = glibc_dlsym();
  return fn == nullptr ? nullptr : fn(handle, symbol);
}

bool RealDriver::open(const std::string& path, std::string* error) {
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle_ == nullptr) {
    const char* reason = dlerror();
    *error = "cannot open the CUDA driver '" + path + "': " + (reason ? reason : "unknown error");
    return false;
  }
  for (int i = 0; i < static_cast<int>(DriverFn::kCount); ++i) {
    slots_[i] = real_dlsym(handle_, kSymbolNames[i]);
  }
  // Drivers older than CUDA 12.8 have only the first cuEventElapsedTime, of the same signature.
  auto& elapsed = slots_[static_cast<int>(DriverFn::cuEventElapsedTime_v2)];
  if (elapsed == nullptr) elapsed = real_dlsym(handle_, "cuEventElapsedTime");
  return true;
}

}  // namespace fastgpu::vgpu
