#include "collectives/gather_text.h"

#include <cstdint>

namespace cb::coll {

namespace {
constexpr size_t kBytesPerWord = 6;  // 48 bits: exact in a double's 53-bit mantissa
}

std::vector<double> PackText(const std::string& text, size_t words) {
  std::vector<double> out(words, 0.0);
  for (size_t w = 0; w < words; ++w) {
    uint64_t v = 0;
    for (size_t b = 0; b < kBytesPerWord; ++b) {
      const size_t i = w * kBytesPerWord + b;
      const uint64_t byte = i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
      v |= byte << (8 * b);
    }
    out[w] = static_cast<double>(v);
  }
  return out;
}

std::string UnpackText(const double* words, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    const auto v = static_cast<uint64_t>(words[i / kBytesPerWord]);
    out[i] = static_cast<char>((v >> (8 * (i % kBytesPerWord))) & 0xff);
  }
  return out;
}

std::vector<std::string> GatherText(Communicator& comm, const std::string& mine) {
  // Lengths first (exact as doubles far beyond any text), then the padded text.
  const std::vector<double> lengths = comm.Gather({static_cast<double>(mine.size())});
  const auto longest = static_cast<size_t>(comm.AllReduceMax(static_cast<double>(mine.size())));
  const size_t words = (longest + kBytesPerWord - 1) / kBytesPerWord;
  const std::vector<double> all = comm.Gather(PackText(mine, words));
  std::vector<std::string> out;
  if (comm.rank() != 0) return out;
  out.reserve(static_cast<size_t>(comm.size()));
  for (int r = 0; r < comm.size(); ++r) {
    out.push_back(UnpackText(all.data() + static_cast<size_t>(r) * words, static_cast<size_t>(lengths[r])));
  }
  return out;
}

}  // namespace cb::coll
