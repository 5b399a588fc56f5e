// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title OutputLanes
/// @notice Reads the packed output a Sovra verifier checks (what `JobSettled.output` and
/// `IInferenceConsumer.onInferenceResult` carry). A model's io spec gives the lane width `B` (`lanes:B`, for
/// instance `lanes:16` for the MNIST models): each output value `v` is stored as `v + 2^(B-1)` in a `B`-bit lane,
/// lane 0 least significant, `floor(253 / B)` lanes per field element, elements in order. The circuits package
/// packs with the same rule (the `io/pack` module of the circuits package).
library OutputLanes {
    /// @notice The output is shorter than the lanes asked for.
    error OutputTooShort(uint256 elements, uint256 lanes);
    /// @notice A lane width outside 2..126 bits.
    error InvalidLaneBits(uint256 laneBits);

    /// @notice Value `i` (signed) of `output`, packed in `laneBits`-bit lanes.
    function lane(uint256[] calldata output, uint256 laneBits, uint256 i) internal pure returns (int256) {
        uint256 perElement = _perElement(laneBits);
        if (i / perElement >= output.length) revert OutputTooShort(output.length, i + 1);
        uint256 raw = (output[i / perElement] >> ((i % perElement) * laneBits)) & ((uint256(1) << laneBits) - 1);
        return int256(raw) - int256(uint256(1) << (laneBits - 1));
    }

    /// @notice The index of the largest of the first `count` values and that value (first index on ties): the
    /// predicted class of a classifier whose outputs are its logits.
    function argmax(uint256[] calldata output, uint256 laneBits, uint256 count)
        internal
        pure
        returns (uint256 index, int256 best)
    {
        uint256 perElement = _perElement(laneBits);
        if (count == 0 || output.length * perElement < count) revert OutputTooShort(output.length, count);
        uint256 mask = (uint256(1) << laneBits) - 1;
        int256 offset = int256(uint256(1) << (laneBits - 1));
        best = type(int256).min;
        for (uint256 i; i < count; ++i) {
            int256 v = int256((output[i / perElement] >> ((i % perElement) * laneBits)) & mask) - offset;
            if (v > best) {
                best = v;
                index = i;
            }
        }
    }

    function _perElement(uint256 laneBits) private pure returns (uint256) {
        if (laneBits < 2 || laneBits > 126) revert InvalidLaneBits(laneBits);
        return 253 / laneBits;
    }
}
