#pragma once
// fastgpud's command line.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace fastgpu {

/// Everything fastgpud is told at start.
struct DaemonOptions {
  std::string listen = "127.0.0.1:7070";  // HOST:PORT; port 0 picks a free one
  std::string data_dir;                   // empty: default_data_dir()
  bool start_fresh = false;
  std::string tls_cert;        // PEM certificate (chain) served; with tls_key: https://
  std::string tls_key;         // its private key, a file only the daemon's user may read
  bool insecure_http = false;  // allow plain http:// off loopback  // accept an empty or missing
                               // SQLite database that existed before
  std::string store;           // SQLite path or postgresql:// URL; empty: DATA_DIR/fastgpu.db
  std::optional<std::string> simulate_gpus;  // --simulate-gpus SPEC
  std::string simulated_gpu_nodes;           // --simulated-gpu-nodes PREFIX
  std::string policy = "fgd-balanced";
  std::string tokens_file;                 // empty: no tokens (loopback only)
  std::vector<std::string> allowed_hosts;  // Host names besides IPs, localhost, this host's own
  std::string ready_file;                  // written with the bound port once serving; empty: none
  int http_threads = 4096;                 // most users' requests served at once, a thread each
  int agent_threads = 4096;         // most agents' syncs (long-polls) and /healthz served at once
  int64_t max_connections = 16384;  // client connections open at once, in all
  int64_t max_connections_per_peer = 2048;  // from one IP address
  double request_deadline = 10;             // seconds for a request to arrive whole
  int64_t max_long_polls = 1000;            // long-polls of everyone at once
  int64_t max_long_polls_per_user = 250;    // of one user (with tokens; without, everyone is one)
  int64_t kill_grace_ms = 5000;
  std::string task_log_cap = "100MiB";  // per stream; "0": none
  std::string min_free_disk = "1GiB";   // on the data dir's disk; "0": none
  bool allow_unenforced = false;        // fractional tasks without the vGPU library
  int launch_threads = 2;  // task processes started at once: log files and spawns overlap
  int64_t backfill_patience_ms = 10000;
  int64_t aging_ms = 1'800'000;  // a task waiting this long goes first; 0: tasks never age
  std::string accounts_file;     // projects, shares and quotas (TOML); empty: one project
  std::string join_token_file;   // agents' shared secret; empty: agents need none (loopback only)
  std::string vgpu_driver;       // the CUDA driver the vGPU library wraps; empty: libcuda.so.1
  // Confinement of tasks (a root daemon): users' uids, limits of tasks that ask none.
  std::string task_uids = "1900000000-1900999999";
  bool allow_root_tasks = false;  // a tokens file's run-as=root is refused without it
  std::string default_task_memory = "4GiB";
  int64_t task_pids = 4096;
  double node_timeout_s = 10;  // agent silence after which its node is not ready
  // The live autoscaler; off while `autoscale` is empty. Unset limits keep the catalog's.
  std::string autoscale;              // node-types.toml
  std::string provider = "local";     // local | exec
  std::string provider_exec_dir;      // holds scale-up and scale-down (exec)
  double spot_interruption_rate = 0;  // local provider: simulated reclaims per spot node-hour
  double autoscale_period_s = 15;
  std::optional<int64_t> cooldown_s;
  std::optional<int64_t> min_nodes;
  std::optional<int64_t> max_nodes;
  std::optional<double> budget;  // dollars per hour; 0: no cap
};

/// Registers the flags of `options` on `app`.
void add_daemon_flags(CLI::App& app, DaemonOptions* options);

/// Checks the autoscaler's flags together (each flag's own range is checked by CLI11):
/// --provider, --provider-exec-dir and the limits need --autoscale; exec needs the directory.
Status check_autoscale_flags(const DaemonOptions& options);

/// Reads the byte size `text` of flag `flag` ("100MiB", "0", as parse_memory_bytes reads
/// it) into *bytes; kInvalidArgument naming the flag and the problem.
Status parse_size_flag(const std::string& flag, const std::string& text, int64_t* bytes);

/// $XDG_DATA_HOME/fastgpu when XDG_DATA_HOME is set and absolute, else $HOME/.local/share/fastgpu.
std::string default_data_dir();

/// Splits "HOST:PORT" (IPv4 or a name; "[::1]:PORT" for IPv6). kInvalidArgument naming the
/// value when malformed or the port is outside 0..65535.
Status split_listen_address(const std::string& listen, std::string* host, int* port);

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace fastgpu
