/** A model the compiler refuses. `node` names the ONNX node at fault when there is one. */
export class ModelCompileError extends Error {
  readonly node: string | undefined;
  constructor(message: string, node?: string) {
    super(node === undefined ? message : `ONNX node '${node}': ${message}`);
    this.name = 'ModelCompileError';
    this.node = node;
  }
}
