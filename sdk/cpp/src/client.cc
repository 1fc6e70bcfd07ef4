#include "fastgpu/client.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

namespace fastgpu {
inline namespace sdk {
namespace {

constexpr const char* kDefaultUrl = "http://127.0.0.1:7070";

std::string from_env(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

Error server_error(const httplib::Result& result) {
  const nlohmann::json body = nlohmann::json::parse(result->body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    return Error(result->status, body["error"].value("code", "http_error"),
                 body["error"].value("message", ""));
  }
  return Error(result->status, "http_error", result->body.substr(0, 200));
}

// A client of `url` with `token`; an https:// daemon's certificate is verified against `ca_file`
// when set, else the system's trusted authorities.
httplib::Client connect(const std::string& url, const std::string& token,
                        const std::string& ca_file) {
  httplib::Client http(url);
  if (!token.empty()) http.set_bearer_token_auth(token.c_str());
  if (!ca_file.empty()) http.set_ca_cert_path(ca_file.c_str());
  http.enable_server_certificate_verification(true);
  return http;
}

// The error for a request to `url` that got no answer.
Error unreachable(const std::string& url, const std::string& ca_file,
                  const httplib::Result& result) {
  std::string why = httplib::to_string(result.error());
  if (result.error() == httplib::Error::SSLServerVerification) {
    why = "its TLS certificate is not trusted" +
          (ca_file.empty() ? std::string(" (set FASTGPU_CA to the CA file that signed it)")
                           : " by FASTGPU_CA " + ca_file);
  }
  return Error(0, "unreachable", "cannot reach fastgpud at " + url + ": " + why);
}

}  // namespace

Error::Error(int status, std::string code, std::string message)
    : std::runtime_error(status == 0 ? code + ": " + message
                                     : std::to_string(status) + " " + code + ": " + message),
      status_(status),
      code_(std::move(code)),
      message_(std::move(message)) {}

Client::Client(std::string url, std::string token)
    : url_(url.empty() ? from_env("FASTGPU_URL", kDefaultUrl) : std::move(url)),
      token_(token.empty() ? from_env("FASTGPU_TOKEN", "") : std::move(token)),
      ca_file_(from_env("FASTGPU_CA", "")) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

std::string Client::request_text(const std::string& path,
                                 const std::map<std::string, std::string>& query) const {
  httplib::Client http = connect(url_, token_, ca_file_);
  httplib::Params params(query.begin(), query.end());
  const httplib::Result result = http.Get(path.c_str(), params, httplib::Headers{});
  if (!result) throw unreachable(url_, ca_file_, result);
  if (result->status >= 400) throw server_error(result);
  return result->body;
}

nlohmann::json Client::request(const std::string& method, const std::string& path,
                               const nlohmann::json& body,
                               const std::map<std::string, std::string>& query,
                               int timeout_seconds) const {
  httplib::Client http = connect(url_, token_, ca_file_);
  http.set_read_timeout(timeout_seconds, 0);
  std::string target = path;
  if (!query.empty()) {
    httplib::Params params(query.begin(), query.end());
    target += '?';
    target += httplib::detail::params_to_query_str(params);
  }
  const std::string payload = body.is_null() ? "" : body.dump();
  if (method != "GET" && method != "POST" && method != "DELETE") {
    throw Error(0, "invalid_argument", "unsupported method " + method);
  }
  const auto send = [&] {
    return method == "GET"    ? http.Get(target.c_str())
           : method == "POST" ? http.Post(target.c_str(), payload, "application/json")
                              : http.Delete(target.c_str());
  };
  // A 429 (too many long-polls at once) is asked again after a growing, jittered pause, for up
  // to `timeout_seconds` in all.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  std::chrono::milliseconds pause{100};
  std::minstd_rand jitter(std::random_device{}());
  httplib::Result result = send();
  while (result && result->status == 429 && std::chrono::steady_clock::now() + pause < give_up) {
    std::this_thread::sleep_for(pause / 2 + std::chrono::milliseconds(jitter() % (pause.count() / 2)));
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    result = send();
  }
  if (!result) throw unreachable(url_, ca_file_, result);
  if (result->status >= 400) throw server_error(result);
  return nlohmann::json::parse(result->body);
}

Client& Client::default_client() {
  static Client client;
  return client;
}

}  // namespace sdk
}  // namespace fastgpu
