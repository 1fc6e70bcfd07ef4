#include "sim/trace_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace fastgpu {
namespace {

constexpr std::string_view kNodeHeader = "sn,cpu_milli,memory_mib,gpu,model\n";
constexpr std::string_view kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";
constexpr std::string_view kShortPodHeader = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n";
constexpr std::string_view kGoodPod = "p0,4000,8192,1,500,,LS,Running,10,20,11\n";

Status ParseNodes(std::string_view body, std::vector<NodeSpec>* out) {
  return parse_node_list(std::string(kNodeHeader) + std::string(body), "nodes.csv", out);
}

Status ParsePods(std::string_view body, std::vector<Task>* out) {
  return parse_task_list(std::string(kPodHeader) + std::string(body), "pods.csv", out);
}

// Asserts `s` failed with a message naming the source, the line and (when given) the field.
void ExpectError(const Status& s, std::string_view source, int line, std::string_view field) {
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  const std::string& m = s.message();
  EXPECT_NE(m.find(std::string(source) + ":" + std::to_string(line) + ":"), std::string::npos) << m;
  if (!field.empty()) {
    EXPECT_NE(m.find(field), std::string::npos) << m;
  }
}

GpuModelId Model(std::string_view name) { return *find_gpu_model(name); }

TEST(TraceReader, ParsesNodesIncludingCpuOnly) {
  std::vector<NodeSpec> nodes;
  ASSERT_TRUE(ParseNodes("n0,64000,262144,8,G2\nn1,32000,131072,0,\nn2,96000,393216,2,T4\n", &nodes)
                  .is_ok());
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].name, "n0");
  EXPECT_EQ(nodes[0].cpu_milli, 64000);
  EXPECT_EQ(nodes[0].memory_mib, 262144);
  EXPECT_EQ(nodes[0].num_gpus, 8);
  EXPECT_EQ(nodes[0].model, Model("G2"));
  EXPECT_EQ(nodes[0].gpu_memory_mib, gpu_model_spec(Model("G2")).memory_mib);
  EXPECT_EQ(nodes[1].num_gpus, 0);
  EXPECT_EQ(nodes[1].gpu_memory_mib, 0);
  EXPECT_EQ(nodes[2].model, Model("T4"));
}

TEST(TraceReader, ParsesElevenColumnPods) {
  std::vector<Task> tasks;
  ASSERT_TRUE(ParsePods(std::string(kGoodPod) +
                            "p1,8000,16384,2,1000,V100M16|T4,BE,Succeeded,5,5,\n"
                            "p2,1000,1024,0,0,,,Pending,7,9,\n",
                        &tasks)
                  .is_ok());
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0].name, "p0");
  EXPECT_EQ(tasks[0].shape.cpu_milli, 4000);
  EXPECT_EQ(tasks[0].shape.memory_mib, 8192);
  EXPECT_EQ(tasks[0].shape.num_gpu, 1);
  EXPECT_EQ(tasks[0].shape.gpu_milli, 500);
  EXPECT_EQ(tasks[0].shape.allowed_models, kAnyGpuModel);
  EXPECT_EQ(tasks[0].qos, Qos::kLS);
  EXPECT_EQ(tasks[0].creation_time, 10);
  EXPECT_EQ(tasks[0].deletion_time, 20);
  EXPECT_EQ(tasks[1].shape.allowed_models, model_bit(Model("V100M16")) | model_bit(Model("T4")));
  EXPECT_EQ(tasks[1].qos, Qos::kBE);
  EXPECT_EQ(tasks[1].shape.total_gpu_milli(), 2000);
  EXPECT_EQ(tasks[2].shape.num_gpu, 0);
  EXPECT_EQ(tasks[2].qos, Qos::kUnspecified);
  for (const Task& t : tasks) EXPECT_EQ(validate_task_shape(t.shape), "") << t.name;
}

TEST(TraceReader, ParsesFiveColumnPodsWithoutTimesOrModels) {
  std::vector<Task> tasks;
  ASSERT_TRUE(
      parse_task_list(std::string(kShortPodHeader) + "m0,12000,16384,8,1000\nm1,6000,0,1,460",
                      "multigpu.csv", &tasks)
          .is_ok());
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].shape.num_gpu, 8);
  EXPECT_EQ(tasks[1].shape.gpu_milli, 460);
  for (const Task& t : tasks) {
    EXPECT_EQ(t.shape.allowed_models, kAnyGpuModel);
    EXPECT_EQ(t.creation_time, -1);
    EXPECT_EQ(t.deletion_time, -1);
  }
}

TEST(TraceReader, AcceptsCrlfAndMissingOrSingleTrailingNewline) {
  const std::string crlf = "sn,cpu_milli,memory_mib,gpu,model\r\nn0,1000,1024,1,T4\r\n";
  for (const std::string& text : {crlf, crlf.substr(0, crlf.size() - 2),
                                  std::string(kNodeHeader) + "n0,1000,1024,1,T4\n\n"}) {
    std::vector<NodeSpec> nodes;
    ASSERT_TRUE(parse_node_list(text, "nodes.csv", &nodes).is_ok()) << text;
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_EQ(nodes[0].model, Model("T4"));  // the '\r' is not part of the model name
  }
}

TEST(TraceReader, HeaderOnlyGivesNoRows) {
  std::vector<NodeSpec> nodes{NodeSpec{}};
  ASSERT_TRUE(ParseNodes("", &nodes).is_ok());
  EXPECT_TRUE(nodes.empty());
}

TEST(TraceReader, EmptyFileNamesSource) {
  std::vector<Task> tasks;
  Status s = parse_task_list("", "pods.csv", &tasks);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("pods.csv"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("empty"), std::string::npos) << s.message();
}

TEST(TraceReader, WrongHeaderNamesLineOne) {
  std::vector<NodeSpec> nodes;
  ExpectError(parse_node_list("sn,cpu,memory_mib,gpu,model\nn0,1,1,0,\n", "nodes.csv", &nodes),
              "nodes.csv", 1, "header");
  std::vector<Task> tasks;
  ExpectError(parse_task_list(kNodeHeader, "pods.csv", &tasks), "pods.csv", 1, "header");
}

// One malformed pod row (always on line 3, after a good row) and what the error must name.
struct BadRow {
  const char* label;
  const char* row;
  const char* field;  // text the message must contain
};

void PrintTo(const BadRow& row, std::ostream* os) { *os << row.label; }

class MalformedPodRow : public testing::TestWithParam<BadRow> {};

TEST_P(MalformedPodRow, ErrorNamesSourceLineAndFieldAndLeavesOutputUntouched) {
  std::vector<Task> tasks(1);
  tasks[0].name = "sentinel";
  ExpectError(ParsePods(std::string(kGoodPod) + GetParam().row + "\n", &tasks), "pods.csv", 3,
              GetParam().field);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].name, "sentinel");
}

INSTANTIATE_TEST_SUITE_P(
    TraceReader, MalformedPodRow,
    testing::Values(
        BadRow{"TooFewFields", "p1,4000,8192,1,500,,LS,Running,10,20", "expected 11 fields"},
        BadRow{"TooManyFields", "p1,4000,8192,1,500,,LS,Running,10,20,11,x", "expected 11 fields"},
        BadRow{"NonInteger", "p1,4k,8192,1,500,,LS,Running,10,20,11", "'cpu_milli'"},
        BadRow{"Negative", "p1,4000,-1,1,500,,LS,Running,10,20,11", "'memory_mib'"},
        BadRow{"GpuMilliAbove1000", "p1,4000,8192,1,1001,,LS,Running,10,20,11", "'gpu_milli'"},
        BadRow{"NumGpuAbove16", "p1,4000,8192,17,1000,,LS,Running,10,20,11", "'num_gpu'"},
        BadRow{"ShareWithoutGpu", "p1,4000,8192,0,500,,LS,Running,10,20,11", "'gpu_milli'"},
        BadRow{"MultiGpuShare", "p1,4000,8192,2,500,,LS,Running,10,20,11", "'gpu_milli'"},
        BadRow{"OneGpuNoShare", "p1,4000,8192,1,0,,LS,Running,10,20,11", "'gpu_milli'"},
        BadRow{"UnknownModel", "p1,4000,8192,1,500,T4|X9,LS,Running,10,20,11", "'gpu_spec'"},
        BadRow{"UnknownQos", "p1,4000,8192,1,500,,Gold,Running,10,20,11", "'qos'"},
        BadRow{"UnknownPhase", "p1,4000,8192,1,500,,LS,Lost,10,20,11", "'pod_phase'"},
        BadRow{"DeletionBeforeCreation", "p1,4000,8192,1,500,,LS,Running,10,9,11",
               "'deletion_time'"},
        BadRow{"BadScheduledTime", "p1,4000,8192,1,500,,LS,Running,10,20,soon", "'scheduled_time'"},
        BadRow{"EmptyName", ",4000,8192,1,500,,LS,Running,10,20,11", "'name'"},
        BadRow{"DuplicateName", "p0,4000,8192,1,500,,LS,Running,10,20,11", "'name'"},
        BadRow{"EmptyLineInTheMiddle", "\np1,4000,8192,1,500,,LS,Running,10,20,11", "empty line"}),
    [](const testing::TestParamInfo<BadRow>& info) { return info.param.label; });

class MalformedNodeRow : public testing::TestWithParam<BadRow> {};

TEST_P(MalformedNodeRow, ErrorNamesSourceLineAndFieldAndLeavesOutputUntouched) {
  std::vector<NodeSpec> nodes(2);
  ExpectError(ParseNodes(std::string("n0,1000,1024,1,T4\n") + GetParam().row + "\n", &nodes),
              "nodes.csv", 3, GetParam().field);
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "");
}

INSTANTIATE_TEST_SUITE_P(
    TraceReader, MalformedNodeRow,
    testing::Values(BadRow{"TooFewFields", "n1,1000,1024,1", "expected 5 fields"},
                    BadRow{"NonInteger", "n1,1000,1024,two,T4", "'gpu'"},
                    BadRow{"Negative", "n1,-1000,1024,1,T4", "'cpu_milli'"},
                    BadRow{"GpusAbove16", "n1,1000,1024,17,T4", "'gpu'"},
                    BadRow{"UnknownModel", "n1,1000,1024,1,X9", "'model'"},
                    BadRow{"GpusWithoutModel", "n1,1000,1024,1,", "'model'"},
                    BadRow{"ModelWithoutGpus", "n1,1000,1024,0,T4", "'model'"},
                    BadRow{"EmptyName", ",1000,1024,1,T4", "'sn'"},
                    BadRow{"DuplicateName", "n0,1000,1024,1,T4", "'sn'"}),
    [](const testing::TestParamInfo<BadRow>& info) { return info.param.label; });

TEST(TraceReader, ReadFileErrorNamesPath) {
  std::vector<NodeSpec> nodes;
  Status s = read_node_list("no/such/nodes.csv", &nodes);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("no/such/nodes.csv"), std::string::npos) << s.message();
}

// The public openb trace, when this checkout has it next to it.
class RealTrace : public testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(dir_)) GTEST_SKIP() << "no shared trace at " << dir_;
  }
  std::string Path(std::string_view file) const { return dir_ + "/" + std::string(file); }
  std::string dir_ = FASTGPU_SHARED_DATA_DIR;
};

TEST_F(RealTrace, NodeListsHaveTheDocumentedGpus) {
  std::vector<NodeSpec> gpu_nodes, all_nodes;
  ASSERT_TRUE(read_node_list(Path("openb_node_list_gpu_node.csv"), &gpu_nodes).is_ok());
  ASSERT_TRUE(read_node_list(Path("openb_node_list_all_node.csv"), &all_nodes).is_ok());
  auto gpus = [](const std::vector<NodeSpec>& nodes) {
    int64_t sum = 0;
    for (const NodeSpec& n : nodes) sum += n.num_gpus;
    return sum;
  };
  EXPECT_EQ(gpu_nodes.size(), 1213u);
  EXPECT_EQ(gpus(gpu_nodes), 6212);
  EXPECT_EQ(all_nodes.size(), 1213u + 310u);
  EXPECT_EQ(gpus(all_nodes), 6212);
}

TEST_F(RealTrace, EveryPodListParses) {
  for (const char* file :
       {"openb_pod_list_default.csv", "openb_pod_list_cpu100.csv", "openb_pod_list_gpushare40.csv",
        "openb_pod_list_gpuspec20.csv", "openb_pod_list_multigpu30.csv"}) {
    std::vector<Task> tasks;
    Status s = read_task_list(Path(file), &tasks);
    ASSERT_TRUE(s.is_ok()) << s.message();
    EXPECT_GT(tasks.size(), 7000u) << file;
    for (const Task& t : tasks) ASSERT_EQ(validate_task_shape(t.shape), "") << file << t.name;
  }
}

TEST_F(RealTrace, DefaultPodListHasTheDocumentedClasses) {
  std::vector<Task> tasks;
  ASSERT_TRUE(read_task_list(Path("openb_pod_list_default.csv"), &tasks).is_ok());
  EXPECT_EQ(tasks.size(), 8152u);
  int cpu_only = 0, sharing = 0, one_whole = 0, multi = 0;
  for (const Task& t : tasks) {
    const int c = gpu_class(t.shape);
    cpu_only += c == -1, sharing += c == 0, one_whole += c == 1, multi += c > 1;
  }
  EXPECT_EQ(cpu_only, 1088);
  EXPECT_EQ(sharing, 3078);
  EXPECT_EQ(one_whole, 3911);
  EXPECT_EQ(multi, 75);
}

TEST_F(RealTrace, MultiGpuListIsTheFiveColumnForm) {
  std::vector<Task> tasks;
  ASSERT_TRUE(read_task_list(Path("openb_pod_list_multigpu30.csv"), &tasks).is_ok());
  ASSERT_FALSE(tasks.empty());
  EXPECT_EQ(tasks.front().creation_time, -1);
  EXPECT_EQ(tasks.front().shape.allowed_models, kAnyGpuModel);
}

}  // namespace
}  // namespace fastgpu
