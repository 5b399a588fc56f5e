// IntModel -> Circom source. The weights are constants: a linear layer is a loop that builds linear
// expressions in `var`s (no constraint); constraints come only from the input range checks, the Poseidon
// input hash, the fused requant/ReLU/clamp, and one packing constraint per public output element.
import { analyze } from "./bounds.ts";
import { inputQuantOf, type IntModel, size } from "./ir.ts";
import { poolWindows } from "./reference.ts";
import { BYTES_PER_FIELD, CHUNK } from "../io/hash.ts";
import { bytesPerValue } from "../io/input.ts";
import { lanesPerField } from "../io/pack.ts";

export const CIRCOM_LIBRARY = `
// out = clamp(floor((in + R) / 2^K), 0, 2^H - 1) with R = 2^(K-1) (0 when K = 0); |in + R| < 2^(N-1).
// One bit decomposition gives the sign (top bit: the ReLU), the shifted value (bits K..N-2) and, when the
// value can exceed 2^H - 1, the high bits tested by one IsZero for the clamp.
template RequantRelu(N, K) {
    signal input in;
    signal output out;
    signal bits[N];
    var OFF = (K > 0 ? 1 << (K - 1) : 0) + (1 << (N - 1));
    var lc = 0;
    for (var i = 0; i < N; i++) {
        bits[i] <-- ((in + OFF) >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        lc += bits[i] * (1 << i);
    }
    lc === in + OFF;
    var q = 0;
    for (var i = K; i < N - 1; i++) q += bits[i] * (1 << (i - K));
    out <== bits[N - 1] * q;
}

template RequantReluClamp(N, K, H) {
    signal input in;
    signal output out;
    signal bits[N];
    signal inv;
    signal z;
    signal t;
    var OFF = (K > 0 ? 1 << (K - 1) : 0) + (1 << (N - 1));
    var lc = 0;
    for (var i = 0; i < N; i++) {
        bits[i] <-- ((in + OFF) >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        lc += bits[i] * (1 << i);
    }
    lc === in + OFF;
    var lo = 0;
    for (var i = K; i < K + H; i++) lo += bits[i] * (1 << (i - K));
    var hi = 0;
    for (var i = K + H; i < N - 1; i++) hi += bits[i];
    inv <-- hi != 0 ? 1 / hi : 0;
    z <== 1 - hi * inv;
    hi * z === 0;
    t <== z * (lo - ((1 << H) - 1));
    out <== bits[N - 1] * (t + (1 << H) - 1);
}

// Range check of one input value: B bits.
template InputBits(B) {
    signal input in;
    signal bits[B];
    var lc = 0;
    for (var i = 0; i < B; i++) {
        bits[i] <-- (in >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        lc += bits[i] * (1 << i);
    }
    lc === in;
}
`;

// Used only by inputs other than uint8 (kept out of CIRCOM_LIBRARY so that the MNIST circuits stay byte for byte).
export const CIRCOM_INPUT_BYTES = `
// Range check and bytes of one input value: B bits, NB little-endian bytes, two's complement when S = 1.
// A signed value is decomposed as in + 2^(B-1): the same bits with the top one flipped are its two's complement,
// and the flipped top bit, repeated, extends the sign to the rest of the NB bytes. The bytes are linear in the
// bits: they cost no constraint beyond the B of the decomposition.
template InputBytes(B, NB, S) {
    signal input in;
    signal output bytes[NB];
    signal bits[B];
    var OFF = S == 1 ? 1 << (B - 1) : 0;
    var lc = 0;
    for (var i = 0; i < B; i++) {
        bits[i] <-- ((in + OFF) >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        lc += bits[i] * (1 << i);
    }
    lc === in + OFF;
    for (var k = 0; k < NB; k++) {
        var v = 0;
        for (var i = 0; i < 8; i++) {
            var j = 8 * k + i;
            if (j < B - 1 || (j == B - 1 && S == 0)) {
                v += bits[j] * (1 << i);
            } else if (S == 1) {
                v += (1 - bits[B - 1]) * (1 << i);
            }
        }
        bytes[k] <== v;
    }
}
`;

// Used only by models with a MaxPool (kept out of CIRCOM_LIBRARY so that the MNIST circuits stay byte for byte).
export const CIRCOM_MAX = `
// out = max(in[0..KK-1]). A running max m: for each next value x, x - m + 2^(N-1) is decomposed into N bits (the
// caller proves |x - m| < 2^(N-1)); the top bit says x >= m, and one product selects the larger. N + 1 constraints
// per comparison, KK - 1 comparisons.
template MaxOf(KK, N) {
    signal input in[KK];
    signal output out;
    signal m[KK];
    signal bits[KK][N];
    m[0] <== in[0];
    for (var j = 1; j < KK; j++) {
        var lc = 0;
        for (var i = 0; i < N; i++) {
            bits[j][i] <-- ((in[j] - m[j - 1] + (1 << (N - 1))) >> i) & 1;
            bits[j][i] * (bits[j][i] - 1) === 0;
            lc += bits[j][i] * (1 << i);
        }
        lc === in[j] - m[j - 1] + (1 << (N - 1));
        m[j] <== m[j - 1] + bits[j][N - 1] * (in[j] - m[j - 1]);
    }
    out <== m[KK - 1];
}
`;

/** Where linear layers move to templates of their own (see SPLIT_TERMS); tests lower them to split tiny models. */
export interface SplitOptions {
  splitTerms?: number;
  partTerms?: number;
}

/** Circom source of the model's circuit. Deterministic: the same model gives the same text. */
export function emitCircom(model: IntModel, o: SplitOptions = {}): string {
  const splitTerms = o.splitTerms ?? SPLIT_TERMS;
  const partTerms = o.partTerms ?? PART_TERMS;
  const a = analyze(model);
  const q = inputQuantOf(model);
  // uint8 input (the MNIST models): one byte per value, the original emission.
  const uint8 = q.bits === 8 && !q.signed;
  const NB = bytesPerValue(q);
  const nIn = model.input.shape.reduce((x, y) => x * y, 1);
  const nBytes = nIn * NB;
  const nOut = model.output.shape.reduce((x, y) => x * y, 1);
  const B = a.laneBits;
  const L = lanesPerField(B);
  const F = Math.ceil(nOut / L);
  const nElems = Math.ceil(nBytes / BYTES_PER_FIELD);

  const out: string[] = [];
  out.push(`// Generated by @sovra/circuits from the integer model '${model.name}'. Do not edit.`);
  out.push(`// Public signals: out[0..${F - 1}] (outputs packed in ${B}-bit lanes, ${L} per element), inputHash.`);
  out.push("pragma circom 2.1.0;");
  out.push('include "circomlib/circuits/poseidon.circom";');
  out.push(CIRCOM_LIBRARY);
  if (!uint8) out.push(CIRCOM_INPUT_BYTES);
  if (model.layers.some((l) => l.op === "maxpool")) out.push(CIRCOM_MAX);
  out.push("template Model() {");
  out.push(`    signal input in[${nIn}];`);
  out.push(`    signal output out[${F}];`);
  out.push("    signal output inputHash;");
  out.push("");
  if (uint8) {
    out.push("    // input: range checks, then the Poseidon chain over bytes packed 31 per field element");
    out.push(`    component rc[${nIn}];`);
    out.push(`    var a0[${nIn}];`);
    out.push(`    for (var i = 0; i < ${nIn}; i++) { rc[i] = InputBits(8); rc[i].in <== in[i]; a0[i] = in[i]; }`);
  } else {
    const zp = q.zeroPoint;
    const centered = zp === 0 ? "in[i]" : `in[i] - (${zp})`;
    out.push(
      `    // input: ${q.signed ? "int" : "uint"}${q.bits} values (zero point ${zp}), each range-checked by a ${q.bits}-bit decomposition`,
    );
    out.push(
      `    // that gives its ${NB} byte${NB > 1 ? "s" : ""} (little-endian${q.signed ? ", two's complement" : ""}); then the Poseidon chain over the bytes packed 31 per field element`,
    );
    out.push(`    component rc[${nIn}];`);
    out.push(`    var a0[${nIn}];`);
    out.push(`    var by[${nBytes}];`);
    out.push(`    for (var i = 0; i < ${nIn}; i++) {`);
    out.push(`        rc[i] = InputBytes(${q.bits}, ${NB}, ${q.signed ? 1 : 0});`);
    out.push("        rc[i].in <== in[i];");
    out.push(`        a0[i] = ${centered};`);
    out.push(`        for (var k = 0; k < ${NB}; k++) { by[i * ${NB} + k] = rc[i].bytes[k]; }`);
    out.push("    }");
  }
  const byteAt = uint8 ? "in" : "by";
  out.push(`    var e[${nElems}];`);
  out.push(`    for (var j = 0; j < ${nElems}; j++) {`);
  out.push("        e[j] = 0;");
  out.push(
    `        for (var i = 0; i < ${BYTES_PER_FIELD}; i++) { if (j * ${BYTES_PER_FIELD} + i < ${nBytes}) { e[j] += ${byteAt}[j * ${BYTES_PER_FIELD} + i] * (1 << (8 * i)); } }`,
  );
  out.push("    }");
  const nChunks = Math.ceil(nElems / CHUNK);
  out.push(`    component h[${nChunks}];`);
  for (let c = 0; c < nChunks; c++) {
    const len = Math.min(CHUNK, nElems - c * CHUNK);
    out.push(`    h[${c}] = Poseidon(${len + 1});`);
    out.push(`    h[${c}].inputs[0] <== ${c === 0 ? String(nBytes) : `h[${c - 1}].out`};`);
    out.push(`    for (var i = 0; i < ${len}; i++) { h[${c}].inputs[i + 1] <== e[${c * CHUNK} + i]; }`);
  }
  out.push(`    inputHash <== h[${nChunks - 1}].out;`);
  out.push("");

  // Linear layers are unrolled with literal indices and weights: the witness generator then runs straight-line
  // field arithmetic (loops would compute every array index in the field, several times slower), and zero
  // weights vanish from the source.
  let cur = "a0";
  let curN = nIn;
  const sumLines = (target: string, src: string, bias: number, terms: Array<[number, number]>): string[] => {
    const lines = [`    ${target} = ${bias};`];
    for (let k = 0; k < terms.length; k += 16) {
      const part = terms
        .slice(k, k + 16)
        .map(([w, i]) => (w === 1 ? `${src}[${i}]` : `${w} * ${src}[${i}]`))
        .join(" + ");
      lines.push(`    ${target} += ${part};`);
    }
    return lines;
  };
  const sum = (target: string, bias: number, terms: Array<[number, number]>): void => {
    out.push(...sumLines(target, cur, bias, terms));
  };
  // Above SPLIT_TERMS non-zero terms in all, one template would compile to a witness-generator function larger
  // than V8 accepts (7,654,321 bytes of wasm, ~43 bytes a term): each linear layer's outputs then go to
  // templates of their own, at most PART_TERMS terms each (a single output may exceed it). Smaller models keep the one-template form, so their
  // circuits (and the MNIST ones' hashes) do not change.
  const split = linearTerms(model) > splitTerms;
  const parts: string[] = [];
  const linear = (v: string, idx: number, n: number, outputs: (o: number) => [number, Array<[number, number]>]) => {
    out.push(`    var ${v}[${n}];`);
    if (!split) {
      for (let o = 0; o < n; o++) {
        const [bias, terms] = outputs(o);
        sum(`${v}[${o}]`, bias, terms);
      }
      return;
    }
    let first = 0;
    let body: string[] = [];
    let count = 0;
    const flush = (end: number) => {
      const name = `Layer${idx}Part${parts.length}`;
      parts.push(
        [
          `template ${name}() {`,
          `    signal input in[${curN}];`,
          `    signal output out[${end - first}];`,
          "    var s;",
          ...body,
          "}",
          "",
        ].join("\n"),
      );
      const c = `p${idx}_${first}`;
      out.push(`    component ${c} = ${name}();`);
      out.push(`    for (var i = 0; i < ${curN}; i++) { ${c}.in[i] <== ${cur}[i]; }`);
      out.push(`    for (var i = 0; i < ${end - first}; i++) { ${v}[${first} + i] = ${c}.out[i]; }`);
      first = end;
      body = [];
      count = 0;
    };
    for (let o = 0; o < n; o++) {
      const [bias, terms] = outputs(o);
      if (count > 0 && count + terms.length > partTerms) flush(o);
      body.push(...sumLines("s", "in", bias, terms), `    out[${o - first}] <== s;`);
      count += terms.length;
    }
    flush(n);
  };
  model.layers.forEach((l, idx) => {
    const v = `a${idx + 1}`;
    out.push(`    // layer ${idx}: ${l.op} (ONNX node '${l.node.replace(/[^\w.\-/:]/g, "_")}')`);
    switch (l.op) {
      case "dense":
        linear(v, idx, l.outSize, (o) => [l.b[o]!, denseTerms(l, o)]);
        curN = l.outSize;
        break;
      case "conv": {
        const [co, oh, ow] = l.outShape;
        linear(v, idx, co * oh * ow, (o) => [l.b[Math.floor(o / (oh * ow))]!, convTerms(l, o)]);
        curN = co * oh * ow;
        break;
      }
      case "sumpool": {
        const [c, h, w] = l.inShape;
        const [, oh, ow] = l.outShape;
        out.push(`    var ${v}[${c * oh * ow}];`);
        for (let ch = 0; ch < c; ch++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++) {
              const terms: Array<[number, number]> = [];
              for (let ky = 0; ky < l.kernel[0]; ky++)
                for (let kx = 0; kx < l.kernel[1]; kx++)
                  terms.push([1, (ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx]);
              sum(`${v}[${(ch * oh + oy) * ow + ox}]`, 0, terms);
            }
        curN = c * oh * ow;
        break;
      }
      case "add": {
        // linear in the two tensors: no constraint
        const skip = `a${l.from + 1}`;
        out.push(`    var ${v}[${curN}];`);
        out.push(
          `    for (var i = 0; i < ${curN}; i++) { ${v}[i] = ${cur}[i] * ${2 ** l.mainShift} + ${skip}[i] * ${2 ** l.skipShift}; }`,
        );
        break;
      }
      case "maxpool": {
        const nb = a.maxpool.get(idx)!;
        const kk = l.kernel[0] * l.kernel[1];
        const n = size(l.outShape);
        out.push(`    component mp${idx}[${n}];`);
        out.push(`    var ${v}[${n}];`);
        poolWindows(l, (o, window) => {
          const ins = window.map((i, j) => `mp${idx}[${o}].in[${j}] <== ${cur}[${i}];`).join(" ");
          out.push(`    mp${idx}[${o}] = MaxOf(${kk}, ${nb}); ${ins} ${v}[${o}] = mp${idx}[${o}].out;`);
        });
        curN = n;
        break;
      }
      case "flatten":
        out.push(`    var ${v}[${curN}];`);
        out.push(`    for (var i = 0; i < ${curN}; i++) { ${v}[i] = ${cur}[i]; }`);
        break;
      case "requant": {
        const rb = a.requant.get(idx)!;
        const tmpl = rb.clamp
          ? `RequantReluClamp(${rb.n}, ${l.shift}, ${Math.log2(l.hi + 1)})`
          : `RequantRelu(${rb.n}, ${l.shift})`;
        out.push(`    component r${idx}[${curN}];`);
        out.push(`    var ${v}[${curN}];`);
        out.push(
          `    for (var i = 0; i < ${curN}; i++) { r${idx}[i] = ${tmpl}; r${idx}[i].in <== ${cur}[i]; ${v}[i] = r${idx}[i].out; }`,
        );
        break;
      }
    }
    cur = v;
    out.push("");
  });
  if (curN !== nOut) throw new Error(`output size ${curN} != ${nOut}`);
  out.push(`    // output: v + 2^${B - 1} in ${B}-bit lanes, ${L} lanes per field element, lane 0 least significant`);
  for (let f = 0; f < F; f++) {
    const lanes = Math.min(L, nOut - f * L);
    out.push("    {");
    out.push("        var p = 0;");
    out.push(
      `        for (var l = 0; l < ${lanes}; l++) { p += (${cur}[${f * L} + l] + (1 << ${B - 1})) * (1 << (${B} * l)); }`,
    );
    out.push(`        out[${f}] <== p;`);
    out.push("    }");
  }
  out.push("}");
  out.push("");
  if (parts.length > 0) out.splice(out.indexOf("template Model() {"), 0, ...parts);
  out.push("component main = Model();");
  out.push("");
  return out.join("\n");
}

/** Above this many non-zero weights in all, linear layers are emitted in templates of their own. */
export const SPLIT_TERMS = 150_000;
/** Non-zero weights per linear-layer template when split: ~2 MB of witness-generator code each. */
export const PART_TERMS = 50_000;

type DenseLayer = Extract<IntModel["layers"][number], { op: "dense" }>;
type ConvLayer = Extract<IntModel["layers"][number], { op: "conv" }>;

/** (weight, input index) of output `o`'s non-zero terms. */
function denseTerms(l: DenseLayer, o: number): Array<[number, number]> {
  const terms: Array<[number, number]> = [];
  for (let i = 0; i < l.inSize; i++) {
    const w = l.w[o * l.inSize + i]!;
    if (w !== 0) terms.push([w, i]);
  }
  return terms;
}

/** (weight, input index) of output `o`'s non-zero terms; `o` indexes the output channel-major. */
function convTerms(l: ConvLayer, o: number): Array<[number, number]> {
  const [ci, h, w] = l.inShape;
  const [, oh, ow] = l.outShape;
  const [kh, kw] = l.kernel;
  const m = Math.floor(o / (oh * ow));
  const oy = Math.floor(o / ow) % oh;
  const ox = o % ow;
  const terms: Array<[number, number]> = [];
  for (let c = 0; c < ci; c++)
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * l.stride[0] + ky - l.pads[0];
      if (iy < 0 || iy >= h) continue;
      for (let kx = 0; kx < kw; kx++) {
        const ix = ox * l.stride[1] + kx - l.pads[1];
        if (ix < 0 || ix >= w) continue;
        const wt = l.w[((m * ci + c) * kh + ky) * kw + kx]!;
        if (wt !== 0) terms.push([wt, (c * h + iy) * w + ix]);
      }
    }
  return terms;
}

/** Non-zero weights of all the model's dense and conv layers. */
export function linearTerms(model: IntModel): number {
  let n = 0;
  for (const l of model.layers) {
    if (l.op === "dense") for (let o = 0; o < l.outSize; o++) n += denseTerms(l, o).length;
    if (l.op === "conv") for (let o = 0; o < size(l.outShape); o++) n += convTerms(l, o).length;
  }
  return n;
}
