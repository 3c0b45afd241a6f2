// UTF-8 repair and width, shared by the HDF5 store and the table renderings (core/table_export.h).
//
// Results files declare every string UTF-8 and h5py decodes them strictly, so a
// stray byte from a command line or a hostname would make a whole run
// unreadable from Python. Writers therefore repair strings instead of failing.
#ifndef CLUSTERBENCH_CORE_UTF8_H_
#define CLUSTERBENCH_CORE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace cb {

// Returns `s` with every invalid UTF-8 sequence (and every NUL byte, which C
// strings in HDF5 cannot carry) replaced by U+FFFD. Valid text is unchanged.
std::string SanitizeUtf8(std::string_view s);

// Number of code points in valid UTF-8 `s`: the column width used to align
// terminal tables (wide East Asian characters are counted as one column).
size_t Utf8Width(std::string_view s);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_UTF8_H_
