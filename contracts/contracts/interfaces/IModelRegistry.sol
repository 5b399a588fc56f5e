// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IInferenceVerifier} from "./IInferenceVerifier.sol";

/// @title IModelRegistry
/// @notice Models the market can trade: a model id names one set of weights (by the multihash of their CID), the
/// verifier whose circuit has those weights as constants (and the hash of its verifying key), the input/output
/// spec and the minimum VRAM a provider needs. Only approved models can get markets.
interface IModelRegistry {
    /// @notice How a model's results become final, read from its verifier's key hash: a tier's settlement contract
    /// reports that tier's tag (`OPTIMISTIC_TIER_TAG`, `TEE_TIER_TAG`); any other key hash is a zk circuit's.
    enum Tier {
        None,
        Zk,
        Optimistic,
        Tee
    }

    struct Model {
        IInferenceVerifier verifier;
        uint32 minVramMb;
        bool approved;
        /// keccak256 of the verifier's verifying key (`IInferenceVerifier.verifyingKeyHash`)
        bytes32 vkeyHash;
        /// multihash of the weights (the CIDv1's hash part: code, digest length, digest; sha2-256: 0x1220 + 32 bytes)
        bytes weightsMultihash;
        string ioSpec;
    }

    /// @notice Registers model `modelId`, unapproved (governance). Ids are unique and registrations immutable.
    function registerModel(
        bytes32 modelId,
        bytes calldata weightsMultihash,
        bytes32 vkeyHash,
        IInferenceVerifier verifier,
        string calldata ioSpec,
        uint32 minVramMb
    ) external;
    /// @notice Approves `modelId` for trading, or withdraws its approval (governance).
    function setModelApproved(bytes32 modelId, bool approved) external;

    /// @notice Model `modelId` (all fields zero when not registered).
    function modelOf(bytes32 modelId) external view returns (Model memory);
    /// @notice The tier of `modelId` (`None` when not registered).
    function tierOf(bytes32 modelId) external view returns (Tier);
    /// @notice Whether `modelId` is registered and approved.
    function isApproved(bytes32 modelId) external view returns (bool);
}
