// Cooperative interruption. SIGINT and SIGTERM set a flag instead of killing
// the process, so a run in progress can close its results file with status
// `interrupted` and keep what it measured. Long loops poll Interrupted().
// A second SIGINT restores the default action, so a stuck process can still be
// killed from the terminal.
#ifndef CLUSTERBENCH_CORE_INTERRUPT_H_
#define CLUSTERBENCH_CORE_INTERRUPT_H_

namespace cb {

void InstallInterruptHandlers();
bool Interrupted();
int InterruptSignal();  // the signal received, 0 if none
// Throws InterruptedError if a signal arrived; call at safe points.
void ThrowIfInterrupted();

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_INTERRUPT_H_
