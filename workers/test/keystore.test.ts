import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { accountFromKeystore, decryptKeystore, encryptKeystore } from "../src/keystore.ts";

const fast = { n: 1024, r: 8, p: 1 };

describe("v3 keystore", () => {
  it("round-trips a key and rejects a wrong password", async () => {
    const key = generatePrivateKey();
    const keystore = await encryptKeystore(key, "correct horse", fast);
    expect(keystore.address).toBe(privateKeyToAccount(key).address.slice(2).toLowerCase());
    expect(await decryptKeystore(JSON.parse(JSON.stringify(keystore)), "correct horse")).toBe(key);
    await expect(decryptKeystore(keystore, "wrong")).rejects.toThrow(/wrong password/);
    expect((await accountFromKeystore(keystore, "correct horse")).address).toBe(privateKeyToAccount(key).address);
  });

  it("decrypts the Web3 Secret Storage scrypt test vector", async () => {
    const vector = {
      crypto: {
        cipher: "aes-128-ctr",
        cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
        ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
        kdf: "scrypt",
        kdfparams: {
          dklen: 32,
          n: 262144,
          p: 8,
          r: 1,
          salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
        },
        mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
      },
      id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
      version: 3,
    };
    expect(await decryptKeystore(vector, "testpassword")).toBe(
      "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    );
  });

  it("says what is wrong with a file that is not a keystore", async () => {
    await expect(decryptKeystore({ version: 3, id: "x", crypto: { kdf: "pbkdf2" } }, "pw")).rejects.toThrow(
      /not a v3 scrypt/,
    );
  });
});
