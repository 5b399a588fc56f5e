// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {ISpotMarket} from "../interfaces/ISpotMarket.sol";
import {OutputLanes} from "../libraries/OutputLanes.sol";

/// @title QuickstartConsumer
/// @notice The smallest contract that buys a verified classification from Sovra (shown whole in the README).
contract QuickstartConsumer is IInferenceConsumer {
    using SafeERC20 for IERC20;

    /// @notice The Sovra spot market.
    ISpotMarket public immutable market;
    /// @notice The classifier's market (model + policy class).
    uint32 public immutable marketId;
    /// @notice Bits per packed output lane, from the model's io spec (`laneBits`).
    uint8 public immutable laneBits;
    /// @notice Predicted class + 1 per job; 0 while unknown, -1 when the job ended without a result.
    mapping(uint256 jobId => int256) public predicted;

    error OnlyMarket();

    constructor(ISpotMarket market_, uint32 marketId_, uint8 laneBits_) {
        (market, marketId, laneBits) = (market_, marketId_, laneBits_);
        market_.paymentToken().forceApprove(address(market_), type(uint256).max);
    }

    /// @notice Bids for one classification of `input`, paid from this contract's balance.
    /// @param inputHash Poseidon hash of `input` (computed off-chain: `hashBytes` in `@sovra/circuits/io/hash`).
    /// @param input The model's input bytes (for MNIST: 784 pixels), which the provider checks against the hash.
    function classify(uint16 maxTick, uint256 inputHash, bytes calldata input) external returns (uint256 jobId) {
        uint64 deadline = uint64(block.timestamp) + market.marketOf(marketId).params.minJobWindow + 60;
        (, jobId) = market.placeBid(marketId, maxTick, inputHash, input, deadline, true);
    }

    /// @notice The market delivers the verified output.
    function onInferenceResult(uint256 jobId, uint256[] calldata output) external {
        if (msg.sender != address(market)) revert OnlyMarket();
        (uint256 index,) = OutputLanes.argmax(output, laneBits, 10);
        predicted[jobId] = int256(index) + 1;
    }

    /// @notice The market reports an expiry.
    function onInferenceExpired(uint256 jobId) external {
        if (msg.sender != address(market)) revert OnlyMarket();
        predicted[jobId] = -1; // refunded: `reclaim` brings the escrow back here
    }

    /// @notice Pulls refunds (expired or declined jobs) back into this contract, for its next bids.
    function reclaim() external {
        market.withdraw(address(this));
    }
}
