/** The child side of `startChild`: announce readiness, answer the parent's calls. */
export type Handlers = Record<string, (args: unknown) => unknown>;

export function announceReady(origin: string): void {
  if (!process.send) throw new Error('bench: this entry runs as a child of the bench (started with IPC)');
  process.send({ type: 'ready', origin });
}

export function serveIpc(handlers: Handlers): void {
  process.on('message', async (message: { id?: number; op?: string; args?: unknown }) => {
    if (typeof message.id !== 'number' || typeof message.op !== 'string') return;
    const handler = handlers[message.op];
    try {
      if (!handler) throw new Error(`unknown operation "${message.op}"`);
      const value = await handler(message.args);
      process.send?.({ id: message.id, ok: true, value });
    } catch (error) {
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
  // The parent going away (a crashed bench) must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
}

/** Handlers every bench child offers: its memory and a GC. */
export async function commonHandlers(): Promise<Handlers> {
  return {
    memory: () => process.memoryUsage(),
    gc: () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) throw new Error('start the child with --expose-gc');
      gc();
      return process.memoryUsage();
    },
  };
}
