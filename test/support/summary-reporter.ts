/**
 * A vitest reporter that ends the run with one plain line, `N passed, N failed, N skipped`, so
 * CI logs can be read without parsing vitest's coloured summary.
 */
import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest'

function count(tasks: readonly RunnerTask[], acc: { passed: number; failed: number; skipped: number }): void {
  for (const task of tasks) {
    if (task.type === 'suite') {
      // A suite whose hook failed (e.g. beforeAll) leaves its tests skipped: count it as a failure.
      if (task.result?.state === 'fail' && task.tasks.every((t) => t.result?.state !== 'fail')) acc.failed++
      count(task.tasks, acc)
      continue
    }
    const state = task.result?.state
    if (state === 'pass') acc.passed++
    else if (state === 'fail') acc.failed++
    else acc.skipped++
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const acc = { passed: 0, failed: 0, skipped: 0 }
    count(files, acc)
    const failed = acc.failed + (errors.length > 0 && acc.failed === 0 ? errors.length : 0)
    process.stdout.write(`\n${acc.passed} passed, ${failed} failed, ${acc.skipped} skipped\n`)
  }
}
