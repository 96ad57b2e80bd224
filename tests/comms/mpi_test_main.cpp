// main() for GoogleTest binaries run under `mpirun -np N` (see cog_add_mpi_test in
// CMakeLists.txt). Every rank runs every test; a test's collectives pair up across ranks.
// MPI starts and stops here, through the same MpiRuntime the collectives use, so tests can
// build and drop collectives freely within one MPI lifetime.
//
// The world must have at least COG_TEST_MIN_RANKS ranks: run alone, the binary fails rather
// than passing tests that never crossed a process boundary.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <string>

#include "comms/mpi/mpi_runtime.hpp"

namespace {

// Ranks other than 0 print only their failures, prefixed with the rank, so the log reads
// as rank 0's run plus what went wrong elsewhere.
class RankFailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
  }
  void OnTestEnd(const testing::TestInfo& info) override {
    if (info.result()->Failed())
      std::fprintf(stderr, "[rank %d] FAILED %s.%s\n", rank_, info.test_suite_name(), info.name());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  cog::comms::MpiRuntime runtime;
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < COG_TEST_MIN_RANKS) {
    std::fprintf(stderr, "%s needs at least %d MPI ranks, got %d: run it under mpirun -np %d\n",
                 argv[0], COG_TEST_MIN_RANKS, size, COG_TEST_MIN_RANKS);
    return 1;
  }
  if (rank != 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(rank));
  }
  return RUN_ALL_TESTS();
}
