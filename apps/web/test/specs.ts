// io specs as the registry stores them (`JSON.stringify({ ...manifest.io, accuracy })`), from manifests that
// `sovra-model compile` wrote: the MNIST MLP, the synthetic tabular example (int9: signed, two bytes a value),
// and a regressor.
export const mnistIo = {
  input: {
    shape: [784],
    dtype: "uint8",
    bits: 8,
    signed: false,
    scale: 0.00392156862745098,
    zeroPoint: 0,
    image: { height: 28, width: 28, channels: 1 },
    hash: "poseidon(n_bytes, 31-byte LE field elements, chunks of 15)",
  },
  output: {
    shape: [10],
    count: 10,
    scale: 0.0005491646376346391,
    min: -287001,
    max: 328466,
    laneBits: 20,
    lanesPerField: 12,
    packedLength: 1,
    task: "classify",
    labels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  },
  accuracy: 0.942,
};

export const tabularIo = {
  input: {
    shape: [4],
    dtype: "int16",
    bits: 9,
    signed: true,
    scale: 0.012156166272200356,
    zeroPoint: -9,
    features: ["length_cm", "weight_kg", "ratio", "price_usd"],
    hash: "poseidon(n_bytes, 31-byte LE field elements, chunks of 15)",
  },
  output: {
    shape: [3],
    count: 3,
    scale: 0.0008629246033260609,
    min: -38560,
    max: 53123,
    laneBits: 17,
    lanesPerField: 14,
    packedLength: 1,
    softmax: true,
    task: "classify",
    labels: ["Adelie", "Chinstrap", "Gentoo"],
  },
  accuracy: 0.9266666666666666,
};

export const regressorIo = {
  input: {
    shape: [3],
    dtype: "int16",
    bits: 12,
    signed: true,
    scale: 0.01,
    zeroPoint: 0,
    features: ["cylinders", "horsepower", "weight"],
    hash: "poseidon(n_bytes, 31-byte LE field elements, chunks of 15)",
  },
  output: {
    shape: [1],
    count: 1,
    scale: 0.01,
    min: -5000,
    max: 5000,
    laneBits: 16,
    lanesPerField: 15,
    packedLength: 1,
    task: "regress",
    labels: ["miles per gallon"],
  },
  meanAbsError: 2.345,
};

export const text = (io: unknown): string => JSON.stringify(io);
