// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title ISpotMarket
/// @notice A continuous double auction per (model, policy class). Prices are integer ticks
/// (`price = tick * tickSize` in the payment token). Price-time priority: best price first, FIFO inside a
/// tick; an arriving order trades at the resting order's price. A match creates a job; the provider is paid
/// when the job's proof verifies, or slashed when the deadline passes. All payouts are pull payments.
interface ISpotMarket {
    enum Side {
        Ask,
        Bid
    }

    enum JobStatus {
        None,
        Matched,
        Settled,
        Expired
    }

    /// @notice Policy of one market, owned by governance.
    struct MarketParams {
        uint96 tickSize; // payment-token units per tick
        uint96 collateralPerJob; // governance-token units locked per unit of ask capacity
        uint16 feeBps; // protocol fee on each settled job, to the treasury
        uint16 slashBuyerBps; // share of slashed collateral to the buyer
        uint16 slashCallerBps; // share of slashed collateral to whoever called `expire`
        uint32 minJobWindow; // seconds a provider gets at least between match and deadline
        uint32 callbackGasLimit; // gas cap for consumer callbacks
        uint32 maxAskCapacity; // bound on jobs one ask can take (bounds the matching loop)
        bool active; // new orders accepted
    }

    struct MarketInfo {
        bytes32 modelId;
        uint32 policyClass;
        MarketParams params;
    }

    struct Job {
        address buyer;
        uint64 deadline;
        uint32 marketId;
        JobStatus status;
        bool callback;
        address provider;
        uint96 price;
        uint256 inputHash;
    }

    event MarketCreated(uint32 indexed marketId, bytes32 indexed modelId, uint32 indexed policyClass, MarketParams params);
    event MarketParamsUpdated(uint32 indexed marketId, MarketParams params);
    event TreasuryUpdated(address treasury);
    event AskPlaced(uint256 indexed orderId, uint32 indexed marketId, address indexed provider, uint16 tick, uint32 capacity, uint64 expiresAt);
    event BidPlaced(
        uint256 indexed orderId,
        uint32 indexed marketId,
        address indexed buyer,
        uint16 maxTick,
        uint256 inputHash,
        bytes inputRef,
        uint64 deadline,
        bool callback
    );
    event OrderCancelled(uint256 indexed orderId, Side side);
    event OrderRemoved(uint256 indexed orderId, Side side); // stale order swept during matching
    event JobMatched(
        uint256 indexed jobId,
        uint32 indexed marketId,
        address indexed provider,
        address buyer,
        uint256 askId,
        uint256 bidId,
        uint96 price,
        uint256 inputHash,
        uint64 deadline
    );
    event JobSettled(uint256 indexed jobId, address indexed provider, uint256[] output, uint96 providerAmount, uint96 fee);
    event JobExpired(uint256 indexed jobId, address indexed caller, uint256 slashed);
    event CallbackResult(uint256 indexed jobId, bool success);
    event Withdrawal(address indexed account, address indexed to, uint256 amount);

    function createMarket(bytes32 modelId, uint32 policyClass, MarketParams calldata params) external returns (uint32);
    function setMarketParams(uint32 marketId, MarketParams calldata params) external;
    function setTreasury(address treasury) external;

    /// @notice List `capacity` jobs at `tick`; reserves `capacity * collateralPerJob` of the caller's stake.
    function placeAsk(uint32 marketId, uint16 tick, uint32 capacity, uint64 expiresAt) external returns (uint256 orderId);

    /// @notice Buy one job at `maxTick` or better; escrows the price (only the traded price if it matches now).
    /// @return orderId The resting bid's id, or 0 when it matched at once.
    /// @return jobId The job's id when it matched at once, else 0.
    function placeBid(uint32 marketId, uint16 maxTick, uint256 inputHash, bytes calldata inputRef, uint64 deadline, bool callback)
        external
        returns (uint256 orderId, uint256 jobId);

    function cancelOrder(uint256 orderId) external;

    /// @notice The job's provider delivers the output with a proof; pays out on success, reverts otherwise.
    function submitResult(uint256 jobId, uint256[] calldata output, bytes calldata proof) external;

    /// @notice After the deadline anyone may expire an unsettled job: refund the buyer, slash the provider.
    function expire(uint256 jobId) external;

    function withdraw(address to) external returns (uint256 amount);

    function owed(address account) external view returns (uint256);
    function jobOf(uint256 jobId) external view returns (Job memory);
    function marketOf(uint32 marketId) external view returns (MarketInfo memory);
    function bestTick(uint32 marketId, Side side) external view returns (bool exists, uint16 tick);
}
