// TLS (issue 13): fastgpud serves https:// with --tls-cert/--tls-key; the CLI, the Python SDK
// and agents verify it against a CA file (FASTGPU_CA, --ca-file) and refuse a certificate it
// did not sign; off loopback, plain HTTP needs --insecure-http.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "agent_process.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

using std::chrono::milliseconds;

// A self-signed certificate for 127.0.0.1 and localhost, made by the openssl tool: DIR/NAME.crt
// and its key DIR/NAME.key (0600). Returns the certificate's path, "" when openssl failed.
std::string make_certificate(const std::string& dir, const std::string& name) {
  const std::string base = dir + "/" + name;
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=fastgpud -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      base + ".key -out " + base + ".crt 2>/dev/null";
  if (std::system(command.c_str()) != 0) return "";
  ::chmod((base + ".key").c_str(), 0600);
  return base + ".crt";
}

// What a shell command printed (stdout and stderr) and its exit code.
CliRun run_shell(const std::string& command) {
  CliRun run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class TlsTest : public ::testing::Test {
 protected:
  TlsTest()
      : cert_(make_certificate(keys_.path(), "daemon")),
        daemon_(dir_.path(), {"--tls-cert", cert_, "--tls-key", keys_.path() + "/daemon.key"}) {}

  // The environment that points clients at the daemon over https, trusting `ca`.
  std::string client_env(const std::string& ca) const {
    return "FASTGPU_URL=https://127.0.0.1:" + std::to_string(daemon_.port()) + " FASTGPU_CA=" + ca +
           " ";
  }

  TempDir keys_, dir_;
  std::string cert_;
  DaemonProcess daemon_;
};

TEST_F(TlsTest, TheCliSubmitsAndWaitsOverHttpsAndRefusesAnotherCa) {
  ASSERT_FALSE(cert_.empty()) << "openssl could not make a certificate";
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  EXPECT_NE(daemon_.log().find("listening on https://"), std::string::npos) << daemon_.log();
  const std::string cli = std::string(FASTGPU_CLI_BIN) + " submit --wait -- echo over-tls";
  const CliRun ok = run_shell(client_env(cert_) + cli);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("succeeded"), std::string::npos) << ok.output;
  const std::string other = make_certificate(keys_.path(), "stranger");
  const CliRun refused = run_shell(client_env(other) + cli);
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("not trusted"), std::string::npos) << refused.output;
  const CliRun plain =
      run_shell("FASTGPU_URL=http://127.0.0.1:" + std::to_string(daemon_.port()) + " " + cli);
  EXPECT_NE(plain.exit_code, 0) << plain.output;  // no plain HTTP beside TLS
}

TEST_F(TlsTest, ThePythonSdkRunsTheSeedProgramOverHttpsAndRefusesAnotherCa) {
  ASSERT_FALSE(cert_.empty()) << "openssl could not make a certificate";
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string sdk = std::string(FASTGPU_TEST_DATA) + "/../../sdk/python";
  const std::string seed =
      "PYTHONPATH=" + sdk +
      " python3 -c \"import fastgpu; vgpu = fastgpu.VirtualGPU.create(20, 'tflops'); "
      "vgpu.submit_task(fastgpu.Task(20, 0.2)); vgpu.wait(); print('seed done')\"";
  const CliRun ok = run_shell(client_env(cert_) + seed);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("seed done"), std::string::npos) << ok.output;
  const CliRun refused = run_shell(client_env(make_certificate(keys_.path(), "other")) + seed);
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("not trusted"), std::string::npos) << refused.output;
}

TEST_F(TlsTest, AnAgentJoinsOverHttpsWithTheCaFile) {
  ASSERT_FALSE(cert_.empty()) << "openssl could not make a certificate";
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon_.port());
  AgentProcess agent(daemon_.port(), "secure", keys_.path() + "/secure",
                     {"--server", url, "--ca-file", cert_, "--simulate-gpus", "1x400tflops"});
  const auto ready = [&] {
    const CliRun run = run_shell(client_env(cert_) + FASTGPU_CLI_BIN + " nodes -o json");
    const nlohmann::json nodes = nlohmann::json::parse(run.output, nullptr, false);
    if (!nodes.is_object() || !nodes.contains("nodes")) return false;
    for (const auto& node : nodes["nodes"]) {
      if (node["host"] == "secure" && node["ready"] == true) return true;
    }
    return false;
  };
  EXPECT_TRUE(eventually(ready, milliseconds(10000)))
      << read_file(keys_.path() + "/secure/agent.log");
}

TEST(TlsFlags, OffLoopbackWithoutTlsRefusesToStartUnlessInsecureHttp) {
  TempDir dir;
  const std::string tokens =
      write_private_file(dir.path() + "/tokens", "alice-token-0123456789 alice\n");
  std::string log;
  const std::vector<std::string> flags = {"--data-dir", dir.path() + "/state", "--listen",
                                          "0.0.0.0:0",  "--tokens-file",       tokens};
  EXPECT_EQ(run_fastgpud_to_exit(flags, &log), 1);
  EXPECT_NE(log.find("without TLS"), std::string::npos) << log;
  TempDir insecure_dir;
  DaemonProcess daemon(insecure_dir.path(),
                       {"--listen", "0.0.0.0:0", "--tokens-file", tokens, "--insecure-http"});
  EXPECT_TRUE(daemon.started()) << daemon.log();
}

}  // namespace
}  // namespace fastgpu::testing
