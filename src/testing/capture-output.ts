/**
 * Runs `fn` (a command, in-process) while catching what it prints: `console.log` lines, standard
 * error, and the exit code it leaves in `process.exitCode` (restored afterwards). A throw is
 * returned as `error`, not rethrown. For the CLI tests.
 */
export async function captureOutput<T>(
  fn: () => Promise<T>,
): Promise<{ value: T | undefined; error: Error | null; out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const write = process.stderr.write;
  const exitBefore = process.exitCode;
  process.exitCode = undefined;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let value: T | undefined;
  let error: Error | null = null;
  try {
    value = await fn();
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
  const code = error !== null ? 1 : Number(process.exitCode ?? 0);
  process.exitCode = exitBefore;
  return { value, error, out: out.join('\n'), err: err.join(''), code };
}
