// The line of a failed test's output that says what went wrong, for TestCheck.message (the whole
// output stays in the task's log): a Python traceback's last line (`ModuleNotFoundError: ...`), else
// the first line that reads as an error, else the last line printed.
const TRACEBACK_END = /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b(:.*)?$/;
const ERRORISH = /\b(error|errors|not found|no such file|failed|failure|fatal|cannot|can't|unable|denied|missing|broken|requires)\b/i;
/** Lines the runners add around a command (`[rebuild:runner-host] ...`) are not the command's. */
const RUNNER_LINE = /^\[rebuild:[\w-]+\]/;

export function firstErrorLine(output: string): string | null {
  const lines = output.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() && !RUNNER_LINE.test(l.trim()));
  if (!lines.length) return null;
  for (let i = lines.length - 1; i >= 0; i--) if (TRACEBACK_END.test(lines[i].trim())) return lines[i].trim();
  const err = lines.find((l) => ERRORISH.test(l));
  return (err ?? lines[lines.length - 1]).trim().slice(0, 500);
}
