// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AttestationRegistry} from "../contracts/attestations/AttestationRegistry.sol";
import {IInferenceVerifier} from "../contracts/interfaces/IInferenceVerifier.sol";
import {IProviderRegistry} from "../contracts/interfaces/IProviderRegistry.sol";
import {ISpotMarket} from "../contracts/interfaces/ISpotMarket.sol";
import {TickBitmap} from "../contracts/libraries/TickBitmap.sol";
import {SpotMarket} from "../contracts/market/SpotMarket.sol";
import {HashCommitVerifier} from "../contracts/mocks/HashCommitVerifier.sol";
import {ModelRegistry} from "../contracts/models/ModelRegistry.sol";
import {ProviderRegistry} from "../contracts/providers/ProviderRegistry.sol";
import {SovraToken} from "../contracts/token/SovraToken.sol";
import {TestStablecoin} from "../contracts/token/TestStablecoin.sol";

interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
    function warp(uint256) external;
    function prank(address) external;
    function startPrank(address) external;
    function stopPrank() external;
}

Vm constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

uint16 constant MAX_TICK = 40;

/// @dev Deploys the real core (registries, tokens, AccessManager) and a SpotMarket with one market.
contract MarketWorld {
    AccessManager public manager;
    SovraToken public sov;
    TestStablecoin public usd;
    ProviderRegistry public registry;
    AttestationRegistry public attestations;
    ModelRegistry public models;
    HashCommitVerifier public verifier;
    SpotMarket public market;
    address public constant TREASURY = address(0x7EA5);
    bytes32 public constant MODEL = keccak256("model");

    constructor() {
        manager = new AccessManager(address(this));
        sov = new SovraToken(address(this), 1e30);
        usd = new TestStablecoin();
        registry = new ProviderRegistry(address(manager), IERC20(address(sov)), 1 hours);
        attestations = new AttestationRegistry(address(manager));
        models = new ModelRegistry(address(manager));
        verifier = new HashCommitVerifier();
        market = new SpotMarket(
            address(manager), IERC20(address(usd)), registry, attestations, models, TREASURY
        );
        bytes4[] memory sels = new bytes4[](3);
        sels[0] = ProviderRegistry.lockCollateral.selector;
        sels[1] = ProviderRegistry.unlockCollateral.selector;
        sels[2] = ProviderRegistry.slashCollateral.selector;
        manager.setTargetFunctionRole(address(registry), sels, 1);
        manager.grantRole(1, address(market), 0);
        models.registerModel(
            MODEL,
            abi.encodePacked(hex"1220", keccak256("weights")),
            verifier.verifyingKeyHash(),
            IInferenceVerifier(address(verifier)),
            "",
            0
        );
        models.setModelApproved(MODEL, true);
        market.createMarket(MODEL, 0, params(1e18));
    }

    function params(uint96 collateralPerJob) public pure returns (ISpotMarket.MarketParams memory) {
        return ISpotMarket.MarketParams({
            tickSize: 1e4,
            collateralPerJob: collateralPerJob,
            callbackPremium: 0,
            feeBps: 300,
            minJobWindow: 100,
            maxJobWindow: 2200,
            callbackGasLimit: 100_000,
            maxAskCapacity: 4,
            active: true
        });
    }

    /// @dev Governance changes the collateral per job (this contract is the AccessManager's admin).
    function setCollateral(uint96 collateralPerJob) external {
        market.setMarketParams(1, params(collateralPerJob));
    }

    function fundProvider(address p) external {
        sov.transfer(p, 1000e18);
        vm.startPrank(p);
        registry.register(
            IProviderRegistry.HardwareProfile({
                gpuModel: "gpu", vramMb: 8192, throughputMilliOpsPerSec: 1, region: "eu", benchmarkReport: bytes32(uint256(1))
            })
        );
        sov.approve(address(registry), type(uint256).max);
        registry.stake(1000e18);
        vm.stopPrank();
    }
}

/// @dev Drives random place / cancel / match / settle / expire / withdraw sequences and keeps ghost records.
contract MarketHandler {
    MarketWorld public immutable world;
    SpotMarket public immutable market;
    TestStablecoin public immutable usd;
    address[3] public providers = [address(0xA1), address(0xA2), address(0xA3)];
    address[3] public buyers = [address(0xB1), address(0xB2), address(0xB3)];
    uint256[] public orderIds;
    uint256[] public jobIds;
    mapping(uint256 jobId => ISpotMarket.JobTerms) internal _terms;
    /// @dev What each bid's BidPlaced said (a resting bid's job is matched in a later call).
    mapping(uint256 orderId => ISpotMarket.JobTerms) internal _bids;
    mapping(uint256 jobId => uint256) public finalizations;
    /// @dev Payment tokens each buyer received from the faucet (its whole wealth: it can only spend it on jobs).
    uint256 public constant BUYER_FUNDS = 1000e6;
    bool public doubleFinalized;
    bool private _actorsSetUp;
    bool public tamperedSettled;

    constructor(MarketWorld world_) {
        world = world_;
        market = world_.market();
        usd = world_.usd();
    }

    /// @dev Runs once (the fuzzer also calls it: a second faucet round would hand the buyers new money).
    function setUpActors() external {
        if (_actorsSetUp) return;
        _actorsSetUp = true;
        for (uint256 i; i < 3; ++i) {
            world.fundProvider(providers[i]);
            vm.startPrank(buyers[i]);
            usd.faucet();
            usd.approve(address(market), type(uint256).max);
            vm.stopPrank();
        }
    }

    function orderCount() external view returns (uint256) {
        return orderIds.length;
    }

    function jobCount() external view returns (uint256) {
        return jobIds.length;
    }

    function termsOf(uint256 jobId) external view returns (ISpotMarket.JobTerms memory) {
        return _terms[jobId];
    }

    function actors() external view returns (address[] memory all) {
        all = new address[](7);
        for (uint256 i; i < 3; ++i) {
            all[i] = providers[i];
            all[3 + i] = buyers[i];
        }
        all[6] = address(this);
    }

    function placeAsk(uint256 who, uint16 tick, uint32 capacity, uint32 life) external {
        address p = providers[who % 3];
        tick = uint16(1 + (tick % MAX_TICK));
        capacity = uint32(1 + (capacity % 4));
        uint64 expiresAt = uint64(block.timestamp + 1 + (life % 2000));
        vm.prank(p);
        vm.recordLogs();
        try market.placeAsk(1, tick, capacity, expiresAt) returns (uint256 id) {
            orderIds.push(id);
        } catch {}
        _recordJobs();
    }

    function placeBid(uint256 who, uint16 tick, uint32 life) external {
        address b = buyers[who % 3];
        tick = uint16(1 + (tick % MAX_TICK));
        uint64 deadline = uint64(block.timestamp + 100 + (life % 2000));
        vm.recordLogs();
        vm.prank(b);
        try market.placeBid(1, tick, uint256(keccak256(abi.encode(b, tick, life))), "", deadline, false) returns (
            uint256 id, uint256
        ) {
            if (id != 0) orderIds.push(id);
        } catch {}
        _recordJobs();
    }

    function cancel(uint256 index) external {
        if (orderIds.length == 0) return;
        uint256 id = orderIds[index % orderIds.length];
        ISpotMarket.OrderView memory o = market.orderOf(id);
        if (o.owner == address(0)) return;
        vm.prank(o.owner);
        market.cancelOrder(id);
    }

    function submit(uint256 index, uint256 out) external {
        if (jobIds.length == 0) return;
        uint256 id = jobIds[index % jobIds.length];
        ISpotMarket.JobTerms memory t = _terms[id];
        uint256[] memory output = new uint256[](1);
        output[0] = out;
        bytes memory proof = abi.encode(keccak256(abi.encode(t.inputHash, output)));
        vm.prank(t.provider);
        try market.submitResult(id, t, output, proof) {
            if (++finalizations[id] > 1) doubleFinalized = true;
        } catch {}
    }

    /// @dev Settling with terms other than the committed ones (here: a higher price) must always fail.
    function submitTampered(uint256 index, uint96 extra) external {
        if (jobIds.length == 0) return;
        uint256 id = jobIds[index % jobIds.length];
        ISpotMarket.JobTerms memory t = _terms[id];
        t.price += 1 + (extra % 1e9);
        uint256[] memory output = new uint256[](1);
        bytes memory proof = abi.encode(keccak256(abi.encode(t.inputHash, output)));
        vm.prank(t.provider);
        try market.submitResult(id, t, output, proof) {
            tamperedSettled = true;
        } catch {}
    }

    /// @dev Anyone expires: a stranger, the buyer, or the job's own provider (which must not win back any of its
    /// slash by doing so).
    function expire(uint256 index, uint8 caller) external {
        if (jobIds.length == 0) return;
        uint256 id = jobIds[index % jobIds.length];
        ISpotMarket.JobTerms memory t = _terms[id];
        address who = caller % 3 == 0 ? address(this) : caller % 3 == 1 ? t.buyer : t.provider;
        vm.prank(who);
        try market.expire(id, t) {
            if (++finalizations[id] > 1) doubleFinalized = true;
        } catch {}
    }

    /// @dev The provider refuses a job (for instance an input that does not hash to the bid's inputHash).
    function decline(uint256 index) external {
        if (jobIds.length == 0) return;
        uint256 id = jobIds[index % jobIds.length];
        ISpotMarket.JobTerms memory t = _terms[id];
        vm.prank(t.provider);
        try market.decline(id, t) {
            if (++finalizations[id] > 1) doubleFinalized = true;
        } catch {}
    }

    function release(uint256 who) external {
        address p = providers[who % 3];
        if (market.releasableOf(p) == 0) return;
        vm.prank(p);
        market.releaseCollateral();
    }

    /// @dev Anyone may move a provider's pending fees to the treasury.
    function flushFees(uint256 who) external {
        market.flushFees(providers[who % 3]);
    }

    function withdraw(uint256 who) external {
        address a = who % 2 == 0 ? providers[who % 3] : buyers[who % 3];
        if (market.owed(a) == 0 && market.releasableOf(a) == 0 && market.pendingFeesOf(a) == 0) return;
        vm.prank(a);
        market.withdraw(a);
    }

    /// @dev Resting asks and open jobs must keep the collateral they reserved under the old setting.
    function setCollateral(uint8 units) external {
        world.setCollateral(uint96(1 + (units % 4)) * 0.5e18);
    }

    function warp(uint16 secs) external {
        vm.warp(block.timestamp + (secs % 1500));
    }

    /// @dev Records the terms of every job the last call matched, rebuilt from its JobMatched event and its
    /// bid's BidPlaced (as the provider node does).
    function _recordJobs() private {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(market)) continue;
            if (l.topics[0] == ISpotMarket.BidPlaced.selector) {
                ISpotMarket.JobTerms storage b = _bids[uint256(l.topics[1])];
                b.marketId = uint32(uint256(l.topics[2]));
                b.buyer = address(uint160(uint256(l.topics[3])));
                (, b.inputHash,, b.deadline, b.callback) = abi.decode(l.data, (uint16, uint256, bytes, uint64, bool));
                continue;
            }
            if (l.topics[0] != ISpotMarket.JobMatched.selector) continue;
            uint256 id = uint256(l.topics[1]);
            ISpotMarket.JobTerms memory t = _bids[id];
            require(t.buyer != address(0), "JobMatched without BidPlaced");
            t.provider = address(uint160(uint256(l.topics[2])));
            (, t.price, t.collateral, t.feeBps, t.callbackGasLimit) =
                abi.decode(l.data, (uint256, uint96, uint96, uint16, uint32));
            require(market.hashJob(t) == keccak256(abi.encode(t)), "hashJob");
            (ISpotMarket.JobStatus status, bytes32 commitment) = market.jobOf(id);
            require(status == ISpotMarket.JobStatus.Matched && commitment == keccak256(abi.encode(t)), "commitment");
            _terms[id] = t;
            jobIds.push(id);
        }
    }
}

contract SpotMarketInvariantTest {
    MarketWorld internal world;
    MarketHandler internal handler;
    SpotMarket internal market;

    function setUp() public {
        vm.warp(1_700_000_000);
        world = new MarketWorld();
        market = world.market();
        handler = new MarketHandler(world);
        handler.setUpActors();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice market token balance == resting bid escrow + open job escrow + owed + fees pending in providers'
    /// accounts (owed includes the treasury's flushed fees).
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_solvency() public view {
        uint256 expected;
        uint256 n = handler.orderCount();
        for (uint256 i; i < n; ++i) {
            ISpotMarket.OrderView memory o = market.orderOf(handler.orderIds(i));
            if (o.owner != address(0) && o.side == ISpotMarket.Side.Bid) expected += o.amount;
        }
        n = handler.jobCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.jobIds(i);
            if (market.jobStatus(id) == ISpotMarket.JobStatus.Matched) expected += handler.termsOf(id).price;
        }
        address[] memory actors = handler.actors();
        for (uint256 i; i < actors.length; ++i) {
            expected += market.owed(actors[i]);
        }
        expected += market.owed(world.TREASURY());
        for (uint256 i; i < 3; ++i) {
            expected += market.pendingFeesOf(handler.providers(i));
        }
        require(world.usd().balanceOf(address(market)) == expected, "market balance != escrow + jobs + owed + fees");
    }

    /// @notice Nobody profits from a slash: buyers never receive governance tokens and never end with more payment
    /// tokens than they started with (wallet + owed + resting escrow + open jobs' escrow); no provider ever holds
    /// more governance tokens (wallet + stake) than it was funded with; every slashed token reached the treasury.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_noSlashProfit() public view {
        uint256 n = handler.orderCount();
        address[3] memory buyers = [handler.buyers(0), handler.buyers(1), handler.buyers(2)];
        uint256[3] memory wealth;
        for (uint256 i; i < n; ++i) {
            ISpotMarket.OrderView memory o = market.orderOf(handler.orderIds(i));
            if (o.owner == address(0) || o.side != ISpotMarket.Side.Bid) continue;
            for (uint256 b; b < 3; ++b) {
                if (o.owner == buyers[b]) wealth[b] += o.amount;
            }
        }
        n = handler.jobCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.jobIds(i);
            if (market.jobStatus(id) != ISpotMarket.JobStatus.Matched) continue;
            ISpotMarket.JobTerms memory t = handler.termsOf(id);
            for (uint256 b; b < 3; ++b) {
                if (t.buyer == buyers[b]) wealth[b] += t.price;
            }
        }
        for (uint256 b; b < 3; ++b) {
            require(world.sov().balanceOf(buyers[b]) == 0, "a buyer received slashed collateral");
            wealth[b] += world.usd().balanceOf(buyers[b]) + market.owed(buyers[b]);
            require(wealth[b] <= handler.BUYER_FUNDS(), "a buyer ended with more than it had");
        }
        uint256 providersNow;
        for (uint256 i; i < 3; ++i) {
            address p = handler.providers(i);
            uint256 holdings = world.sov().balanceOf(p) + world.registry().stakeInfoOf(p).staked;
            require(holdings <= 1000e18, "a provider recovered part of its slash");
            providersNow += holdings;
        }
        require(3 * 1000e18 - providersNow == world.sov().balanceOf(world.TREASURY()), "slash not all to the treasury");
    }

    /// @notice A job leaves Matched at most once, and only with the terms it committed to.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_settlesOnce() public view {
        require(!handler.doubleFinalized(), "job finalized twice");
        require(!handler.tamperedSettled(), "settled with tampered terms");
    }

    /// @notice The book never crosses, and every level's FIFO is consistent with its counters and sides.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_bookOrdered() public view {
        (bool hasAsk, uint16 ask) = market.bestTick(1, ISpotMarket.Side.Ask);
        (bool hasBid, uint16 bid) = market.bestTick(1, ISpotMarket.Side.Bid);
        if (hasAsk && hasBid) require(bid < ask, "crossed book");
        for (uint8 s; s < 2; ++s) {
            ISpotMarket.Side side = ISpotMarket.Side(s);
            for (uint16 t = 1; t <= MAX_TICK; ++t) {
                ISpotMarket.LevelView memory l = market.levelOf(1, side, t);
                uint256 id = l.head;
                uint256 prev;
                uint256 count;
                uint256 quantity;
                while (id != 0) {
                    ISpotMarket.OrderView memory o = market.orderOf(id);
                    require(o.side == side && o.tick == t && o.prev == prev, "broken FIFO link");
                    require(prev < id, "FIFO out of time order");
                    quantity += o.remaining;
                    ++count;
                    prev = id;
                    id = o.next;
                }
                require(count == l.orders && quantity == l.quantity, "level counters");
                (bool exists, uint16 next) = market.nextTick(1, side, t);
                bool nonEmpty = exists && next == t;
                require(nonEmpty == (count != 0), "bitmap disagrees with level");
            }
        }
    }

    /// @notice Locked collateral in the registry equals resting asks' reservations + open jobs' collateral +
    /// settled jobs' collateral not yet released.
    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_collateral() public view {
        uint256 expected;
        uint256 n = handler.orderCount();
        for (uint256 i; i < n; ++i) {
            ISpotMarket.OrderView memory o = market.orderOf(handler.orderIds(i));
            if (o.owner != address(0) && o.side == ISpotMarket.Side.Ask) expected += uint256(o.remaining) * o.amount;
        }
        n = handler.jobCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.jobIds(i);
            if (market.jobStatus(id) == ISpotMarket.JobStatus.Matched) expected += handler.termsOf(id).collateral;
        }
        uint256 locked;
        for (uint256 i; i < 3; ++i) {
            address p = handler.providers(i);
            locked += world.registry().stakeInfoOf(p).locked;
            expected += market.releasableOf(p);
        }
        require(locked == expected, "locked collateral != asks + jobs + releasable");
    }
}

/// @dev TickBitmap against a naive model.
contract TickBitmapFuzzTest {
    using TickBitmap for TickBitmap.Bitmap;

    TickBitmap.Bitmap internal bitmap;
    mapping(uint16 => bool) internal isSetNaive;
    uint16[] internal setTicks;

    function testFuzz_lowestHighest(uint16[8] memory ticks, uint8 clearMask) public {
        for (uint256 i; i < 8; ++i) {
            bitmap.set(ticks[i]);
            isSetNaive[ticks[i]] = true;
        }
        for (uint256 i; i < 8; ++i) {
            if ((clearMask >> i) & 1 == 1) {
                bitmap.clear(ticks[i]);
                isSetNaive[ticks[i]] = false;
            }
        }
        bool any;
        uint16 lo = type(uint16).max;
        uint16 hi;
        for (uint256 i; i < 8; ++i) {
            uint16 t = ticks[i];
            require(bitmap.isSet(t) == isSetNaive[t], "isSet");
            if (isSetNaive[t]) {
                any = true;
                if (t < lo) lo = t;
                if (t > hi) hi = t;
            }
        }
        (bool e1, uint16 l) = bitmap.lowest();
        (bool e2, uint16 h) = bitmap.highest();
        require(e1 == any && e2 == any, "exists");
        if (any) {
            require(l == lo && h == hi, "extremes");
            (bool e3, uint16 n) = bitmap.nextAtOrAbove(lo);
            require(e3 && n == lo, "nextAtOrAbove");
            (bool e4, uint16 m) = bitmap.nextAtOrBelow(hi);
            require(e4 && m == hi, "nextAtOrBelow");
            if (hi < type(uint16).max) {
                (bool e5,) = bitmap.nextAtOrAbove(hi + 1);
                require(!e5, "nothing above highest");
            }
            if (lo > 0) {
                (bool e6,) = bitmap.nextAtOrBelow(lo - 1);
                require(!e6, "nothing below lowest");
            }
        }
    }
}
