// Package crashtest holds process-level tests: they build the real schakel
// binary, run nodes as `schakel serve --config` processes, kill them with
// SIGKILL in the middle of their work, restart them, and check the audit log
// and the deliveries with the real `schakel audit` commands. The tests are
// skipped with -short.
package crashtest
