#include "collectives/mpi/beat_links.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace cb::coll::mpi_detail {
namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

constexpr int kMaxAddresses = 32;

int PollMs(double seconds) { return static_cast<int>(std::clamp(seconds * 1e3, 0.0, 60e3)); }

// A non-blocking TCP socket, or -1.
int StreamSocket() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Waits for `events` on fd until `deadline` (steady-clock seconds).
bool WaitFor(int fd, short events, double deadline) {
  for (;;) {
    const double left = deadline - Now();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, std::max(1, PollMs(left)));
    if (rc > 0) return (p.revents & events) != 0;
    if (rc < 0 && errno != EINTR) return false;
  }
}

// Moves all `bytes` at `p` through a non-blocking socket before `deadline`:
// `io(p, n)` is one send or recv, retried after `events` when it would block.
template <typename Byte, typename Io>
bool MoveAll(int fd, Byte* p, size_t bytes, short events, double deadline, Io io) {
  while (bytes > 0) {
    const ssize_t n = io(p, bytes);
    if (n > 0) {
      p += n;
      bytes -= static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!WaitFor(fd, events, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool SendAll(int fd, const void* data, size_t bytes, double deadline) {
  return MoveAll(fd, static_cast<const char*>(data), bytes, POLLOUT, deadline,
                 [fd](const char* p, size_t n) { return send(fd, p, n, MSG_NOSIGNAL); });
}

bool RecvAll(int fd, void* data, size_t bytes, double deadline) {
  return MoveAll(fd, static_cast<char*>(data), bytes, POLLIN, deadline,
                 [fd](char* p, size_t n) { return recv(fd, p, n, 0); });
}

// Connects to addr:port (network byte order) before `deadline`; -1 if not.
int Connect(uint32_t addr, uint16_t port, double deadline) {
  const int fd = StreamSocket();
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = addr;
  sa.sin_port = port;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) return fd;
  if (errno == EINPROGRESS && WaitFor(fd, POLLOUT, deadline)) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) return fd;
  }
  close(fd);
  return -1;
}

// This host's IPv4 addresses (network byte order), loopback last: a rank on
// another host needs a routed address; one on this host takes any.
std::vector<uint32_t> LocalAddresses() {
  std::vector<uint32_t> routed, loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
      const uint32_t ip = reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr;
      ((ntohl(ip) >> 24) == 127 ? loopback : routed).push_back(ip);
    }
    freeifaddrs(list);
  }
  if (loopback.empty()) loopback.push_back(htonl(INADDR_LOOPBACK));
  routed.insert(routed.end(), loopback.begin(), loopback.end());
  if (routed.size() > kMaxAddresses) routed.erase(routed.begin() + kMaxAddresses - 1, routed.end() - 1);
  return routed;
}

// Rank 0 keeps a descriptor per rank: raise the soft limit if the job needs it.
bool EnoughDescriptors(size_t needed, std::string* why) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return true;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed) {
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= needed) {
      rl.rlim_cur = needed;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= needed) return true;
  *why = fmt::format("rank 0 may open {} files, the links need {} (ulimit -n)", rl.rlim_cur, needed);
  return false;
}

void PutBeat(std::string* out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

int64_t GetBeat(const unsigned char* b) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(b[i]) << (8 * i);
  return static_cast<int64_t>(u);
}

}  // namespace

BeatLinks::~BeatLinks() { CloseAll(); }

void BeatLinks::CloseAll() {
  for (Link& l : links_) {
    if (l.fd >= 0) close(l.fd);
  }
  links_.clear();
}

bool BeatLinks::Open(MPI_Comm parent, double connect_timeout_s, std::string* why) {
  int rank = 0, size = 1;
  MPI_Comm_rank(parent, &rank);
  MPI_Comm_size(parent, &size);
  std::string failure;
  const double deadline = Now() + connect_timeout_s;
  // Rank 0's offer: [usable, port, count, addresses...].
  uint32_t offer[3 + kMaxAddresses] = {};
  int listener = -1;
  if (rank == 0) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof(sa);
    if (!EnoughDescriptors(static_cast<size_t>(size) + 64, &failure)) {
      // said in failure
    } else if ((listener = StreamSocket()) < 0 || bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
               listen(listener, SOMAXCONN) != 0 || getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      failure = fmt::format("rank 0 could not listen on a TCP port: {}", std::strerror(errno));
    } else {
      const std::vector<uint32_t> addrs = LocalAddresses();
      offer[0] = 1;
      offer[1] = sa.sin_port;
      offer[2] = static_cast<uint32_t>(addrs.size());
      std::copy(addrs.begin(), addrs.end(), offer + 3);
    }
  }
  // Rank 0's offer to everyone as a maximum (the others give zeros), not an
  // MPI_Bcast: one MPI_Bcast of these 140 bytes before the benchmark made every
  // later 8 B MPI_Allreduce of the job ~30% slower (Open MPI 4.1.4, two ranks
  // on one host: 0.58 against 0.42 us, six runs alternated), an all-reduce
  // here did not.
  uint32_t mine[3 + kMaxAddresses] = {};
  if (rank == 0) std::copy(offer, offer + 3 + kMaxAddresses, mine);
  MPI_Allreduce(mine, offer, 3 + kMaxAddresses, MPI_UINT32_T, MPI_MAX, parent);
  if (rank != 0 && offer[0] == 1) {
    const auto port = static_cast<uint16_t>(offer[1]);
    int fd = -1;
    for (uint32_t i = 0; i < offer[2] && i < kMaxAddresses && fd < 0; ++i) {
      // Each address gets a share of the time left, so one that drops
      // packets cannot use it all.
      const double left = deadline - Now();
      fd = Connect(offer[3 + i], port, Now() + std::max(0.2, left / 2));
    }
    const auto me = static_cast<int32_t>(rank);
    if (fd >= 0 && SendAll(fd, &me, sizeof(me), deadline)) {
      links_.push_back({});
      links_.back().fd = fd;
    } else {
      if (fd >= 0) close(fd);
      failure = fmt::format("rank {} could not connect to rank 0's port {}", rank, ntohs(port));
    }
  }
  if (rank == 0 && listener >= 0) {
    links_.resize(static_cast<size_t>(size - 1));
    int joined = 0;
    // Rank 0 waits a little longer than the others try.
    const double until = deadline + 2;
    while (joined < size - 1 && WaitFor(listener, POLLIN, until)) {
      const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      int32_t r = -1;
      const bool said = RecvAll(fd, &r, sizeof(r), std::min(until, Now() + 2));
      Link* slot = said && r > 0 && r < size ? &links_[static_cast<size_t>(r - 1)] : nullptr;
      if (!slot || slot->fd >= 0) {
        close(fd);  // not one of ours, or twice
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      slot->fd = fd;
      ++joined;
    }
    if (joined < size - 1) {
      failure = fmt::format("rank 0 heard from {} of {} ranks within {:.0f} s on TCP port {}", joined, size - 1,
                            connect_timeout_s + 2, ntohs(static_cast<uint16_t>(offer[1])));
    }
  }
  if (listener >= 0) close(listener);
  int ok = failure.empty() && offer[0] == 1 ? 1 : 0, all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, parent);
  if (all == 1) return true;
  CloseAll();
  if (why) {
    *why = failure.empty() ? "another rank could not open the watchdog's TCP link to rank 0"
                           : "the watchdog's TCP links could not be opened: " + failure;
  }
  return false;
}

void BeatLinks::Write(Link& l) {
  while (!l.out.empty() && !l.closed) {
    const ssize_t n = send(l.fd, l.out.data(), l.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      l.out.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      l.closed = true;  // the peer's process is gone
      l.out.clear();
    }
  }
}

void BeatLinks::Send(int k, int64_t value, bool always) {
  Link& l = links_[static_cast<size_t>(k)];
  if (l.closed || (!l.out.empty() && !always)) return;
  PutBeat(&l.out, value);
  Write(l);
}

void BeatLinks::Poll(double wait_s, const std::function<void(int peer, int64_t value)>& on_beat) {
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  for (size_t k = 0; k < links_.size(); ++k) {
    const Link& l = links_[k];
    if (l.closed) continue;
    fds.push_back({l.fd, static_cast<short>(POLLIN | (l.out.empty() ? 0 : POLLOUT)), 0});
    which.push_back(k);
  }
  if (fds.empty()) {
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    return;
  }
  if (poll(fds.data(), fds.size(), PollMs(wait_s)) <= 0) return;
  for (size_t i = 0; i < fds.size(); ++i) {
    Link& l = links_[which[i]];
    if (fds[i].revents & POLLOUT) Write(l);
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    while (!l.closed) {
      const ssize_t n = recv(l.fd, l.in + l.in_bytes, sizeof(l.in) - l.in_bytes, MSG_DONTWAIT);
      if (n > 0) {
        l.in_bytes += static_cast<size_t>(n);
        if (l.in_bytes == sizeof(l.in)) {
          l.in_bytes = 0;
          on_beat(static_cast<int>(which[i]), GetBeat(l.in));
        }
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        l.closed = true;  // end of stream: the peer's process is gone
      }
    }
  }
}

void BeatLinks::Flush(double within_s) {
  const double deadline = Now() + within_s;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t k = 0; k < links_.size(); ++k) {
      if (!links_[k].closed && !links_[k].out.empty()) {
        fds.push_back({links_[k].fd, POLLOUT, 0});
        which.push_back(k);
      }
    }
    const double left = deadline - Now();
    if (fds.empty() || left <= 0) return;
    if (poll(fds.data(), fds.size(), std::max(1, PollMs(left))) < 0 && errno != EINTR) return;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents) Write(links_[which[i]]);
    }
  }
}

}  // namespace cb::coll::mpi_detail
