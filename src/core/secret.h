#pragma once
// Secrets: comparing them without leaking where they differ, and making fresh ones.

#include <string>
#include <string_view>

namespace fastgpu {

/// True when `given` equals `expected`, in time that does not depend on where they differ.
bool same_secret(std::string_view given, std::string_view expected);

/// 32 random bytes from the kernel (getrandom), in hex: a fresh credential.
std::string random_secret();

}  // namespace fastgpu
