#pragma once
// The HTTP front of fastgpud: routes /v1/... to the scheduler and the store (docs/API.md).

#include <memory>
#include <string>
#include <vector>

#include "runtime/gpu_inventory.h"
#include "server/api/auth.h"
#include "server/api/front_door.h"
#include "server/api/long_poll_gate.h"
#include "server/api/request_fence.h"
#include "server/cluster/autoscale_loop.h"
#include "server/cluster/leadership.h"
#include "server/loop/scheduler.h"
#include "store/batch_writer.h"

namespace fastgpu {

/// Largest request body accepted.
inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;
/// Longest a wait request may block.
inline constexpr int kMaxWaitSeconds = 300;

/// What the server needs; none of it owned, all of it must outlive the server.
struct ApiContext {
  Scheduler* scheduler = nullptr;
  Store* store = nullptr;
  GpuInventory* inventory = nullptr;
  const BatchWriter* batch_writer = nullptr;  // for commit metrics
  const TokenTable* tokens = nullptr;
  std::string join_token;  // what agents must send in X-FastGPU-Join-Token
  bool loopback = true;    // without a join token, agents are accepted on loopback only
  /// Replicas on one store: while this one does not lead, it answers reads from the store and
  /// refuses changes, waits and live pool views with 503 "not_leader". Null: always the leader.
  const Leadership* leadership = nullptr;
  /// The live autoscaler; null when it is off (its endpoints answer 404).
  const AutoscaleLoop* autoscale = nullptr;
  /// What confinement this host enforces on its tasks, shown by /healthz.
  std::string confinement;
  /// Host names requests may name in Host and Origin besides IP addresses, "localhost" and
  /// the listen host (RequestFence); "*" accepts any.
  std::vector<std::string> host_names;
  /// Admits long-polls (task and vGPU waits, log follows); 429 past its limits.
  LongPollGate* long_polls = nullptr;
  /// fastgpud's --accounts file, reread by POST /v1/accounts/reload; empty: none.
  std::string accounts_file;
};

/// An HTTP server on one address: cpp-httplib's routing behind a FrontDoor, which reads each
/// request whole before a worker thread serves it, caps connections and reserves threads for
/// /healthz and agents. Thread-safe.
class ApiServer {
 public:
  /// A certificate (chain) and its key, PEM files; both empty: plain HTTP.
  struct Tls {
    std::string cert_file;
    std::string key_file;
  };

  ApiServer(ApiContext context, const FrontDoorLimits& limits, const Tls& tls = {});
  ~ApiServer();

  /// Binds `host`:`port` (0: any free port), without SO_REUSEPORT: a port another process
  /// listens on is refused. kIoError naming the address (and the holder's pid when it can be
  /// found) when it cannot; kInvalidArgument when the TLS certificate or key cannot be loaded.
  Status bind(const std::string& host, int port);
  /// The port bound.
  int port() const { return front_door_.port(); }
  /// Shows the live autoscaler at /v1/scale/... and in /v1/nodes. Call before serve().
  void set_autoscale(const AutoscaleLoop* autoscale) { context_.autoscale = autoscale; }
  /// Serves until stop(); blocks.
  void serve();
  /// Makes serve() return. Safe from any thread, e.g. a signal-waiting one.
  void stop();

 private:
  class Router;
  void add_routes();
  std::unique_ptr<Router> router_;
  std::unique_ptr<RequestFence> fence_;  // made once the port is bound
  ApiContext context_;
  Tls tls_;
  FrontDoor front_door_;
};

}  // namespace fastgpu
