// One pass at a time, again `intervalMs` after each ends (never overlapping, whatever a pass takes), until stopped:
// the loop of the chain watcher, the optimistic follow-up and the auditor. A pass that throws is reported and
// retried on the next interval; `stopped` lets a long pass end early.
export type Poller = {
  start(intervalMs: number): void;
  /** Stops the loop and waits for the pass in progress. */
  stop(): Promise<void>;
  readonly stopped: boolean;
};

export function createPoller(pass: () => Promise<unknown>, onError: (error: unknown) => void): Poller {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    start(intervalMs) {
      stopped = false;
      const loop = (): void => {
        running = pass()
          .catch(onError)
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, intervalMs);
          });
      };
      loop();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
