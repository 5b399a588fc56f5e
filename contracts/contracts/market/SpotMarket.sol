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
/// its unit until it expires (slashed) or settles: then it becomes "releasable" and goes back to the
/// provider's free stake, for all settled jobs at once, when the provider withdraws or calls
/// `releaseCollateral` (so settlement never calls the registry). Protocol fees likewise wait in the
/// provider's account word until that provider withdraws or releases, or anyone calls `flushFees`.
///
/// A job is stored as one slot: the hash of its terms (`JobTerms`) while it is open, cleared to zero (a gas
/// refund) when it settles or expires; a zero slot never equals a terms hash, so a job leaves Matched once.
/// `BidPlaced` and `JobMatched` publish the terms; settlement and expiry take them back as calldata.
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
    /// @dev An account word: owed payment (bits 0-95) | pending protocol fee (96-159) | releasable collateral
    /// (160-255). Owed at its maximum marks that the account's owed amount lives in `_owedSpill` instead.
    uint256 private constant MAX96 = type(uint96).max;
    uint256 private constant MAX64 = type(uint64).max;
    uint256 private constant FEE_SHIFT = 96;
    uint256 private constant RELEASABLE_SHIFT = 160;
    /// @dev ABI size of `JobTerms` (ten static words), in calldata and in memory alike.
    uint256 private constant TERMS_SIZE = 0x140;
    /// @dev The BN254 scalar field's order: a Groth16 verifier rejects any public signal at or above it, so an
    /// input hash outside the field could never be proven (a buyer could only use it to force an expiry).
    uint256 private constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev What a job's slot holds once it left Matched: its `JobStatus` (a terms hash never falls below 6).
    uint256 private constant FIRST_HASH = 6;

    /// @dev A market's policy and cached model / policy-class data, grouped by the paths that read them.
    struct MarketData {
        // slot 0: read by every order
        uint96 tickSize;
        uint32 minJobWindow;
        uint32 maxJobWindow;
        uint32 policyClass;
        uint40 termsFrom; // first order id placed under the current params; older resting orders are stale
        bool active;
        bool open; // the policy class requires no claim: matching skips the eligibility call
        // slot 1: read by matching (the job's terms) and by settlement and expiry
        IInferenceVerifier verifier;
        uint16 feeBps;
        uint32 callbackGasLimit;
        uint32 settleBy; // 0, or the retired verifier's last accepted settlement time
        // slot 2: read by asks, and by bids that ask for a callback
        uint96 collateralPerJob;
        uint96 callbackPremium;
        uint32 maxAskCapacity;
        uint32 minVramMb;
        // slot 3
        bytes32 modelId;
    }

    /// @dev What filling resting bids for one arriving ask needs (kept in memory: the stack is short).
    struct FillContext {
        uint32 marketId;
        uint40 askId;
        uint40 termsFrom;
        uint16 feeBps;
        uint32 callbackGasLimit;
        uint96 collateral;
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
    /// @notice Stake and hardware profiles; the market locks, unlocks and slashes collateral there.
    IProviderRegistry public immutable registry;
    /// @notice Policy classes and attestations (who may list on which market).
    IAttestationRegistry public immutable attestations;
    /// @notice Models, their verifiers and approval.
    IModelRegistry public immutable models;

    // Treasury and its flushed, not yet withdrawn fees share a slot (settlements leave fees pending in the
    // provider's account word; a flush then writes this one slot).
    address private _treasury;
    uint96 private _treasuryFees;

    uint32 private _marketCount;
    uint40 private _lastOrderId;

    mapping(uint32 marketId => MarketData) private _markets;
    mapping(bytes32 modelAndClass => uint32 marketId) private _marketIds;
    mapping(uint32 marketId => mapping(Side side => TickBitmap.Bitmap)) private _bitmaps;
    mapping(uint32 marketId => mapping(Side side => mapping(uint16 tick => OrderQueue.Level))) private _levels;
    mapping(uint256 orderId => OrderQueue.Order) private _orders;
    /// @dev jobId (= the bid's order id) => hashJob(terms) while Matched, zero otherwise.
    mapping(uint256 jobId => bytes32) private _jobs;
    /// @dev Payment tokens owed | protocol fees of the provider's settlements not yet moved to the treasury |
    /// collateral releasable to the registry (layout at MAX96). One slot, so a settlement credits all three with
    /// one write and never touches the treasury's slot.
    mapping(address account => uint256) private _accounts;
    /// @dev Owed amounts that outgrew the 96-bit field (only for tokens whose supply exceeds 2^96 units).
    mapping(address account => uint256) private _owedSpill;

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
        m.policyClass = policyClass;
        m.minVramMb = model.minVramMb;
        m.verifier = model.verifier;
        m.modelId = modelId;
        _writeParams(m, params);
        m.termsFrom = _lastOrderId + 1;
        emit MarketCreated(marketId, modelId, policyClass, params);
        _syncPolicy(marketId, m);
    }

    /// @notice Replaces a market's policy for new orders and jobs. Open jobs keep the terms they were made with;
    /// resting orders placed before the change are never filled under the new terms: matching removes and refunds
    /// them (their owners may also cancel them).
    function setMarketParams(uint32 marketId, MarketParams calldata params) external restricted {
        MarketData storage m = _market(marketId);
        if (m.settleBy != 0) revert MarketRetired(marketId);
        _validate(params);
        _writeParams(m, params);
        m.termsFrom = _lastOrderId + 1;
        emit MarketParamsUpdated(marketId, params);
        _syncPolicy(marketId, m);
    }

    /// @inheritdoc ISpotMarket
    function retireVerifier(uint32 marketId, uint32 settleBy) external restricted {
        MarketData storage m = _market(marketId);
        if (settleBy < block.timestamp) revert InvalidExpiry(settleBy);
        m.active = false;
        m.settleBy = settleBy;
        emit VerifierRetired(marketId, settleBy);
    }

    /// @inheritdoc ISpotMarket
    function syncModel(uint32 marketId) external {
        MarketData storage m = _market(marketId);
        if (m.active && !models.modelOf(m.modelId).approved) {
            m.active = false;
            emit MarketStopped(marketId);
        }
    }

    /// @inheritdoc ISpotMarket
    function syncPolicy(uint32 marketId) external {
        _syncPolicy(marketId, _market(marketId));
    }

    /// @notice Sets the treasury; fees the old treasury has not withdrawn stay owed to it. Fees still pending in
    /// providers' accounts go to the treasury in office when they are flushed.
    function setTreasury(address newTreasury) external restricted {
        if (newTreasury == address(0)) revert ZeroAddress();
        uint96 fees = _treasuryFees;
        if (fees != 0) _credit(_treasury, fees, 0, 0);
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
        if (expiresAt <= block.timestamp || expiresAt > type(uint32).max) revert InvalidExpiry(expiresAt);
        if (!registry.isRegistered(msg.sender)) revert NotRegistered(msg.sender);
        uint32 vram = registry.vramOf(msg.sender);
        if (vram < m.minVramMb) revert InsufficientVram(msg.sender, vram, m.minVramMb);
        if (!attestations.isEligible(msg.sender, m.policyClass)) revert NotEligible(msg.sender, m.policyClass);

        uint40 id = _nextOrderId();
        orderId = id;
        emit AskPlaced(id, marketId, msg.sender, tick, capacity, expiresAt);
        uint96 collateral = m.collateralPerJob;
        (uint32 left, bool rest) = _fillBids(
            FillContext({
                marketId: marketId,
                askId: id,
                termsFrom: m.termsFrom,
                feeBps: m.feeBps,
                callbackGasLimit: m.callbackGasLimit,
                collateral: collateral,
                minDeadline: block.timestamp + m.minJobWindow
            }),
            tick,
            capacity
        );
        uint32 resting = rest ? left : 0;
        uint256 units = capacity - left + resting;
        if (units != 0) registry.lockCollateral(msg.sender, units * collateral);
        if (resting != 0) {
            _writeOrder(id, _orderWord0(marketId, tick, Side.Ask, resting), _orderWord1(expiresAt, false, collateral), 0);
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
        // solhint-disable no-empty-blocks
        try IERC20Permit(address(paymentToken)).permit(
            msg.sender, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s
        ) {} catch {}
        // solhint-enable no-empty-blocks
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
    function submitResult(uint256 jobId, JobTerms calldata terms, uint256[] calldata output, bytes calldata proof)
        external
    {
        _settle(jobId, terms, output, proof);
        if (terms.callback) {
            _callback(
                jobId,
                terms.buyer,
                abi.encodeCall(IInferenceConsumer.onInferenceResult, (jobId, output)),
                terms.callbackGasLimit
            );
        }
    }

    /// @inheritdoc ISpotMarket
    function decline(uint256 jobId, JobTerms calldata terms) external nonReentrant {
        _close(jobId, terms, JobStatus.Declined);
        address provider = terms.provider;
        if (provider != msg.sender) revert NotJobProvider(jobId, msg.sender);
        uint64 deadline = terms.deadline;
        if (block.timestamp > deadline) revert DeadlinePassed(jobId, deadline);
        _credit(terms.buyer, terms.price, 0, 0);
        _credit(provider, 0, 0, terms.collateral);
        emit JobDeclined(jobId, provider);
    }

    /// @inheritdoc ISpotMarket
    /// @dev The caller pays for the consumer callback, which the buyer asked for (the buyer is the one with a
    /// refund to collect).
    function expire(uint256 jobId, JobTerms calldata terms) external {
        _expire(jobId, terms);
        if (terms.callback) {
            _callback(
                jobId, terms.buyer, abi.encodeCall(IInferenceConsumer.onInferenceExpired, (jobId)), terms.callbackGasLimit
            );
        }
    }

    /// @inheritdoc ISpotMarket
    /// @dev Reverts with `NothingToWithdraw` only when nothing is owed, pending or releasable.
    function withdraw(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        uint256 word = _accounts[msg.sender];
        delete _accounts[msg.sender];
        amount = word & MAX96;
        if (amount == MAX96) {
            amount = _owedSpill[msg.sender];
            delete _owedSpill[msg.sender];
        }
        uint256 fee = (word >> FEE_SHIFT) & MAX64;
        uint256 releasable = word >> RELEASABLE_SHIFT;
        // Flushed first, so that a treasury that is also a provider withdraws its own fee too.
        if (fee != 0) _flushFee(msg.sender, fee);
        if (msg.sender == _treasury) {
            amount += _treasuryFees;
            _treasuryFees = 0;
        }
        if (amount | releasable | fee == 0) revert NothingToWithdraw(msg.sender);
        if (releasable != 0) _release(msg.sender, releasable);
        if (amount != 0) {
            emit Withdrawal(msg.sender, to, amount);
            paymentToken.safeTransfer(to, amount);
        }
    }

    /// @inheritdoc ISpotMarket
    /// @dev Also moves the caller's pending protocol fees to the treasury.
    function releaseCollateral() external nonReentrant returns (uint256 amount) {
        uint256 word = _accounts[msg.sender];
        amount = word >> RELEASABLE_SHIFT;
        if (amount == 0) revert NothingToRelease(msg.sender);
        _accounts[msg.sender] = word & MAX96;
        uint256 fee = (word >> FEE_SHIFT) & MAX64;
        if (fee != 0) _flushFee(msg.sender, fee);
        _release(msg.sender, amount);
    }

    /// @inheritdoc ISpotMarket
    function flushFees(address provider) external nonReentrant returns (uint256 fee) {
        uint256 word = _accounts[provider];
        fee = (word >> FEE_SHIFT) & MAX64;
        if (fee != 0) {
            _accounts[provider] = word & ~(MAX64 << FEE_SHIFT);
            _flushFee(provider, fee);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @notice The treasury.
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc ISpotMarket
    function owed(address account) external view returns (uint256 amount) {
        amount = _accounts[account] & MAX96;
        if (amount == MAX96) amount = _owedSpill[account];
        if (account == _treasury) amount += _treasuryFees;
    }

    /// @inheritdoc ISpotMarket
    function pendingFeesOf(address provider) external view returns (uint256) {
        return (_accounts[provider] >> FEE_SHIFT) & MAX64;
    }

    /// @inheritdoc ISpotMarket
    function releasableOf(address provider) external view returns (uint256) {
        return _accounts[provider] >> RELEASABLE_SHIFT;
    }

    /// @inheritdoc ISpotMarket
    function jobOf(uint256 jobId) external view returns (JobStatus status, bytes32 commitment) {
        bytes32 slot = _jobs[jobId];
        status = _statusOf(slot);
        if (status == JobStatus.Matched) commitment = slot;
    }

    /// @inheritdoc ISpotMarket
    function jobStatus(uint256 jobId) external view returns (JobStatus) {
        return _statusOf(_jobs[jobId]);
    }


    /// @inheritdoc ISpotMarket
    function hashJob(JobTerms calldata terms) external pure returns (bytes32) {
        return _hashCalldata(terms);
    }

    /// @inheritdoc ISpotMarket
    function marketOf(uint32 marketId) external view returns (MarketInfo memory) {
        MarketData storage m = _market(marketId);
        return MarketInfo({
            modelId: m.modelId,
            policyClass: m.policyClass,
            params: _params(m),
            verifier: address(m.verifier),
            open: m.open,
            settleBy: m.settleBy
        });
    }

    /// @inheritdoc ISpotMarket
    function marketIdOf(bytes32 modelId, uint32 policyClass) external view returns (uint32) {
        return _marketIds[keccak256(abi.encode(modelId, policyClass))];
    }

    /// @inheritdoc ISpotMarket
    function marketCount() external view returns (uint32) {
        return _marketCount;
    }


    /// @inheritdoc ISpotMarket
    function bestTick(uint32 marketId, Side side) public view returns (bool exists, uint16 tick) {
        TickBitmap.Bitmap storage b = _bitmaps[marketId][side];
        return side == Side.Ask ? b.lowest() : b.highest();
    }

    /// @inheritdoc ISpotMarket
    function orderOf(uint256 orderId) external view returns (OrderView memory) {
        OrderQueue.Order storage o = _orders[orderId];
        return OrderView({
            owner: o.owner,
            marketId: o.marketId,
            side: Side(o.side),
            tick: o.tick,
            remaining: o.remaining - o.filled,
            expiry: o.expiry,
            callback: o.callback,
            amount: o.amount,
            inputHash: o.inputHash,
            prev: o.prev,
            next: o.next
        });
    }

    /// @inheritdoc ISpotMarket
    function levelOf(uint32 marketId, Side side, uint16 tick) public view returns (LevelView memory) {
        OrderQueue.Level storage level = _levels[marketId][side][tick];
        uint40 head = level.head;
        return LevelView({tick: tick, orders: level.orders, quantity: level.quantity - _orders[head].filled, head: head});
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
        if (r.inputHash >= SNARK_SCALAR_FIELD) revert InvalidInputHash(r.inputHash);
        if (
            r.deadline > type(uint32).max || r.deadline < block.timestamp + m.minJobWindow
                || r.deadline > block.timestamp + m.maxJobWindow
        ) revert InvalidDeadline(r.deadline);
        (bool found, uint16 askTick, uint40 askId, bool exhausted) =
            _bestLiveAsk(r.marketId, m.open, m.policyClass, m.termsFrom, r.maxTick);
        if (exhausted) return (0, 0);
        uint40 id = _nextOrderId();
        orderId = id;
        _emitBidPlaced(id, r, inputRef);
        uint96 tickSize = m.tickSize;
        // The premium pays the provider for the callback's gas: the buyer asked for it.
        uint96 premium = r.callback ? m.callbackPremium : 0;
        if (found) {
            uint96 price = uint96(askTick) * tickSize + premium;
            _matchAsk(r, m, askTick, askId, id, price);
            jobId = id;
            paymentToken.safeTransferFrom(msg.sender, address(this), price);
        } else {
            uint96 escrow = uint96(r.maxTick) * tickSize + premium;
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
    /// most `MAX_SWEEP` stale asks on the way (expired, provider no longer eligible, or placed under older
    /// market params). `exhausted` is set when the sweep budget ran out while the book
    /// still crossed (the bid must then not rest, or the book would be crossed). An open policy class needs
    /// no attestation, so its eligibility is not asked for.
    function _bestLiveAsk(uint32 marketId, bool open, uint32 policyClass, uint40 termsFrom, uint16 maxTick)
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
            if (
                a.expiry > block.timestamp && askId >= termsFrom
                    && (open || attestations.isEligible(a.owner, policyClass))
            ) {
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

    /// @dev Takes one unit of ask `askId` (the head of `askTick`) for bid `bidId` and opens job `bidId`.
    function _matchAsk(
        BidRequest memory r,
        MarketData storage m,
        uint16 askTick,
        uint40 askId,
        uint40 bidId,
        uint96 price
    ) private {
        OrderQueue.Order storage a = _orders[askId];
        JobTerms memory terms = JobTerms({
            buyer: msg.sender,
            provider: a.owner,
            marketId: r.marketId,
            price: price,
            collateral: a.amount,
            deadline: r.deadline,
            inputHash: r.inputHash,
            callback: r.callback,
            feeBps: m.feeBps,
            callbackGasLimit: m.callbackGasLimit
        });
        uint32 remaining = a.remaining;
        uint32 filled = a.filled;
        unchecked {
            if (remaining - filled == 1) {
                if (_levels[r.marketId][Side.Ask][askTick].remove(_orders, askId, remaining)) {
                    _bitmaps[r.marketId][Side.Ask].clear(askTick);
                }
                _clearOrder(askId, false);
            } else {
                // The ask is its level's head: only its slot 1 changes (see OrderQueue.Level).
                a.filled = filled + 1;
            }
        }
        _openJob(bidId, askId, terms);
    }

    /// @notice Fills crossing resting bids (highest first, FIFO) with up to `capacity` units of the arriving ask.
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
            if (b.expiry < ctx.minDeadline || bidId < ctx.termsFrom) {
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

    /// @dev Turns resting bid `bidId` (head of `bidTick`) into job `bidId` for the arriving ask.
    function _takeBid(FillContext memory ctx, uint16 bidTick, uint40 bidId) private {
        uint32 marketId = ctx.marketId;
        OrderQueue.Order storage b = _orders[bidId];
        JobTerms memory terms = JobTerms({
            buyer: b.owner,
            provider: msg.sender,
            marketId: marketId,
            price: b.amount,
            collateral: ctx.collateral,
            deadline: b.expiry,
            inputHash: b.inputHash,
            callback: b.callback,
            feeBps: ctx.feeBps,
            callbackGasLimit: ctx.callbackGasLimit
        });
        if (_levels[marketId][Side.Bid][bidTick].remove(_orders, bidId, 1)) {
            _bitmaps[marketId][Side.Bid].clear(bidTick);
        }
        _clearOrder(bidId, true);
        _openJob(bidId, ctx.askId, terms);
    }

    /// @dev Stores the job's commitment (its only slot) and publishes the terms its bid's `BidPlaced` lacks.
    function _openJob(uint40 jobId, uint40 askId, JobTerms memory terms) private {
        _jobs[jobId] = _hashMemory(terms);
        emit JobMatched(
            jobId, terms.provider, askId, terms.price, terms.collateral, terms.feeBps, terms.callbackGasLimit
        );
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

    /// @dev Slot 1 of a new order (prev = next = filled = 0), in OrderQueue.Order's layout; `expiry` fits 32 bits.
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
        uint32 filled = o.filled;
        address owner = o.owner;
        uint96 amount = o.amount;
        if (_levels[marketId][side][tick].remove(_orders, id, remaining)) _bitmaps[marketId][side].clear(tick);
        _clearOrder(id, side == Side.Bid);
        if (side == Side.Bid) {
            _credit(owner, amount, 0, 0);
        } else {
            registry.unlockCollateral(owner, uint256(remaining - filled) * amount);
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

    function _settle(uint256 jobId, JobTerms calldata terms, uint256[] calldata output, bytes calldata proof)
        private
        nonReentrant
    {
        _close(jobId, terms, JobStatus.Settled);
        address provider = terms.provider;
        MarketData storage m = _markets[terms.marketId];
        // The verifier may settle too: an optimistic tier's settlement contract finalizes a job for anyone once its
        // committed result is final, and the payment still goes to `terms.provider`.
        if (provider != msg.sender && msg.sender != address(m.verifier)) revert NotJobProvider(jobId, msg.sender);
        uint64 deadline = terms.deadline;
        if (block.timestamp > deadline) revert DeadlinePassed(jobId, deadline);
        uint32 settleBy = m.settleBy;
        if (settleBy != 0 && block.timestamp > settleBy) revert MarketRetired(terms.marketId);
        if (!m.verifier.verifyInference(terms.inputHash, output, proof)) revert InvalidProof(jobId);

        uint96 price = terms.price;
        uint96 fee = uint96((uint256(price) * terms.feeBps) / BPS);
        uint96 providerAmount = price - fee;
        _credit(provider, providerAmount, fee, terms.collateral);
        emit JobSettled(jobId, provider, output, providerAmount, fee);
    }

    /// @dev Ends a job that can no longer settle. The provider is slashed only if it had its whole window: a job
    /// whose market's verifier was retired before its deadline is voided once `settleBy` passed.
    function _expire(uint256 jobId, JobTerms calldata terms) private nonReentrant {
        uint64 deadline = terms.deadline;
        uint32 settleBy = _markets[terms.marketId].settleBy;
        bool voided = settleBy != 0 && settleBy < deadline;
        if (block.timestamp <= (voided ? settleBy : deadline)) revert JobStillOpen(jobId);
        _close(jobId, terms, voided ? JobStatus.Voided : JobStatus.Expired);
        _credit(terms.buyer, terms.price, 0, 0);
        if (voided) {
            _credit(terms.provider, 0, 0, terms.collateral);
            emit JobVoided(jobId, msg.sender);
            return;
        }
        // All of it to the treasury: a share to the buyer or to the caller would pay whoever can cause the
        // expiry (a buyer withholding its input, a provider expiring its own job from another address).
        uint256 slashed = terms.collateral;
        address[] memory recipients = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        recipients[0] = _treasury;
        amounts[0] = slashed;
        registry.slashCollateral(terms.provider, slashed, recipients, amounts);
        emit JobExpired(jobId, msg.sender, slashed);
    }

    /// @dev Moves job `jobId` out of Matched to `status` if `terms` are the ones it committed to.
    function _close(uint256 jobId, JobTerms calldata terms, JobStatus status) private {
        bytes32 stored = _jobs[jobId];
        if (stored != _hashCalldata(terms)) {
            JobStatus current = _statusOf(stored);
            if (current != JobStatus.Matched) revert JobNotMatched(jobId, current);
            revert InvalidJobTerms(jobId);
        }
        _jobs[jobId] = bytes32(uint256(status));
    }

    /// @dev A job's slot holds its terms hash while Matched, its final status after; zero for no job.
    function _statusOf(bytes32 slot) private pure returns (JobStatus) {
        uint256 value = uint256(slot);
        return value < FIRST_HASH ? JobStatus(value) : JobStatus.Matched;
    }

    /// @dev keccak256(abi.encode(terms)) over the raw calldata words: a non-canonical encoding (dirty high
    /// bits) hashes differently and so can never match a commitment, which was made from clean values.
    function _hashCalldata(JobTerms calldata terms) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, terms, TERMS_SIZE)
            h := keccak256(ptr, TERMS_SIZE)
        }
    }

    /// @dev A memory struct of static fields is laid out exactly as its ABI encoding (one clean word each).
    function _hashMemory(JobTerms memory terms) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(terms, TERMS_SIZE)
        }
    }

    /// @dev Adds to `account`'s owed payment, pending fee and releasable collateral with one read and one write
    /// (inputs below 2^128). A field that would overflow is flushed at once, whole, instead of reverting: owed
    /// moves to `_owedSpill` (the field stays at MAX96), the pending fee goes to the treasury, releasable
    /// collateral goes back to the registry.
    function _credit(address account, uint256 amount, uint256 fee, uint256 collateral) private {
        uint256 word = _accounts[account];
        uint256 owedField = word & MAX96;
        uint256 feeField = (word >> FEE_SHIFT) & MAX64;
        uint256 releasable = word >> RELEASABLE_SHIFT;
        unchecked {
            owedField += amount;
            if (owedField >= MAX96) {
                // At MAX96 the spill already holds the whole owed amount; below, the field moves there.
                _owedSpill[account] += owedField - (word & MAX96 == MAX96 ? MAX96 : 0);
                owedField = MAX96;
            }
            feeField += fee;
            if (feeField > MAX64) {
                _flushFee(account, feeField);
                feeField = 0;
            }
            releasable += collateral;
            if (releasable > MAX96) {
                _release(account, releasable);
                releasable = 0;
            }
        }
        _accounts[account] = owedField | (feeField << FEE_SHIFT) | (releasable << RELEASABLE_SHIFT);
    }

    /// @dev Moves `provider`'s pending protocol fee (already taken out of its account word) to the treasury.
    function _flushFee(address provider, uint256 fee) private {
        _creditTreasury(fee);
        emit FeesFlushed(provider, fee);
    }

    /// @dev Hands `amount` of `provider`'s settled jobs' collateral back to its free stake.
    function _release(address provider, uint256 amount) private {
        registry.unlockCollateral(provider, amount);
        emit CollateralReleased(provider, amount);
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

    /// @dev Adds `fee` (below 2^128) to the treasury's fees, in the treasury's slot while they fit in 96 bits,
    /// else to its account.
    function _creditTreasury(uint256 fee) private {
        uint256 fees = _treasuryFees + fee;
        if (fees <= MAX96) {
            _treasuryFees = uint96(fees);
            return;
        }
        _credit(_treasury, fee, 0, 0);
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals: markets
    // ------------------------------------------------------------------------------------------------------

    function _market(uint32 marketId) private view returns (MarketData storage m) {
        m = _markets[marketId];
        if (m.tickSize == 0) revert MarketNotFound(marketId);
    }

    /// @dev Caches whether the policy class is open (defined, no claim), so matching can skip the registry.
    function _syncPolicy(uint32 marketId, MarketData storage m) private {
        uint32 policyClass = m.policyClass;
        bool open =
            attestations.claimsOf(policyClass).length == 0 && attestations.isEligible(address(0), policyClass);
        m.open = open;
        emit PolicySynced(marketId, open);
    }

    function _validate(MarketParams calldata p) private pure {
        if (
            p.tickSize == 0 || p.collateralPerJob == 0 || p.feeBps > BPS || p.maxAskCapacity == 0
                || p.maxJobWindow == 0 || p.minJobWindow > p.maxJobWindow
        ) revert InvalidParams();
    }

    /// @dev Writes the policy fields of a market, keeping the cached model / class fields.
    function _writeParams(MarketData storage m, MarketParams calldata p) private {
        m.tickSize = p.tickSize;
        m.minJobWindow = p.minJobWindow;
        m.maxJobWindow = p.maxJobWindow;
        m.maxAskCapacity = p.maxAskCapacity;
        m.active = p.active;
        m.feeBps = p.feeBps;
        m.callbackGasLimit = p.callbackGasLimit;
        m.collateralPerJob = p.collateralPerJob;
        m.callbackPremium = p.callbackPremium;
    }

    function _params(MarketData storage m) private view returns (MarketParams memory) {
        return MarketParams({
            tickSize: m.tickSize,
            collateralPerJob: m.collateralPerJob,
            callbackPremium: m.callbackPremium,
            feeBps: m.feeBps,
            minJobWindow: m.minJobWindow,
            maxJobWindow: m.maxJobWindow,
            callbackGasLimit: m.callbackGasLimit,
            maxAskCapacity: m.maxAskCapacity,
            active: m.active
        });
    }
}
