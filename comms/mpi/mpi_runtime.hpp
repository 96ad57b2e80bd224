#pragma once
// RAII for MPI_Init_thread / MPI_Finalize. MPI itself is process-wide state; this object is
// the only owner Cog adds: whoever constructs the first MpiRuntime initialises MPI, and that
// same object finalizes it (unless skipFinalize() was called). Later ones (e.g. the collective's
// own, after a test main or a benchmark already started MPI) see MPI running and leave it alone.
//
// MPI cannot start again once finalized, so a process gets one MPI lifetime: an entry point
// that builds more than one MPI collective should hold an MpiRuntime of its own for the
// whole run.
namespace cog::comms {

class MpiRuntime {
 public:
  // Requests MPI_THREAD_MULTIPLE; requires at least MPI_THREAD_SERIALIZED, because a
  // collective may be driven from a thread other than main (any one thread at a time).
  // Throws CommsError if MPI was already finalized or offers less.
  MpiRuntime();
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

  // The thread level MPI provides (MPI_THREAD_SERIALIZED or MPI_THREAD_MULTIPLE).
  int threadLevel() const { return thread_level_; }
  bool initialisedHere() const { return initialised_here_; }

  // Called after a collective failed: MPI_Finalize synchronises with every rank and would
  // hang on a dead one. Exiting without it lets the launcher tear the job down instead.
  void skipFinalize() { skip_finalize_ = true; }

 private:
  int thread_level_ = 0;
  bool initialised_here_ = false;
  bool skip_finalize_ = false;
};

}  // namespace cog::comms
