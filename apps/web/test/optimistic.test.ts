import { describe, expect, it } from "vitest";
import { keccak256, encodePacked, toHex } from "viem";
import { cidFromDigest, sha256 } from "@sovra/circuits/io/cid";
import { outputHashOf } from "@sovra/contracts";
import { decodeCidInputRef, inputHashOfCid } from "../../../workers/src/inputs/ref.ts";
import { canonicalBytes, inputCommitment } from "../../../workers/src/optimistic/canonical.ts";
import {
  bytesOfWords,
  canonicalResultBytes,
  decodeOptimisticOutput,
  describeAudit,
  describeIncentives,
  describeOptimisticOutput,
  describeOptimisticSpec,
  describeSegments,
  foldDisputes,
  optimisticInputOf,
  optimisticJobView,
  timelineBars,
  wordsOfBytes,
  type OptimisticJobFacts,
} from "../src/lib/optimistic";
import { describeOutput, outputInWords } from "../src/lib/models";
import { encodeInputRef, inputCommitmentOf, sniffOptimisticMedia } from "../src/lib/optimistic-input";

const PNG_HEAD = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe("inputs by content hash", () => {
  const bytes = new TextEncoder().encode("a page of text, as PNG bytes would be");
  const digest = sha256(bytes);
  it("the inputRef decodes with the provider node's decoder to the same CID, type and gateway", () => {
    const ref = encodeInputRef(digest, "image/png", ["http://127.0.0.1:9203"]);
    expect(decodeCidInputRef(ref)).toEqual({
      cid: cidFromDigest(digest),
      mediaType: "image/png",
      urls: ["http://127.0.0.1:9203"],
    });
    const wav = encodeInputRef(digest, "audio/wav", ["http://a.example", "https://b.example/gw"]);
    expect(decodeCidInputRef(wav).mediaType).toBe("audio/wav");
    expect(decodeCidInputRef(wav).urls).toEqual(["http://a.example", "https://b.example/gw"]);
  });
  it("the inputHash is the node's commitment: sha2-256 with the top 3 bits cleared", () => {
    expect(inputCommitmentOf(digest)).toBe(inputCommitment(bytes).field);
    expect(inputCommitmentOf(digest)).toBe(inputHashOfCid(cidFromDigest(digest)));
    const high = new Uint8Array(32).fill(0xff);
    expect(toHex(inputCommitmentOf(high), { size: 32 })).toBe(`0x1f${"ff".repeat(31)}`);
  });
  it("refuses references the node would refuse", () => {
    expect(() => encodeInputRef(digest, "image/png", [])).toThrow("1 to 4");
    expect(() => encodeInputRef(digest.subarray(1), "image/png", ["http://x"])).toThrow("32 bytes");
    expect(() => encodeInputRef(digest, "image/png", [`http://${"a".repeat(260)}`])).toThrow("1 to 255");
  });
  it("tells PNG and WAV from their first bytes", () => {
    expect(sniffOptimisticMedia(PNG_HEAD)).toBe("image/png");
    expect(sniffOptimisticMedia(new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt "))).toBe("audio/wav");
    expect(sniffOptimisticMedia(new TextEncoder().encode('{"input":[1,2]}'))).toBeUndefined();
  });
});

describe("committed outputs", () => {
  it("text round-trips through the commit's words: [byteLength, 32-byte words], at least two", () => {
    for (const text of ["", "Sovra", "x".repeat(32), "Hello, world.\nSecond line — ünïcode 文字"]) {
      const bytes = new TextEncoder().encode(text);
      const words = wordsOfBytes(bytes);
      expect(words[0]).toBe(BigInt(bytes.length));
      expect(words).toHaveLength(Math.max(2, 1 + Math.ceil(bytes.length / 32)));
      expect(decodeOptimisticOutput("text", words)).toEqual({ kind: "text", text });
    }
    expect(wordsOfBytes(new TextEncoder().encode("AB"))).toEqual([2n, BigInt(`0x4142${"00".repeat(30)}`)]);
    expect(() => wordsOfBytes(new Uint8Array(63 * 32 + 1))).toThrow("committed by its hash");
  });
  it("the words of the canonical OCR bytes hash as the commitment does (keccak of the packed words)", () => {
    const words = wordsOfBytes(canonicalBytes("ocr", { lines: ["Hello", "world  "] }));
    expect(new TextDecoder().decode(bytesOfWords(words))).toBe("Hello\nworld");
    expect(outputHashOf(words)).toBe(keccak256(encodePacked(["uint256[]"], [words])));
  });
  it("VAD segments read from the canonical JSON", () => {
    const words = wordsOfBytes(
      canonicalBytes("vad", {
        segments: [
          [504, 1203],
          [2000, 3104],
        ],
      }),
    );
    const decoded = decodeOptimisticOutput("segments", words);
    expect(decoded).toEqual({
      kind: "segments",
      segments: [
        [500, 1200],
        [2000, 3100],
      ],
    });
    expect(describeOptimisticOutput(decoded)).toBe("0.50 s – 1.20 s · 2.00 s – 3.10 s");
    expect(describeSegments([])).toBe("no speech");
  });
  it("a hash (large output) or malformed bytes are shown as committed words, never as text", () => {
    const hash = BigInt(keccak256(new TextEncoder().encode("big")));
    const decoded = decodeOptimisticOutput("text", [hash]);
    expect(decoded.kind).toBe("opaque");
    expect(describeOptimisticOutput(decoded)).toBe(`committed by hash ${toHex(hash, { size: 32 })}`);
    expect(decodeOptimisticOutput("segments", wordsOfBytes(new TextEncoder().encode("[[5,2]]"))).kind).toBe("opaque");
    // A length its words cannot hold.
    expect(decodeOptimisticOutput("text", [100n, 1n]).kind).toBe("opaque");
    expect(decodeOptimisticOutput("segments", wordsOfBytes(new TextEncoder().encode("speech"))).kind).toBe("opaque");
  });
  it("places segments on a timeline", () => {
    expect(
      timelineBars(
        [
          [0, 500],
          [1500, 2000],
        ],
        200,
      ),
    ).toEqual([
      { x: 0, width: 50 },
      { x: 150, width: 50 },
    ]);
    expect(timelineBars([[0, 500]], 100, 1000)).toEqual([{ x: 0, width: 50 }]);
  });
});

describe("a challenger's own result", () => {
  it("is put in the node's canonical form before hashing", () => {
    const typed = "Hello  \r\n\nworld\t";
    expect(canonicalResultBytes("text", typed)).toEqual(canonicalBytes("ocr", { lines: ["Hello  ", "", "world\t"] }));
    expect(canonicalResultBytes("segments", "[[504, 1203]]")).toEqual(
      canonicalBytes("vad", { segments: [[504, 1203]] }),
    );
    expect(() => canonicalResultBytes("segments", "[[3,1]]")).toThrow("start < end");
    expect(() => canonicalResultBytes("segments", "speech")).toThrow("JSON");
  });
});

describe("the model's input", () => {
  it("an io spec as deploy registers it, in words", () => {
    const spec = JSON.stringify({
      tier: "optimistic",
      input: { mediaType: "image/png", description: "8-bit PNG", maxBytes: 10 },
      canonicalOutput: { mediaType: "text/plain", format: "lines joined by \\n", rule: "exact byte equality" },
      runtime: { engine: "onnxruntime", version: "1.30.0", executionProviders: ["cpu"] },
    });
    expect(describeOptimisticSpec(spec)).toEqual({
      input: "8-bit PNG",
      output: "lines joined by \\n",
      rule: "exact byte equality",
      runtime: "onnxruntime 1.30.0",
    });
    expect(describeOptimisticSpec("{}")).toEqual({});
    expect(describeOptimisticSpec("nope")).toEqual({});
  });
  it("follows the io spec's media type, else the model's name", () => {
    expect(optimisticInputOf("reader", '{"input":{"mediaType":"image/png"}}')?.output).toBe("text");
    expect(optimisticInputOf("x", '{"input":{"mediaType":"audio/wav; rate=16000"}}')?.output).toBe("segments");
    expect(optimisticInputOf("ocr", "{}")?.mediaType).toBe("image/png");
    expect(optimisticInputOf("vad", "not json")?.mediaType).toBe("audio/wav");
    expect(optimisticInputOf("mlp", '{"input":{"shape":[784]}}')).toBeUndefined();
  });
});

describe("job view", () => {
  const facts = (over: Partial<OptimisticJobFacts>): OptimisticJobFacts => ({
    finalAt: 1_300,
    draw: { known: true, audited: false },
    auditState: 0,
    disputeState: 0,
    isFinal: false,
    outcome: undefined,
    now: 1_000,
    ...over,
  });
  it("committed -> window countdown -> final -> settled", () => {
    expect(optimisticJobView(facts({ finalAt: undefined }))).toMatchObject({ phase: "working" });
    expect(optimisticJobView(facts({}))).toEqual({
      phase: "window",
      audit: "unaudited",
      windowLeft: 300,
      canFinalize: false,
    });
    expect(optimisticJobView(facts({ now: 1_400, isFinal: true }))).toMatchObject({
      phase: "final",
      canFinalize: true,
      windowLeft: 0,
    });
    expect(optimisticJobView(facts({ now: 1_400, isFinal: true, outcome: "settled" }))).toMatchObject({
      phase: "settled",
      canFinalize: false,
    });
  });
  it("audited, disputed, overturned then refunded", () => {
    expect(optimisticJobView(facts({ draw: { known: false, audited: false } })).audit).toBe("pending");
    expect(optimisticJobView(facts({ draw: { known: true, audited: true } })).audit).toBe("audited");
    expect(optimisticJobView(facts({ auditState: 2 })).audit).toBe("audited");
    expect(optimisticJobView(facts({ auditState: 3 })).audit).toBe("agreed");
    expect(optimisticJobView(facts({ auditState: 5 })).audit).toBe("missed");
    expect(optimisticJobView(facts({ disputeState: 2 })).phase).toBe("disputed");
    // The window is over but the audit draw or the auditor's answer is still due: not final yet.
    expect(optimisticJobView(facts({ now: 2_000, auditState: 2 })).phase).toBe("auditing");
    expect(optimisticJobView(facts({ now: 2_000, draw: { known: false, audited: false } })).phase).toBe("auditing");
    expect(optimisticJobView(facts({ disputeState: 4 })).phase).toBe("overturned");
    expect(optimisticJobView(facts({ disputeState: 4, outcome: "expired" })).phase).toBe("refunded");
    expect(optimisticJobView(facts({ disputeState: 3, now: 2_000, isFinal: true }))).toMatchObject({
      phase: "final",
      canFinalize: true,
    });
    expect(describeAudit("missed")).toContain("did not answer");
  });
});

describe("incentive defaults", () => {
  it("prints p, S, p·S, the windows and the rule", () => {
    const money = {
      payment: (v: bigint) => `${Number(v) / 1e6} tUSD`,
      stake: (v: bigint) => `${Number(v / 10n ** 15n) / 1e3} SOV`,
    };
    const out = describeIncentives(
      {
        challengeWindow: 300,
        auditWindow: 60,
        revealWindow: 60,
        disputeTime: 300,
        auditBps: 1_000,
        committeeSize: 3,
        challengeBond: 1_000_000n,
        auditorReward: 10_000n,
        minAuditorBond: 100n * 10n ** 18n,
        auditorPenalty: 10n * 10n ** 18n,
      },
      10n * 10n ** 18n,
      money,
    );
    const row = (label: string) => out.rows.find((r) => r.label === label)?.value;
    expect(row("Audit probability p")).toBe("10%");
    expect(row("Collateral per job S")).toBe("10 SOV");
    expect(row("Deterrent p·S")).toBe("1 SOV");
    expect(row("Challenge window")).toBe("5m");
    expect(row("Challenge bond")).toBe("1 tUSD");
    expect(out.rule).toContain("p·S > C");
    expect(out.rule).toContain("1 SOV per job");
  });
});

describe("disputes from a settlement contract's events", () => {
  const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
  const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;
  it("folds opened, committee, votes and outcome per job; an auditor's dispute has no challenger", () => {
    const rows = foldDisputes(
      [
        { eventName: "ResultCommitted", args: { jobId: 1n }, transactionHash: tx(1) },
        {
          eventName: "DisputeOpened",
          args: { jobId: 1n, challenger: a(9), challengerOutputHash: tx(7), bond: 1_000_000n },
          transactionHash: tx(2),
        },
        {
          eventName: "DisputeOpened",
          args: { jobId: 2n, challenger: a(0), challengerOutputHash: tx(8), bond: 0n },
          transactionHash: tx(3),
        },
        { eventName: "CommitteeDrawn", args: { jobId: 1n, committee: [a(4), a(5), a(6)] }, transactionHash: tx(4) },
        { eventName: "VoteRevealed", args: { jobId: 1n, voter: a(4), agrees: false }, transactionHash: tx(5) },
        { eventName: "VoteRevealed", args: { jobId: 1n, voter: a(5), agrees: true }, transactionHash: tx(6) },
        { eventName: "VoteRevealed", args: { jobId: 3n, voter: a(5), agrees: true }, transactionHash: tx(6) },
        {
          eventName: "DisputeResolved",
          args: { jobId: 1n, overturned: false, votesUpheld: 1, votesOverturned: 1 },
          transactionHash: tx(9),
        },
      ],
      { name: "ocr", settlement: a(100) },
    );
    expect(rows).toHaveLength(2);
    const [first, second] = rows;
    expect(first).toMatchObject({
      jobId: 1n,
      model: "ocr",
      challenger: a(9),
      byAuditor: false,
      bond: 1_000_000n,
      openedTx: tx(2),
    });
    expect(first?.committee).toEqual([a(4), a(5), a(6)]);
    expect(first?.votes).toEqual([
      { voter: a(4), agrees: false },
      { voter: a(5), agrees: true },
    ]);
    expect(first?.resolved).toEqual({ overturned: false, votesUpheld: 1, votesOverturned: 1, txHash: tx(9) });
    expect(second).toMatchObject({ jobId: 2n, byAuditor: true, committee: [], votes: [] });
    expect(second?.resolved).toBeUndefined();
  });
});

describe("settled outputs elsewhere (My orders, the transaction page)", () => {
  it("read by the optimistic model's io spec; zk specs are untouched", () => {
    const spec = JSON.stringify({ tier: "optimistic", input: { mediaType: "image/png" } });
    const words = wordsOfBytes(new TextEncoder().encode("Hello"));
    expect(describeOutput(words, spec)).toBe("Hello");
    expect(outputInWords(words, spec)).toBe("Hello");
    const vad = JSON.stringify({ input: { mediaType: "audio/wav" } });
    expect(describeOutput(wordsOfBytes(new TextEncoder().encode("[[0,500]]")), vad)).toBe("0.00 s – 0.50 s");
    expect(describeOutput([7n], '{"input":"uint8[784]","output":"digit"}')).toBe("digit 7");
  });
});
