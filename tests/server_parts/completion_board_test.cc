// CompletionBoard: waits end when their own task (or vGPU) finishes, not when another does.

#include "server/loop/completion_board.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace fastgpu {
namespace {

using std::chrono::milliseconds;

TEST(CompletionBoard, AWaitEndsWhenItsTaskFinishesNotAnother) {
  CompletionBoard board;
  board.add(1, kNoVgpu);
  board.add(2, kNoVgpu);
  std::atomic<bool> done{false};
  std::thread waiter([&] { done = board.wait_task(1, milliseconds(10'000)); });
  board.finish(2);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(done);
  board.finish(1);
  waiter.join();
  EXPECT_TRUE(done);
  EXPECT_TRUE(board.wait_task(1, milliseconds(0)));  // finished: at once
}

TEST(CompletionBoard, AVgpuWaitEndsWithItsLastTask) {
  CompletionBoard board;
  board.add(1, 7);
  board.add(2, 7);
  board.add(3, 8);
  EXPECT_EQ(board.unfinished_in(7), 2);
  std::atomic<bool> idle{false};
  std::thread waiter([&] { idle = board.wait_vgpu(7, milliseconds(10'000)); });
  board.finish(1);
  board.finish(3);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(idle);
  board.finish(2);
  waiter.join();
  EXPECT_TRUE(idle);
  EXPECT_EQ(board.unfinished_in(7), 0);
}

TEST(CompletionBoard, ATimedOutWaitSaysUnfinished) {
  CompletionBoard board;
  board.add(1, kNoVgpu);
  EXPECT_FALSE(board.wait_task(1, milliseconds(20)));
  EXPECT_FALSE(board.wait_vgpu(kNoVgpu, milliseconds(20)));
}

TEST(CompletionBoard, ManyWaitersOnManyTasksAllWakeAndCloseEndsTheRest) {
  CompletionBoard board;
  constexpr int kTasks = 50;
  for (int id = 1; id <= kTasks * 2; ++id) board.add(id, id % 3);
  std::atomic<int> finished{0};
  std::vector<std::thread> waiters;
  for (int id = 1; id <= kTasks * 2; ++id) {
    for (int copy = 0; copy < 3; ++copy) {
      waiters.emplace_back([&, id] { finished += board.wait_task(id, milliseconds(30'000)); });
    }
  }
  for (int id = 1; id <= kTasks; ++id) board.finish(id);
  while (finished < kTasks * 3) std::this_thread::sleep_for(milliseconds(1));
  board.close();  // the other half never finish: close ends their waits
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(finished, kTasks * 3);
  EXPECT_FALSE(board.wait_task(kTasks + 1, milliseconds(10'000)));  // closed: at once
}

}  // namespace
}  // namespace fastgpu
