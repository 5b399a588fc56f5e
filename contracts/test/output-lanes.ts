// OutputLanes reads outputs packed as the circuits package packs them (`packOutput` in @sovra/circuits/io/pack).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { packOutput } from "@sovra/circuits/io/pack";

describe("OutputLanes", async () => {
  const { viem } = await network.create();
  const lanes = await viem.deployContract("OutputLanesHarness");

  it("reads every signed value the circuits package packed, across field elements", async () => {
    const values = [-287_001, 328_466, 0, -1, 1, 524_287, -524_288, 17, 42, -42, 7, 9, 11, -13];
    const packed = packOutput(values, 20);
    assert.equal(packed.length, 2); // 12 lanes of 20 bits per element
    for (const [i, v] of values.entries()) assert.equal(await lanes.read.lane([packed, 20n, BigInt(i)]), BigInt(v));
    assert.deepEqual(await lanes.read.argmax([packed, 20n, BigInt(values.length)]), [5n, 524_287n]);
  });

  it("refuses lanes past the output and lane widths outside 2..126 bits", async () => {
    const packed = packOutput([1, 2, 3], 20);
    await viem.assertions.revertWithCustomErrorWithArgs(lanes.read.lane([packed, 20n, 12n]), lanes, "OutputTooShort", [
      1n,
      13n,
    ]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      lanes.read.argmax([packed, 20n, 13n]),
      lanes,
      "OutputTooShort",
      [1n, 13n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(lanes.read.argmax([packed, 20n, 0n]), lanes, "OutputTooShort", [
      1n,
      0n,
    ]);
    for (const bits of [1n, 127n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        lanes.read.lane([packed, bits, 0n]),
        lanes,
        "InvalidLaneBits",
        [bits],
      );
    }
  });
});
