// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex: the fingerprint a
// signed acceptance report gives its suite file, so a reader can tell the
// suite that was run from a later edit (`sha256sum FILE` prints the same).
// Self-contained: no crypto library is linked for one digest of a small file.
#ifndef CLUSTERBENCH_CORE_SHA256_H_
#define CLUSTERBENCH_CORE_SHA256_H_

#include <string>
#include <string_view>

namespace cb {

// "e3b0c442...b855" for the empty string (64 hex digits).
std::string Sha256Hex(std::string_view data);

// The digest of a file's bytes; empty when it cannot be read.
std::string Sha256OfFile(const std::string& path);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_SHA256_H_
