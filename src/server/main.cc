// fastgpud: the daemon that owns this host's GPUs (docs/API.md).

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/agent_protocol.h"
#include "core/text_file.h"
#include "runtime/descriptor_limit.h"
#include "runtime/inventory_factory.h"
#include "runtime/process_guard.h"
#include "runtime/stop_signals.h"
#include "server/api/api_server.h"
#include "server/autoscale_setup.h"
#include "server/cluster/leadership.h"
#include "server/confinement_setup.h"
#include "server/daemon_options.h"
#include "server/loop/accounts_reload.h"
#include "server/loop/task_launch.h"
#include "server/loop/vgpu_enforcement.h"
#include "server/state_dir.h"
#include "store/leader_lease.h"
#include "store/postgres_url.h"
#include "store/store_factory.h"

namespace fastgpu {
namespace {

// How often a follower asks for the lease, and a leader checks that it still holds it: a dead
// leader is replaced within about this long once the store has freed its lock.
constexpr std::chrono::milliseconds kLeasePoll{250};
// How long a new leader of a shared store waits before it places anything: a deposed leader
// sees its lease gone within kLeasePoll and ends, taking its task processes with it.
constexpr std::chrono::milliseconds kTakeoverGrace{4 * kLeasePoll};

// Ends a replica that may no longer lead: another may schedule now, so this one stops at once
// rather than beside it; its task processes die with it (their guards' parent-death signal).
[[noreturn]] void step_down(const Status& why) {
  std::fprintf(stderr, "fastgpud: %s; exiting\n", why.message().c_str());
  std::_Exit(3);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "fastgpud: %s\n", message.c_str());
  return 1;
}

// The daemon's GPUs; simulated ones are named after this host (agents' after their names).
Status make_pool(const DaemonOptions& options, std::unique_ptr<GpuInventory>* inventory,
                 GpuPool* pool) {
  std::string note;
  if (Status s = open_gpu_inventory(options.simulate_gpus, simulated_host_key("fastgpud", ""),
                                    inventory, &note);
      !s.is_ok()) {
    return s;
  }
  std::fprintf(stderr, "fastgpud: %s\n", note.c_str());
  std::vector<GpuDevice> devices;
  if (Status s = (*inventory)->discover(&devices); !s.is_ok()) return s;
  if (!options.simulated_gpu_nodes.empty()) {
    if (Status s = name_simulated_nodes(options.simulated_gpu_nodes, &devices); !s.is_ok()) {
      return s;
    }
  }
  const MilliCpu host_cpu = MilliCpu{1000} * std::max(1u, std::thread::hardware_concurrency());
  return GpuPool::create(std::move(devices), host_cpu, pool);
}

// Tokens from --tokens-file, else from $FASTGPU_TOKENS (same format, one entry a line).
Status load_tokens(const DaemonOptions& options, const std::string& host, TokenTable* tokens) {
  const char* from_env = std::getenv("FASTGPU_TOKENS");
  if (!options.tokens_file.empty()) {
    if (Status s = TokenTable::load(options.tokens_file, tokens); !s.is_ok()) return s;
  } else if (from_env && *from_env) {
    if (Status s = TokenTable::parse(from_env, "FASTGPU_TOKENS", tokens); !s.is_ok()) return s;
  }
  if (!is_loopback_host(host) && tokens->empty()) {
    return Status::failed_precondition("refusing to listen on " + host +
                                       " without tokens: pass --tokens-file or set FASTGPU_TOKENS");
  }
  return Status::ok();
}

// TLS needs a certificate and its private key (one only the daemon's user may read); off
// loopback, plain HTTP (tokens in clear on the network) needs --insecure-http.
Status check_tls_flags(const DaemonOptions& options, const std::string& host) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Status::invalid_argument("--tls-cert and --tls-key go together");
  }
  if (options.tls_cert.empty()) {
    if (is_loopback_host(host) || options.insecure_http) return Status::ok();
    return Status::failed_precondition(
        "refusing to listen on " + host +
        " without TLS: tokens would cross the network in "
        "clear; pass --tls-cert and --tls-key, or --insecure-http on a network you trust");
  }
  std::string key;
  if (Status s = read_secret_file(options.tls_key, &key); !s.is_ok()) {
    return Status::failed_precondition("--tls-key: " + s.message());
  }
  return Status::ok();
}

// The join token agents must present (see read_join_token); empty when there is no file
// (agents are then accepted on loopback only, see ApiContext).
Status load_join_token(const DaemonOptions& options, std::string* token) {
  if (options.join_token_file.empty()) return Status::ok();
  return read_join_token(options.join_token_file, token);
}

// The names clients may use in Host besides IP addresses and localhost: --allowed-hosts and
// this machine's own name (gethostname; no DNS lookup at start).
FrontDoorLimits front_door_limits(const DaemonOptions& options) {
  FrontDoorLimits limits;
  limits.max_connections = static_cast<size_t>(options.max_connections);
  limits.max_connections_per_peer = static_cast<size_t>(options.max_connections_per_peer);
  limits.request_deadline =
      std::chrono::milliseconds(static_cast<int64_t>(options.request_deadline * 1000));
  limits.max_body_bytes = kMaxBodyBytes;
  limits.user_threads = static_cast<size_t>(options.http_threads);
  limits.reserved_threads = static_cast<size_t>(options.agent_threads);
  return limits;
}

std::vector<std::string> host_names(const DaemonOptions& options) {
  std::vector<std::string> names = options.allowed_hosts;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) names.emplace_back(name);
  return names;
}

// Writes the port to `path` whole (through a rename), so a reader never sees half of it.
void write_ready_file(const std::string& path, int port) {
  std::ofstream(path + ".tmp") << port << "\n";
  std::filesystem::rename(path + ".tmp", path);
}

// Rereads the accounts file on SIGHUP; stops `server` on SIGINT or SIGTERM (main() blocked all
// three in every thread), answering long-polls at once so their threads can be joined.
void serve_signals(ApiServer* server, Scheduler* scheduler, const std::string& accounts_file) {
  int signal = 0;
  while ((signal = wait_for_control_signal()) == SIGHUP) {
    std::string loaded;
    const Status s = reload_accounts_file(accounts_file, scheduler, &loaded);
    std::fprintf(stderr, "fastgpud: SIGHUP: %s\n",
                 s.is_ok() ? loaded.c_str() : s.message().c_str());
  }
  std::fprintf(stderr, "fastgpud: signal %d, stopping\n", signal);
  scheduler->completions().close();
  server->stop();
}

int run(const DaemonOptions& options) {
  std::string host;
  int port = 0;
  if (Status s = split_listen_address(options.listen, &host, &port); !s.is_ok())
    return fail(s.message());
  if (Status s = check_autoscale_flags(options); !s.is_ok()) return fail(s.message());
  AutoscaleLoop::Config scale_config;
  if (!options.autoscale.empty()) {
    if (Status s = load_autoscale_config(options, &scale_config); !s.is_ok())
      return fail(s.message());
  }
  TokenTable tokens;
  if (Status s = load_tokens(options, host, &tokens); !s.is_ok()) return fail(s.message());
  if (Status s = check_tls_flags(options, host); !s.is_ok()) return fail(s.message());
  std::string join_token;
  if (Status s = load_join_token(options, &join_token); !s.is_ok()) return fail(s.message());
  if (!options.autoscale.empty() && join_token.empty() &&
      (!tokens.empty() || !is_loopback_host(host))) {
    return fail(
        "--autoscale: with user tokens or off loopback, agents need a join token, and "
        "the autoscaler's agents would never join: add --join-token-file FILE");
  }
  const std::string data_dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  StateDir state_dir;
  if (Status s = StateDir::claim(data_dir, &state_dir); !s.is_ok()) return fail(s.message());

  const std::string store_spec = options.store.empty() ? data_dir + "/fastgpu.db" : options.store;
  if (describe_store(store_spec) != store_spec) {
    std::fprintf(stderr,
                 "fastgpud: WARNING: the --store URL carries a password, which every local user "
                 "can read in the process list: put it in a file named by ?passfile=FILE or "
                 "$PGPASSFILE (see README)\n");
  }
  if (!is_postgres_url(store_spec)) {
    if (Status s = state_dir.check_sqlite_database(store_spec, options.start_fresh); !s.is_ok())
      return fail(s.message());
  }
  std::unique_ptr<Store> store;
  if (Status s = open_store(store_spec, &store); !s.is_ok()) return fail(s.message());
  if (!is_postgres_url(store_spec)) {
    if (Status s = state_dir.remember_sqlite_database(store_spec); !s.is_ok())
      return fail(s.message());
  }
  BatchWriter writer(store.get());
  std::unique_ptr<GpuInventory> inventory;
  GpuPool pool;
  if (Status s = make_pool(options, &inventory, &pool); !s.is_ok()) return fail(s.message());
  std::unique_ptr<TaskIdentities> identities;
  std::unique_ptr<TaskConfiner> confiner;
  if (Status s = make_task_confinement(options, tokens, data_dir, pool.devices(), &writer,
                                       &identities, &confiner);
      !s.is_ok()) {
    return fail(s.message());
  }
  std::fprintf(stderr, "fastgpud: confinement: %s\n", confiner->describe().c_str());

  Scheduler::Options sched;
  sched.policy = options.policy;
  sched.log_dir = data_dir + "/logs";
  sched.enforcement.library = find_vgpu_library();
  sched.enforcement.driver = options.vgpu_driver;
  sched.task_guard = find_task_guard();
  if (sched.task_guard.empty()) {
    std::fprintf(stderr,
                 "fastgpud: WARNING: no %s beside fastgpud: a task that ends while fastgpud is "
                 "down will have no known exit status (it is recorded failed)\n",
                 kTaskGuardProgram);
  }
  sched.allow_unenforced = options.allow_unenforced;
  sched.confiner = confiner.get();
  sched.enforcement_prefix = enforcement_prefix(data_dir);
  sched.kill_grace = std::chrono::milliseconds(options.kill_grace_ms);
  sched.launch_threads = options.launch_threads;
  sched.backfill_patience = std::chrono::milliseconds(options.backfill_patience_ms);
  sched.aging = std::chrono::milliseconds(options.aging_ms);
  if (!options.accounts_file.empty()) {
    if (Status s = read_accounts(options.accounts_file, &sched.accounts); !s.is_ok()) {
      return fail("--accounts: " + s.message());
    }
  }
  sched.node_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(options.node_timeout_s * 1000));
  // Set once the port is known, before any request is served; the scheduler admits tasks that
  // only an autoscaled node could hold.
  std::unique_ptr<AutoscaleLoop> autoscaler;
  sched.feasible_elsewhere = [&autoscaler](const TaskShape& shape) {
    return autoscaler != nullptr && autoscaler->feasible(shape);
  };
  std::unique_ptr<Scheduler> scheduler;
  const auto stop_leading = [&scheduler](const Status& why) {
    scheduler->abandon_unrecorded_starts();
    step_down(why);
  };
  sched.on_fenced = stop_leading;
  if (Status s = parse_size_flag("--task-log-cap", options.task_log_cap, &sched.task_log_cap);
      !s.is_ok()) {
    return fail(s.message());
  }
  if (Status s = parse_size_flag("--min-free-disk", options.min_free_disk, &sched.min_free_disk);
      !s.is_ok()) {
    return fail(s.message());
  }
  if (is_postgres_url(store_spec)) sched.takeover_grace = kTakeoverGrace;
  if (Status s = Scheduler::create(store.get(), &writer, std::move(pool), sched, &scheduler);
      !s.is_ok()) {
    return fail(s.message());
  }
  std::unique_ptr<LeaderLease> lease;
  if (Status s = open_leader_lease(store_spec, &lease); !s.is_ok()) return fail(s.message());
  Leadership leadership(std::move(lease), kLeasePoll);

  // Without tokens every caller is the one user "local": only the total limit applies.
  LongPollGate long_polls(static_cast<size_t>(tokens.empty() ? options.max_long_polls
                                                             : options.max_long_polls_per_user),
                          static_cast<size_t>(options.max_long_polls));
  ApiServer server({scheduler.get(), store.get(), inventory.get(), &writer, &tokens, join_token,
                    is_loopback_host(host), &leadership, nullptr, confiner->describe(),
                    host_names(options), &long_polls, options.accounts_file},
                   front_door_limits(options), {options.tls_cert, options.tls_key});
  if (Status s = server.bind(host, port); !s.is_ok()) return fail(s.message());
  if (!options.autoscale.empty()) {
    std::unique_ptr<NodeProvider> provider;
    if (Status s = make_node_provider(
            options, local_server_url(host, server.port(), !options.tls_cert.empty()), data_dir,
            &provider);
        !s.is_ok()) {
      return fail(s.message());
    }
    autoscaler = std::make_unique<AutoscaleLoop>(scheduler.get(), std::move(scale_config),
                                                 std::move(provider));
    server.set_autoscale(autoscaler.get());
  }
  std::fprintf(stderr, "fastgpud: state in %s; %s; listening on %s://%s:%d\n",
               describe_store(store_spec).c_str(),
               sched.enforcement.library.empty()
                   ? (options.allow_unenforced ? "no vGPU enforcement library: fractional "
                                                 "tasks run unenforced (--allow-unenforced)"
                                               : "no vGPU enforcement library: fractional "
                                                 "tasks are refused")
                   : sched.enforcement.library.c_str(),
               options.tls_cert.empty() ? "http" : "https", host.c_str(), server.port());
  std::atomic<bool> scheduling{false};
  const Status led = leadership.start(
      [&] {
        // Fences off the replica that led before (its connections may still live) before
        // anything of the state is read: from now on its writes are refused.
        int64_t epoch = 0;
        if (Status s = store->claim_write_epoch(&epoch); !s.is_ok()) {
          return Status::io_error("cannot claim the write epoch: " + s.message());
        }
        std::fprintf(stderr, "fastgpud: write epoch %lld\n", static_cast<long long>(epoch));
        if (Status s = scheduler->recover(); !s.is_ok()) {
          return Status::io_error("recovery failed: " + s.message());
        }
        scheduler->start();
        if (autoscaler) autoscaler->start();
        scheduling = true;
        std::fprintf(stderr, "fastgpud: leading: the state is recovered and scheduling runs\n");
        return Status::ok();
      },
      stop_leading);
  if (!led.is_ok()) return fail(led.message());
  if (!options.ready_file.empty()) write_ready_file(options.ready_file, server.port());
  std::thread signals(serve_signals, &server, scheduler.get(), options.accounts_file);
  signals.detach();
  server.serve();
  leadership.stop();
  if (autoscaler) autoscaler->stop();  // its provider's nodes stop with it, below
  if (scheduling) scheduler->stop();
  autoscaler.reset();
  return 0;
}

}  // namespace
}  // namespace fastgpu

int main(int argc, char** argv) {
  fastgpu::block_control_signals();
  fastgpu::raise_descriptor_limit();
  ::umask(077);  // the database, logs and everything else the daemon writes are its own

  CLI::App app{"fastgpud: the FastGPU daemon (HTTP API on 127.0.0.1:7070)"};
  fastgpu::DaemonOptions options;
  fastgpu::add_daemon_flags(app, &options);
  CLI11_PARSE(app, argc, argv);
  return fastgpu::run(options);
}
