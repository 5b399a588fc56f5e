// What a stopped system may have left behind: processes (found through Linux's /proc) and listening ports.
import { readdir, readFile, readlink } from "node:fs/promises";
import { createConnection } from "node:net";

export type LeftProcess = { pid: number; command: string };

/**
 * Processes still alive in process group `group`, or whose command line or working folder names `folder`
 * (a daemon that left the group would still run from, or point into, the folder).
 */
export async function processesLeft(options: { group: number; folder: string }): Promise<LeftProcess[]> {
  const left: LeftProcess[] = [];
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    // A process may exit between the listing and the reads: it is then not left over.
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (stat === "") continue;
    // Fields after the command name (which may hold spaces), in parentheses: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") continue;
    const pgrp = Number(fields[2]);
    const command = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0").join(" ").trim();
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "");
    if (pgrp === options.group || command.includes(options.folder) || cwd.startsWith(options.folder))
      left.push({ pid, command });
  }
  return left;
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
