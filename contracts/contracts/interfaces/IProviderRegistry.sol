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

    function register(HardwareProfile calldata profile) external;
    function stake(uint256 amount) external;
    function requestUnbond(uint256 amount) external;
    function withdrawUnbonded() external;

    function lockCollateral(address provider, uint256 amount) external;
    function unlockCollateral(address provider, uint256 amount) external;
    function slashCollateral(address provider, uint256 amount, address[] calldata recipients, uint256[] calldata amounts)
        external;

    function isRegistered(address provider) external view returns (bool);
    function vramOf(address provider) external view returns (uint32);
    function freeStakeOf(address provider) external view returns (uint256);
    function stakeInfoOf(address provider) external view returns (StakeInfo memory);
    function profileOf(address provider) external view returns (HardwareProfile memory);
}
