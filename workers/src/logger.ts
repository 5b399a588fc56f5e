import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs to stderr (stdout stays free for command output). `SOVRA_LOG_LEVEL` sets the level. */
export function createLogger(name: string, level = process.env.SOVRA_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { name } }, pino.destination(2));
}

/** A logger that drops everything (tests, quiet commands). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
