// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title IProviderRegistry
/// @notice Providers' hardware profiles and staked collateral (in the governance token).
/// Stake is split into free and locked parts; the market locks collateral (restricted role) when a provider
/// lists capacity and unlocks or slashes it when jobs settle or expire. Free stake leaves only through an
/// unbonding delay set by governance.
interface IProviderRegistry {
    /// @notice What a provider declares about its machine; `benchmarkReport` is the sha2-256 digest of the
    /// signed benchmark report (the report's CIDv1 is `raw` + sha2-256 of the same bytes).
    struct HardwareProfile {
        string gpuModel;
        uint32 vramMb;
        uint64 throughputMilliOpsPerSec;
        string region;
        bytes32 benchmarkReport;
    }

    /// @notice A provider's collateral. `locked <= staked` always holds; `unbonding` is already out of `staked`.
    struct StakeInfo {
        uint128 staked;
        uint128 locked;
        uint128 unbonding;
        uint64 unbondingReadyAt;
    }

    /// @notice Registers the caller with `profile`, or replaces the profile of an already registered caller.
    function register(HardwareProfile calldata profile) external;
    /// @notice Pulls `amount` of the staking token from the caller (after `approve`) and adds it to its stake.
    function stake(uint256 amount) external;
    /// @notice Moves `amount` of the caller's free stake to unbonding.
    function requestUnbond(uint256 amount) external;
    /// @notice Sends the caller's whole unbonding amount back to it once the unbonding delay has passed.
    function withdrawUnbonded() external;

    /// @notice Locks `amount` of `provider`'s free stake as collateral (the market's role).
    function lockCollateral(address provider, uint256 amount) external;
    /// @notice Releases `amount` of `provider`'s locked collateral back to free stake (the market's role).
    function unlockCollateral(address provider, uint256 amount) external;
    /// @notice Takes `amount` out of `provider`'s locked collateral and pays it to `recipients` (the market's role).
    function slashCollateral(address provider, uint256 amount, address[] calldata recipients, uint256[] calldata amounts)
        external;

    /// @notice Whether `provider` has registered a hardware profile.
    function isRegistered(address provider) external view returns (bool);
    /// @notice The VRAM `provider` declared, in MiB (0 when not registered).
    function vramOf(address provider) external view returns (uint32);
    /// @notice `provider`'s stake that is neither locked nor unbonding.
    function freeStakeOf(address provider) external view returns (uint256);
    /// @notice `provider`'s full stake accounting.
    function stakeInfoOf(address provider) external view returns (StakeInfo memory);
    /// @notice `provider`'s hardware profile (all fields empty when not registered).
    function profileOf(address provider) external view returns (HardwareProfile memory);
}
