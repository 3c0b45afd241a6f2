// Forwarding header: validate's evidence reader is calibrate/evidence.h
// (EvidenceRun, ReadEvidence), used by `simulate --evidence` and
// `compare --evidence`.
#ifndef CLUSTERBENCH_APPS_EVIDENCE_FILE_H_
#define CLUSTERBENCH_APPS_EVIDENCE_FILE_H_

#include "calibrate/evidence.h"

#endif  // CLUSTERBENCH_APPS_EVIDENCE_FILE_H_
