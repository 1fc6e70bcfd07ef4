#pragma once
// Where one HTTP/1.1 request ends in the bytes a connection has sent so far, read before any
// thread serves it: a request is handed on only once it is whole, so a client that trickles its
// request holds no thread.

#include <cstddef>
#include <string_view>

#include "server/api/api_error.h"

namespace fastgpu {

/// The most bytes a request's line and headers may take.
inline constexpr size_t kMaxRequestHeadBytes = size_t{64} << 10;

/// What the bytes at the start of a connection's buffer hold.
struct RequestFraming {
  enum class State {
    kIncomplete,  // not yet a whole request: read more
    kWhole,       // a whole request of `size` bytes (line, headers and body)
    kRefused,     // not a request fastgpud takes: answer `error` and close
  };
  State state = State::kIncomplete;
  size_t size = 0;
  /// Its head is whole, its body is not, and it asked for "Expect: 100-continue".
  bool expects_continue = false;
  /// /healthz or an agent's route: served by threads that users' requests cannot take.
  bool reserved = false;
  ApiError error;
};

/// Frames the request at the start of `bytes`. A body needs Content-Length (at most
/// `max_body_bytes`, 413 past it); Transfer-Encoding is refused (411), as are two different
/// Content-Lengths or one that is not a number (400), and a head over kMaxRequestHeadBytes (431).
RequestFraming frame_request(std::string_view bytes, size_t max_body_bytes);

}  // namespace fastgpu
