// The progress watchdog's links (mpi_watchdog.h): one TCP connection between
// rank 0 and every other rank, carrying 8-byte beats.
//
// Why not MPI: a helper thread calling MPI while the main thread is inside a
// collective needs MPI_THREAD_MULTIPLE, and Open MPI (4.1) turns on its locks
// for any thread level above MPI_THREAD_SINGLE: an 8 B MPI_Allreduce between
// two ranks of one host then took 1.5x a bare loop under MPI_Init (issue 17,
// docs/collectives.md "MPI against a bare loop"). Over sockets of their own
// the beats leave MPI at MPI_THREAD_SINGLE, as nccl-tests' MPI_Init does, and
// the helper thread never calls MPI.
//
// Setup (Open, collective over `parent`, main thread): rank 0 listens on an
// ephemeral port of every IPv4 address it has, broadcasts the addresses
// (loopback last) and the port over MPI; each other rank connects to the
// first address that answers and says its rank. The ranks then agree (an
// MPI_Allreduce) whether every link is up: a job where some rank could not
// connect (a firewall, a fabric without IP) opens none, the same decision on
// every rank, and the watchdog says why.
#ifndef CLUSTERBENCH_COLLECTIVES_MPI_BEAT_LINKS_H_
#define CLUSTERBENCH_COLLECTIVES_MPI_BEAT_LINKS_H_

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cb::coll::mpi_detail {

class BeatLinks {
 public:
  BeatLinks() = default;
  ~BeatLinks();  // closes every link
  BeatLinks(const BeatLinks&) = delete;
  BeatLinks& operator=(const BeatLinks&) = delete;

  // Collective over `parent` (main thread). True when every rank has its
  // links; false on every rank otherwise, with *why.
  bool Open(MPI_Comm parent, double connect_timeout_s, std::string* why);
  // Links of this rank: rank 0 has one per other rank (peer k is rank k + 1),
  // the others one (peer 0 is rank 0).
  int peers() const { return static_cast<int>(links_.size()); }
  // Queues `value` for peer k and sends what the socket takes now. A beat
  // still queued (its receiver stopped reading) is not queued again unless
  // `always` (messages that must go out: "done", "signalled").
  void Send(int k, int64_t value, bool always);
  // Waits up to wait_s for beats, then hands every complete one to
  // on_beat(peer, value). A closed link delivers nothing more.
  void Poll(double wait_s, const std::function<void(int peer, int64_t value)>& on_beat);
  // Sends what is still queued, for at most within_s.
  void Flush(double within_s);

 private:
  struct Link {
    int fd = -1;
    std::string out;  // bytes queued, not yet taken by the socket
    unsigned char in[8] = {};
    size_t in_bytes = 0;  // of the beat being read
    bool closed = false;
  };
  void Write(Link& l);
  void CloseAll();

  std::vector<Link> links_;
};

}  // namespace cb::coll::mpi_detail

#endif  // CLUSTERBENCH_COLLECTIVES_MPI_BEAT_LINKS_H_
