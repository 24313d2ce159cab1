/**
 * Ctrl-C for long commands: the first interrupt aborts a signal the command passes down, a
 * second one exits at once.
 */
/**
 * Runs `fn` with an abort signal tied to Ctrl-C: the first interrupt stops the run cleanly
 * (finished stages stay cached, no half entry is left), a second one exits at once.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (name: Deno.Signal) => () => {
    if (++interrupts > 1) Deno.exit(130);
    console.error(
      `${name}: cancelling the running stages; finished stages stay cached ` +
        `(again to quit at once)`,
    );
    abort.abort(new Error(`interrupted (${name})`));
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    return await fn(abort.signal);
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
}
