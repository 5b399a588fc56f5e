// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {ISpotMarket} from "../interfaces/ISpotMarket.sol";
import {OutputLanes} from "../libraries/OutputLanes.sol";

/// @title ExampleDigitConsumer
/// @notice What another protocol writes to buy inference from Sovra: it holds payment tokens, asks an
/// MNIST classifier market to classify a digit (only the input's Poseidon hash goes on-chain), and receives
/// the verified output in a callback, from which it takes the predicted digit (argmax of the logits).
///
/// The output is read with `OutputLanes` (the packing the circuits package uses).
///
/// WARNING: the callback is gas-capped by the market and may not arrive at all (the market never lets a
/// consumer block settlement), and a declined or voided job gets no callback: `sync` reads the job's final
/// status from the market, so state never depends on the callback alone. Refunds of expired, declined and
/// voided requests wait in the market until `withdrawRefunds` pulls them.
contract ExampleDigitConsumer is IInferenceConsumer, Ownable {
    using SafeERC20 for IERC20;

    enum RequestStatus {
        None,
        Pending,
        Classified,
        Expired, // ended without a result (expired, declined or voided): refunded
        Lost // settled, but the callback did not arrive: the output is in the market's JobSettled event
    }

    struct Request {
        RequestStatus status;
        uint8 digit;
        int256 score; // the winning logit
    }

    /// @notice The Sovra spot market this consumer buys from (the only caller of its callbacks).
    ISpotMarket public immutable market;
    /// @notice The market's payment token, which this contract holds and escrows.
    IERC20 public immutable token;
    /// @notice The market of the digit classifier (model + policy class).
    uint32 public immutable marketId;
    /// @notice B, the bit width of one packed output lane.
    uint8 public immutable laneBits;
    /// @notice Number of logits in the output (10 for MNIST).
    uint8 public immutable classes;

    /// @notice Each request by job id: its status and, once classified, the digit and its logit.
    mapping(uint256 jobId => Request) public requests;
    /// @notice Bids that rest in the book, by order id (they become jobs when an ask fills them).
    mapping(uint256 orderId => bool) public restingBids;

    /// @notice A bid was placed for the input committed to by `inputHash`; `jobId` is 0 while it rests.
    event DigitRequested(uint256 indexed orderId, uint256 indexed jobId, uint256 inputHash);
    /// @notice The verified output of `jobId` arrived: `digit` won with logit `score`.
    event DigitClassified(uint256 indexed jobId, uint8 digit, int256 score);
    /// @notice `jobId` expired without a result; its escrow is refundable.
    event RequestExpired(uint256 indexed jobId);
    /// @notice The market removed stale asks first and could not place the bid in this call: request again.
    event RequestNotPlaced(uint256 inputHash);

    error OnlyMarket(address caller);
    error InvalidLaneBits(uint8 laneBits);

    /// @param market_ The Sovra spot market.
    /// @param marketId_ The market of the digit classifier (model + policy class).
    /// @param laneBits_ B, the bit width of one packed output lane (the model's io spec says which).
    /// @param classes_ Number of logits (10 for MNIST).
    constructor(ISpotMarket market_, IERC20 token_, uint32 marketId_, uint8 laneBits_, uint8 classes_, address owner_)
        Ownable(owner_)
    {
        if (laneBits_ < 2 || laneBits_ > 126) revert InvalidLaneBits(laneBits_);
        market = market_;
        token = token_;
        marketId = marketId_;
        laneBits = laneBits_;
        classes = classes_;
        token_.forceApprove(address(market_), type(uint256).max);
    }

    /// @notice Bids for one classification of the input committed to by `inputHash`, paying from this
    /// contract's balance. `inputRef` carries the input itself (784 bytes, one per pixel, row-major) so the
    /// provider can check it against `inputHash`. Returns (0, 0) without reverting when the market spent the call
    /// removing stale asks: reverting would undo that cleanup, so the caller simply requests again.
    function requestDigit(uint16 maxTick, uint256 inputHash, bytes calldata inputRef, uint64 deadline)
        external
        onlyOwner
        returns (uint256 orderId, uint256 jobId)
    {
        (orderId, jobId) = market.placeBid(marketId, maxTick, inputHash, inputRef, deadline, true);
        if (orderId == 0) {
            emit RequestNotPlaced(inputHash);
            return (0, 0);
        }
        if (jobId != 0) requests[jobId].status = RequestStatus.Pending;
        else restingBids[orderId] = true;
        emit DigitRequested(orderId, jobId, inputHash);
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 jobId, uint256[] calldata output) external {
        if (msg.sender != address(market)) revert OnlyMarket(msg.sender);
        (uint8 digit, int256 score) = argmax(output);
        requests[jobId] = Request({status: RequestStatus.Classified, digit: digit, score: score});
        emit DigitClassified(jobId, digit, score);
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceExpired(uint256 jobId) external {
        if (msg.sender != address(market)) revert OnlyMarket(msg.sender);
        requests[jobId].status = RequestStatus.Expired;
        emit RequestExpired(jobId);
    }

    /// @notice Records the final status of a request whose job ended without a callback reaching this contract
    /// (declined or voided jobs get none; an expiry or settlement callback may have run out of gas). Anyone may
    /// call it: it only copies what the market says.
    function sync(uint256 jobId) external {
        ISpotMarket.JobStatus status = market.jobStatus(jobId);
        Request storage r = requests[jobId];
        // A resting bid that an ask filled later became a job without passing through Pending here.
        bool wasResting = restingBids[jobId];
        if (r.status != RequestStatus.Pending && !(r.status == RequestStatus.None && wasResting)) return;
        if (wasResting) restingBids[jobId] = false;
        if (status == ISpotMarket.JobStatus.Settled) {
            r.status = RequestStatus.Lost;
        } else if (status != ISpotMarket.JobStatus.Matched && status != ISpotMarket.JobStatus.None) {
            r.status = RequestStatus.Expired;
            emit RequestExpired(jobId);
        }
    }

    /// @notice Pulls refunds (expired, declined or voided jobs, cancelled bids) from the market and sends this contract's
    /// whole token balance to `to`.
    function withdrawRefunds(address to) external onlyOwner returns (uint256 amount) {
        if (market.owed(address(this)) != 0) market.withdraw(address(this));
        amount = token.balanceOf(address(this));
        token.safeTransfer(to, amount);
    }

    /// @notice Cancels a resting request; its escrow becomes withdrawable.
    function cancel(uint256 orderId) external onlyOwner {
        restingBids[orderId] = false;
        market.cancelOrder(orderId);
    }

    /// @notice Unpacks `classes` logits from `output` and returns the index of the largest (first on ties).
    function argmax(uint256[] calldata output) public view returns (uint8 digit, int256 best) {
        uint256 index;
        (index, best) = OutputLanes.argmax(output, laneBits, classes);
        digit = uint8(index);
    }
}
