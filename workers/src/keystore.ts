import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  randomUUID,
  scrypt as scryptCb,
  timingSafeEqual,
} from "node:crypto";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { bytesToHex, hexToBytes, keccak256, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";

/** scrypt work factors. Defaults are the Web3 Secret Storage ones (n = 2^18, about 0.5 s and 256 MiB). */
export type ScryptParams = { n: number; r: number; p: number };
export const defaultScrypt: ScryptParams = { n: 262_144, r: 8, p: 1 };

const hexString = z.string().regex(/^(0x)?[0-9a-fA-F]*$/, "expected hex");

/** A Web3 Secret Storage (v3) keystore with scrypt + aes-128-ctr + keccak-256 MAC. */
export const keystoreSchema = z.object({
  version: z.literal(3),
  id: z.string(),
  address: z.string().optional(),
  crypto: z.object({
    cipher: z.literal("aes-128-ctr"),
    cipherparams: z.object({ iv: hexString }),
    ciphertext: hexString,
    kdf: z.literal("scrypt"),
    kdfparams: z.object({
      dklen: z.literal(32),
      n: z.number().int().positive(),
      r: z.number().int().positive(),
      p: z.number().int().positive(),
      salt: hexString,
    }),
    mac: hexString,
  }),
});
export type Keystore = z.infer<typeof keystoreSchema>;

function strip(hex: string): string {
  return hex.startsWith("0x") ? hex.slice(2) : hex;
}

async function deriveKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  try {
    return await opensslScrypt(password, salt, params);
  } catch {
    // OpenSSL refuses n >= 2^(16 r) (RFC 7914's bound), which some wallets' keystores use (n = 2^18, r = 1);
    // the pure-JS scrypt accepts them.
    return Buffer.from(
      await scryptAsync(password.normalize("NFKC"), salt, { N: params.n, r: params.r, p: params.p, dkLen: 32 }),
    );
  }
}

function opensslScrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs about 128 * r * (n + p + 2) bytes, more than Node's 32 MiB default for n = 2^18.
    const maxmem = Math.max(32 * 1024 ** 2, 2 * 128 * params.r * (params.n + params.p + 2));
    scryptCb(password.normalize("NFKC"), salt, 32, { N: params.n, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function mac(derived: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(hexToBytes(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))));
}

/** Encrypts `privateKey` under `password` into a v3 keystore. */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  params: ScryptParams = defaultScrypt,
): Promise<Keystore> {
  const account = privateKeyToAccount(privateKey);
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = await deriveKey(password, salt, params);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(hexToBytes(privateKey))), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: account.address.slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams: { dklen: 32, n: params.n, r: params.r, p: params.p, salt: salt.toString("hex") },
      mac: mac(derived, ciphertext).toString("hex"),
    },
  };
}

/** Decrypts a v3 keystore; throws `wrong password` when the MAC does not match. */
export async function decryptKeystore(keystore: unknown, password: string): Promise<Hex> {
  const parsed = keystoreSchema.safeParse(keystore);
  if (!parsed.success) {
    throw new Error(
      `not a v3 scrypt/aes-128-ctr keystore: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const { crypto } = parsed.data;
  const { n, r, p, salt } = crypto.kdfparams;
  const derived = await deriveKey(password, Buffer.from(strip(salt), "hex"), { n, r, p });
  const ciphertext = Buffer.from(strip(crypto.ciphertext), "hex");
  const expected = Buffer.from(strip(crypto.mac), "hex");
  const actual = mac(derived, ciphertext);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    throw new Error("wrong password (keystore MAC mismatch)");
  const decipher = createDecipheriv(
    "aes-128-ctr",
    derived.subarray(0, 16),
    Buffer.from(strip(crypto.cipherparams.iv), "hex"),
  );
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return bytesToHex(key);
}

/** Decrypts a keystore into a viem account, checking the stored address when there is one. */
export async function accountFromKeystore(keystore: unknown, password: string): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(await decryptKeystore(keystore, password));
  const stored = keystoreSchema.parse(keystore).address;
  if (stored !== undefined && strip(stored).toLowerCase() !== account.address.slice(2).toLowerCase()) {
    throw new Error(`keystore address 0x${strip(stored)} does not match its key (${account.address})`);
  }
  return account;
}
