// What the memory and copy benchmarks measure: the STREAM kernels (the host's
// copy, scale, add, triad; the GPU's read, write, copy, triad) and the copy
// directions of the copy engines, named once here as the results files spell
// them (the `benchmark` column of the `memory` and `copy` tables) and as a
// suite's `kernel:` names a stream kernel. Parsed where a suite or a stored
// table is read (issue 16, point 4), so code compares values, not names.
#ifndef CLUSTERBENCH_KERNELS_MEMORY_KINDS_H_
#define CLUSTERBENCH_KERNELS_MEMORY_KINDS_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/enum_names.h"

namespace cb {

// STREAM counting: read 1 array, write 1, copy 2, scale 2, add 3, triad 3.
enum class StreamKernel { kCopy, kScale, kAdd, kTriad, kRead, kWrite };

inline constexpr EnumName<StreamKernel> kStreamKernelNames[] = {
    {"copy", StreamKernel::kCopy},   {"scale", StreamKernel::kScale}, {"add", StreamKernel::kAdd},
    {"triad", StreamKernel::kTriad}, {"read", StreamKernel::kRead},   {"write", StreamKernel::kWrite}};

inline const char* StreamKernelName(StreamKernel k) { return NameOf(kStreamKernelNames, k); }
// The kernel named exactly `name`; nullopt for none.
inline std::optional<StreamKernel> FindStreamKernel(std::string_view name) { return ValueOf(kStreamKernelNames, name); }
// "copy, scale, add, triad, read, write": the valid names, for an error.
inline std::string StreamKernelNames() { return NameList(kStreamKernelNames); }

// A copy's direction: host to device or back from pinned or pageable host
// memory, within one device, or between two GPUs (peer).
enum class CopyKind { kH2dPinned, kD2hPinned, kH2dPageable, kD2hPageable, kD2d, kPeer };

inline constexpr EnumName<CopyKind> kCopyKindNames[] = {{"h2d_pinned", CopyKind::kH2dPinned},
                                                        {"d2h_pinned", CopyKind::kD2hPinned},
                                                        {"h2d_pageable", CopyKind::kH2dPageable},
                                                        {"d2h_pageable", CopyKind::kD2hPageable},
                                                        {"d2d", CopyKind::kD2d},
                                                        {"peer", CopyKind::kPeer}};

inline const char* CopyKindName(CopyKind k) { return NameOf(kCopyKindNames, k); }
// The kind named exactly `name`; nullopt for none.
inline std::optional<CopyKind> FindCopyKind(std::string_view name) { return ValueOf(kCopyKindNames, name); }
// "h2d_pinned, d2h_pinned, h2d_pageable, d2h_pageable, d2d, peer": the valid names, for an error.
inline std::string CopyKindNames() { return NameList(kCopyKindNames); }

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_MEMORY_KINDS_H_
