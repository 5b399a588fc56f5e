/** A model the compiler refuses. `node` names the ONNX node at fault when there is one. */
export class ModelCompileError extends Error {
  readonly node: string | undefined;
  constructor(message: string, node?: string) {
    super(node === undefined ? message : `ONNX node '${node}': ${message}`);
    this.name = "ModelCompileError";
    this.node = node;
  }
}

/** A value the float32 ONNX graph could not hold exactly (>= 2^24): a narrower input may cure it. */
export class BoundError extends ModelCompileError {
  constructor(message: string, node?: string) {
    super(message, node);
    this.name = "BoundError";
  }
}

/** Calibration, evaluation or input data the compiler or the prover refuses (wrong shape, not finite, ...). */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}
