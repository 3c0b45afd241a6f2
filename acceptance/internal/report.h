// The wording the validate reports share (report.cc: text, Markdown;
// report_html.cc: HTML; evidence_tables.cc: the next steps table), private to
// acceptance/: how a figure, a node, the provenance and the inventory are
// written, and the next steps a run calls for.
#ifndef CLUSTERBENCH_ACCEPTANCE_INTERNAL_REPORT_H_
#define CLUSTERBENCH_ACCEPTANCE_INTERNAL_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "acceptance/runner.h"
#include "acceptance/verdict.h"
#include "core/node_info.h"
#include "core/units.h"

namespace cb::acc::internal {

// A quantity with its unit, four significant digits ("8.512 GB/s").
std::string Q(double v, Dimension d);

// Whether any unit was measured against the model (threshold.fraction_of_model).
bool HasModel(const ValidationReport& r);

// A summary figure's value and its nameplate ("" when unknown), with units.
std::string Fig(const SummaryFigure& f);
std::string Plate(const SummaryFigure& f);

// A verdict's colour in charts.
const char* Color(Verdict v);

// "node n1", or "node n1 (host h)" when the node is not a host.
std::string NodeName(const NodeResult& n);

// The provenance as (label, value) rows, in the order every format shows them.
std::vector<std::pair<std::string, std::string>> ProvenanceRows(const ValidationReport& r);

// A host's GPUs ("8 x NVIDIA H100", or "none (why)"), a version ("" when
// unknown) and its CPU in one line.
std::string Gpus(const NodeInfo& n);
std::string Version(const NodeInfo& n, const char* key);
std::string CpuText(const NodeInfo& n);

// The next steps the run calls for: one per failure class present, with the
// nodes it concerns, in the order of the classes.
struct NextStep {
  const FailureAdvice* advice;
  std::vector<std::string> nodes;
};
std::vector<NextStep> NextSteps(const ValidationReport& r);

std::string Join(const std::vector<std::string>& v, const std::string& sep);

}  // namespace cb::acc::internal

#endif  // CLUSTERBENCH_ACCEPTANCE_INTERNAL_REPORT_H_
