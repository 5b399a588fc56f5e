// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {ProviderRegistry} from "../contracts/providers/ProviderRegistry.sol";
import {IProviderRegistry} from "../contracts/interfaces/IProviderRegistry.sol";
import {SovraToken} from "../contracts/token/SovraToken.sol";

/// @dev The few Hardhat/Foundry cheatcodes these tests use (no forge-std offline).
interface Vm {
    function warp(uint256 newTimestamp) external;
    function prank(address sender) external;
    function expectRevert(bytes calldata revertData) external;
}

Vm constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
uint64 constant MARKET_ROLE = 1;

function boundValue(uint256 x, uint256 min, uint256 max) pure returns (uint256) {
    return min + (x % (max - min + 1));
}

/// @notice Drives the registry with random stake / lock / unlock / slash / unbond / withdraw sequences over a
/// few providers, acting as the market (it holds MARKET_ROLE) and pranking as providers.
contract RegistryHandler {
    ProviderRegistry public immutable registry;
    SovraToken public immutable token;
    address[3] private _actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];
    address[2] private _sinks = [address(0xB0E7), address(0x7EA5)];

    uint256 public ghostSlashed;
    uint256 public ghostWithdrawn;
    uint256 public calls;

    constructor(ProviderRegistry registry_, SovraToken token_) {
        registry = registry_;
        token = token_;
    }

    function actor(uint256 i) external view returns (address) {
        return _actors[i];
    }

    function actorCount() external pure returns (uint256) {
        return 3;
    }

    function sink(uint256 i) external view returns (address) {
        return _sinks[i];
    }

    function stake(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 available = token.balanceOf(address(this));
        if (available == 0) return;
        amount = boundValue(amount, 1, available < 1e24 ? available : 1e24);
        ++calls;
        token.transfer(a, amount);
        VM.prank(a);
        token.approve(address(registry), amount);
        VM.prank(a);
        registry.stake(amount);
    }

    function lock(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 free = registry.freeStakeOf(a);
        if (free == 0) return;
        ++calls;
        registry.lockCollateral(a, boundValue(amount, 1, free));
    }

    function lockTooMuch(uint256 seed, uint256 extra) external {
        address a = _actor(seed);
        uint256 free = registry.freeStakeOf(a);
        uint256 amount = free + boundValue(extra, 1, 1e24);
        ++calls;
        VM.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientFreeStake.selector, a, free, amount));
        registry.lockCollateral(a, amount);
    }

    function unlock(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 locked = registry.stakeInfoOf(a).locked;
        if (locked == 0) return;
        ++calls;
        registry.unlockCollateral(a, boundValue(amount, 1, locked));
    }

    function slash(uint256 seed, uint256 amount, uint256 split) external {
        address a = _actor(seed);
        uint256 locked = registry.stakeInfoOf(a).locked;
        if (locked == 0) return;
        amount = boundValue(amount, 1, locked);
        uint256 first = boundValue(split, 0, amount);
        address[] memory recipients = new address[](2);
        recipients[0] = _sinks[0];
        recipients[1] = _sinks[1];
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = first;
        amounts[1] = amount - first;
        ++calls;
        registry.slashCollateral(a, amount, recipients, amounts);
        ghostSlashed += amount;
    }

    function requestUnbond(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 free = registry.freeStakeOf(a);
        if (free == 0) return;
        ++calls;
        VM.prank(a);
        registry.requestUnbond(boundValue(amount, 1, free));
    }

    function withdraw(uint256 seed, uint256 wait) external {
        address a = _actor(seed);
        IProviderRegistry.StakeInfo memory s = registry.stakeInfoOf(a);
        if (s.unbonding == 0) return;
        VM.warp(block.timestamp + boundValue(wait, 0, 2 * uint256(registry.unbondingDelay())));
        ++calls;
        if (block.timestamp < s.unbondingReadyAt) {
            VM.expectRevert(abi.encodeWithSelector(ProviderRegistry.UnbondingNotReady.selector, s.unbondingReadyAt));
            VM.prank(a);
            registry.withdrawUnbonded();
            return;
        }
        VM.prank(a);
        registry.withdrawUnbonded();
        ghostWithdrawn += s.unbonding;
    }

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % 3];
    }
}

/// @notice Invariant and fuzz tests of the ProviderRegistry's accounting.
contract ProviderRegistryTest {
    uint256 private constant SUPPLY = 1e27;

    AccessManager private manager;
    SovraToken private token;
    ProviderRegistry private registry;
    RegistryHandler private handler;

    function setUp() public {
        manager = new AccessManager(address(this));
        token = new SovraToken(address(this), SUPPLY);
        registry = new ProviderRegistry(address(manager), token, 1 hours);
        handler = new RegistryHandler(registry, token);

        bytes4[] memory selectors = new bytes4[](3);
        selectors[0] = ProviderRegistry.lockCollateral.selector;
        selectors[1] = ProviderRegistry.unlockCollateral.selector;
        selectors[2] = ProviderRegistry.slashCollateral.selector;
        manager.setTargetFunctionRole(address(registry), selectors, MARKET_ROLE);
        manager.grantRole(MARKET_ROLE, address(handler), 0);
        manager.grantRole(MARKET_ROLE, address(this), 0);
        token.transfer(address(handler), SUPPLY / 2);
    }

    /// @dev Only the handler is called during invariant runs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    // ----- invariants -----

    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_lockedNeverExceedsStaked() public view {
        for (uint256 i; i < handler.actorCount(); ++i) {
            IProviderRegistry.StakeInfo memory s = registry.stakeInfoOf(handler.actor(i));
            require(s.locked <= s.staked, "locked > staked");
            require(registry.freeStakeOf(handler.actor(i)) == s.staked - s.locked, "free != staked - locked");
        }
    }

    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_balanceEqualsStakedPlusUnbonding() public view {
        uint256 sum;
        for (uint256 i; i < handler.actorCount(); ++i) {
            IProviderRegistry.StakeInfo memory s = registry.stakeInfoOf(handler.actor(i));
            sum += uint256(s.staked) + s.unbonding;
        }
        require(token.balanceOf(address(registry)) == sum, "balance != staked + unbonding");
    }

    /// hardhat-config: invariant.runs = 64
    /// hardhat-config: invariant.depth = 200
    function invariant_slashedTokensReachedRecipients() public view {
        require(
            token.balanceOf(handler.sink(0)) + token.balanceOf(handler.sink(1)) == handler.ghostSlashed(),
            "slash payouts != slashed"
        );
    }

    // ----- fuzz tests -----

    function testFuzz_stakeUnbondWithdraw(uint96 amount, uint96 unbond, uint32 wait) public {
        address p = address(0xF00D);
        uint256 a = boundValue(amount, 1, 1e26);
        uint256 u = boundValue(unbond, 1, a);
        _stake(p, a);

        uint256 start = block.timestamp;
        VM.prank(p);
        registry.requestUnbond(u);
        IProviderRegistry.StakeInfo memory s = registry.stakeInfoOf(p);
        require(s.staked == a - u && s.unbonding == u, "unbond booking");
        require(s.unbondingReadyAt == start + 1 hours, "ready time");

        uint256 w = boundValue(wait, 0, 3 hours);
        VM.warp(start + w);
        if (w < 1 hours) {
            VM.expectRevert(abi.encodeWithSelector(ProviderRegistry.UnbondingNotReady.selector, uint64(start + 1 hours)));
            VM.prank(p);
            registry.withdrawUnbonded();
        } else {
            VM.prank(p);
            registry.withdrawUnbonded();
            require(token.balanceOf(p) == u, "withdrawn amount");
            require(token.balanceOf(address(registry)) == a - u, "registry balance");
        }
    }

    function testFuzz_lockOnlyFromFreeStake(uint96 amount, uint96 lockA, uint96 lockB) public {
        address p = address(0xBEEF);
        uint256 a = boundValue(amount, 1, 1e26);
        _stake(p, a);
        uint256 first = boundValue(lockA, 1, a);
        registry.lockCollateral(p, first);
        uint256 second = boundValue(lockB, 1, 2 * a);
        if (second > a - first) {
            VM.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientFreeStake.selector, p, a - first, second));
            registry.lockCollateral(p, second);
        } else {
            registry.lockCollateral(p, second);
            require(registry.stakeInfoOf(p).locked == first + second, "locked total");
        }
        // Locked collateral cannot be unbonded.
        uint256 free = registry.freeStakeOf(p);
        VM.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientFreeStake.selector, p, free, free + 1));
        VM.prank(p);
        registry.requestUnbond(free + 1);
    }

    function testFuzz_slashPaysExactly(uint96 amount, uint96 slashed, uint96 split) public {
        address p = address(0xCAFE);
        uint256 a = boundValue(amount, 1, 1e26);
        _stake(p, a);
        registry.lockCollateral(p, a);
        uint256 x = boundValue(slashed, 1, a);
        uint256 first = boundValue(split, 0, x);
        address[] memory recipients = new address[](2);
        recipients[0] = address(0x1111);
        recipients[1] = address(0x2222);
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = first;
        amounts[1] = x - first;
        registry.slashCollateral(p, x, recipients, amounts);
        IProviderRegistry.StakeInfo memory s = registry.stakeInfoOf(p);
        require(s.staked == a - x && s.locked == a - x, "slash booking");
        require(token.balanceOf(recipients[0]) == first && token.balanceOf(recipients[1]) == x - first, "payouts");
        require(token.balanceOf(address(registry)) == a - x, "registry balance");
    }

    function _stake(address p, uint256 amount) private {
        token.transfer(p, amount);
        VM.prank(p);
        token.approve(address(registry), amount);
        VM.prank(p);
        registry.stake(amount);
    }
}
