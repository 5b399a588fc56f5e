// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {OutputLanes} from "../libraries/OutputLanes.sol";

/// @title OutputLanesHarness
/// @notice TEST ONLY. Exposes the OutputLanes library's internal functions to the tests.
contract OutputLanesHarness {
    function lane(uint256[] calldata output, uint256 laneBits, uint256 i) external pure returns (int256) {
        return OutputLanes.lane(output, laneBits, i);
    }

    function argmax(uint256[] calldata output, uint256 laneBits, uint256 count) external pure returns (uint256, int256) {
        return OutputLanes.argmax(output, laneBits, count);
    }
}
