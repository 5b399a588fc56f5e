// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Providers' hardware profiles and their collateral in the governance token.
///
/// A provider's stake is `staked` (of which `locked` backs listed capacity and open jobs) plus `unbonding`
/// (already out of `staked`, waiting for the unbonding delay). Only free stake (`staked - locked`) can start
/// unbonding; only locked collateral can be slashed. The market holds a role (through the AccessManager) to
/// lock, unlock and slash; governance sets the unbonding delay.
///
/// Invariants: `locked <= staked` for every provider; the registry's token balance equals the sum over
/// providers of `staked + unbonding` (tokens sent to the registry directly are not counted and stay there).
///
/// WARNING: the staking token must be a plain ERC20 (no fee on transfer, no rebasing): the registry books the
/// amount it asked for, not the amount it received. The Sovra token satisfies this.
contract ProviderRegistry is IProviderRegistry, AccessManaged, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Lower bound of the unbonding delay governance may set.
    uint64 public constant MIN_UNBONDING_DELAY = 1 hours;
    /// @notice Upper bound of the unbonding delay governance may set.
    uint64 public constant MAX_UNBONDING_DELAY = 60 days;
    /// @notice Maximum byte length of a profile's `gpuModel`.
    uint256 public constant MAX_GPU_MODEL_LENGTH = 64;
    /// @notice Maximum byte length of a profile's `region`.
    uint256 public constant MAX_REGION_LENGTH = 32;
    /// @notice Maximum number of recipients of one slash (bounds the payout loop).
    uint256 public constant MAX_SLASH_RECIPIENTS = 8;

    /// @notice The staking (governance) token.
    IERC20 public immutable stakingToken;

    /// @notice Seconds between `requestUnbond` and the moment the amount can be withdrawn.
    uint64 public unbondingDelay;

    mapping(address provider => HardwareProfile) private _profiles;
    mapping(address provider => StakeInfo) private _stakes;

    /// @notice A new provider registered its hardware profile.
    event ProviderRegistered(address indexed provider, HardwareProfile profile);
    /// @notice A registered provider replaced its hardware profile.
    event ProviderProfileUpdated(address indexed provider, HardwareProfile profile);
    /// @notice `provider` added `amount` to its stake; `staked` is the new total.
    event Staked(address indexed provider, uint256 amount, uint256 staked);
    /// @notice `amount` of free stake started unbonding; `unbonding` is the pending total, ready at `readyAt`.
    event UnbondRequested(address indexed provider, uint256 amount, uint256 unbonding, uint64 readyAt);
    /// @notice `provider` withdrew `amount` of unbonded stake.
    event UnbondWithdrawn(address indexed provider, uint256 amount);
    /// @notice The market locked `amount` of `provider`'s free stake; `locked` is the new total.
    event CollateralLocked(address indexed provider, uint256 amount, uint256 locked);
    /// @notice The market released `amount` of `provider`'s locked collateral; `locked` is the new total.
    event CollateralUnlocked(address indexed provider, uint256 amount, uint256 locked);
    /// @notice `amount` of `provider`'s locked collateral was slashed and paid to `recipients`.
    event CollateralSlashed(address indexed provider, uint256 amount, address[] recipients, uint256[] amounts);
    /// @notice Governance changed the unbonding delay.
    event UnbondingDelayUpdated(uint64 oldDelay, uint64 newDelay);

    /// @notice The staking token is the zero address.
    error ZeroStakingToken();
    /// @notice The profile declares zero VRAM.
    error ZeroVram();
    /// @notice The profile's GPU model is empty.
    error EmptyGpuModel();
    /// @notice The profile's GPU model is longer than `MAX_GPU_MODEL_LENGTH` bytes.
    error GpuModelTooLong(uint256 length);
    /// @notice The profile's region is longer than `MAX_REGION_LENGTH` bytes.
    error RegionTooLong(uint256 length);
    /// @notice An amount that must be positive is zero.
    error ZeroAmount();
    /// @notice `provider` has only `free` stake outside locked collateral, less than `requested`.
    error InsufficientFreeStake(address provider, uint256 free, uint256 requested);
    /// @notice `provider` has only `locked` collateral, less than `requested`.
    error InsufficientLockedCollateral(address provider, uint256 locked, uint256 requested);
    /// @notice The caller has nothing unbonding.
    error NothingUnbonding();
    /// @notice The pending unbonding amount becomes withdrawable only at `readyAt`.
    error UnbondingNotReady(uint64 readyAt);
    /// @notice The unbonding delay is outside [`MIN_UNBONDING_DELAY`, `MAX_UNBONDING_DELAY`].
    error UnbondingDelayOutOfBounds(uint64 delay);
    /// @notice `recipients` and `amounts` differ in length.
    error SlashLengthMismatch(uint256 recipients, uint256 amounts);
    /// @notice More than `MAX_SLASH_RECIPIENTS` recipients.
    error TooManySlashRecipients(uint256 count);
    /// @notice The recipients' amounts add up to `sum`, not to the slashed `amount`.
    error SlashSumMismatch(uint256 amount, uint256 sum);
    /// @notice A slash recipient with a positive amount is the zero address.
    error ZeroSlashRecipient();

    /// @param authority The AccessManager holding this registry's roles.
    /// @param stakingToken_ The token staked as collateral (the Sovra token).
    /// @param unbondingDelay_ The initial unbonding delay, within the bounds.
    constructor(address authority, IERC20 stakingToken_, uint64 unbondingDelay_) AccessManaged(authority) {
        if (address(stakingToken_) == address(0)) revert ZeroStakingToken();
        stakingToken = stakingToken_;
        _setUnbondingDelay(unbondingDelay_);
    }

    // ----------------------------------------------------------------------------------------------------
    // Provider actions
    // ----------------------------------------------------------------------------------------------------

    /// @notice Registers the caller with `profile`, or replaces the profile of an already registered caller.
    /// @dev Emits {ProviderRegistered} the first time and {ProviderProfileUpdated} afterwards.
    /// @param profile Non-empty GPU model (at most 64 bytes), nonzero VRAM, region of at most 32 bytes.
    function register(HardwareProfile calldata profile) external {
        _validateProfile(profile);
        bool isNew = _profiles[msg.sender].vramMb == 0;
        _profiles[msg.sender] = profile;
        if (isNew) {
            emit ProviderRegistered(msg.sender, profile);
        } else {
            emit ProviderProfileUpdated(msg.sender, profile);
        }
    }

    /// @notice Pulls `amount` of the staking token from the caller (after `approve`) and adds it to its stake.
    /// @dev Registration is not required: a provider may stake first and register afterwards.
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        uint128 newStaked = (uint256(s.staked) + amount).toUint128();
        s.staked = newStaked;
        emit Staked(msg.sender, amount, newStaked);
        stakingToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Moves `amount` of the caller's free stake to unbonding. The pending unbonding total becomes
    /// withdrawable `unbondingDelay` seconds from now: a new request adds to the pending amount and restarts
    /// the timer for all of it.
    function requestUnbond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        uint256 free = uint256(s.staked) - s.locked;
        if (amount > free) revert InsufficientFreeStake(msg.sender, free, amount);
        // amount <= free <= staked < 2^128, and unbonding + staked never exceeds the token's supply.
        s.staked -= uint128(amount);
        uint128 newUnbonding = (uint256(s.unbonding) + amount).toUint128();
        s.unbonding = newUnbonding;
        uint64 readyAt = uint64(block.timestamp) + unbondingDelay;
        s.unbondingReadyAt = readyAt;
        emit UnbondRequested(msg.sender, amount, newUnbonding, readyAt);
    }

    /// @notice Sends the caller's whole unbonding amount back to it once the unbonding delay has passed.
    function withdrawUnbonded() external nonReentrant {
        StakeInfo storage s = _stakes[msg.sender];
        uint256 amount = s.unbonding;
        if (amount == 0) revert NothingUnbonding();
        if (block.timestamp < s.unbondingReadyAt) revert UnbondingNotReady(s.unbondingReadyAt);
        s.unbonding = 0;
        s.unbondingReadyAt = 0;
        emit UnbondWithdrawn(msg.sender, amount);
        stakingToken.safeTransfer(msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------------
    // Market actions (restricted: MARKET_ROLE)
    // ----------------------------------------------------------------------------------------------------

    /// @notice Locks `amount` of `provider`'s free stake as collateral. A zero amount does nothing.
    /// @dev Restricted to the market's role. Reverts with {InsufficientFreeStake} when free stake is short.
    function lockCollateral(address provider, uint256 amount) external restricted {
        if (amount == 0) return;
        StakeInfo storage s = _stakes[provider];
        uint256 free = uint256(s.staked) - s.locked;
        if (amount > free) revert InsufficientFreeStake(provider, free, amount);
        // s.locked + amount <= s.staked, a uint128.
        uint128 newLocked = s.locked + uint128(amount);
        s.locked = newLocked;
        emit CollateralLocked(provider, amount, newLocked);
    }

    /// @notice Releases `amount` of `provider`'s locked collateral back to free stake. A zero amount does nothing.
    /// @dev Restricted to the market's role. Reverts with {InsufficientLockedCollateral} beyond the locked part.
    function unlockCollateral(address provider, uint256 amount) external restricted {
        if (amount == 0) return;
        StakeInfo storage s = _stakes[provider];
        uint256 locked = s.locked;
        if (amount > locked) revert InsufficientLockedCollateral(provider, locked, amount);
        uint128 newLocked = uint128(locked - amount);
        s.locked = newLocked;
        emit CollateralUnlocked(provider, amount, newLocked);
    }

    /// @notice Takes `amount` out of `provider`'s locked collateral (reducing both `locked` and `staked`) and
    /// pays `amounts[i]` to `recipients[i]`. The amounts must add up to `amount`; zero entries are skipped.
    /// A zero `amount` with no recipients does nothing.
    /// @dev Restricted to the market's role. At most `MAX_SLASH_RECIPIENTS` recipients.
    function slashCollateral(address provider, uint256 amount, address[] calldata recipients, uint256[] calldata amounts)
        external
        restricted
        nonReentrant
    {
        uint256 n = recipients.length;
        if (n != amounts.length) revert SlashLengthMismatch(n, amounts.length);
        if (n > MAX_SLASH_RECIPIENTS) revert TooManySlashRecipients(n);
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            if (amounts[i] != 0 && recipients[i] == address(0)) revert ZeroSlashRecipient();
            sum += amounts[i];
        }
        if (sum != amount) revert SlashSumMismatch(amount, sum);
        if (amount == 0) return;

        StakeInfo storage s = _stakes[provider];
        uint256 locked = s.locked;
        if (amount > locked) revert InsufficientLockedCollateral(provider, locked, amount);
        // amount <= locked <= staked, both uint128.
        s.locked = uint128(locked - amount);
        s.staked -= uint128(amount);
        emit CollateralSlashed(provider, amount, recipients, amounts);

        for (uint256 i; i < n; ++i) {
            if (amounts[i] != 0) stakingToken.safeTransfer(recipients[i], amounts[i]);
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------------

    /// @notice Sets the unbonding delay for future requests (pending requests keep their ready time).
    /// @dev Restricted (governance). Bounded by `MIN_UNBONDING_DELAY` and `MAX_UNBONDING_DELAY`.
    function setUnbondingDelay(uint64 newDelay) external restricted {
        _setUnbondingDelay(newDelay);
    }

    // ----------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------

    /// @notice Whether `provider` has registered a hardware profile.
    function isRegistered(address provider) external view returns (bool) {
        return _profiles[provider].vramMb != 0;
    }

    /// @notice The VRAM `provider` declared, in MiB (0 when not registered).
    function vramOf(address provider) external view returns (uint32) {
        return _profiles[provider].vramMb;
    }

    /// @notice `provider`'s stake that is neither locked nor unbonding.
    function freeStakeOf(address provider) external view returns (uint256) {
        StakeInfo storage s = _stakes[provider];
        return uint256(s.staked) - s.locked;
    }

    /// @notice `provider`'s full stake accounting.
    function stakeInfoOf(address provider) external view returns (StakeInfo memory) {
        return _stakes[provider];
    }

    /// @notice `provider`'s hardware profile (all fields empty when not registered).
    function profileOf(address provider) external view returns (HardwareProfile memory) {
        return _profiles[provider];
    }

    // ----------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------

    function _setUnbondingDelay(uint64 newDelay) private {
        if (newDelay < MIN_UNBONDING_DELAY || newDelay > MAX_UNBONDING_DELAY) {
            revert UnbondingDelayOutOfBounds(newDelay);
        }
        emit UnbondingDelayUpdated(unbondingDelay, newDelay);
        unbondingDelay = newDelay;
    }

    function _validateProfile(HardwareProfile calldata profile) private pure {
        if (profile.vramMb == 0) revert ZeroVram();
        uint256 gpuLength = bytes(profile.gpuModel).length;
        if (gpuLength == 0) revert EmptyGpuModel();
        if (gpuLength > MAX_GPU_MODEL_LENGTH) revert GpuModelTooLong(gpuLength);
        uint256 regionLength = bytes(profile.region).length;
        if (regionLength > MAX_REGION_LENGTH) revert RegionTooLong(regionLength);
    }
}
