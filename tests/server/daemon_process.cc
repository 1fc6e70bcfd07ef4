#include "daemon_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace fastgpu::testing {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string write_private_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0600);
  return path;
}

void write_script(const std::string& dir, const std::string& name, const std::string& body) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

namespace {

// Spawns fastgpud (`binary`) with `flags`, stderr to `log_path`; returns its pid (0 on failure).
pid_t spawn_fastgpud(const std::vector<std::string>& flags, const std::string& log_path,
                     const std::string& binary = fastgpud_path()) {
  std::vector<std::string> args = {binary};
  args.insert(args.end(), flags.begin(), flags.end());
  return spawn_program(std::move(args), log_path);
}

}  // namespace

pid_t spawn_program(std::vector<std::string> args, const std::string& log_path) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : 0;
}

namespace {

Answer to_answer(const httplib::Result& result) {
  Answer answer;
  if (!result) return answer;
  answer.status = result->status;
  answer.body = result->body;
  answer.json = nlohmann::json::parse(answer.body, nullptr, false);
  return answer;
}

}  // namespace

TempDir::TempDir(const std::string& parent) {
  const std::string root =
      parent.empty() ? std::filesystem::temp_directory_path().string() : parent;
  std::string pattern = root + "/fastgpud-test-XXXXXX";
  path_ = mkdtemp(pattern.data());
}

std::string shared_dir(const TempDir& dir) {
  const std::string path = dir.path() + "-shared";
  std::filesystem::create_directories(path);
  ::chmod(path.c_str(), 01777);
  return path;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  std::filesystem::remove_all(path_ + "-shared", ec);
}

std::string fastgpud_path() { return FASTGPUD_BIN; }

DaemonProcess::DaemonProcess(std::string data_dir, std::vector<std::string> flags,
                             const std::string& binary)
    : data_dir_(std::move(data_dir)) {
  const std::string ready = data_dir_ + "/port";
  std::filesystem::remove(ready);
  if (std::find(flags.begin(), flags.end(), "--listen") == flags.end()) {
    flags.insert(flags.begin(), {"--listen", "127.0.0.1:0"});
  }
  flags.insert(flags.begin(), {"--data-dir", data_dir_, "--ready-file", ready});
  if (std::find(flags.begin(), flags.end(), "--kill-grace-ms") == flags.end()) {
    flags.insert(flags.end(), {"--kill-grace-ms", "500"});
  }
  pid_ = spawn_fastgpud(flags, data_dir_ + "/fastgpud.log", binary);
  if (pid_ == 0) return;
  for (int i = 0; i < 600 && port_ == 0; ++i) {  // up to 60 s (sanitizer builds start slowly)
    const std::string text = read_file(ready);
    if (!text.empty()) port_ = std::stoi(text);
    if (port_ == 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ != 0) stop();
}

std::string DaemonProcess::log() const { return read_file(data_dir_ + "/fastgpud.log"); }

std::unique_ptr<httplib::Client> DaemonProcess::client(const std::string& token) const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_read_timeout(std::chrono::seconds(120));
  if (!token.empty()) c->set_bearer_token_auth(token.c_str());
  return c;
}

Answer DaemonProcess::get(const std::string& path, const std::string& token) const {
  return to_answer(client(token)->Get(path.c_str()));
}

Answer DaemonProcess::post(const std::string& path, const std::string& body,
                           const std::string& token) const {
  return to_answer(client(token)->Post(path.c_str(), body, "application/json"));
}

Answer DaemonProcess::post_with(const std::string& path, const std::string& body,
                                const httplib::Headers& headers,
                                const std::string& content_type) const {
  return to_answer(client("")->Post(path.c_str(), headers, body, content_type.c_str()));
}

Answer DaemonProcess::del(const std::string& path, const std::string& token) const {
  return to_answer(client(token)->Delete(path.c_str()));
}

void DaemonProcess::kill_hard() { signal_and_reap(&pid_, SIGKILL); }

int DaemonProcess::stop() { return signal_and_reap(&pid_, SIGTERM); }

int signal_and_reap(pid_t* pid, int signal) {
  if (*pid == 0) return -1;
  ::kill(*pid, signal);
  int status = 0;
  waitpid(*pid, &status, 0);
  *pid = 0;
  return status;
}

int run_fastgpud_to_exit(const std::vector<std::string>& flags, std::string* log) {
  TempDir dir;
  const std::string log_path = dir.path() + "/log";
  const pid_t pid = spawn_fastgpud(flags, log_path);
  int status = 0;
  for (int i = 0; i < 300 && waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (i == 299) {  // still serving after 30 s: it did not refuse
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  *log = read_file(log_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

CliRun fastgpu_cli(const DaemonProcess& daemon, const std::string& args) {
  const std::string command = "FASTGPU_URL=http://127.0.0.1:" + std::to_string(daemon.port()) +
                              " " + FASTGPU_CLI_BIN + " " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string stat_fields(pid_t pid) {
  // read_file, not an istreambuf_iterator: a process reaped between the open and the read makes
  // the read fail with ESRCH, which the iterator throws and read_file leaves as a short text.
  const std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? "" : text.substr(paren + 2);
}

bool alive(pid_t pid) {
  const std::string fields = stat_fields(pid);
  return !fields.empty() && fields[0] != 'Z';
}

pid_t parent_of(pid_t pid) {
  std::istringstream fields(stat_fields(pid));
  char state = 0;
  pid_t parent = 0;
  return fields >> state >> parent ? parent : 0;
}

}  // namespace fastgpu::testing
