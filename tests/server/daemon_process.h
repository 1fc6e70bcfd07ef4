#pragma once
// A real fastgpud process for tests: started on a free loopback port with its own data
// directory, talked to over HTTP, stopped (or killed) by its PID.

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace fastgpu::testing {

/// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  /// Made under `parent`; empty: the system's temporary directory.
  explicit TempDir(const std::string& parent = "");
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A directory beside `dir` (removed with it) every uid may write (mode 01777), for tasks that
/// fastgpud runs as their users' own uids to leave files the test reads; fastgpud keeps its
/// data directory 0700, so it cannot be inside one.
std::string shared_dir(const TempDir& dir);

/// The whole text of the file at `path`; empty when it cannot be read.
std::string read_file(const std::string& path);

/// Writes `text` to a file at `path` only its owner may read (0600, as fastgpud wants files of
/// secrets); returns `path`.
std::string write_private_file(const std::string& path, const std::string& text);

/// Writes an executable `/bin/sh` script DIR/NAME with `body` after the #! line.
void write_script(const std::string& dir, const std::string& name, const std::string& body);

/// One HTTP answer: status and body (parsed as JSON when it is JSON).
struct Answer {
  int status = 0;
  std::string body;
  nlohmann::json json;
};

/// Path of the fastgpud binary under test.
std::string fastgpud_path();

/// fastgpud running on `data_dir` with extra flags (on a free loopback port unless they hold
/// --listen; with a kill grace of 500 ms unless they hold --kill-grace-ms). The constructor
/// starts it and waits until it serves; the destructor stops it with SIGTERM. Tests use
/// ASSERT_TRUE(daemon.started()). `binary` is the fastgpud to run (another copy of it, e.g.
/// one without the vGPU library beside it).
class DaemonProcess {
 public:
  DaemonProcess(std::string data_dir, std::vector<std::string> flags = {},
                const std::string& binary = fastgpud_path());
  ~DaemonProcess();

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// What the daemon wrote to stderr so far.
  std::string log() const;

  Answer get(const std::string& path, const std::string& token = "") const;
  Answer post(const std::string& path, const std::string& body,
              const std::string& token = "") const;
  /// A POST with `headers` (no bearer token unless they hold one) and `content_type`.
  Answer post_with(const std::string& path, const std::string& body,
                   const httplib::Headers& headers,
                   const std::string& content_type = "application/json") const;
  Answer del(const std::string& path, const std::string& token = "") const;

  /// Sends SIGKILL and reaps the process.
  void kill_hard();
  /// Sends SIGTERM and reaps the process; returns its exit status as waitpid reports it.
  int stop();

 private:
  std::unique_ptr<httplib::Client> client(const std::string& token) const;
  std::string data_dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

/// Starts `args` (args[0] is the program's path) with stdout to /dev/null and stderr appended
/// to `log_path`; returns its pid, 0 when it cannot be started.
pid_t spawn_program(std::vector<std::string> args, const std::string& log_path);

/// Sends `signal` to *pid, reaps it and sets *pid to 0; returns its wait status (-1 when *pid
/// was 0).
int signal_and_reap(pid_t* pid, int signal);

/// What one run of the `fastgpu` CLI printed and how it ended.
struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

/// Runs the `fastgpu` CLI under test with `args` (shell words) against `daemon`.
CliRun fastgpu_cli(const DaemonProcess& daemon, const std::string& args);

/// Polls `done` every 50 ms for up to `limit`; true once it holds.
template <typename Done>
bool eventually(Done done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

/// The fields of /proc/PID/stat after the command name ("S 1234 ..."), or "" when it is gone.
std::string stat_fields(pid_t pid);

/// True while process `pid` runs; a zombie has ended.
bool alive(pid_t pid);

/// The parent of process `pid`, or 0 when it is gone or cannot be read.
pid_t parent_of(pid_t pid);

/// Runs fastgpud with `flags` to completion (for start-up refusals); returns its exit code and
/// puts its stderr in *log.
int run_fastgpud_to_exit(const std::vector<std::string>& flags, std::string* log);

}  // namespace fastgpu::testing
