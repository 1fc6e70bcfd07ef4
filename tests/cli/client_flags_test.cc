// The `fastgpu` daemon subcommands' shared flags and output formatting.

#include "cli/client_flags.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace fastgpu::cli {
namespace {

TEST(FormatBytes, PowersOfTwoWithTheirUnit) {
  EXPECT_EQ(format_bytes(17179869184), "16 GiB");
  EXPECT_EQ(format_bytes(int64_t{3} << 29), "1.5 GiB");
  EXPECT_EQ(format_bytes(512 << 20), "512 MiB");
  EXPECT_EQ(format_bytes(1024), "1 KiB");
  EXPECT_EQ(format_bytes(1000), "1000 B");
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(int64_t{80} << 40), "80 TiB");
  EXPECT_EQ(format_bytes((int64_t{1} << 30) + (int64_t{1} << 20)), "1 GiB");  // 1.0009..
}

TEST(FormatTime, IsoUtcWithMilliseconds) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(1700000000.123456), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_time(1795585439.9996), "2026-11-25T05:44:00.000Z");  // rounds up a second
  EXPECT_EQ(format_time(-0.25), "1969-12-31T23:59:59.750Z");
}

// A program like `fastgpu`: the flags before the subcommand, and the subcommand's own.
struct Program {
  CLI::App app{"test"};
  ClientFlags flags;

  Program() {
    add_root_client_flags(app);
    add_client_flags(*app.add_subcommand("ps"), &flags);
  }
  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  }
};

TEST(ClientFlags, AcceptedBeforeTheSubcommand) {
  Program program;
  program.parse({"--url", "http://h:1", "--token", "t", "-o", "json", "ps"});
  EXPECT_EQ(program.flags.client().url(), "http://h:1");
  EXPECT_TRUE(program.flags.json());
}

TEST(ClientFlags, TheSubcommandsOwnWin) {
  Program program;
  program.parse(
      {"--url", "http://before:1", "-o", "json", "ps", "--url", "http://after:2", "-o", "table"});
  EXPECT_EQ(program.flags.client().url(), "http://after:2");
  EXPECT_FALSE(program.flags.json());
}

TEST(ClientFlags, TableByDefault) {
  Program program;
  program.parse({"ps"});
  EXPECT_FALSE(program.flags.json());
}

TEST(ClientFlags, OutputIsChecked) {
  Program program;
  EXPECT_THROW(program.parse({"-o", "yaml", "ps"}), CLI::ValidationError);
}

TEST(PositiveNumberCheck, RefusalNamesTheFlag) {
  CLI::App app{"test"};
  double tflops = 0;
  app.add_option("--tflops", tflops)->check(positive_number());
  try {
    app.parse(std::vector<std::string>{"nan", "--tflops"});
    FAIL() << "nan accepted";
  } catch (const CLI::ValidationError& e) {
    EXPECT_EQ(std::string(e.what()), "--tflops: 'nan' is not a finite number above 0");
  }
}

}  // namespace
}  // namespace fastgpu::cli
