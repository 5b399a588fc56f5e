// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

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

    /// @notice A job's state. `None`: no job has this id (not issued, an ask, a bid still resting, or a bid that
    /// was cancelled or swept). `Matched`: open, awaiting a result. `Settled`: the proof verified, the provider was
    /// paid (`JobSettled`). `Expired`: no result by the deadline; the buyer was refunded and the provider's
    /// collateral slashed (`JobExpired`). `Declined`: the provider refused the job before its deadline (an input it
    /// could not obtain or prove); the buyer was refunded, nobody was slashed (`JobDeclined`). `Voided`: governance
    /// retired the market's verifier before the job could settle; the buyer was refunded, nobody was slashed
    /// (`JobVoided`). A job leaves `Matched` exactly once.
    enum JobStatus {
        None,
        Matched,
        Settled,
        Expired,
        Declined,
        Voided
    }

    /// @notice Policy of one market, owned by governance. A change applies only to orders placed and jobs made
    /// after it: resting orders placed before it are refunded (never filled) when matching meets them, and a
    /// job carries its fee and callback gas cap in its `JobTerms`.
    struct MarketParams {
        uint96 tickSize; // payment-token units per tick
        uint96 collateralPerJob; // governance-token units locked per unit of ask capacity
        uint96 callbackPremium; // payment-token units a callback job adds to its price (the provider pays that gas)
        uint16 feeBps; // protocol fee on each settled job, to the treasury
        uint32 minJobWindow; // a bid's deadline is at least this many seconds after the block that includes it
        uint32 maxJobWindow; // ... and at most this many (bounds how long a job can hold collateral)
        uint32 callbackGasLimit; // gas cap for consumer callbacks
        uint32 maxAskCapacity; // bound on jobs one ask can take (bounds the matching loop)
        bool active; // new orders accepted
    }

    /// @notice A market's model, policy class and params, with what the market cached: the model's verifier, whether
    /// the class requires no claim (`open`, as last synced) and, once the verifier is retired, `settleBy`.
    struct MarketInfo {
        bytes32 modelId;
        uint32 policyClass;
        MarketParams params;
        address verifier;
        bool open;
        uint32 settleBy;
    }

    /// @notice Everything a job's settlement needs. The market stores only `keccak256(abi.encode(terms))`
    /// (see `hashJob`) while the job is open; `submitResult` / `expire` take the terms back as calldata and
    /// check them against that commitment.
    ///
    /// Rebuilding the terms from events: a job's id is its bid's order id, so join `JobMatched(jobId, ...)` with
    /// `BidPlaced(orderId == jobId, ...)`. From `BidPlaced`: `buyer`, `marketId`, `deadline`, `inputHash`,
    /// `callback`. From `JobMatched`: `provider`, `price` (the traded price: the ask's for a bid that matched on
    /// arrival, the bid's escrow for a resting bid filled later; a callback job's includes the market's
    /// `callbackPremium`), `collateral`, `feeBps`, `callbackGasLimit` (the market's, fixed at match). A bid that matched on arrival
    /// emits both events in one transaction (`BidPlaced` first); a resting bid filled by an arriving ask emitted
    /// its `BidPlaced` when it was placed, earlier. `@sovra/contracts` exports `jobTermsFromEvents` and
    /// `hashJobTerms` for this.
    struct JobTerms {
        address buyer;
        address provider;
        uint32 marketId;
        uint96 price; // escrowed payment
        uint96 collateral; // provider collateral locked for the job (the ask's per-unit reservation)
        uint64 deadline; // last second a result is accepted
        uint256 inputHash;
        bool callback; // call the buyer back (IInferenceConsumer) on settlement / expiry
        uint16 feeBps; // the market's protocol fee when the job was made
        uint32 callbackGasLimit; // the market's callback gas cap when the job was made
    }

    /// @notice Governance opened market `marketId` for a model and a policy class.
    event MarketCreated(uint32 indexed marketId, bytes32 indexed modelId, uint32 indexed policyClass, MarketParams params);
    /// @notice New params for orders placed and jobs made from now on.
    event MarketParamsUpdated(uint32 indexed marketId, MarketParams params);
    /// @notice Protocol fees and slashes go to `treasury` from now on.
    event TreasuryUpdated(address treasury);
    /// @notice A provider offered `capacity` jobs at `tick` until `expiresAt`.
    event AskPlaced(uint256 indexed orderId, uint32 indexed marketId, address indexed provider, uint16 tick, uint32 capacity, uint64 expiresAt);
    /// @notice A buyer bid for one job: the input's hash and where to get it, the deadline, whether to call back.
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
    /// @notice The owner cancelled a resting order (bid escrow owed back, ask reservation unlocked).
    event OrderCancelled(uint256 indexed orderId, Side side);
    /// @notice Matching removed a stale resting order (expired, ineligible, or placed under older params) and
    /// refunded it.
    event OrderRemoved(uint256 indexed orderId, Side side);
    /// @notice Job `jobId` opened: the bid with order id `jobId` (see its `BidPlaced`) traded with ask `askId` of
    /// `provider` at `price`, locking `collateral`. Carries only what `BidPlaced` does not (see `JobTerms`).
    event JobMatched(
        uint256 indexed jobId,
        address indexed provider,
        uint256 askId,
        uint96 price,
        uint96 collateral,
        uint16 feeBps,
        uint32 callbackGasLimit
    );
    /// @notice The job's proof verified: `providerAmount` is owed to the provider, `fee` pends for the treasury.
    event JobSettled(uint256 indexed jobId, address indexed provider, uint256[] output, uint96 providerAmount, uint96 fee);
    /// @notice No result by the deadline: the buyer is owed the price back, the provider's collateral for the job
    /// went to the treasury.
    event JobExpired(uint256 indexed jobId, address indexed caller, uint256 slashed);
    /// @notice The provider refused the job (input unavailable or unprovable): the buyer is owed the price back,
    /// the collateral is releasable to the provider.
    event JobDeclined(uint256 indexed jobId, address indexed provider);
    /// @notice The market's verifier was retired before the job could settle: refund, no slash.
    event JobVoided(uint256 indexed jobId, address indexed caller);
    /// @notice Governance retired the market's verifier: open jobs settle until `settleBy`, then are voided.
    event VerifierRetired(uint32 indexed marketId, uint32 settleBy);
    /// @notice The market stopped taking orders because its model is no longer approved in the model registry.
    event MarketStopped(uint32 indexed marketId);
    /// @notice Whether the consumer callback of job `jobId` succeeded (it can never block the job).
    event CallbackResult(uint256 indexed jobId, bool success);
    /// @notice `account` withdrew `amount` of payment tokens to `to`.
    event Withdrawal(address indexed account, address indexed to, uint256 amount);
    /// @notice Collateral of settled jobs handed back to the provider's free stake in the registry.
    event CollateralReleased(address indexed provider, uint256 amount);
    /// @notice Protocol fees of `provider`'s settlements, pending in its account, moved to the treasury.
    event FeesFlushed(address indexed provider, uint256 amount);
    /// @notice The market re-read whether its policy class requires any claim.
    event PolicySynced(uint32 indexed marketId, bool open);

    /// @notice A resting order as the UI and the provider node read it.
    struct OrderView {
        address owner;
        uint32 marketId;
        Side side;
        uint16 tick;
        uint32 remaining; // ask: unfilled capacity; bid: 1
        uint64 expiry; // ask: expiresAt; bid: job deadline
        bool callback;
        uint96 amount; // bid: escrowed payment; ask: collateral reserved per unit (each job takes one)
        uint256 inputHash; // bid only
        uint256 prev; // previous order in the tick's FIFO (0 = head)
        uint256 next; // next order in the tick's FIFO (0 = tail)
    }

    /// @notice One price level of one side of a book.
    struct LevelView {
        uint16 tick;
        uint32 orders;
        uint64 quantity; // asks: total unfilled capacity; bids: number of bids
        uint256 head; // first order id in FIFO order
    }

    /// @notice Permit data for `placeBidWithPermit` (EIP-2612 on the payment token).
    struct PermitData {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    error MarketNotFound(uint32 marketId);
    error MarketExists(bytes32 modelId, uint32 policyClass);
    error ModelNotApproved(bytes32 modelId);
    error InvalidParams();
    error MarketInactive(uint32 marketId);
    error InvalidTick(uint16 tick);
    error InvalidCapacity(uint32 capacity);
    /// @notice An ask's `expiresAt` is not in the future or does not fit 32 bits (after year 2106).
    error InvalidExpiry(uint64 expiresAt);
    error InvalidDeadline(uint64 deadline);
    /// @notice The input hash is not an element of the BN254 scalar field, so no proof can ever match it.
    error InvalidInputHash(uint256 inputHash);
    /// @notice The market's verifier was retired (settlement after `settleBy`, or re-activation).
    error MarketRetired(uint32 marketId);
    /// @notice `expire` before the job's deadline (and before its market's `settleBy`, if retired).
    error JobStillOpen(uint256 jobId);
    error NotRegistered(address provider);
    error InsufficientVram(address provider, uint32 vramMb, uint32 minVramMb);
    error NotEligible(address provider, uint32 policyClass);
    error OrderNotFound(uint256 orderId);
    error NotOrderOwner(uint256 orderId, address caller);
    error JobNotMatched(uint256 jobId, JobStatus status);
    error InvalidJobTerms(uint256 jobId);
    error NotJobProvider(uint256 jobId, address caller);
    error DeadlinePassed(uint256 jobId, uint64 deadline);
    error InvalidProof(uint256 jobId);
    error InsufficientCallbackGas(uint256 jobId);
    error NothingToWithdraw(address account);
    error NothingToRelease(address provider);
    error ZeroAddress();

    /// @notice Governance opens the book of an approved model for one policy class; returns the market's id.
    function createMarket(bytes32 modelId, uint32 policyClass, MarketParams calldata params) external returns (uint32);
    /// @notice Replaces a market's policy for orders placed and jobs made from now on (see `MarketParams`).
    function setMarketParams(uint32 marketId, MarketParams calldata params) external;
    /// @notice Governance retires the market's verifier (for instance found forgeable): the market takes no more
    /// orders, open jobs may settle with it until `settleBy` (at least now), and after that anyone may `expire`
    /// them as voided (buyer refunded, no slash). A retired market cannot be re-activated: register a new model.
    function retireVerifier(uint32 marketId, uint32 settleBy) external;
    /// @notice Anyone may stop a market whose model the model registry no longer approves (no new orders).
    function syncModel(uint32 marketId) external;
    /// @notice Governance sets the treasury (fees the old one has not withdrawn stay owed to it).
    function setTreasury(address treasury) external;
    /// @notice Re-reads whether the market's policy class requires claims (anyone may call; governance
    /// should call it in the proposal that redefines a class). Open classes skip the eligibility call at match.
    function syncPolicy(uint32 marketId) external;

    /// @notice List `capacity` jobs at `tick` until `expiresAt` (at most 2^32 - 1); reserves `capacity * collateralPerJob` of the caller's stake.
    /// Crossing resting bids are filled first at their prices. Returns the ask's id (as in `AskPlaced` and
    /// `JobMatched.askId`); it rests only with the capacity left unmatched. When `MAX_SWEEP` stale bids were
    /// removed and the book still crosses, the rest does not rest (and reserves nothing): place it again.
    function placeAsk(uint32 marketId, uint16 tick, uint32 capacity, uint64 expiresAt) external returns (uint256 orderId);

    /// @notice Buy one job at `maxTick` or better; escrows the price (only the traded price if it matches now).
    /// @return orderId The bid's id (as in `BidPlaced` and `JobMatched.jobId`); it rests only when `jobId` is 0.
    /// Both are 0 when the bid could not be placed because `MAX_SWEEP` stale asks were removed first (retry).
    /// @return jobId The job's id (equal to `orderId`) when it matched at once, else 0.
    function placeBid(uint32 marketId, uint16 maxTick, uint256 inputHash, bytes calldata inputRef, uint64 deadline, bool callback)
        external
        returns (uint256 orderId, uint256 jobId);

    /// @notice `placeBid` after trying `permit` on the payment token (a failed permit is ignored, so a
    /// front-run permit or an existing allowance still works).
    function placeBidWithPermit(
        uint32 marketId,
        uint16 maxTick,
        uint256 inputHash,
        bytes calldata inputRef,
        uint64 deadline,
        bool callback,
        PermitData calldata permit
    ) external returns (uint256 orderId, uint256 jobId);

    /// @notice Cancels the caller's resting order: a bid's escrow becomes owed to it, an ask's unused reservation
    /// is unlocked.
    function cancelOrder(uint256 orderId) external;

    /// @notice The job's provider delivers the output with a proof; pays out on success, reverts otherwise. The
    /// market's verifier may call it too (the optimistic tier's `finalize`, for anyone): the provider is paid all the
    /// same. `terms` are the job's terms as rebuilt from `BidPlaced` and `JobMatched` (see `JobTerms`). The provider
    /// is owed `price - fee`, the fee waits in its account for the treasury (`pendingFeesOf`), and the job's
    /// collateral becomes releasable (handed back to the registry by `withdraw` or `releaseCollateral`).
    function submitResult(uint256 jobId, JobTerms calldata terms, uint256[] calldata output, bytes calldata proof)
        external;

    /// @notice The job's provider refuses it before its deadline (the input could not be fetched, does not hash to
    /// `inputHash`, or does not fit the model): the buyer is owed the price back, the collateral becomes
    /// releasable, nobody is slashed and no callback is made (a consumer reads `jobStatus`).
    function decline(uint256 jobId, JobTerms calldata terms) external;

    /// @notice After the deadline anyone may expire an unsettled job: the buyer is owed the price back and the
    /// provider's collateral for the job goes to the treasury (no share to the buyer or the caller, so nobody
    /// profits from a slash). If the market's verifier was retired before the job's deadline, the job is voided
    /// instead once `settleBy` has passed: refund, collateral releasable, no slash.
    function expire(uint256 jobId, JobTerms calldata terms) external;

    /// @notice Pays the caller everything the market owes it to `to`, releases its releasable collateral and
    /// moves its pending protocol fees to the treasury.
    function withdraw(address to) external returns (uint256 amount);

    /// @notice Hands the caller's releasable collateral (from settled jobs) back to its free stake, and moves
    /// its pending protocol fees to the treasury.
    function releaseCollateral() external returns (uint256 amount);

    /// @notice Moves the protocol fees pending in `provider`'s account to the treasury (anyone may call, so the
    /// treasury never waits on a provider). Returns the amount moved (0: nothing pending, nothing done).
    function flushFees(address provider) external returns (uint256 fee);

    /// @notice Payment tokens `account` may withdraw. For the treasury: fees flushed so far (exact), not those
    /// still pending in providers' accounts (`pendingFeesOf`).
    function owed(address account) external view returns (uint256);
    /// @notice Protocol fees of `provider`'s settlements not yet moved to the treasury (they move on its
    /// `withdraw` / `releaseCollateral`, on `flushFees(provider)`, or at once if the 64-bit field would overflow).
    function pendingFeesOf(address provider) external view returns (uint256);
    /// @notice Collateral of `provider`'s settled jobs still locked in the registry until released.
    function releasableOf(address provider) external view returns (uint256);
    /// @notice The commitment the market holds for a job (`hashJob(terms)` while Matched, zero otherwise) and its
    /// status (see `JobStatus`).
    function jobOf(uint256 jobId) external view returns (JobStatus status, bytes32 commitment);
    /// @notice The job's state (see `JobStatus`).
    function jobStatus(uint256 jobId) external view returns (JobStatus);
    /// @notice The payment token (escrow, prices, payouts).
    function paymentToken() external view returns (IERC20);

    /// @notice `keccak256(abi.encode(terms))`, the commitment a matched job stores.
    function hashJob(JobTerms calldata terms) external pure returns (bytes32);
    /// @notice A market's model, policy class, params and cached verifier (see `MarketInfo`).
    function marketOf(uint32 marketId) external view returns (MarketInfo memory);
    /// @notice The best non-empty tick of one side of a book (asks: lowest; bids: highest).
    function bestTick(uint32 marketId, Side side) external view returns (bool exists, uint16 tick);
    /// @notice The market of (model, policy class); 0 when there is none.
    function marketIdOf(bytes32 modelId, uint32 policyClass) external view returns (uint32);
    /// @notice How many markets exist (ids run from 1 to this).
    function marketCount() external view returns (uint32);
    /// @notice A resting order (zero owner once filled, cancelled or removed).
    function orderOf(uint256 orderId) external view returns (OrderView memory);
    /// @notice One price level of one side of a book.
    function levelOf(uint32 marketId, Side side, uint16 tick) external view returns (LevelView memory);
    /// @notice The first non-empty tick at or worse than `tick` on one side (asks: at or above; bids: at or
    /// below). With `bestTick` and `levelOf` it walks a book level by level for depth charts.
    function nextTick(uint32 marketId, Side side, uint16 tick) external view returns (bool exists, uint16 next);
}
