// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title OrderQueue
/// @notice Resting orders and the per-(market, side, tick) FIFO queues that hold them. Each tick's queue is
/// a doubly linked list threaded through the orders themselves, so appending, popping the head and removing
/// any order (cancel, stale sweep) are all O(1) and touch at most three orders.
/// @dev Order ids are `uint40` (10^12 orders) so that the links, the expiry and the amount share one slot.
library OrderQueue {
    /// @notice A resting order, in three storage slots (the third only for bids).
    struct Order {
        // slot 0
        address owner;
        uint32 marketId;
        uint16 tick;
        uint8 side; // ISpotMarket.Side
        uint32 remaining; // ask: capacity when it was enqueued (unfilled = remaining - filled); bid: 1
        // slot 1
        uint40 prev;
        uint40 next;
        uint32 expiry; // ask: expiresAt; bid: job deadline (both checked to fit 32 bits when placed)
        uint32 filled; // ask: units taken while resting (only the head of a level is ever filled); bid: 0
        bool callback; // bid: call the buyer back on settlement/expiry
        uint96 amount; // bid: escrowed payment; ask: the market's collateral version its reservation used
        // slot 2
        uint256 inputHash; // bid only
    }

    /// @notice One price level: its queue's ends and what the depth chart needs, in one slot.
    /// @dev `quantity` is the sum of the orders' `remaining` as enqueued: a partial fill (always of the head)
    /// writes only the head's `filled`, so the level's unfilled quantity is `quantity - orders[head].filled`.
    struct Level {
        uint40 head;
        uint40 tail;
        uint32 orders;
        uint64 quantity; // sum of `remaining` over the level's orders (the head's `filled` not subtracted)
    }

    /// @notice Appends order `id` (already written, links unset) at the back of `level`.
    function pushBack(Level storage level, mapping(uint256 => Order) storage orders, uint40 id, uint32 quantity)
        internal
    {
        Level memory lvl = level;
        if (lvl.tail == 0) {
            lvl.head = id;
        } else {
            orders[lvl.tail].next = id;
            orders[id].prev = lvl.tail;
        }
        lvl.tail = id;
        unchecked {
            lvl.orders += 1;
            lvl.quantity += quantity;
        }
        _store(level, lvl);
    }

    /// @notice Unlinks order `id` from `level`, whose quantity drops by `quantity` (the order's `remaining`).
    /// @return empty Whether the level has no order left.
    function remove(Level storage level, mapping(uint256 => Order) storage orders, uint40 id, uint32 quantity)
        internal
        returns (bool empty)
    {
        Order storage o = orders[id];
        uint40 prev = o.prev;
        uint40 next = o.next;
        Level memory lvl = level;
        if (prev == 0) lvl.head = next;
        else orders[prev].next = next;
        if (next == 0) lvl.tail = prev;
        else orders[next].prev = prev;
        unchecked {
            lvl.orders -= 1;
            lvl.quantity -= quantity;
        }
        _store(level, lvl);
        return lvl.orders == 0;
    }

    /// @dev Writes a level back with a single SSTORE, in Level's layout.
    function _store(Level storage level, Level memory lvl) private {
        uint256 word =
            uint256(lvl.head) | (uint256(lvl.tail) << 40) | (uint256(lvl.orders) << 80) | (uint256(lvl.quantity) << 112);
        assembly ("memory-safe") {
            sstore(level.slot, word)
        }
    }
}
