import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { cidOf } from "@sovra/circuits/io/cid";

/** Maps CIDs to the files of a folder (recursive), hashing each file once per (size, mtime). */
export type FolderIndex = {
  dir: string;
  /** Path of the file with this CID, re-scanning the folder once when it is not known yet. */
  find(cid: string): Promise<string | undefined>;
  /** Every CID in the folder after a fresh scan. */
  scan(): Promise<Map<string, string>>;
};

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

export function indexFolder(dir: string): FolderIndex {
  const byCid = new Map<string, string>();
  const seen = new Map<string, string>(); // file -> "size:mtime" already hashed
  async function scan(): Promise<Map<string, string>> {
    for (const file of await listFiles(dir)) {
      const info = await stat(file);
      const key = `${info.size}:${info.mtimeMs}`;
      if (seen.get(file) === key) continue;
      seen.set(file, key);
      byCid.set(cidOf(await readFile(file)), file);
    }
    return byCid;
  }
  return {
    dir,
    scan,
    async find(cid) {
      if (!byCid.has(cid)) await scan();
      return byCid.get(cid);
    },
  };
}
