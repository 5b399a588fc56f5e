// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {ISpotMarket} from "../interfaces/ISpotMarket.sol";

/// @title MaliciousConsumer
/// @notice TEST ONLY. A consumer whose callbacks misbehave in a chosen way, to show that none of them can
/// block settlement or expiry, and that re-entering the market from a callback gains nothing.
contract MaliciousConsumer is IInferenceConsumer {
    enum Mode {
        Revert,
        BurnGas,
        ReturnBomb,
        Reenter,
        Succeed
    }

    ISpotMarket public immutable market;
    Mode public mode;
    /// @dev The terms of the job it re-enters with (set by the test from BidPlaced + JobMatched).
    ISpotMarket.JobTerms internal _terms;
    bool public reentrySucceeded;
    uint256 public calls;

    error Boom();

    constructor(ISpotMarket market_, IERC20 token) {
        market = market_;
        token.approve(address(market_), type(uint256).max);
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function setTerms(ISpotMarket.JobTerms calldata terms) external {
        _terms = terms;
    }

    function bid(uint32 marketId, uint16 maxTick, uint256 inputHash, uint64 deadline) external returns (uint256 jobId) {
        (, jobId) = market.placeBid(marketId, maxTick, inputHash, "", deadline, true);
    }

    function onInferenceResult(uint256 jobId, uint256[] calldata output) external {
        output;
        _misbehave(jobId);
    }

    function onInferenceExpired(uint256 jobId) external {
        _misbehave(jobId);
    }

    function _misbehave(uint256 jobId) private {
        calls += 1;
        Mode m = mode;
        if (m == Mode.Revert) revert Boom();
        if (m == Mode.BurnGas) {
            while (true) {}
        }
        if (m == Mode.ReturnBomb) {
            assembly {
                return(0, 1000000)
            }
        }
        if (m == Mode.Reenter) {
            // Try to settle/expire the same job again and to drain the market; each must fail.
            uint256[] memory output = new uint256[](1);
            (bool a,) = address(market).call(abi.encodeCall(ISpotMarket.expire, (jobId, _terms)));
            (bool b,) = address(market).call(abi.encodeCall(ISpotMarket.withdraw, (address(this))));
            (bool c,) = address(market).call(abi.encodeCall(ISpotMarket.submitResult, (jobId, _terms, output, "")));
            reentrySucceeded = a || b || c;
        }
    }
}
