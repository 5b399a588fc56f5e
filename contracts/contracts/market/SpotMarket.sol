// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ISpotMarket} from "../interfaces/ISpotMarket.sol";
import {OrderQueue} from "../libraries/OrderQueue.sol";
import {TickBitmap} from "../libraries/TickBitmap.sol";

/// @title SpotMarket
/// @notice Sovra's spot market for verifiable inference: one continuous double auction per (model, policy
/// class), job escrow, settlement against the model's verifier, slashing on expiry, pull payments and
/// gas-capped consumer callbacks.
///
/// Prices are `uint16` ticks (`price = tick * tickSize`). Each side of each book keeps a two-level bitmap of
/// non-empty ticks and a FIFO queue per tick, so the best price is found in constant gas and matching never
/// scans the book. An arriving bid trades one job against the best ask at the ask's price and escrows only
/// that price; an arriving ask fills crossing bids at their (already escrowed) prices, up to its capacity.
/// Asks reserve `capacity * collateralPerJob` of the provider's free stake in the registry; each job keeps
/// its unit until it settles (unlocked) or expires (slashed).
///
/// WARNING: the payment token must be a plain ERC20 (no fee on transfer, no rebasing): the market credits
/// exactly the amounts it asks `transferFrom` to move. Consumer callbacks run after settlement is final and
/// outside the reentrancy lock, so a consumer may place its next bid from its callback; it must not rely on
/// the callback being delivered (a reverting or gas-hungry consumer only produces `CallbackResult(false)`).
contract SpotMarket is ISpotMarket, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using TickBitmap for TickBitmap.Bitmap;
    using OrderQueue for OrderQueue.Level;

    /// @notice Most stale orders one call removes while matching (bounds the gas of a single match).
    uint256 public constant MAX_SWEEP = 8;
    uint256 private constant BPS = 10_000;
    /// @dev Gas kept back besides the callback's own cap: the CALL itself (cold account) and the event after it.
    uint256 private constant CALLBACK_OVERHEAD = 10_000;

    /// @dev A market's policy and cached model data, laid out so that each hot path reads two slots.
    struct MarketData {
        // slot 0: read by every order and settlement
        uint96 tickSize;
        uint96 collateralPerJob;
        uint32 minJobWindow;
        uint16 feeBps;
        bool active;
        // slot 1
        IInferenceVerifier verifier;
        uint32 policyClass;
        uint32 callbackGasLimit;
        uint16 collateralVersion;
        uint16 slashBuyerBps;
        // slot 2
        uint16 slashCallerBps;
        uint32 maxAskCapacity;
        uint32 minVramMb;
        // slot 3
        bytes32 modelId;
    }

    /// @dev A job in three slots. `deadline` is a uint32 timestamp (good until 2106).
    struct JobData {
        // slot 0
        address buyer;
        uint32 deadline;
        uint32 marketId;
        uint16 collateralVersion;
        JobStatus status;
        bool callback;
        // slot 1
        address provider;
        uint96 price;
        // slot 2
        uint256 inputHash;
    }

    /// @dev What filling resting bids for one arriving ask needs (kept in memory: the stack is short).
    struct FillContext {
        uint32 marketId;
        uint40 askId;
        uint16 version;
        uint256 minDeadline;
    }

    /// @dev An arriving bid (kept in memory: the stack is short).
    struct BidRequest {
        uint32 marketId;
        uint16 maxTick;
        uint64 deadline;
        bool callback;
        uint256 inputHash;
    }

    /// @notice The payment token (a stablecoin; tUSD on local chains).
    IERC20 public immutable paymentToken;
    IProviderRegistry public immutable registry;
    IAttestationRegistry public immutable attestations;
    IModelRegistry public immutable models;

    // Treasury and its not yet withdrawn fees share a slot: a settlement then writes one slot for the fee.
    address private _treasury;
    uint96 private _treasuryFees;

    uint32 private _marketCount;
    uint40 private _lastOrderId;
    uint40 private _lastJobId;

    mapping(uint32 marketId => MarketData) private _markets;
    mapping(bytes32 modelAndClass => uint32 marketId) private _marketIds;
    mapping(uint32 marketId => mapping(uint16 version => uint96 collateralPerJob)) private _collateralAt;
    mapping(uint32 marketId => mapping(Side side => TickBitmap.Bitmap)) private _bitmaps;
    mapping(uint32 marketId => mapping(Side side => mapping(uint16 tick => OrderQueue.Level))) private _levels;
    mapping(uint256 orderId => OrderQueue.Order) private _orders;
    mapping(uint256 jobId => JobData) private _jobs;
    mapping(address account => uint256) private _owed;

    /// @param authority The AccessManager holding every privileged role.
    /// @param token The payment token.
    /// @param providerRegistry Stake and hardware profiles; the market needs its MARKET_ROLE functions.
    /// @param attestationRegistry Policy classes and attestations.
    /// @param modelRegistry Models and their verifiers.
    /// @param initialTreasury Receives protocol fees and the treasury's share of slashes.
    constructor(
        address authority,
        IERC20 token,
        IProviderRegistry providerRegistry,
        IAttestationRegistry attestationRegistry,
        IModelRegistry modelRegistry,
        address initialTreasury
    ) AccessManaged(authority) {
        if (
            address(token) == address(0) || address(providerRegistry) == address(0)
                || address(attestationRegistry) == address(0) || address(modelRegistry) == address(0)
                || initialTreasury == address(0)
        ) revert ZeroAddress();
        paymentToken = token;
        registry = providerRegistry;
        attestations = attestationRegistry;
        models = modelRegistry;
        _treasury = initialTreasury;
        emit TreasuryUpdated(initialTreasury);
    }

    // ------------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------------

    /// @notice Opens the book of an approved model for one policy class. The model's verifier and minimum
    /// VRAM are cached here: a model id names fixed weights, so they never change.
    /// @return marketId The new market's id (ids start at 1).
    function createMarket(bytes32 modelId, uint32 policyClass, MarketParams calldata params)
        external
        restricted
        returns (uint32 marketId)
    {
        IModelRegistry.Model memory model = models.modelOf(modelId);
        if (!model.approved || address(model.verifier) == address(0)) revert ModelNotApproved(modelId);
        bytes32 key = keccak256(abi.encode(modelId, policyClass));
        if (_marketIds[key] != 0) revert MarketExists(modelId, policyClass);
        _validate(params);
        marketId = ++_marketCount;
        _marketIds[key] = marketId;
        MarketData storage m = _markets[marketId];
        _writeParams(m, params);
        m.verifier = model.verifier;
        m.policyClass = policyClass;
        m.minVramMb = model.minVramMb;
        m.modelId = modelId;
        _collateralAt[marketId][0] = params.collateralPerJob;
        emit MarketCreated(marketId, modelId, policyClass, params);
    }

    /// @notice Replaces a market's policy. Orders and jobs already made keep the collateral they reserved;
    /// resting bids keep the escrow they paid.
    function setMarketParams(uint32 marketId, MarketParams calldata params) external restricted {
        MarketData storage m = _market(marketId);
        _validate(params);
        if (params.collateralPerJob != m.collateralPerJob) {
            uint16 version = m.collateralVersion;
            if (version == type(uint16).max) revert CollateralVersionsExhausted(marketId);
            unchecked {
                ++version;
            }
            m.collateralVersion = version;
            _collateralAt[marketId][version] = params.collateralPerJob;
        }
        _writeParams(m, params);
        emit MarketParamsUpdated(marketId, params);
    }

    /// @notice Sets the treasury; fees the old treasury has not withdrawn stay owed to it.
    function setTreasury(address newTreasury) external restricted {
        if (newTreasury == address(0)) revert ZeroAddress();
        uint96 fees = _treasuryFees;
        if (fees != 0) _owed[_treasury] += fees;
        _treasury = newTreasury;
        _treasuryFees = 0;
        emit TreasuryUpdated(newTreasury);
    }

    // ------------------------------------------------------------------------------------------------------
    // Orders
    // ------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISpotMarket
    function placeAsk(uint32 marketId, uint16 tick, uint32 capacity, uint64 expiresAt)
        external
        nonReentrant
        returns (uint256 orderId)
    {
        MarketData storage m = _market(marketId);
        if (!m.active) revert MarketInactive(marketId);
        if (tick == 0) revert InvalidTick(tick);
        if (capacity == 0 || capacity > m.maxAskCapacity) revert InvalidCapacity(capacity);
        if (expiresAt <= block.timestamp) revert InvalidExpiry(expiresAt);
        if (!registry.isRegistered(msg.sender)) revert NotRegistered(msg.sender);
        uint32 vram = registry.vramOf(msg.sender);
        if (vram < m.minVramMb) revert InsufficientVram(msg.sender, vram, m.minVramMb);
        if (!attestations.isEligible(msg.sender, m.policyClass)) revert NotEligible(msg.sender, m.policyClass);

        uint40 id = _nextOrderId();
        orderId = id;
        emit AskPlaced(id, marketId, msg.sender, tick, capacity, expiresAt);
        uint16 version = m.collateralVersion;
        (uint32 left, bool rest) = _fillBids(
            FillContext({marketId: marketId, askId: id, version: version, minDeadline: block.timestamp + m.minJobWindow}),
            tick,
            capacity
        );
        uint32 resting = rest ? left : 0;
        uint256 units = capacity - left + resting;
        if (units != 0) registry.lockCollateral(msg.sender, units * m.collateralPerJob);
        if (resting != 0) {
            _writeOrder(id, _orderWord0(marketId, tick, Side.Ask, resting), _orderWord1(expiresAt, false, version), 0);
            _enqueue(marketId, Side.Ask, tick, id, resting);
        }
    }

    /// @inheritdoc ISpotMarket
    function placeBid(
        uint32 marketId,
        uint16 maxTick,
        uint256 inputHash,
        bytes calldata inputRef,
        uint64 deadline,
        bool callback
    ) external nonReentrant returns (uint256 orderId, uint256 jobId) {
        return _placeBid(_bidRequest(marketId, maxTick, inputHash, deadline, callback), inputRef);
    }

    /// @inheritdoc ISpotMarket
    function placeBidWithPermit(
        uint32 marketId,
        uint16 maxTick,
        uint256 inputHash,
        bytes calldata inputRef,
        uint64 deadline,
        bool callback,
        PermitData calldata permit
    ) external nonReentrant returns (uint256 orderId, uint256 jobId) {
        // A failing permit (already used by a front-runner, or unsupported) must not block a bid that the
        // existing allowance covers; transferFrom below is the real check.
        try IERC20Permit(address(paymentToken)).permit(
            msg.sender, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s
        ) {} catch {}
        return _placeBid(_bidRequest(marketId, maxTick, inputHash, deadline, callback), inputRef);
    }

    /// @notice Cancels the caller's resting order: a bid's escrow becomes owed to it, an ask's unused
    /// reservation is unlocked in the registry.
    function cancelOrder(uint256 orderId) external nonReentrant {
        OrderQueue.Order storage o = _orders[orderId];
        address owner = o.owner;
        if (owner == address(0)) revert OrderNotFound(orderId);
        if (owner != msg.sender) revert NotOrderOwner(orderId, msg.sender);
        Side side = Side(o.side);
        _removeResting(uint40(orderId), o, side);
        emit OrderCancelled(orderId, side);
    }

    // ------------------------------------------------------------------------------------------------------
    // Jobs
    // ------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISpotMarket
    /// @dev The caller must send enough gas for the consumer callback (`callbackGasLimit` plus 1/63 of it):
    /// otherwise the call reverts with `InsufficientCallbackGas`, so a provider cannot starve the consumer.
    function submitResult(uint256 jobId, uint256[] calldata output, bytes calldata proof) external {
        (address buyer, bool callback, uint32 gasLimit) = _settle(jobId, output, proof);
        if (callback) {
            _callback(jobId, buyer, abi.encodeCall(IInferenceConsumer.onInferenceResult, (jobId, output)), gasLimit);
        }
    }

    /// @inheritdoc ISpotMarket
    function expire(uint256 jobId) external {
        (address buyer, bool callback, uint32 gasLimit) = _expire(jobId);
        if (callback) {
            _callback(jobId, buyer, abi.encodeCall(IInferenceConsumer.onInferenceExpired, (jobId)), gasLimit);
        }
    }

    /// @notice Pays the caller everything the market owes it (refunds, earnings, fees) to `to`.
    function withdraw(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = _owed[msg.sender];
        _owed[msg.sender] = 0;
        if (msg.sender == _treasury) {
            amount += _treasuryFees;
            _treasuryFees = 0;
        }
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        emit Withdrawal(msg.sender, to, amount);
        paymentToken.safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @notice The treasury.
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc ISpotMarket
    function owed(address account) external view returns (uint256) {
        uint256 amount = _owed[account];
        if (account == _treasury) amount += _treasuryFees;
        return amount;
    }

    /// @inheritdoc ISpotMarket
    function jobOf(uint256 jobId) external view returns (Job memory) {
        JobData storage j = _jobs[jobId];
        return Job({
            buyer: j.buyer,
            deadline: j.deadline,
            marketId: j.marketId,
            status: j.status,
            callback: j.callback,
            provider: j.provider,
            price: j.price,
            inputHash: j.inputHash
        });
    }

    /// @inheritdoc ISpotMarket
    function marketOf(uint32 marketId) external view returns (MarketInfo memory) {
        MarketData storage m = _market(marketId);
        return MarketInfo({modelId: m.modelId, policyClass: m.policyClass, params: _params(m)});
    }

    /// @inheritdoc ISpotMarket
    function marketIdOf(bytes32 modelId, uint32 policyClass) external view returns (uint32) {
        return _marketIds[keccak256(abi.encode(modelId, policyClass))];
    }

    /// @inheritdoc ISpotMarket
    function marketCount() external view returns (uint32) {
        return _marketCount;
    }

    /// @notice The verifier the market cached for its model.
    function verifierOf(uint32 marketId) external view returns (IInferenceVerifier) {
        return _market(marketId).verifier;
    }

    /// @inheritdoc ISpotMarket
    function collateralOf(uint32 marketId, uint16 version) public view returns (uint96) {
        return _collateralAt[marketId][version];
    }

    /// @inheritdoc ISpotMarket
    function bestTick(uint32 marketId, Side side) public view returns (bool exists, uint16 tick) {
        TickBitmap.Bitmap storage b = _bitmaps[marketId][side];
        return side == Side.Ask ? b.lowest() : b.highest();
    }

    /// @inheritdoc ISpotMarket
    function orderOf(uint256 orderId) external view returns (OrderView memory) {
        OrderQueue.Order storage o = _orders[orderId];
        Side side = Side(o.side);
        return OrderView({
            owner: o.owner,
            marketId: o.marketId,
            side: side,
            tick: o.tick,
            remaining: o.remaining,
            expiry: o.expiry,
            callback: o.callback,
            amount: side == Side.Ask && o.owner != address(0)
                ? _collateralAt[o.marketId][uint16(o.amount)]
                : o.amount,
            inputHash: o.inputHash,
            prev: o.prev,
            next: o.next
        });
    }

    /// @inheritdoc ISpotMarket
    function levelOf(uint32 marketId, Side side, uint16 tick) public view returns (LevelView memory) {
        OrderQueue.Level storage l = _levels[marketId][side][tick];
        return LevelView({tick: tick, orders: l.orders, quantity: l.quantity, head: l.head});
    }

    /// @inheritdoc ISpotMarket
    function nextTick(uint32 marketId, Side side, uint16 tick) external view returns (bool exists, uint16 next) {
        TickBitmap.Bitmap storage b = _bitmaps[marketId][side];
        return side == Side.Ask ? b.nextAtOrAbove(tick) : b.nextAtOrBelow(tick);
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals: matching
    // ------------------------------------------------------------------------------------------------------

    function _placeBid(BidRequest memory r, bytes calldata inputRef) private returns (uint256 orderId, uint256 jobId) {
        MarketData storage m = _market(r.marketId);
        if (!m.active) revert MarketInactive(r.marketId);
        if (r.maxTick == 0) revert InvalidTick(r.maxTick);
        if (r.deadline > type(uint32).max || r.deadline < block.timestamp + m.minJobWindow) {
            revert InvalidDeadline(r.deadline);
        }
        (bool found, uint16 askTick, uint40 askId, bool exhausted) = _bestLiveAsk(r.marketId, m.policyClass, r.maxTick);
        if (exhausted) return (0, 0);
        uint40 id = _nextOrderId();
        orderId = id;
        _emitBidPlaced(id, r, inputRef);
        if (found) {
            uint96 price = uint96(askTick) * m.tickSize;
            jobId = _matchAsk(r, askTick, askId, id, price);
            paymentToken.safeTransferFrom(msg.sender, address(this), price);
        } else {
            uint96 escrow = uint96(r.maxTick) * m.tickSize;
            _restBid(r, id, escrow);
            paymentToken.safeTransferFrom(msg.sender, address(this), escrow);
        }
    }

    function _restBid(BidRequest memory r, uint40 id, uint96 escrow) private {
        _writeOrder(
            id, _orderWord0(r.marketId, r.maxTick, Side.Bid, 1), _orderWord1(r.deadline, r.callback, escrow), r.inputHash
        );
        _enqueue(r.marketId, Side.Bid, r.maxTick, id, 1);
    }

    function _emitBidPlaced(uint40 id, BidRequest memory r, bytes calldata inputRef) private {
        emit BidPlaced(id, r.marketId, msg.sender, r.maxTick, r.inputHash, inputRef, r.deadline, r.callback);
    }

    function _bidRequest(uint32 marketId, uint16 maxTick, uint256 inputHash, uint64 deadline, bool callback)
        private
        pure
        returns (BidRequest memory)
    {
        return BidRequest({
            marketId: marketId, maxTick: maxTick, deadline: deadline, callback: callback, inputHash: inputHash
        });
    }

    /// @dev The head of the best ask level at or below `maxTick` whose provider can still work, removing at
    /// most `MAX_SWEEP` stale asks on the way. `exhausted` is set when the sweep budget ran out while the book
    /// still crossed (the bid must then not rest, or the book would be crossed).
    function _bestLiveAsk(uint32 marketId, uint32 policyClass, uint16 maxTick)
        private
        returns (bool found, uint16 tick, uint40 askId, bool exhausted)
    {
        TickBitmap.Bitmap storage asks = _bitmaps[marketId][Side.Ask];
        for (uint256 swept;;) {
            bool exists;
            (exists, tick) = asks.lowest();
            if (!exists || tick > maxTick) return (false, 0, 0, false);
            askId = _levels[marketId][Side.Ask][tick].head;
            OrderQueue.Order storage a = _orders[askId];
            if (a.expiry > block.timestamp && attestations.isEligible(a.owner, policyClass)) {
                return (true, tick, askId, false);
            }
            if (swept == MAX_SWEEP) return (false, 0, 0, true);
            _removeResting(askId, a, Side.Ask);
            emit OrderRemoved(askId, Side.Ask);
            unchecked {
                ++swept;
            }
        }
    }

    /// @dev Takes one unit of ask `askId` (the head of `askTick`) for bid `bidId` and opens the job.
    function _matchAsk(BidRequest memory r, uint16 askTick, uint40 askId, uint40 bidId, uint96 price)
        private
        returns (uint256 jobId)
    {
        OrderQueue.Order storage a = _orders[askId];
        JobData memory job = JobData({
            buyer: msg.sender,
            deadline: uint32(r.deadline),
            marketId: r.marketId,
            collateralVersion: uint16(a.amount),
            status: JobStatus.Matched,
            callback: r.callback,
            provider: a.owner,
            price: price,
            inputHash: r.inputHash
        });
        uint32 remaining = a.remaining;
        OrderQueue.Level storage level = _levels[r.marketId][Side.Ask][askTick];
        if (remaining == 1) {
            if (level.remove(_orders, askId, 1)) _bitmaps[r.marketId][Side.Ask].clear(askTick);
            _clearOrder(askId, false);
        } else {
            unchecked {
                a.remaining = remaining - 1;
                level.quantity -= 1;
            }
        }
        jobId = _openJob(job);
        _emitMatched(jobId, job, askId, bidId);
    }

    function _emitMatched(uint256 jobId, JobData memory job, uint40 askId, uint40 bidId) private {
        emit JobMatched(
            jobId, job.marketId, job.provider, job.buyer, askId, bidId, job.price, job.inputHash, job.deadline
        );
    }

    /// @dev Fills crossing resting bids (highest first, FIFO) with up to `capacity` units of the arriving ask.
    /// @return left Capacity not matched. @return rest Whether `left` may rest (false when the sweep budget
    /// ran out while bids still crossed).
    function _fillBids(FillContext memory ctx, uint16 tick, uint32 capacity) private returns (uint32 left, bool rest) {
        TickBitmap.Bitmap storage bids = _bitmaps[ctx.marketId][Side.Bid];
        uint256 swept;
        left = capacity;
        while (left != 0) {
            (bool exists, uint16 bidTick) = bids.highest();
            if (!exists || bidTick < tick) break;
            uint40 bidId = _levels[ctx.marketId][Side.Bid][bidTick].head;
            OrderQueue.Order storage b = _orders[bidId];
            if (b.expiry < ctx.minDeadline) {
                if (swept == MAX_SWEEP) return (left, false);
                _removeResting(bidId, b, Side.Bid);
                emit OrderRemoved(bidId, Side.Bid);
                unchecked {
                    ++swept;
                }
                continue;
            }
            _takeBid(ctx, bidTick, bidId);
            unchecked {
                --left;
            }
        }
        return (left, true);
    }

    /// @dev Turns resting bid `bidId` (head of `bidTick`) into a job for the arriving ask `askId`.
    function _takeBid(FillContext memory ctx, uint16 bidTick, uint40 bidId) private {
        uint32 marketId = ctx.marketId;
        OrderQueue.Order storage b = _orders[bidId];
        JobData memory job = JobData({
            buyer: b.owner,
            deadline: uint32(b.expiry),
            marketId: marketId,
            collateralVersion: ctx.version,
            status: JobStatus.Matched,
            callback: b.callback,
            provider: msg.sender,
            price: b.amount,
            inputHash: b.inputHash
        });
        if (_levels[marketId][Side.Bid][bidTick].remove(_orders, bidId, 1)) {
            _bitmaps[marketId][Side.Bid].clear(bidTick);
        }
        _clearOrder(bidId, true);
        _emitMatched(_openJob(job), job, ctx.askId, bidId);
    }

    function _openJob(JobData memory job) private returns (uint256 jobId) {
        uint40 id;
        unchecked {
            id = ++_lastJobId;
        }
        JobData storage j = _jobs[id];
        // One SSTORE per slot, in the struct's own layout (see JobData).
        uint256 word0 = uint256(uint160(job.buyer)) | (uint256(job.deadline) << 160) | (uint256(job.marketId) << 192)
            | (uint256(job.collateralVersion) << 224) | (uint256(uint8(job.status)) << 240)
            | (job.callback ? uint256(1) << 248 : 0);
        uint256 word1 = uint256(uint160(job.provider)) | (uint256(job.price) << 160);
        uint256 inputHash = job.inputHash;
        assembly ("memory-safe") {
            let slot := j.slot
            sstore(slot, word0)
            sstore(add(slot, 1), word1)
            sstore(add(slot, 2), inputHash)
        }
        return id;
    }

    /// @dev Writes a new order (links unset) with one SSTORE per slot; words from `_orderWord0/1`.
    function _writeOrder(uint40 id, uint256 word0, uint256 word1, uint256 inputHash) private {
        OrderQueue.Order storage o = _orders[id];
        assembly ("memory-safe") {
            let slot := o.slot
            sstore(slot, word0)
            sstore(add(slot, 1), word1)
            if inputHash { sstore(add(slot, 2), inputHash) }
        }
    }

    /// @dev Slot 0 of an order of the caller, in OrderQueue.Order's layout.
    function _orderWord0(uint32 marketId, uint16 tick, Side side, uint32 remaining) private view returns (uint256) {
        return uint256(uint160(msg.sender)) | (uint256(marketId) << 160) | (uint256(tick) << 192)
            | (uint256(uint8(side)) << 208) | (uint256(remaining) << 216);
    }

    /// @dev Slot 1 of a new order (prev = next = 0), in OrderQueue.Order's layout.
    function _orderWord1(uint64 expiry, bool callback, uint96 amount) private pure returns (uint256) {
        return (uint256(expiry) << 80) | (callback ? uint256(1) << 144 : 0) | (uint256(amount) << 152);
    }

    function _enqueue(uint32 marketId, Side side, uint16 tick, uint40 id, uint32 quantity) private {
        OrderQueue.Level storage level = _levels[marketId][side][tick];
        if (level.tail == 0) _bitmaps[marketId][side].set(tick);
        level.pushBack(_orders, id, quantity);
    }

    /// @dev Takes a resting order off its level and refunds it (bid escrow owed back, ask reservation unlocked).
    function _removeResting(uint40 id, OrderQueue.Order storage o, Side side) private {
        uint32 marketId = o.marketId;
        uint16 tick = o.tick;
        uint32 remaining = o.remaining;
        address owner = o.owner;
        uint96 amount = o.amount;
        if (_levels[marketId][side][tick].remove(_orders, id, remaining)) _bitmaps[marketId][side].clear(tick);
        _clearOrder(id, side == Side.Bid);
        if (side == Side.Bid) {
            _owed[owner] += amount;
        } else {
            registry.unlockCollateral(owner, uint256(remaining) * _collateral(marketId, uint16(amount)));
        }
    }

    /// @dev Zeroes an order's slots (refunds gas); asks never wrote the third slot.
    function _clearOrder(uint40 id, bool isBid) private {
        OrderQueue.Order storage o = _orders[id];
        assembly ("memory-safe") {
            let slot := o.slot
            sstore(slot, 0)
            sstore(add(slot, 1), 0)
            if isBid { sstore(add(slot, 2), 0) }
        }
    }

    function _nextOrderId() private returns (uint40 id) {
        unchecked {
            id = ++_lastOrderId;
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals: settlement
    // ------------------------------------------------------------------------------------------------------

    function _settle(uint256 jobId, uint256[] calldata output, bytes calldata proof)
        private
        nonReentrant
        returns (address buyer, bool callback, uint32 gasLimit)
    {
        JobData storage j = _jobs[jobId];
        address provider = _checkSubmit(j, jobId);
        MarketData storage m = _markets[j.marketId];
        if (!m.verifier.verifyInference(j.inputHash, output, proof)) revert InvalidProof(jobId);

        j.status = JobStatus.Settled;
        (uint96 providerAmount, uint96 fee) = _payout(provider, j.price, m.feeBps);
        registry.unlockCollateral(provider, _collateral(m, j.marketId, j.collateralVersion));
        emit JobSettled(jobId, provider, output, providerAmount, fee);
        return (j.buyer, j.callback, m.callbackGasLimit);
    }

    function _checkSubmit(JobData storage j, uint256 jobId) private view returns (address provider) {
        JobStatus status = j.status;
        if (status != JobStatus.Matched) revert JobNotMatched(jobId, status);
        provider = j.provider;
        if (provider != msg.sender) revert NotJobProvider(jobId, msg.sender);
        uint32 deadline = j.deadline;
        if (block.timestamp > deadline) revert DeadlinePassed(jobId, deadline);
    }

    function _payout(address provider, uint96 price, uint16 feeBps)
        private
        returns (uint96 providerAmount, uint96 fee)
    {
        fee = uint96((uint256(price) * feeBps) / BPS);
        providerAmount = price - fee;
        _owed[provider] += providerAmount;
        if (fee != 0) _creditTreasury(fee);
    }

    function _expire(uint256 jobId) private nonReentrant returns (address buyer, bool callback, uint32 gasLimit) {
        JobData storage j = _jobs[jobId];
        JobStatus status = j.status;
        if (status != JobStatus.Matched) revert JobNotMatched(jobId, status);
        uint32 deadline = j.deadline;
        if (block.timestamp <= deadline) revert JobNotExpired(jobId, deadline);
        j.status = JobStatus.Expired;
        buyer = j.buyer;
        uint32 marketId = j.marketId;
        MarketData storage m = _markets[marketId];
        _owed[buyer] += j.price;

        uint256 slashed = _collateral(m, marketId, j.collateralVersion);
        address[] memory recipients = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        recipients[0] = buyer;
        recipients[1] = msg.sender;
        recipients[2] = _treasury;
        amounts[0] = (slashed * m.slashBuyerBps) / BPS;
        amounts[1] = (slashed * m.slashCallerBps) / BPS;
        amounts[2] = slashed - amounts[0] - amounts[1];
        registry.slashCollateral(j.provider, slashed, recipients, amounts);
        emit JobExpired(jobId, msg.sender, slashed);
        return (buyer, j.callback, m.callbackGasLimit);
    }

    /// @dev Calls the consumer with a hard gas cap and no returndata copy (a return bomb costs us nothing);
    /// its failure is only reported. Reverts when the caller did not leave enough gas for the full cap.
    function _callback(uint256 jobId, address consumer, bytes memory data, uint32 gasLimit) private {
        // EIP-150 forwards at most 63/64 of the gas left: require enough that the consumer gets its full cap.
        if (gasleft() < uint256(gasLimit) + gasLimit / 63 + CALLBACK_OVERHEAD) revert InsufficientCallbackGas(jobId);
        bool success;
        assembly ("memory-safe") {
            success := call(gasLimit, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        emit CallbackResult(jobId, success);
    }

    function _creditTreasury(uint96 fee) private {
        uint96 fees = _treasuryFees;
        unchecked {
            if (fees <= type(uint96).max - fee) {
                _treasuryFees = fees + fee;
                return;
            }
        }
        _owed[_treasury] += fee;
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals: markets
    // ------------------------------------------------------------------------------------------------------

    function _market(uint32 marketId) private view returns (MarketData storage m) {
        m = _markets[marketId];
        if (address(m.verifier) == address(0)) revert MarketNotFound(marketId);
    }

    function _collateral(uint32 marketId, uint16 version) private view returns (uint256) {
        return _collateralAt[marketId][version];
    }

    /// @dev The current version's amount is in the market's first slot, which settlement reads anyway.
    function _collateral(MarketData storage m, uint32 marketId, uint16 version) private view returns (uint256) {
        return version == m.collateralVersion ? m.collateralPerJob : _collateralAt[marketId][version];
    }

    function _validate(MarketParams calldata p) private pure {
        if (
            p.tickSize == 0 || p.collateralPerJob == 0 || p.feeBps > BPS
                || uint256(p.slashBuyerBps) + p.slashCallerBps > BPS || p.maxAskCapacity == 0
        ) revert InvalidParams();
    }

    /// @dev Writes the policy fields of a market with one SSTORE per slot, keeping the cached model fields
    /// (verifier, policy class, collateral version, min VRAM); offsets follow MarketData's layout.
    function _writeParams(MarketData storage m, MarketParams calldata p) private {
        uint256 word0 = uint256(p.tickSize) | (uint256(p.collateralPerJob) << 96) | (uint256(p.minJobWindow) << 192)
            | (uint256(p.feeBps) << 224) | (p.active ? uint256(1) << 240 : 0);
        uint256 set1 = (uint256(p.callbackGasLimit) << 192) | (uint256(p.slashBuyerBps) << 240);
        uint256 keep1 = ~((uint256(type(uint32).max) << 192) | (uint256(type(uint16).max) << 240));
        uint256 set2 = uint256(p.slashCallerBps) | (uint256(p.maxAskCapacity) << 16);
        uint256 keep2 = ~uint256(type(uint48).max);
        assembly ("memory-safe") {
            let slot := m.slot
            sstore(slot, word0)
            sstore(add(slot, 1), or(and(sload(add(slot, 1)), keep1), set1))
            sstore(add(slot, 2), or(and(sload(add(slot, 2)), keep2), set2))
        }
    }

    function _params(MarketData storage m) private view returns (MarketParams memory) {
        return MarketParams({
            tickSize: m.tickSize,
            collateralPerJob: m.collateralPerJob,
            feeBps: m.feeBps,
            slashBuyerBps: m.slashBuyerBps,
            slashCallerBps: m.slashCallerBps,
            minJobWindow: m.minJobWindow,
            callbackGasLimit: m.callbackGasLimit,
            maxAskCapacity: m.maxAskCapacity,
            active: m.active
        });
    }
}
