// Many scalar multiples of one fixed generator (BN254 G1 or G2), on the curve code snarkjs itself runs
// (wasmcurves' bn128 WebAssembly, points in the Montgomery little-endian form of .ptau files).
//
// Why not G.batchApplyKey: it does one full double-and-add per point (~370 us for G1, ~1,400 us for G2 on one
// core here), which for the 1.6M G1 and 0.4M G2 points of a 2^17 file is ~17 min of CPU. With a table of
// d * 2^(w*j) * G for signed w-bit digits d, a multiple is one mixed addition per digit: 16 for w = 16
// (~20 us for G1, ~85 us for G2), and the table costs what 2^(w-1) points do.
import { buildBn128 } from "wasmcurves";
import { ModuleBuilder } from "wasmbuilder";

export type Group = "G1" | "G2";

interface Exports {
  [name: string]: (...args: number[]) => number;
}

interface GroupOps {
  /** bytes of an affine point (x, y) and of a Jacobian one */
  sA: number;
  sJ: number;
  gen: number;
  addMixed(acc: number, affine: number, out: number): void;
  subMixed(acc: number, affine: number, out: number): void;
  double(p: number, out: number): void;
  zero(p: number): void;
  toAffine(p: number, out: number): void;
  toJacobian(p: number, out: number): void;
  batchToAffine(p: number, n: number, out: number): void;
}

// The WebAssembly global, typed for the calls made here (the package's lib has no WebAssembly declarations).
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  compile(code: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: object): Promise<{ exports: unknown }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
// wasmcurves functions take their scratch space above the free pointer (u32 at address 0): keep room there.
const SCRATCH = 1 << 24;
// batchToAffine's scratch grows with n: convert in slices
const AFFINE_SLICE = 4096;

export class FixedBase {
  private readonly memory: WasmMemory;
  private u8: Uint8Array;
  private free: number;
  private readonly tables = new Map<string, { table: number; window: number }>();
  private readonly ops: Record<Group, GroupOps>;

  private constructor(memory: WasmMemory, ex: Exports, pG1gen: number, pG2gen: number) {
    this.memory = memory;
    this.u8 = new Uint8Array(memory.buffer);
    this.free = new Uint32Array(memory.buffer)[0]!;
    const ops = (prefix: string, n8: number, gen: number): GroupOps => {
      const f = (name: string) => ex[`${prefix}_${name}`]!;
      return {
        sA: 2 * n8,
        sJ: 3 * n8,
        gen,
        addMixed: f("addMixed"),
        subMixed: f("subMixed"),
        double: f("double"),
        zero: f("zero"),
        toAffine: f("toAffine"),
        toJacobian: f("toJacobian"),
        batchToAffine: f("batchToAffine"),
      };
    };
    this.ops = { G1: ops("g1m", 32, pG1gen), G2: ops("g2m", 64, pG2gen) };
  }

  static async create(): Promise<FixedBase> {
    const mb = new ModuleBuilder();
    mb.setMemory(25);
    buildBn128(mb);
    const memory = new wasm.Memory({ initial: 25 });
    const instance = await wasm.instantiate(await wasm.compile(mb.build()), { env: { memory } });
    return new FixedBase(
      memory,
      instance.exports as unknown as Exports,
      mb.modules.bn128.pG1gen,
      mb.modules.bn128.pG2gen,
    );
  }

  private alloc(bytes: number): number {
    this.free = (this.free + 7) & ~7;
    const p = this.free;
    this.free += bytes;
    const need = Math.ceil((this.free + SCRATCH) / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) {
      this.memory.grow(need);
      this.u8 = new Uint8Array(this.memory.buffer);
    }
    new Uint32Array(this.memory.buffer)[0] = this.free;
    return p;
  }

  private release(mark: number): void {
    this.free = mark;
    new Uint32Array(this.memory.buffer)[0] = mark;
  }

  private toAffineMany(G: GroupOps, jac: number, n: number, out: number): void {
    for (let i = 0; i < n; i += AFFINE_SLICE) {
      G.batchToAffine(jac + i * G.sJ, Math.min(AFFINE_SLICE, n - i), out + i * G.sA);
    }
  }

  /** Table j * 2^(w-1) + (d - 1) -> d * 2^(w*j) * G, d = 1..2^(w-1), for the ceil(256/w) windows. */
  private table(group: Group, window: number): number {
    const key = `${group}/${window}`;
    const known = this.tables.get(key);
    if (known) return known.table;
    const G = this.ops[group];
    const half = 2 ** (window - 1);
    const windows = Math.ceil(256 / window);
    const table = this.alloc(windows * half * G.sA);
    const mark = this.free;
    const jac = this.alloc(half * G.sJ);
    const base = this.alloc(G.sA);
    const twice = this.alloc(G.sJ);
    G.toAffine(G.gen, base);
    for (let j = 0; j < windows; j++) {
      G.toJacobian(base, jac);
      for (let k = 1; k < half; k++) G.addMixed(jac + (k - 1) * G.sJ, base, jac + k * G.sJ);
      this.toAffineMany(G, jac, half, table + j * half * G.sA);
      G.double(jac + (half - 1) * G.sJ, twice); // 2^w * base
      G.toAffine(twice, base);
    }
    this.release(mark);
    this.tables.set(key, { table, window });
    return table;
  }

  /**
   * scalars: n values of 32 bytes, little-endian, standard form, < r. Returns n affine points k_i * G in the
   * Montgomery little-endian form of .ptau files (64 bytes in G1, 128 in G2).
   */
  mulGenerator(group: Group, window: 8 | 16, scalars: Uint8Array): Uint8Array<ArrayBuffer> {
    const G = this.ops[group];
    const n = scalars.length / 32;
    const table = this.table(group, window);
    const half = 2 ** (window - 1);
    const full = 2 ** window;
    const windows = Math.ceil(256 / window);
    const bytesPerDigit = window / 8;
    const mark = this.free;
    const jac = this.alloc(n * G.sJ);
    const out = this.alloc(n * G.sA);
    for (let i = 0; i < n; i++) {
      const acc = jac + i * G.sJ;
      G.zero(acc);
      let carry = 0;
      const o = i * 32;
      for (let j = 0; j < windows; j++) {
        let d = carry + scalars[o + j * bytesPerDigit]!;
        if (bytesPerDigit === 2) d += scalars[o + j * 2 + 1]! << 8;
        // signed digit in (-2^(w-1), 2^(w-1)]: a top digit of a value < 2^254 never carries out
        if (d > half) {
          d -= full;
          carry = 1;
        } else carry = 0;
        if (d > 0) G.addMixed(acc, table + (j * half + d - 1) * G.sA, acc);
        else if (d < 0) G.subMixed(acc, table + (j * half - d - 1) * G.sA, acc);
      }
    }
    this.toAffineMany(G, jac, n, out);
    const result = this.u8.slice(out, out + n * G.sA);
    this.release(mark);
    return result;
  }
}
