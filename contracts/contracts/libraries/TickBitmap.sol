// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title TickBitmap
/// @notice A two-level bitmap over the 65,536 `uint16` price ticks: 256 words of 256 bits, plus one summary
/// word whose bit `w` says "word `w` is non-zero". Finding the lowest or highest set tick reads exactly two
/// words whatever the number of set ticks, which is what keeps order matching independent of book depth.
library TickBitmap {
    struct Bitmap {
        uint256 summary;
        mapping(uint256 wordIndex => uint256) words;
    }

    /// @notice Marks `tick` as non-empty.
    function set(Bitmap storage self, uint16 tick) internal {
        uint256 w = tick >> 8;
        uint256 word = self.words[w];
        if (word == 0) self.summary |= (1 << w);
        self.words[w] = word | (1 << (tick & 0xff));
    }

    /// @notice Marks `tick` as empty.
    function clear(Bitmap storage self, uint16 tick) internal {
        uint256 w = tick >> 8;
        uint256 word = self.words[w] & ~(1 << (tick & 0xff));
        self.words[w] = word;
        if (word == 0) self.summary &= ~(1 << w);
    }

    /// @notice Whether `tick` is marked non-empty.
    function isSet(Bitmap storage self, uint16 tick) internal view returns (bool) {
        return (self.words[tick >> 8] >> (tick & 0xff)) & 1 == 1;
    }

    /// @notice The lowest non-empty tick (the best ask), if any.
    function lowest(Bitmap storage self) internal view returns (bool exists, uint16 tick) {
        uint256 summary = self.summary;
        if (summary == 0) return (false, 0);
        uint256 w = _lsb(summary);
        uint256 b = _lsb(self.words[w]);
        return (true, uint16((w << 8) | b));
    }

    /// @notice The highest non-empty tick (the best bid), if any.
    function highest(Bitmap storage self) internal view returns (bool exists, uint16 tick) {
        uint256 summary = self.summary;
        if (summary == 0) return (false, 0);
        uint256 w = Math.log2(summary);
        uint256 b = Math.log2(self.words[w]);
        return (true, uint16((w << 8) | b));
    }

    /// @notice The lowest non-empty tick at or above `tick` (walks the book upwards for depth views).
    function nextAtOrAbove(Bitmap storage self, uint16 tick) internal view returns (bool exists, uint16 next) {
        uint256 w = tick >> 8;
        uint256 bit = tick & 0xff;
        uint256 word = (self.words[w] >> bit) << bit;
        if (word != 0) return (true, uint16((w << 8) | _lsb(word)));
        if (w == 255) return (false, 0);
        uint256 summary = (self.summary >> (w + 1)) << (w + 1);
        if (summary == 0) return (false, 0);
        w = _lsb(summary);
        return (true, uint16((w << 8) | _lsb(self.words[w])));
    }

    /// @notice The highest non-empty tick at or below `tick` (walks the book downwards for depth views).
    function nextAtOrBelow(Bitmap storage self, uint16 tick) internal view returns (bool exists, uint16 next) {
        uint256 w = tick >> 8;
        uint256 bit = tick & 0xff;
        uint256 word = self.words[w] & (type(uint256).max >> (255 - bit));
        if (word != 0) return (true, uint16((w << 8) | Math.log2(word)));
        if (w == 0) return (false, 0);
        uint256 summary = self.summary & ((1 << w) - 1);
        if (summary == 0) return (false, 0);
        w = Math.log2(summary);
        return (true, uint16((w << 8) | Math.log2(self.words[w])));
    }

    /// @dev Index of the least significant set bit of a non-zero `x`: isolate it (x & -x), then take its log2.
    function _lsb(uint256 x) private pure returns (uint256) {
        unchecked {
            return Math.log2(x & (~x + 1));
        }
    }
}
