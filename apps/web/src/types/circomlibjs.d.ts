// Minimal typings for the one circomlibjs call the dApp makes (Poseidon, for the input hash).
declare module "circomlibjs" {
  interface PoseidonField {
    toObject(x: Uint8Array): bigint;
  }
  interface Poseidon {
    (inputs: Array<bigint | number>): Uint8Array;
    F: PoseidonField;
  }
  export function buildPoseidon(): Promise<Poseidon>;
}
