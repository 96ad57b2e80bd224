// What survives a kill -9, and which files the store refuses to open.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "coordinator/store/store.hpp"
#include "tests/coordinator/store/store_test_util.hpp"

namespace cog::coord {
namespace {

using testing::metric;
using testing::ScratchDir;

constexpr auto kChildTimeout = std::chrono::seconds(60);

// Waits for `pid` with a deadline; kills it and fails the test if it overstays.
int waitChild(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + kChildTimeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "child " << pid << " did not finish within the timeout";
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status;
}

std::string integrityCheck(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

void execRaw(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

void expectOpenFails(const std::filesystem::path& file, const std::string& fragment) {
  try {
    Store store(file);
    FAIL() << "opening " << file << " should have failed";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(StoreDurability, FlushedRowsSurviveKill9AndUnflushedOnesVanish) {
  ScratchDir dir("kill9");
  const auto file = dir.file("cog.db");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: no gtest macros here; any failure is a distinctive exit code.
    try {
      Store store(file);
      JobRow job;
      job.id = "reasoning";
      job.state = JobState::kRunning;
      store.upsertJob(job);
      for (int64_t step = 1; step <= 500; ++step) store.appendMetric(metric("reasoning", 1, step));
      store.flush();
      store.appendEvent(testing::event("reasoning", "restart"));
      store.flush();
      // Never flushed: must be absent after the kill.
      for (int64_t step = 501; step <= 800; ++step)
        store.appendMetric(metric("reasoning", 1, step));
      store.appendEvent(testing::event("reasoning", "lost"));
      ::raise(SIGKILL);
    } catch (...) {
    }
    ::_exit(3);
  }
  const int status = waitChild(pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  // The killed process never checkpointed: the rows live in the WAL, replayed on open.
  EXPECT_TRUE(std::filesystem::exists(file.string() + "-wal"));

  EXPECT_EQ(integrityCheck(file), "ok");
  Store store(file);
  EXPECT_EQ(store.metricCount("reasoning", true), 500);
  EXPECT_EQ(store.maxMetricStep("reasoning", 1), 500);
  const auto events = store.events(0, "", 100);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "restart");
  ASSERT_TRUE(store.job("reasoning").has_value());
  // The store goes on working where the dead process stopped.
  store.appendMetric(metric("reasoning", 1, 501));
  store.flush();
  EXPECT_EQ(store.metricCount("reasoning", true), 501);
}

TEST(StoreDurability, KillDuringContinuousWritesLosesOnlyTheOpenBatch) {
  ScratchDir dir("kill_busy");
  const auto file = dir.file("cog.db");
  constexpr int64_t kBatch = 200;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    try {
      Store store(file);
      for (int64_t step = 1;; ++step) {  // runs until the parent kills it
        store.appendMetric(metric("speed", 1, step));
        if (step % kBatch == 0) {
          store.flush();
          if (::write(fds[1], &step, sizeof step) != sizeof step) break;
        }
      }
    } catch (...) {
    }
    ::_exit(3);
  }
  ::close(fds[1]);
  // Kill it once it has committed a few batches: mid-way through writing the next one.
  int64_t flushed = 0;
  for (int reports = 0; reports < 5;) {
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(kChildTimeout.count() * 1000));
    if (ready <= 0 || ::read(fds[0], &flushed, sizeof flushed) != sizeof flushed) break;
    ++reports;
  }
  ::kill(pid, SIGKILL);
  ::close(fds[0]);
  const int status = waitChild(pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_GE(flushed, 5 * kBatch) << "the child never reported its flushes";

  EXPECT_EQ(integrityCheck(file), "ok");
  Store store(file);
  const int64_t count = store.metricCount("speed", true);
  EXPECT_GE(count, flushed);     // everything reported as flushed is there
  EXPECT_EQ(count % kBatch, 0);  // and only whole batches: no torn transaction
  EXPECT_EQ(store.maxMetricStep("speed", 1), count);
}

TEST(StoreDurability, UnflushedWritesOfAStoreAreCommittedByItsDestructor) {
  ScratchDir dir("dtor");
  const auto file = dir.file("cog.db");
  {
    Store store(file);
    store.appendMetric(metric("speed", 1, 1));
  }
  EXPECT_EQ(Store(file).metricCount("speed", true), 1);
}

TEST(StoreOpen, NotASqliteFileIsAStoreErrorNamingTheFile) {
  ScratchDir dir("not_db");
  const auto file = dir.file("notes.db");
  std::ofstream(file) << std::string(4096, 'x') << "\nthis is not a database\n";
  expectOpenFails(file, "not a database");
}

TEST(StoreOpen, NewerSchemaVersionIsAClearError) {
  ScratchDir dir("newer");
  const auto file = dir.file("cog.db");
  { Store store(file); }
  execRaw(file, "PRAGMA user_version = 99");
  expectOpenFails(file, "schema version 99 is newer");
}

TEST(StoreOpen, ForeignSqliteDatabaseIsRefused) {
  ScratchDir dir("foreign");
  const auto file = dir.file("other.db");
  execRaw(file, "CREATE TABLE something (x INTEGER)");
  expectOpenFails(file, "not a Cog store");
}

TEST(StoreOpen, MissingDirectoryIsAStoreErrorNamingTheFile) {
  ScratchDir dir("missing");
  expectOpenFails(dir.file("no/such/dir/cog.db"), "unable to open");
}

}  // namespace
}  // namespace cog::coord
