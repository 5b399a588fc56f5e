// A redis-server owned by a test, that the test can restart on the same port. Like the provider's Redis after a
// crash or a reboot (persistence is off, as `startLocalRedis` starts it), it comes back empty: queue and watcher
// cursor gone. `stop()` stops whichever process runs at the time, so a restarted server does not outlive the test.
import { startLocalRedis, type LocalRedis } from "@sovra/deploy";

export type TestRedis = {
  readonly url: string;
  readonly port: number;
  /** Stops the running server and starts an empty one on the same port. */
  restart(): Promise<void>;
  /** Stops the running server (idempotent). */
  stop(): Promise<void>;
};

export async function startTestRedis(): Promise<TestRedis> {
  let current: LocalRedis | undefined = await startLocalRedis();
  const url = current.url;
  const port = Number(new URL(url).port);
  const stop = async (): Promise<void> => {
    const running = current;
    current = undefined;
    await running?.stop();
  };
  return {
    url,
    port,
    async restart() {
      await stop();
      current = await startLocalRedis({ port });
    },
    stop,
  };
}
