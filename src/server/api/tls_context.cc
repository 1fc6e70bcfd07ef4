#include "server/api/tls_context.h"

namespace fastgpu {

Status load_server_tls(const std::string& cert_file, const std::string& key_file,
                       SslContext* context) {
  SslContext made(SSL_CTX_new(TLS_server_method()));
  if (made == nullptr || SSL_CTX_set_min_proto_version(made.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate_chain_file(made.get(), cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(made.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(made.get()) != 1) {
    return Status::invalid_argument(
        "--tls-cert/--tls-key: cannot load the certificate and its key (PEM files that belong "
        "together)");
  }
  SSL_CTX_set_mode(made.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  *context = std::move(made);
  return Status::ok();
}

}  // namespace fastgpu
