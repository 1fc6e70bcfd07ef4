#pragma once
// The TLS settings fastgpud serves https:// with (OpenSSL, from Debian).

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "core/status.h"

namespace fastgpu {

/// Frees an OpenSSL context.
struct SslContextFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslContext = std::unique_ptr<SSL_CTX, SslContextFree>;

/// A server context of TLS 1.2 or later with the certificate chain in `cert_file` and its key in
/// `key_file` (PEM); kInvalidArgument naming the flags when they cannot be loaded or do not
/// belong together.
Status load_server_tls(const std::string& cert_file, const std::string& key_file,
                       SslContext* context);

}  // namespace fastgpu
